"""Subnet allocation: carve public, private and isolated subnets for each AZ out of the VPC CIDR.

Pure and deterministic: the same VPC CIDR, AZ count and masks always give the same subnets, and
adding a tier never moves an existing one (tiers are laid out in fixed slots, not packed).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

TIERS = ("public", "private", "isolated")
MAX_AZS = 3


@dataclass(frozen=True)
class SubnetPlan:
    tier: str
    az_index: int
    cidr: str


class CidrError(ValueError):
    pass


def allocate(vpc_cidr: str, az_count: int, masks: dict[str, int]) -> list[SubnetPlan]:
    """Allocate one subnet per tier per AZ.

    The VPC is split into one block per tier (a quarter each, the last quarter left spare); each
    tier block is split into ``MAX_AZS`` + 1 slots so growing from 2 to 3 AZs keeps addresses.
    Raises CidrError when a mask does not fit its slot.
    """
    try:
        vpc = ipaddress.ip_network(vpc_cidr, strict=True)
    except ValueError as exc:
        raise CidrError(f"{vpc_cidr!r} is not a valid network CIDR ({exc})") from None
    if not isinstance(vpc, ipaddress.IPv4Network):
        raise CidrError("the VPC CIDR must be IPv4")
    if not 16 <= vpc.prefixlen <= 24:
        raise CidrError(f"the VPC prefix must be between /16 and /24, got /{vpc.prefixlen}")
    if not 1 <= az_count <= MAX_AZS:
        raise CidrError(f"az count must be 1..{MAX_AZS}, got {az_count}")
    tier_blocks = list(vpc.subnets(prefixlen_diff=2))  # 4 quarters: public, private, isolated, spare
    plans: list[SubnetPlan] = []
    for tier, block in zip(TIERS, tier_blocks, strict=False):
        slot_prefix = block.prefixlen + 2  # 4 slots per tier: up to 3 AZs + 1 spare
        mask = masks[tier]
        if mask < slot_prefix:
            raise CidrError(
                f"{tier} subnets of /{mask} do not fit: with VPC /{vpc.prefixlen} each AZ slot is "
                f"/{slot_prefix}, so the mask must be /{slot_prefix} or longer (at most /28)")
        if mask > 28:
            raise CidrError(f"{tier} subnets must be /28 or larger (AWS minimum), got /{mask}")
        slots = list(block.subnets(new_prefix=slot_prefix))
        for az in range(az_count):
            subnet = next(slots[az].subnets(new_prefix=mask))
            plans.append(SubnetPlan(tier, az, str(subnet)))
    return plans
