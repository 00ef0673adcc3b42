"""The ``traffic:`` profile section: stages, the front door, the two colors and the rollback triggers.

One knob moves traffic: ``cutover:greenWeight`` (0..100). This section says *where* it applies:

* ``frontDoor.kind: alb``: an HTTPS listener forwards to two weighted target groups (seed 002);
* ``frontDoor.kind: route53``: two weighted records (set identifiers ``blue``/``green``) with health checks;
* ``frontDoor.kind: alias``: green only; each service's ``live`` alias splits between the newest
  published version (green) and the pinned stable version (``stableVersions``);
* ``frontDoor.kind: none``: no front door (a stack that only builds one side).

Hosted zone ids, certificate ARNs, IPs and VPC ids in profiles are placeholders the operator
replaces before deploying; ``TrafficConfig.placeholders()`` names the ones still in place.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from cutover.config.reader import Reader
from cutover.errors import ConfigError
from cutover.weights import validate_stages

TLS13_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
DEFAULT_STAGES = (10, 50, 100)
PLACEHOLDER_ZONE = "Z0000000000000000000000"
PLACEHOLDER_ACCOUNT = "111111111111"
_ZONE = re.compile(r"^Z[A-Z0-9]{1,31}$")
_ACM = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):([0-9]{12}):certificate/[A-Za-z0-9-]+$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_RTB = re.compile(r"^rtb-[0-9a-f]{8,17}$")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")
_VERSION = re.compile(r"^[1-9][0-9]*$")
_RDS_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
ECS_SECTIONS = ("container", "containers", "alb", "cdn")  # an ecs blue, parsed by cutover.config.blue


class FrontDoorKind(Enum):
    ALB = "alb"
    ROUTE53 = "route53"
    ALIAS = "alias"
    NONE = "none"


class BlueVariant(Enum):
    EXTERNAL = "external"  # not managed by this stack: DNS name or private IPs
    ECS = "ecs"  # built by this stack with the ECS variant (traffic.blue.container)
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


_ENDPOINTS = {
    GreenVariant.SERVERLESS: (GreenEndpoint.HTTP_API, GreenEndpoint.FRONTEND, GreenEndpoint.EDGE),
    GreenVariant.ECS: (GreenEndpoint.ALB, GreenEndpoint.CDN),
}


@dataclass(frozen=True)
class PeeringConfig:
    """Same-account VPC peering to the legacy VPC blue runs in (alb kind with IP targets)."""

    peer_vpc_id: str
    peer_cidr: str
    peer_route_table_ids: tuple[str, ...]


@dataclass(frozen=True)
class FrontDoorConfig:
    kind: FrontDoorKind
    zone_id: str | None  # route53: required; alb: optional alias record for the load balancer
    record_name: str | None
    ttl: int  # weighted CNAME/A records (alias records have none)
    health_check_path: str  # green's health check (ALB target group, Route 53 health check)
    certificate_arn: str | None  # alb: ACM certificate in the stack's region
    ssl_policy: str = TLS13_POLICY


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
        return found


def parse_traffic(doc: Reader, *, green_weight: int, retire: str, region: str, vpc_cidr: str,
                  services: tuple[str, ...]) -> TrafficConfig:
    """Parse ``traffic`` from the merged profile document (``doc`` is its top level).

    ``retire`` is the flat key's value (none | blue | green); ``services`` are the declared
    serverless services; ``vpc_cidr`` is the stack VPC's (peering must not overlap it).
    """
    r = doc.section("traffic")
    stages = _stages(r)
    fd = _front_door(r.section("frontDoor"), region)
    blue = _blue(r.section("blue"), fd.kind, vpc_cidr)
    green = _green(r.section("green"), fd.kind, services)
    rollback = _rollback(r.section("rollback"))
    stable = _stable_versions(r, services)
    r.finish()
    cfg = TrafficConfig(stages, fd, blue, green, rollback, stable)
    _check_combinations(cfg, r, green_weight, retire)
    return cfg


# --- parts -----------------------------------------------------------------------------------------
def _stages(r: Reader) -> tuple[int, ...]:
    raw = r.raw("stages", list(DEFAULT_STAGES))
    if not isinstance(raw, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in raw):
        raise ConfigError(r.key("stages"), f"must be a list of integers, got {raw!r}", "e.g. [10, 50, 100]")
    problems = validate_stages(raw)
    if problems:
        raise ConfigError(r.key("stages"), "; ".join(problems),
                          "strictly increasing percents 1..100 ending at 100, e.g. [5, 25, 50, 75, 100]")
    return tuple(raw)


def _front_door(r: Reader, region: str) -> FrontDoorConfig:
    kind = r.enum("kind", FrontDoorKind, FrontDoorKind.NONE)
    zone_id = r.string("zoneId", None, pattern=lambda v: bool(_ZONE.match(v)),
                       describe="a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
    record_name = r.string("recordName", None, pattern=lambda v: bool(_HOST.match(v)),
                           describe="a fully qualified domain name such as api.example.com")
    ttl = r.integer("ttl", 60, minimum=0, maximum=86400)
    health = r.string("healthCheckPath", "/health", pattern=lambda v: v.startswith("/"), describe="a path: /health")
    cert = r.string("certificateArn", None)
    if cert is not None:
        m = _ACM.match(cert)
        if not m:
            raise ConfigError(r.key("certificateArn"), f"{cert!r} is not an ACM certificate ARN",
                              "arn:aws:acm:<region>:<account>:certificate/<id>")
        if m.group(1) != region:
            raise ConfigError(r.key("certificateArn"), f"the certificate is in {m.group(1)}, but a load balancer "
                              f"only uses certificates from its own region", f"a certificate in {region}")
    policy = r.string("sslPolicy", TLS13_POLICY, pattern=lambda v: v.startswith("ELBSecurityPolicy-TLS13-"),
                      describe="a TLS 1.3 policy, e.g. " + TLS13_POLICY)
    r.finish()
    if kind is FrontDoorKind.ALB and cert is None:
        raise ConfigError(r.key("certificateArn"), "the alb front door terminates HTTPS and needs a certificate",
                          "arn:aws:acm:<region>:<account>:certificate/<id> (same region as the stack)")
    if kind is FrontDoorKind.ROUTE53:
        for key, value in (("zoneId", zone_id), ("recordName", record_name)):
            if value is None:
                raise ConfigError(r.key(key), "the route53 front door needs the hosted zone and the record it weights",
                                  "zoneId: Z..., recordName: api.example.com")
    if kind is FrontDoorKind.ALB and (zone_id is None) != (record_name is None):
        raise ConfigError(r.key("zoneId" if zone_id is None else "recordName"),
                          "an alias record for the load balancer needs both zoneId and recordName", "both or neither")
    if record_name is not None:
        record_name = record_name.rstrip(".").lower()
    return FrontDoorConfig(kind, zone_id, record_name, ttl, health, cert, policy)


def _blue(r: Reader, kind: FrontDoorKind, vpc_cidr: str) -> BlueConfig:
    default = BlueVariant.NONE if kind in (FrontDoorKind.ALIAS, FrontDoorKind.NONE) else BlueVariant.EXTERNAL
    variant = r.enum("variant", BlueVariant, default)
    dns_name = r.string("dnsName", None, pattern=lambda v: bool(_HOST.match(v)),
                        describe="a host name such as legacy.example.com")
    zone_id = r.string("zoneId", None, pattern=lambda v: bool(_ZONE.match(v)), describe="a Route 53 zone id")
    targets = r.string_list("targets", [])
    instance_ids = r.string_list("instanceIds", [])
    port = r.integer("port", 443, minimum=1, maximum=65535)
    protocol = r.string("protocol", "HTTPS", choices=("HTTP", "HTTPS"))
    health = r.string("healthCheckPath", "/", pattern=lambda v: v.startswith("/"), describe="a path: /health")
    peering = _peering(r, vpc_cidr) if r.has("peering") else None
    if not r.has("peering"):
        r.raw("peering", None)
    ecs_sections = {k: v for k in ECS_SECTIONS if (v := r.raw(k, None)) is not None}
    databases = _blue_databases(r)
    r.finish()
    for ip in targets:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            raise ConfigError(r.key("targets"), f"{ip!r} is not an IP address", "private IPv4 addresses") from None
        if not addr.is_private:
            raise ConfigError(r.key("targets"), f"{ip} is not a private address; load balancer ip targets outside "
                              "the VPC must be reachable privately (peering, VPN)", "private IPv4 addresses")
        if peering and addr not in ipaddress.ip_network(peering.peer_cidr):
            raise ConfigError(r.key("targets"), f"{ip} is outside the peered VPC {peering.peer_cidr}",
                              f"addresses in {peering.peer_cidr}")
    if instance_ids:
        raise ConfigError(r.key("instanceIds"), "blue's instances live outside this stack's VPC, and load balancer "
                          "instance targets must be in the load balancer's VPC; list their private IPs instead",
                          "targets: [10.0.1.10, ...] (ip targets, reached through traffic.blue.peering)")
    if variant is BlueVariant.EXTERNAL:
        if kind is FrontDoorKind.ALB and (dns_name or not targets):
            raise ConfigError(r.key("targets"), "an ALB forwards to IP addresses, not to host names",
                              "targets: [<private IPs of the current servers>]")
        if kind is FrontDoorKind.ROUTE53 and bool(dns_name) == bool(targets):
            raise ConfigError(r.key("dnsName"), "the route53 front door needs exactly one of dnsName and targets",
                              "dnsName: <current host> | targets: [<public IPs>]")
    elif variant is BlueVariant.ECS:
        if ("container" in ecs_sections) == ("containers" in ecs_sections):
            raise ConfigError(r.key("container"), "the ecs variant needs exactly one of container (one service) "
                              "and containers (services by name, routed by path)",
                              "container: {image, port, cpu, memory, ...}")
        if "alb" not in ecs_sections:
            raise ConfigError(r.key("alb"), "the ecs variant's services sit behind their own load balancer",
                              "alb: {certificateArn, domainName, ...}")
    if variant is not BlueVariant.ECS and ecs_sections:
        raise ConfigError(r.key(next(iter(ecs_sections))), f"describes an ecs blue, but the variant is "
                          f"{variant.value}", "variant: ecs")
    if variant is not BlueVariant.EXTERNAL and (dns_name or targets or peering):
        raise ConfigError(r.key("variant"), f"dnsName, targets and peering describe an external blue, but the "
                          f"variant is {variant.value}", "external")
    if zone_id and not dns_name:
        raise ConfigError(r.key("zoneId"), "an alias zone only makes sense with dnsName", "dnsName: <alias target>")
    return BlueConfig(variant, dns_name.rstrip(".").lower() if dns_name else None, zone_id, tuple(targets), port,
                      protocol, health, peering, ecs_sections or None, databases)


def _blue_databases(r: Reader) -> tuple[BlueDatabase, ...]:
    """``databases: {<identifier>: {cluster: false}}``: blue's RDS instances or Aurora clusters."""

    def one(identifier: str, d: Reader) -> BlueDatabase:
        if not _RDS_ID.match(identifier):
            raise ConfigError(d.path, f"{identifier!r} is not an RDS identifier",
                              "1-63 letters, digits and hyphens, starting with a letter")
        return BlueDatabase(identifier, d.boolean("cluster", False))

    return r.mapping_of("databases", one)


