"""The ``traffic:`` profile section: stages, the front door, the two colors and the rollback triggers.

One knob moves traffic: ``cutover:greenWeight`` (0..100). This section says *where* it applies:

* ``frontDoor.kind: alb``: an HTTPS listener forwards to two weighted target groups (seed 002);
* ``frontDoor.kind: route53``: two weighted records (set identifiers ``blue``/``green``) with health checks;
* ``frontDoor.kind: alias``: green only; each service's ``live`` alias splits between the newest
  published version (green) and the pinned stable version (``stableVersions``);
* ``frontDoor.kind: none``: no front door (a stack that only builds one side).

``frontDoor.extraNames`` (alb and route53 kinds) weighs more names besides ``recordName`` (a site and
its API), keyed by a label: each gets its own weighted records or host-header rule, all moved by the
same ``greenWeight`` and reset by the same rollback.

Hosted zone ids, certificate ARNs, IPs and VPC ids in profiles are placeholders the operator
replaces before deploying; ``TrafficConfig.placeholders()`` names the ones still in place.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

from components.specs.traffic import (  # noqa: F401  (moved there; this module re-exports them)
    PLACEHOLDER_ACCOUNT,
    PLACEHOLDER_ZONE,
    TLS13_POLICY,
    BlueConfig,
    BlueDatabase,
    BlueVariant,
    FrontDoorConfig,
    FrontDoorKind,
    GreenConfig,
    GreenEndpoint,
    GreenVariant,
    PeeringConfig,
    RollbackConfig,
    TrafficConfig,
    WeightedName,
)
from cutover.config.reader import Reader
from cutover.errors import ConfigError
from cutover.weights import validate_stages

DEFAULT_STAGES = (10, 50, 100)
_ZONE = re.compile(r"^Z[A-Z0-9]{1,31}$")
_ACM = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):([0-9]{12}):certificate/[A-Za-z0-9-]+$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_RTB = re.compile(r"^rtb-[0-9a-f]{8,17}$")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")
_VERSION = re.compile(r"^[1-9][0-9]*$")
_RDS_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
ECS_SECTIONS = ("container", "containers", "alb", "cdn")  # an ecs blue, parsed by cutover.config.blue
# A serverless blue (v1 functions behind an HTTP API), parsed by the serverless parser in cutover.config.stack.
SERVERLESS_SECTIONS = ("services", "serviceDefaults", "httpApi", "websocket")


_ENDPOINTS = {
    GreenVariant.SERVERLESS: (GreenEndpoint.HTTP_API, GreenEndpoint.FRONTEND, GreenEndpoint.EDGE),
    GreenVariant.ECS: (GreenEndpoint.ALB, GreenEndpoint.CDN),
}


def parse_traffic(doc: Reader, *, green_weight: int, retire: str, region: str, vpc_cidr: str,
                  services: tuple[str, ...]) -> TrafficConfig:
    """Parse ``traffic`` from the merged profile document (``doc`` is its top level).

    ``retire`` is the flat key's value (none | blue | green); ``services`` are the declared
    serverless services; ``vpc_cidr`` is the stack VPC's (peering must not overlap it).
    """
    r = doc.section("traffic")
    stages = _stages(r)
    fd_reader = r.section("frontDoor")
    extra_reader = fd_reader.section("extraNames")
    fd = _front_door(fd_reader, region)
    blue = _blue(r.section("blue"), fd.kind, vpc_cidr)
    green = _green(r.section("green"), fd.kind, services)
    fd = replace(fd, extra_names=_extra_names(extra_reader, fd, green, region, vpc_cidr, services))
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
    cert = _certificate(r, region)
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


_NAME_KEY = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
EXTRA_NAME_KINDS = (FrontDoorKind.ALB, FrontDoorKind.ROUTE53)


def _extra_names(r: Reader, fd: FrontDoorConfig, green: GreenConfig, region: str, vpc_cidr: str,
                 services: tuple[str, ...]) -> tuple[WeightedName, ...]:
    """``frontDoor.extraNames: {<key>: {recordName, zoneId?, blue?, green, healthCheckPath?, certificateArn?}}``.

    Keyed by a label, never a list position: adding a name never renames another's resources, and an
    environment overlay can change one name's recordName key by key.
    """
    kind = fd.kind
    keys = r.keys()
    if keys and kind not in EXTRA_NAME_KINDS:
        why = ("the alias front door weighs Lambda versions behind each service's live alias, not names"
               if kind is FrontDoorKind.ALIAS else "frontDoor.kind none builds no front door")
        raise ConfigError(r.path, why, "remove extraNames, or frontDoor.kind: " +
                          " | ".join(k.value for k in EXTRA_NAME_KINDS))
    seen: dict[str, str] = {fd.record_name: f"{r.path.rsplit('.', 1)[0]}.recordName"} if fd.record_name else {}

    def one(key: str, e: Reader) -> WeightedName:
        if not _NAME_KEY.match(key):
            raise ConfigError(e.path, f"{key!r} is not a name key", "1-30 lowercase letters, digits and hyphens, "
                              "starting with a letter (it keys the name's resources), e.g. api")
        name = e.string("recordName", pattern=lambda v: bool(_HOST.match(v)),
                        describe="a fully qualified domain name such as api.example.com").rstrip(".").lower()
        if name in seen:
            raise ConfigError(e.key("recordName"), f"{name} is already weighed by {seen[name]}",
                              "a name no other entry of traffic.frontDoor (recordName, extraNames) weighs")
        seen[name] = e.key("recordName")
        own_zone = e.string("zoneId", None, pattern=lambda v: bool(_ZONE.match(v)),
                            describe="a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
        if own_zone is None and fd.zone_id is not None and fd.record_name and _shared_labels(name, fd.record_name) < 2:
            # A record must lie in its hosted zone's domain (Route 53 ChangeResourceRecordSets refuses it with
            # InvalidChangeBatch "RRSet ... is not permitted in zone ..."). The front door's zone holds recordName,
            # so a name sharing less than its last two labels with recordName cannot be in that zone.
            raise ConfigError(e.key("zoneId"), f"{name} is not in the domain of {fd.record_name}, so it cannot be in "
                              "the front door's hosted zone", f"the hosted zone id of {name}")
        zone = own_zone or fd.zone_id
        health = e.string("healthCheckPath", None, pattern=lambda v: v.startswith("/"), describe="a path: /health")
        cert = _certificate(e, region)
        blue = _blue(e.section("blue"), kind, vpc_cidr) if e.has("blue") else e.raw("blue", None)
        g = e.section("green")
        endpoint_raw = g.string("endpoint", None, choices=[x.value for x in GreenEndpoint])
        service = g.string("service", None)
        g.finish()
        endpoint = GreenEndpoint(endpoint_raw) if endpoint_raw is not None else None
        if kind is FrontDoorKind.ROUTE53:
            allowed = _ENDPOINTS[green.variant]
            endpoint = endpoint or green.endpoint
            if endpoint not in allowed:
                raise ConfigError(g.key("endpoint"), f"a {green.variant.value} green has no {endpoint.value} "
                                  "endpoint to weigh by DNS", " | ".join(x.value for x in allowed))
            if service is not None:
                raise ConfigError(g.key("service"), "only the alb front door forwards a name to one service",
                                  f"endpoint: {' | '.join(x.value for x in allowed)}")
            if cert is not None:
                raise ConfigError(e.key("certificateArn"), "the route53 front door terminates no TLS: the "
                                  "endpoint's own certificate must cover the name", "remove certificateArn")
            if blue is not None:
                if blue.variant is not BlueVariant.EXTERNAL:
                    raise ConfigError(e.key("blue.variant"), "a name's own blue is an endpoint this stack only "
                                      "weighs; an ecs blue is traffic.blue itself",
                                      "external, or omit blue to weigh the name against traffic.blue")
                if blue.databases:
                    raise ConfigError(e.key("blue.databases"), "blue's databases are declared once",
                                      "traffic.blue.databases")
        else:  # alb
            if blue is not None:
                raise ConfigError(e.key("blue"), "the alb front door forwards every name's blue share to blue's "
                                  "one target group (the servers see the Host header)",
                                  "omit blue (traffic.blue's targets serve every name)")
            if endpoint not in (None, GreenEndpoint.LAMBDA):
                raise ConfigError(g.key("endpoint"), "the alb front door forwards a name's green share to one "
                                  "service's live alias", GreenEndpoint.LAMBDA.value)
            if service is None or service not in services:
                raise ConfigError(g.key("service"), "the alb front door forwards the name's green share to this "
                                  "service's live alias" + (f"; unknown service {service!r}" if service else ""),
                                  " | ".join(services) or "a service declared under services")
            endpoint = GreenEndpoint.LAMBDA
        return WeightedName(key, name, zone, blue, endpoint, service, health, cert)

    return r.entries(one)


def _shared_labels(a: str, b: str) -> int:
    """How many trailing DNS labels two names share (``api.example.com``, ``example.com``: 2)."""
    n = 0
    for x, y in zip(reversed(a.split(".")), reversed(b.split(".")), strict=False):
        if x != y:
            break
        n += 1
    return n


def _certificate(r: Reader, region: str) -> str | None:
    """``certificateArn``: an ACM certificate in the load balancer's own region, or None."""
    cert = r.string("certificateArn", None)
    if cert is None:
        return None
    m = _ACM.match(cert)
    if not m:
        raise ConfigError(r.key("certificateArn"), f"{cert!r} is not an ACM certificate ARN",
                          "arn:aws:acm:<region>:<account>:certificate/<id>")
    if m.group(1) != region:
        raise ConfigError(r.key("certificateArn"), f"the certificate is in {m.group(1)}, but a load balancer "
                          f"only uses certificates from its own region", f"a certificate in {region}")
    return cert


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
    sls_sections = {k: v for k in SERVERLESS_SECTIONS if (v := r.raw(k, None)) is not None}
    service = r.string("service", None)
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
    elif variant is BlueVariant.SERVERLESS:
        if "services" not in sls_sections:
            raise ConfigError(r.key("services"), "the serverless variant needs blue's functions",
                              "services: {<name>: {kind, code, routes, ...}} (as the top-level services)")
        if kind is FrontDoorKind.ALB and service is None:
            raise ConfigError(r.key("service"), "the alb front door forwards blue's share to one service's live alias "
                              "(a Lambda target group)", "one of blue's kind: api services")
        if kind is FrontDoorKind.ROUTE53 and "httpApi" not in sls_sections:
            raise ConfigError(r.key("httpApi"), "the route53 front door weighs blue's HTTP API custom domain",
                              "httpApi: {domainName, certificateArn}")
    serverless = variant is BlueVariant.SERVERLESS  # a bool: mypy would narrow ``variant`` on the checks below
    if service is not None and (not serverless or kind is not FrontDoorKind.ALB):
        raise ConfigError(r.key("service"), "names the service behind blue's Lambda target group: a serverless blue "
                          "on the alb front door only", "omit service, or variant: serverless with frontDoor.kind: alb")
    if not serverless and sls_sections:
        raise ConfigError(r.key(next(iter(sls_sections))), f"describes a serverless blue, but the variant is "
                          f"{variant.value}", "variant: serverless")
    if variant is not BlueVariant.ECS and ecs_sections:
        raise ConfigError(r.key(next(iter(ecs_sections))), f"describes an ecs blue, but the variant is "
                          f"{variant.value}", "variant: ecs")
    if variant is not BlueVariant.EXTERNAL and (dns_name or targets or peering):
        raise ConfigError(r.key("variant"), f"dnsName, targets and peering describe an external blue, but the "
                          f"variant is {variant.value}", "external")
    if zone_id and not dns_name:
        raise ConfigError(r.key("zoneId"), "an alias zone only makes sense with dnsName", "dnsName: <alias target>")
    return BlueConfig(variant, dns_name.rstrip(".").lower() if dns_name else None, zone_id, tuple(targets), port,
                      protocol, health, peering, ecs_sections or None, sls_sections or None, service,
                      databases)


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
        raise ConfigError(r.key("blue.variant"), "weighted records need a blue to weight against",
                          "external | ecs | serverless")
