"""Argument types for traffic: plain frozen values, parsed from a profile by cutover.config.traffic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

TLS13_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
PLACEHOLDER_ZONE = "Z0000000000000000000000"
PLACEHOLDER_ACCOUNT = "111111111111"


class FrontDoorKind(Enum):
    ALB = "alb"
    ROUTE53 = "route53"
    ALIAS = "alias"
    NONE = "none"


class BlueVariant(Enum):
    EXTERNAL = "external"  # not managed by this stack: DNS name or private IPs
    ECS = "ecs"  # built by this stack with the ECS variant (traffic.blue.container)
    SERVERLESS = "serverless"  # built by this stack with the serverless variant (traffic.blue.services)
    NONE = "none"


class GreenVariant(Enum):
    SERVERLESS = "serverless"
    ECS = "ecs"


class GreenEndpoint(Enum):
    """Which part of green the front door points at."""

    HTTP_API = "httpApi"  # the HTTP API's custom domain (or its execute-api hostname)
    FRONTEND = "frontend"  # the S3 + CloudFront static site
    EDGE = "edge"  # the CloudFront distribution in front of the HTTP API
    ALB = "alb"  # the ECS variant's load balancer
    CDN = "cdn"  # the ECS variant's CloudFront distribution
    LAMBDA = "lambda"  # one service's live alias as an ALB target (alb kind)


@dataclass(frozen=True)
class PeeringConfig:
    """Same-account VPC peering to the legacy VPC blue runs in (alb kind with IP targets)."""

    peer_vpc_id: str
    peer_cidr: str
    peer_route_table_ids: tuple[str, ...]


@dataclass(frozen=True)
class WeightedName:
    """One more name the front door weighs besides its ``recordName`` (``traffic.frontDoor.extraNames.<key>``).

    route53: its own weighted pair (set identifiers ``blue``/``green``) with health checks; alb: a
    host-header rule forwarding between blue's target group and one green service's. Moved by the same
    ``greenWeight``, reset by the same rollback.
    """

    key: str  # the profile's label for it: logical names derive from it, never from a position
    record_name: str  # lowercase, no trailing dot
    zone_id: str | None  # route53: its hosted zone (the front door's unless set); alb: its alias record, if any
    blue: BlueConfig | None = None  # route53: an external blue of its own; None: the front door's blue
    green_endpoint: GreenEndpoint | None = None  # route53: the part of green it points at
    green_service: str | None = None  # alb: the service whose Lambda target group takes its green share
    health_check_path: str | None = None  # green's health check path; None: the front door's
    certificate_arn: str | None = None  # alb: a certificate for it added to the HTTPS listener (SNI)


@dataclass(frozen=True)
class FrontDoorConfig:
    kind: FrontDoorKind
    zone_id: str | None  # route53: required; alb: optional alias record for the load balancer
    record_name: str | None
    ttl: int  # weighted CNAME/A records (alias records have none)
    health_check_path: str  # green's health check (ALB target group, Route 53 health check)
    certificate_arn: str | None  # alb: ACM certificate in the stack's region
    ssl_policy: str = TLS13_POLICY
    extra_names: tuple[WeightedName, ...] = ()  # more weighted names, by key (issue 13 item 2)

    @property
    def record_names(self) -> tuple[str, ...]:
        """Every weighted name: ``recordName`` first, then the extra names in profile order."""
        first = (self.record_name,) if self.record_name else ()
        return first + tuple(n.record_name for n in self.extra_names)


@dataclass(frozen=True)
class BlueDatabase:
    """A database blue owns that this stack does not manage: the cleanup path archives it."""

    identifier: str  # RDS instance or Aurora cluster identifier
    cluster: bool


@dataclass(frozen=True)
class BlueConfig:
    variant: BlueVariant
    dns_name: str | None = None  # external: the current host (CNAME target, health-checked)
    zone_id: str | None = None  # external: the DNS name's alias zone (e.g. an ALB's) for alias A records
    targets: tuple[str, ...] = ()  # external: private IPs (ALB ip targets, or A record values)
    port: int = 443
    protocol: str = "HTTPS"
    health_check_path: str = "/"
    peering: PeeringConfig | None = None
    # ecs: the raw container/containers/alb/cdn sections, parsed by cutover.config.blue
    ecs_sections: Mapping[str, Any] | None = None
    # serverless: the raw services/serviceDefaults/httpApi/websocket sections, parsed by cutover.config.stack
    serverless_sections: Mapping[str, Any] | None = None
    service: str | None = None  # serverless, alb kind: the service whose live alias takes blue's share
    databases: tuple[BlueDatabase, ...] = ()  # blue's RDS, snapshotted and exported when blue retires


@dataclass(frozen=True)
class GreenConfig:
    variant: GreenVariant
    endpoint: GreenEndpoint
    service: str | None = None  # alb kind: the service behind the Lambda target group


@dataclass(frozen=True)
class RollbackConfig:
    """Automatic rollback triggers; a threshold of None means no such alarm. Periods are 60 s and the
    minutes are consecutive breaching minutes (evaluation periods = datapoints to alarm)."""

    error_rate_percent: float | None = None  # green's load balancer 5xx share
    error_rate_minutes: int = 5
    latency_ms: int | None = None  # green's average target response time
    latency_minutes: int = 5
    lambda_error_percent: float | None = None  # sum(Errors) / sum(Invocations) of green's functions
    lambda_error_minutes: int = 5
    api5xx_percent: float | None = None  # API Gateway 5xx / Count of green's HTTP API
    api5xx_minutes: int = 5
    # Reserve 1 concurrent execution for the rollback Lambda (reservedConcurrentExecutions): it can
    # then never be throttled by the rest of the account. Off by default: AWS keeps at least 100
    # executions unreserved, so on an account with the new-account quota (as low as 10) the
    # reservation is refused (docs/runbooks/rollback.md).
    reserve_concurrency: bool = False

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.error_rate_percent, self.latency_ms, self.lambda_error_percent,
                                           self.api5xx_percent))


@dataclass(frozen=True)
class TrafficConfig:
    stages: tuple[int, ...]
    front_door: FrontDoorConfig
    blue: BlueConfig
    green: GreenConfig
    rollback: RollbackConfig
    stable_versions: Mapping[str, str] = field(default_factory=dict)  # alias kind: service -> version

    @property
    def kind(self) -> FrontDoorKind:
        return self.front_door.kind

    def placeholders(self) -> list[str]:
        """Keys still holding the obvious placeholders profiles ship with."""
        found = []
        if self.front_door.zone_id == PLACEHOLDER_ZONE:
            found.append("traffic.frontDoor.zoneId")
        if self.front_door.certificate_arn and f":{PLACEHOLDER_ACCOUNT}:" in self.front_door.certificate_arn:
            found.append("traffic.frontDoor.certificateArn")
        if self.blue.zone_id == PLACEHOLDER_ZONE:
            found.append("traffic.blue.zoneId")
        if self.blue.dns_name and self.blue.dns_name.endswith(".example.com"):
            found.append("traffic.blue.dnsName")
        if self.blue.peering and set(self.blue.peering.peer_vpc_id[4:]) == {"0"}:
            found.append("traffic.blue.peering.peerVpcId")
        for extra in self.front_door.extra_names:
            key = f"traffic.frontDoor.extraNames.{extra.key}"
            if extra.zone_id == PLACEHOLDER_ZONE and extra.zone_id != self.front_door.zone_id:
                found.append(f"{key}.zoneId")
            if extra.certificate_arn and f":{PLACEHOLDER_ACCOUNT}:" in extra.certificate_arn:
                found.append(f"{key}.certificateArn")
            if extra.blue is not None and extra.blue.zone_id == PLACEHOLDER_ZONE:
                found.append(f"{key}.blue.zoneId")
            if extra.blue is not None and extra.blue.dns_name and extra.blue.dns_name.endswith(".example.com"):
                found.append(f"{key}.blue.dnsName")
        return found