def _peering(parent: Reader, vpc_cidr: str) -> PeeringConfig:
    r = parent.section("peering")
    vpc = r.string("peerVpcId", pattern=lambda v: bool(_VPC.match(v)), describe="vpc-0123456789abcdef0")
    cidr = r.string("peerCidr")
    tables = r.string_list("peerRouteTableIds")
    r.finish()
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        raise ConfigError(r.key("peerCidr"), f"{cidr!r} is not a CIDR block", "e.g. 172.31.0.0/16") from None
    if net.overlaps(ipaddress.ip_network(vpc_cidr)):
        raise ConfigError(r.key("peerCidr"), f"{cidr} overlaps this stack's VPC {vpc_cidr}; peered VPCs need "
                          "disjoint address ranges", f"a CIDR outside {vpc_cidr}")
    if not tables or not all(_RTB.match(t) for t in tables):
        raise ConfigError(r.key("peerRouteTableIds"), "needs the legacy VPC's route tables that reach blue's servers",
                          "[rtb-0123456789abcdef0, ...]")
    return PeeringConfig(vpc, str(net), tuple(tables))


def _green(r: Reader, kind: FrontDoorKind, services: tuple[str, ...]) -> GreenConfig:
    variant = r.enum("variant", GreenVariant, GreenVariant.SERVERLESS)
    service = r.string("service", None)
    allowed = _ENDPOINTS[variant]
    if kind is FrontDoorKind.ALB:
        endpoint_raw = r.string("endpoint", GreenEndpoint.LAMBDA.value if variant is GreenVariant.SERVERLESS
                                else GreenEndpoint.ALB.value)
    else:
        endpoint_raw = r.string("endpoint", allowed[0].value, choices=[e.value for e in allowed])
    r.finish()
    endpoint = GreenEndpoint(endpoint_raw) if endpoint_raw in {e.value for e in GreenEndpoint} else None
    if kind is FrontDoorKind.ALB and variant is GreenVariant.ECS:
        # The front door's green target group is a Lambda target (components/front_door.py); an ALB
        # cannot target another ALB (only an NLB can), so an ecs green is weighted by DNS instead.
        raise ConfigError(r.key("variant"), "the alb front door forwards green's share to one service's live "
                          "Lambda alias, and an ecs green sits behind its own load balancer, which an ALB cannot "
                          "target", "serverless, or frontDoor.kind: route53 to weight the ecs green's alb or cdn")
    if kind is FrontDoorKind.ALB:
        want = GreenEndpoint.LAMBDA if variant is GreenVariant.SERVERLESS else GreenEndpoint.ALB
        if endpoint is not want:
            raise ConfigError(r.key("endpoint"), f"the alb front door reaches a {variant.value} green through "
                              f"{want.value}", want.value)
    assert endpoint is not None
    needs_service = kind is FrontDoorKind.ALB and variant is GreenVariant.SERVERLESS
    if needs_service and service is None:
        raise ConfigError(r.key("service"), "the alb front door forwards to one service's live alias",
                          " | ".join(services) or "a service declared under services")
    if service is not None and service not in services:
        raise ConfigError(r.key("service"), f"unknown service {service!r}", " | ".join(services) or "no services")
    if kind is FrontDoorKind.ALIAS and variant is not GreenVariant.SERVERLESS:
        raise ConfigError(r.key("variant"), "the alias front door shifts Lambda alias weights", "serverless")
    return GreenConfig(variant, endpoint, service)


