"""Argument types for network: plain frozen values, parsed from a profile by cutover.config.network."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cutover.cidr import SubnetPlan, allocate


class NatMode(Enum):
    NONE = "none"  # isolated workloads only (seed 004's database-only VPC)
    INSTANCE = "instance"  # one t4g.nano NAT instance: ~$3/month instead of ~$33 per gateway
    GATEWAY = "gateway"  # one managed NAT gateway shared by all AZs
    GATEWAY_PER_AZ = "gateway-per-az"  # one per AZ: no cross-AZ dependency, highest cost


@dataclass(frozen=True)
class NetworkConfig:
    cidr: str
    az_count: int
    public_mask: int
    private_mask: int
    isolated_mask: int
    nat_mode: NatMode
    nat_instance_type: str
    gateway_endpoints: tuple[str, ...]
    flow_logs: bool
    flow_log_retention_days: int

    @property
    def masks(self) -> dict[str, int]:
        return {"public": self.public_mask, "private": self.private_mask, "isolated": self.isolated_mask}

    def subnets(self) -> list[SubnetPlan]:
        return allocate(self.cidr, self.az_count, self.masks)
