"""Network section: VPC CIDR, AZs, subnet sizes, NAT mode, endpoints and flow logs."""

from __future__ import annotations

import ipaddress
from typing import Any

from components.specs.network import (
    NatMode,
    NetworkConfig,
)
from cutover.cidr import MAX_AZS, TIERS, CidrError
from cutover.config.environment import LOG_RETENTION_DAYS, EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError

GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")  # the only free (gateway) endpoints
_CIDR_HELP = "an IPv4 CIDR from /16 to /24, e.g. 10.40.0.0/16"


def parse_network(r: Reader, env: EnvironmentSettings) -> NetworkConfig:
    from cutover.config.schema import default

    def d(key: str) -> Any:
        return default(f"network.{key}", env.name.value)

    cidr = r.string("cidr", d("cidr"))
    az_count = r.integer("azCount", d("azCount"), minimum=2, maximum=MAX_AZS)
    masks_r = r.section("subnetMasks")
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError as exc:
        raise ConfigError(r.key("cidr"), f"{cidr!r} is not a network CIDR ({exc})", _CIDR_HELP) from None
    if network.version != 4 or not 16 <= network.prefixlen <= 24:
        raise ConfigError(r.key("cidr"), f"{cidr!r} is not an IPv4 network from /16 to /24", _CIDR_HELP)
    prefix = network.prefixlen
    slot = prefix + 4  # see cutover.cidr.allocate: quarter per tier, then 4 AZ slots
    masks = {t: masks_r.integer(t, min(slot, 28), minimum=16, maximum=28) for t in TIERS}
    masks_r.finish()
    nat_mode = r.enum("natMode", NatMode, NatMode(d("natMode")))
    endpoints = r.string_list("gatewayEndpoints", d("gatewayEndpoints"))
    for e in endpoints:
        if e not in GATEWAY_ENDPOINT_SERVICES:
            raise ConfigError(r.key("gatewayEndpoints"), f"unknown gateway endpoint {e!r}",
                              " | ".join(GATEWAY_ENDPOINT_SERVICES))
    retention = r.integer("flowLogRetentionDays", env.log_retention_days)
    if retention not in LOG_RETENTION_DAYS:
        raise ConfigError(r.key("flowLogRetentionDays"), f"{retention} is not a CloudWatch Logs retention period",
                          ", ".join(map(str, LOG_RETENTION_DAYS)))
    config = NetworkConfig(
        cidr=cidr,
        az_count=az_count,
        public_mask=masks["public"],
        private_mask=masks["private"],
        isolated_mask=masks["isolated"],
        nat_mode=nat_mode,
        nat_instance_type=r.string("natInstanceType", d("natInstanceType"),
                                   pattern=lambda v: v.startswith(("t4g.", "t3.", "t3a.", "c7g.", "c6g.")),
                                   describe="a burstable or compute instance type, e.g. t4g.nano"),
        gateway_endpoints=tuple(endpoints),
        flow_logs=r.boolean("flowLogs", d("flowLogs")),
        flow_log_retention_days=retention,
    )
    r.finish()
    try:
        config.subnets()
    except CidrError as exc:
        raise ConfigError(r.key("subnetMasks"), str(exc)) from None
    return config