def _rollback(r: Reader) -> RollbackConfig:
    def percent(name: str) -> float | None:
        return r.number(name, None, minimum=0.01, maximum=100) if r.has(name) else r.raw(name, None)

    def minutes(name: str) -> int:
        return r.integer(name, 5, minimum=1, maximum=60)

    cfg = RollbackConfig(
        error_rate_percent=percent("errorRatePercent"), error_rate_minutes=minutes("errorRateMinutes"),
        latency_ms=r.integer("latencyMs", None, minimum=1, maximum=600000) if r.has("latencyMs") else
        r.raw("latencyMs", None),
        latency_minutes=minutes("latencyMinutes"),
        lambda_error_percent=percent("lambdaErrorPercent"), lambda_error_minutes=minutes("lambdaErrorMinutes"),
        api5xx_percent=percent("api5xxPercent"), api5xx_minutes=minutes("api5xxMinutes"),
        reserve_concurrency=r.boolean("reserveConcurrency", False),
    )
    r.finish()
    return cfg


def _stable_versions(r: Reader, services: tuple[str, ...]) -> dict[str, str]:
    s = r.section("stableVersions")
    out: dict[str, str] = {}
    for name in s.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        value = s.raw(name)
        version = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(version, str) or not _VERSION.match(version):
            raise ConfigError(s.key(name), f"{value!r} is not a published Lambda version", "1, 2, 3, ...")
        if name not in services:
            raise ConfigError(s.key(name), f"unknown service {name!r}", " | ".join(services) or "no services")
        out[name] = version
    s.finish()
    return out


def _check_combinations(cfg: TrafficConfig, r: Reader, green_weight: int, retire: str) -> None:
    kind, blue = cfg.kind, cfg.blue
    if kind is FrontDoorKind.ALIAS:
        if blue.variant is not BlueVariant.NONE:
            raise ConfigError(r.key("blue.variant"), "the alias front door is green only (an in-place refactor): "
                              "the pinned stable version plays blue", "none")
        if retire == "green":
            raise ConfigError("cutover:retire", "the alias front door has no blue to fall back to; roll back with "
                              "greenWeight=0 instead of retiring green", "none | blue")
        if not cfg.stable_versions and green_weight not in (0, 100):
            raise ConfigError("cutover:greenWeight", f"{green_weight} needs a stable version to split with, but "
                              "traffic.stableVersions pins none (the live alias points at the newest version)",
                              "0 or 100, or pin traffic.stableVersions.<service>")
    if cfg.stable_versions and kind is not FrontDoorKind.ALIAS:
        raise ConfigError(r.key("stableVersions"), "only the alias front door splits between Lambda versions",
                          f"remove it, or frontDoor.kind: alias (kind is {kind.value})")
    if kind is FrontDoorKind.ALB and blue.variant is BlueVariant.EXTERNAL and blue.peering is None:
        raise ConfigError(r.key("blue.peering"), "ip targets in the legacy VPC are reached through VPC peering",
                          "peering: {peerVpcId, peerCidr, peerRouteTableIds}")
    if kind in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53) and not cfg.rollback.any:
        raise ConfigError(r.key("rollback"), "a front door needs at least one automatic rollback trigger",
                          "errorRatePercent, latencyMs, lambdaErrorPercent, api5xxPercent")
    if kind is FrontDoorKind.ROUTE53 and blue.variant is BlueVariant.NONE:
        raise ConfigError(r.key("blue.variant"), "weighted records need a blue to weight against", "external | ecs")
