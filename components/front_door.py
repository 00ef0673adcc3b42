"""FrontDoor: where ``cutover:greenWeight`` becomes real traffic.

* ``alb``: an internet-facing ALB. Port 443 (TLS 1.3 policy) forwards to two weighted target groups:
  blue = the current servers as ``ip`` targets in the legacy VPC (``availability_zone="all"``, reached
  through a same-account VPC peering connection with routes both ways), green = a ``lambda`` target
  group on one service's ``live`` alias (invoke permission for ``elasticloadbalancing.amazonaws.com``
  scoped to the target group ARN, created before the attachment). Port 80 only redirects.
  Green is several services, each with its own routes, so green is routed per service: one
  listener rule per service with HTTP routes (its routes' path patterns; split over several rules
  when ALB's per-rule limits require), each a weighted forward between blue's target group and that
  service's own Lambda target group (own invoke permission). The default action (whatever no rule
  matches) stays the weighted forward to ``traffic.green.service``. Every weight is ``greenWeight``.
* ``route53``: two weighted records (set identifiers ``blue``/``green``) for one name, each with a
  Route 53 health check. A weighted set must share one record type, so the type follows blue: a
  host name without an alias zone gives CNAME records for both colors (a CNAME to a CloudFront or
  API Gateway domain works when that domain lists the record name as an alternate domain name);
  IPs or an alias-able blue (an ALB) give A records, green then as an alias A record.
* ``alias``: no resources here; ``alias_weights`` gives ``ServerlessAppArgs.alias_weights`` so each
  ``live`` alias keeps the pinned stable version as its primary and sends ``greenWeight`` percent to
  the newest version as its additional version (rollback: clear the additional weights).

More weighted names (``extra_names``, e.g. a site's ``www`` and its ``api``): route53 gives each its
own weighted pair and health checks (logical names ``<door>-<key>-blue``/``-green``); alb gives each a
host-header rule between blue's target group and one green service's, in the last block of
priorities (49901..50000) so write and path rules keep precedence. All move with the same
``greenWeight``; the rollback target lists every weighted name.

Both colors stay registered at weight 0 and 100 (rollback is one weight change); only the cleanup
path (``cutover:retire``) removes a color, which the caller expresses by passing ``None`` for it.
"""

from __future__ import annotations

import bisect
import hashlib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, alb_alarms
from components.alb import log_delivery_principal
from components.bucket import SecureBucket, SecureBucketArgs
from components.errors import ComponentError
from components.specs.environment import EnvironmentSettings
from components.specs.storage import LifecycleConfig
from components.specs.traffic import BlueConfig, BlueVariant, FrontDoorKind, TrafficConfig, WeightedName
from cutover.naming import Kind, Namer
from cutover.weights import alb_split, alias_fraction, route53_split

CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # every CloudFront distribution's alias hosted zone
ALIAS_NAME = "live"
BLUE, GREEN = "blue", "green"
# Application Load Balancer quotas ("Quotas for your Application Load Balancers", ELB user guide):
# rules per load balancer, not counting default rules: 100; condition values per rule: 5;
# condition wildcards per rule: 5; target groups per load balancer: 100. Path patterns are at
# most 128 characters (ListenerRuleConditionPathPattern.values, pulumi_aws docstring).
MAX_RULES = 100
MAX_VALUES_PER_RULE = 5
MAX_WILDCARDS_PER_RULE = 5
MAX_TARGET_GROUPS = 100
MAX_PATTERN_CHARS = 128
# Listener rule priorities are 1..50000 and unique per listener (ListenerRule.priority). Each
# service owns a block of 100 (its rules take block*100 + 1, + 2, ...), the block chosen by a hash
# of the service's name: adding, removing or re-ordering services leaves other services' priorities
# alone (a priority change is an in-place update, but two rules swapping priorities collide).
PRIORITY_BLOCKS = 499
PRIORITY_STRIDE = 100
# Block 0 (priorities 1..99) holds the data plan's write rules, so every one of them is evaluated before
# any weighted per-service rule (lowest priority number first); a service whose hash is 0 takes the
# next block. Methods count towards the 5 condition values of a rule (ELB quotas, as above).
WRITE_BLOCK = 0
WRITE_METHODS = ("DELETE", "PATCH", "POST", "PUT")  # RFC 9110 9.2.1: not safe; ANY routes use all four
# forward.stickiness duration: 1..604800 seconds (ListenerDefaultActionForwardStickiness.duration).
MAX_STICKINESS_SECONDS = 604800
# Host-header rules of the extra weighted names: the last block, 49901..50000 (service blocks end at
# 49899), so the write rules (1..99) and the per-service path rules are evaluated first.
HOST_BLOCK_START = PRIORITY_BLOCKS * PRIORITY_STRIDE + 1
MAX_PRIORITY = 50000  # ListenerRule.priority: 1..50000 (elbv2 CreateRule, RulePriority)
# Certificates per Application Load Balancer, not counting the default certificate: 25 ("Quotas for
# your Application Load Balancers", ELB user guide).
MAX_EXTRA_CERTIFICATES = 25


@dataclass(frozen=True)
class GreenService:
    """One green service as the alb front door routes it: its live alias and its HTTP route paths."""

    alias_arn: pulumi.Input[str]
    paths: tuple[str, ...]  # API Gateway route paths, e.g. /blog/{id}


@dataclass(frozen=True)
class WriteRoute:
    """A service whose write requests must reach one color: the writer of the datasets it writes."""

    writer: str  # "blue" | "green"
    routes: tuple[tuple[str, str], ...]  # (method, API Gateway path), e.g. ("POST", "/bookings/{id}")
    datasets: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteRulePlan:
    """One write rule: methods + path patterns of one service, forwarded to its writer color."""

    service: str
    index: int
    priority: int
    methods: tuple[str, ...]
    patterns: tuple[str, ...]
    writer: str


def alb_write_rule_plan(routes: Mapping[str, WriteRoute]) -> list[WriteRulePlan]:
    """Write rules for ``routes``: per service, its write routes' patterns grouped by method set, packed
    into rules of at most 5 condition values (methods + patterns) and 5 wildcards, priorities 1..99."""
    plans: list[WriteRulePlan] = []
    for svc in sorted(routes):
        wr = routes[svc]
        by_pattern: dict[str, set[str]] = {}
        for method, path in wr.routes:
            writes = set(WRITE_METHODS) if method == "ANY" else {method} & set(WRITE_METHODS)
            if writes:
                by_pattern.setdefault(alb_path_pattern(path), set()).update(writes)
        by_methods: dict[tuple[str, ...], list[str]] = {}
        for pattern, found in sorted(by_pattern.items()):
            by_methods.setdefault(tuple(sorted(found)), []).append(pattern)
        n = 0
        for methods, patterns in sorted(by_methods.items()):
            room = MAX_VALUES_PER_RULE - len(methods)
            chunk: list[str] = []
            for pattern in patterns:
                wild = sum(p.count("*") + p.count("?") for p in chunk) + pattern.count("*") + pattern.count("?")
                if len(chunk) == room or wild > MAX_WILDCARDS_PER_RULE:
                    plans.append(WriteRulePlan(svc, n, 0, methods, tuple(chunk), wr.writer))
                    n, chunk = n + 1, []
                chunk.append(pattern)
            if chunk:
                plans.append(WriteRulePlan(svc, n, 0, methods, tuple(chunk), wr.writer))
                n += 1
    if len(plans) >= PRIORITY_STRIDE:
        raise ComponentError("migrations", f"write routing needs {len(plans)} listener rules; the write block holds "
                             f"{PRIORITY_STRIDE - 1}", "fewer write routes, or method shared")
    return [WriteRulePlan(p.service, p.index, WRITE_BLOCK * PRIORITY_STRIDE + i + 1, p.methods, p.patterns, p.writer)
            for i, p in enumerate(plans)]


@dataclass(frozen=True)
class RulePlan:
    """One listener rule: a service's path patterns (at most ALB's per-rule limits)."""

    service: str
    index: int  # 0, 1, ... within the service
    priority: int
    patterns: tuple[str, ...]


def alb_path_pattern(path: str) -> str:
    """An API Gateway route path as an ALB path pattern: ``{param}`` and ``{proxy+}`` become ``*``.

    ALB's ``*`` matches any characters, ``/`` included, so ``/blog/*`` also takes ``/blog/1/x``;
    ``check_overlaps`` refuses services whose patterns could take each other's requests.
    """
    return "/".join("*" if seg.startswith("{") and seg.endswith("}") else seg for seg in path.split("/"))


def _literal_ends_clash(a: str, b: str) -> bool:
    """Whether the characters every match of ``a`` and of ``b`` must start (or end) with already differ.

    Before its first ``*`` a pattern fixes each position of a matching path (``?`` fixes only that there is
    a character); so does the part after its last ``*``, counted from the end. Two literals that differ at
    a position both fix rule any common path out. Most pairs of distinct routes end here, which keeps the
    pairwise check of a large profile cheap; the search below decides the rest."""
    star_a, star_b = a.find("*"), b.find("*")
    if star_a < 0 and star_b < 0 and len(a) != len(b):
        return True  # no * in either: a path matching both has exactly len(a) == len(b) characters
    head = min(star_a if star_a >= 0 else len(a), star_b if star_b >= 0 else len(b))
    for x, y in zip(a[:head], b[:head], strict=True):
        if x != y and x != "?" and y != "?":
            return True
    tail = min(len(a) - 1 - a.rfind("*") if star_a >= 0 else len(a),
               len(b) - 1 - b.rfind("*") if star_b >= 0 else len(b))
    for x, y in zip(reversed(a[len(a) - tail:]), reversed(b[len(b) - tail:]), strict=True):
        if x != y and x != "?" and y != "?":
            return True
    return False


def patterns_overlap(a: str, b: str) -> bool:
    """Whether some request path matches both ALB patterns (``*`` any string, ``?`` one character).

    A search over pairs of positions (i in ``a``, j in ``b``) that a common path can reach; it reaches
    (len(a), len(b)) exactly when such a path exists. Iterative, so a long pattern never meets the
    recursion limit, and free of closures (a self-referencing closure per call was a garbage cycle)."""
    if _literal_ends_clash(a, b):
        return False
    la, lb = len(a), len(b)
    seen = {(0, 0)}
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if i == la and j == lb:
            return True
        steps = []
        if i < la and a[i] == "*":
            steps.append((i + 1, j))  # a's * matches nothing more
        if j < lb and b[j] == "*":
            steps.append((i, j + 1))  # b's * matches nothing more
        if i < la and j < lb:
            x, y = a[i], b[j]
            if x == "*" and y != "*":
                steps.append((i, j + 1))  # a's * takes the character b's head produces
            elif y == "*" and x != "*":
                steps.append((i + 1, j))
            elif x != "*" and (x == y or "?" in (x, y)):
                steps.append((i + 1, j + 1))
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


def _block(service: str) -> int:
    return int(hashlib.sha256(service.encode()).hexdigest(), 16) % PRIORITY_BLOCKS


def alb_rule_plan(services: Mapping[str, Sequence[str]]) -> list[RulePlan]:
    """The listener rules for ``services`` (name -> route paths), or a ComponentError naming the limit.

    Patterns of one service are packed into rules of at most 5 values and 5 wildcards; services
    without routes get no rule (the default action serves them).
    """
    patterns: dict[str, list[str]] = {}
    for svc in sorted(services):
        found = list(dict.fromkeys(alb_path_pattern(p) for p in services[svc]))
        for pattern in found:
            if len(pattern) > MAX_PATTERN_CHARS:
                raise ComponentError(f"services.{svc}.routes",
                                     f"path pattern {pattern!r} is {len(pattern)} characters; "
                                     f"ALB path patterns are at most {MAX_PATTERN_CHARS}", "shorter route paths")
            if pattern.count("*") + pattern.count("?") > MAX_WILDCARDS_PER_RULE:
                raise ComponentError(f"services.{svc}.routes", f"path pattern {pattern!r} has more than "
                                     f"{MAX_WILDCARDS_PER_RULE} wildcards, ALB's limit per rule",
                                     f"at most {MAX_WILDCARDS_PER_RULE} {{parameters}} per route")
        if found:
            patterns[svc] = found
    check_overlaps(patterns)
    plans: list[RulePlan] = []
    taken: set[int] = {WRITE_BLOCK}
    for svc, found in patterns.items():
        block = _block(svc)
        while block in taken:  # a hash collision: the next free block (sorted names keep this stable)
            block = (block + 1) % PRIORITY_BLOCKS
        taken.add(block)
        chunks: list[list[str]] = [[]]
        for pattern in found:
            wildcards = sum(p.count("*") + p.count("?") for p in chunks[-1])
            if len(chunks[-1]) == MAX_VALUES_PER_RULE or \
                    wildcards + pattern.count("*") + pattern.count("?") > MAX_WILDCARDS_PER_RULE:
                chunks.append([])
            chunks[-1].append(pattern)
        plans += [RulePlan(svc, n, block * PRIORITY_STRIDE + n + 1, tuple(chunk)) for n, chunk in enumerate(chunks)]
    if len(plans) > MAX_RULES:
        raise ComponentError("services", f"per-service routing needs {len(plans)} listener rules "
                             f"({', '.join(f'{s}: {sum(1 for p in plans if p.service == s)}' for s in patterns)}); an "
                             f"Application Load Balancer has at most {MAX_RULES}", "fewer or broader routes")
    return plans


def check_overlaps(patterns: Mapping[str, Sequence[str]]) -> None:
    """ALB picks the first matching rule by priority, not the most specific route as API Gateway
    does, and matches paths only (not methods): two services must never match the same request.

    Two patterns can only share a path if the literal text before their first wildcard agrees, so one
    such head is a prefix of the other: sorted by head, a pattern's candidates are the run of heads that
    start with its own, and a profile at ALB's rule limit is not compared pair by pair. The clash
    reported is the first in the order of services by name, then of their routes."""
    names = sorted(patterns)
    rank = {name: n for n, name in enumerate(names)}
    entries = sorted((_head(p), rank[svc], k, p) for svc in names for k, p in enumerate(patterns[svc]))
    heads = [e[0] for e in entries]
    clashes = []
    for head, svc, k, pattern in entries:
        for other_head, other, m, candidate in entries[bisect.bisect_left(heads, head):]:
            if not other_head.startswith(head):
                break
            if other != svc and patterns_overlap(pattern, candidate):
                (a, i, pa), (b, j, pb) = sorted(((svc, k, pattern), (other, m, candidate)))
                clashes.append((a, b, i, j, pa, pb))  # the order of the pairwise loop: services, then routes
    if clashes:
        a, b, _, _, pa, pb = min(clashes)
        raise ComponentError(f"services.{names[b]}.routes", f"the alb front door routes green by path, and "
                             f"{names[a]}'s {pa!r} and {names[b]}'s {pb!r} can match the same request",
                             "routes whose paths no other service's routes can match")


def _head(pattern: str) -> str:
    """The literal text of ``pattern`` before its first wildcard (``*`` or ``?``)."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


@dataclass(frozen=True)
class Endpoint:
    """One color as the front door sees it (all optional: each kind reads what it needs)."""

    dns_name: pulumi.Input[str] | None = None  # CNAME value or alias target
    zone_id: pulumi.Input[str] | None = None  # alias target's hosted zone (CloudFront, ALB, API domain)
    ips: tuple[str, ...] = ()  # ALB ip targets (alb) or A record values (route53)
    alias_arn: pulumi.Input[str] | None = None  # alb kind: a serverless color's service's live alias ARN
    health_check_fqdn: pulumi.Input[str] | None = None  # Route 53 health check host (default dns_name)
    health_check_path: str = "/health"
    port: int = 443
    protocol: str = "HTTPS"


@dataclass(frozen=True)
class AlbPlacement:
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]  # public subnets, at least two AZs
    # Route tables of those subnets: they get the route to the peered legacy VPC. They must not
    # declare inline routes (an inline route list would remove a separate aws.ec2.Route).
    route_table_ids: Sequence[pulumi.Input[str]] = ()


@dataclass(frozen=True)
class FrontDoorArgs:
    config: TrafficConfig
    namer: Namer
    env: EnvironmentSettings
    green_weight: int
    account_id: str
    region: str
    blue: Endpoint | None  # None once blue is retired (or for a green-only front door)
    green: Endpoint | None  # None once green is retired
    placement: AlbPlacement | None = None  # alb kind
    web_acl_arn: pulumi.Input[str] | None = None  # alb kind: a REGIONAL WebAcl.arn on the load balancer
    function_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # alias kind: service -> name
    # alb kind, serverless green: every service with HTTP routes, each routed by its own rule(s)
    green_services: Mapping[str, GreenService] = field(default_factory=dict)
    # alb kind, the data plan: services whose write methods go to their datasets' writer whatever the
    # weights, and group stickiness on the weighted forwards (seconds; None: off) so that a user stays
    # on one color and replication lag never hides their own writes from them.
    write_routes: Mapping[str, WriteRoute] = field(default_factory=dict)
    stickiness_seconds: int | None = None
    # More weighted names besides config.front_door.record_name, each moved by green_weight (alb, route53).
    extra_names: Sequence[WeightedNameArgs] = ()


@dataclass(frozen=True)
class WeightedNameArgs:
    """One more weighted name as the front door builds it.

    route53: ``blue``/``green`` are this name's endpoints (None once that color is retired); alb: only
    ``green.alias_arn`` is read, the live alias of ``config.green_service``.
    """

    config: WeightedName
    blue: Endpoint | None
    green: Endpoint | None


@dataclass(frozen=True)
class WeightedRecordSet:
    """One weighted name's record pair, as the rollback Lambda resets it (``RECORD_SETS``)."""

    zone_id: str
    record_name: str
    record_type: str
    blue_set_identifier: str = BLUE
    green_set_identifier: str = GREEN


def host_rule_priorities(keys: Sequence[str]) -> dict[str, int]:
    """A priority per extra name in 49901..50000, chosen by a hash of its key (then the next free one),
    so adding or removing a name leaves the others' priorities alone."""
    slots = MAX_PRIORITY - HOST_BLOCK_START + 1
    if len(keys) > slots:
        raise ComponentError("traffic.frontDoor.extraNames", f"{len(keys)} names need {len(keys)} host rules; the "
                             f"host block holds {slots}", f"at most {slots} names")
    taken: dict[str, int] = {}
    for key in sorted(keys):
        slot = int(hashlib.sha256(key.encode()).hexdigest(), 16) % slots
        while HOST_BLOCK_START + slot in taken.values():
            slot = (slot + 1) % slots
        taken[key] = HOST_BLOCK_START + slot
    return taken


@dataclass(frozen=True)
class RollbackTarget:
    """What the rollback Lambda changes (its environment and IAM resources), per front door kind."""

    kind: FrontDoorKind
    listener_arn: pulumi.Input[str] | None = None
    blue_target_group_arn: pulumi.Input[str] | None = None
    green_target_group_arn: pulumi.Input[str] | None = None
    zone_id: str | None = None
    record_name: str | None = None
    record_type: str | None = None
    blue_set_identifier: str = BLUE
    green_set_identifier: str = GREEN
    function_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    alias_name: str = ALIAS_NAME
    # route53: the extra weighted names' record pairs (the first name is zone_id/record_name/record_type)
    extra_record_sets: tuple[WeightedRecordSet, ...] = ()


def alias_weights(config: TrafficConfig, green_weight: int, retired_blue: bool) -> dict[str, tuple[str, float]]:
    """``ServerlessAppArgs.alias_weights`` for the alias kind: service -> (stable version, green fraction).

    The pinned stable version (blue) is the alias's primary version; the newest published version
    (green) is the additional version at exactly ``green_weight / 100``. At 100 the stable version
    stays primary with green at weight 1.0, so the rollback Lambda still only has to clear the
    additional weights; ``retire=blue`` (or no pinned version) leaves the new version alone.
    """
    if config.kind is not FrontDoorKind.ALIAS or retired_blue:
        return {}
    green = alias_fraction(green_weight)
    return {svc: (version, green) for svc, version in sorted(config.stable_versions.items())}


def record_type(config: TrafficConfig, green_zone: bool, blue: BlueConfig | None = None) -> str:
    """The weighted set's type, fixed by blue's config so retiring a color never replaces a record.

    ``blue``: an extra name's own blue (default: ``config.blue``, which every other name shares).
    """
    blue = blue or config.blue
    if blue.targets:
        return "A"
    if blue.zone_id is not None or blue.variant in (BlueVariant.ECS, BlueVariant.SERVERLESS):  # built: an alias
        return "A"
    return "CNAME" if not green_zone or blue.dns_name else "A"


class FrontDoor(pulumi.ComponentResource):
    kind: FrontDoorKind
    green_share: float  # percent of traffic on green, from the weights actually configured
    # alb (``load_balancer``, the aws.lb.LoadBalancer or None, is declared in __init__: the SDK evaluates this
    # class's annotations as it registers the component, and that one would import the provider's load
    # balancer module into every program, ALB or not)
    listener_arn: pulumi.Output[str] | None
    load_balancer_arn_suffix: pulumi.Output[str] | None
    dns_name: pulumi.Output[str] | None
    target_group_arns: dict[str, pulumi.Output[str]]  # by color ("green": traffic.green.service's)
    target_group_arn_suffixes: dict[str, pulumi.Output[str]]
    # alb kind: every routed green service's Lambda target group, by service (the default one too)
    service_target_group_arns: dict[str, pulumi.Output[str]]
    service_target_group_arn_suffixes: dict[str, pulumi.Output[str]]
    rule_priorities: dict[str, list[int]]  # alb kind: service -> its listener rules' priorities
    write_rule_priorities: dict[str, list[int]]  # alb kind: service -> its write rules' priorities
    security_group_id: pulumi.Output[str] | None  # legacy servers must admit it (blue port)
    peering_connection_id: pulumi.Output[str] | None
    # route53
    zone_id: str | None
    record_name: str | None
    record_type: str | None
    set_identifiers: dict[str, str]
    health_check_ids: dict[str, pulumi.Output[str]]
    # route53: every weighted name's record pair, the first name's first; alb: host rule priority by key
    weighted_record_sets: list[WeightedRecordSet]
    host_rule_priorities: dict[str, int]
    # alias
    function_names: dict[str, pulumi.Input[str]]

    def __init__(self, name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:traffic:FrontDoor", name, None, opts)
        self._name, self._args = name, args
        cfg = args.config
        self.kind = cfg.kind
        self.load_balancer: aws.lb.LoadBalancer | None = None
        self.listener_arn = self.load_balancer_arn_suffix = self.dns_name = None
        self.security_group_id = self.peering_connection_id = None
        self.target_group_arns, self.target_group_arn_suffixes = {}, {}
        self.service_target_group_arns, self.service_target_group_arn_suffixes, self.rule_priorities = {}, {}, {}
        self.write_rule_priorities = {}
        self.zone_id = self.record_name = self.record_type = None
        self.set_identifiers, self.health_check_ids = {}, {}
        self.weighted_record_sets, self.host_rule_priorities = [], {}
        self.function_names = {}
        if args.blue is None and args.green is None:
            raise ValueError("a front door needs at least one color")
        if args.extra_names and cfg.kind not in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53):
            raise ComponentError("traffic.frontDoor.extraNames", f"the {cfg.kind.value} front door weighs no names",
                                 "alb | route53 (frontDoor.kind)")
        if cfg.kind is FrontDoorKind.ALB:
            self.green_share = self._alb()
        elif cfg.kind is FrontDoorKind.ROUTE53:
            self.green_share = self._route53()
        elif cfg.kind is FrontDoorKind.ALIAS:
            self.function_names = dict(args.function_names)
            self.green_share = float(args.green_weight)
        else:
            raise ValueError("frontDoor.kind none builds no front door")
        self.register_outputs({
            "kind": cfg.kind.value, "greenShare": self.green_share, "listenerArn": self.listener_arn,
            "targetGroupArns": self.target_group_arns, "serviceTargetGroupArns": self.service_target_group_arns,
            "rulePriorities": self.rule_priorities, "writeRulePriorities": self.write_rule_priorities,
            "recordName": self.record_name,
            "healthCheckIds": self.health_check_ids, "functionNames": self.function_names,
            "recordNames": [r.record_name for r in self.weighted_record_sets],
            "hostRulePriorities": self.host_rule_priorities,
        })

    @property
    def rollback_target(self) -> RollbackTarget:
        return RollbackTarget(
            kind=self.kind, listener_arn=self.listener_arn,
            blue_target_group_arn=self.target_group_arns.get(BLUE),
            green_target_group_arn=self.target_group_arns.get(GREEN),
            zone_id=self.zone_id, record_name=self.record_name, record_type=self.record_type,
            function_names=self.function_names, extra_record_sets=tuple(self.weighted_record_sets[1:]))

    # --- alb -------------------------------------------------------------------------------------
    def _alb(self) -> float:
        args, cfg, name = self._args, self._args.config, self._name
        fd, namer = cfg.front_door, args.namer
        child = pulumi.ResourceOptions(parent=self)
        placement = args.placement
        if placement is None:
            raise ValueError("the alb front door needs an AlbPlacement (public subnets of the stack's VPC)")

        sg_name = namer.name(Kind.SECURITY_GROUP, "front")
        sg = aws.ec2.SecurityGroup(f"{name}-sg", name=sg_name, vpc_id=placement.vpc_id, tags={"Name": sg_name},
                                   description="Front door ALB: HTTPS (and the HTTP redirect) from the internet",
                                   opts=child)
        for port in (443, 80):
            aws.vpc.SecurityGroupIngressRule(f"{name}-in-{port}", security_group_id=sg.id, ip_protocol="tcp",
                                             from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0",
                                             description="HTTPS" if port == 443 else "redirect to HTTPS", opts=child)
        self.security_group_id = sg.id

        logs = self._access_log_bucket()
        self.load_balancer = aws.lb.LoadBalancer(
            name, name=namer.name(Kind.LOAD_BALANCER, "front"), load_balancer_type="application", internal=False,
            security_groups=[sg.id], subnets=list(placement.subnet_ids), drop_invalid_header_fields=True,
            enable_deletion_protection=args.env.deletion_protection, idle_timeout=60,
            access_logs={"bucket": logs.bucket_name, "enabled": True, "prefix": "front"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]))
        if args.web_acl_arn is not None:
            aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=self.load_balancer.arn,
                                        web_acl_arn=args.web_acl_arn, opts=child)

        split = alb_split(args.green_weight)
        rules = alb_rule_plan({svc: gs.paths for svc, gs in args.green_services.items()}) \
            if args.green is not None else []
        routed = list(dict.fromkeys(p.service for p in rules))
        if 2 + len(routed) > MAX_TARGET_GROUPS:
            raise ComponentError("services", f"{len(routed)} routed services need {len(routed) + 1} target groups "
                                 f"besides blue's; an Application Load Balancer has at most {MAX_TARGET_GROUPS}",
                                 f"at most {MAX_TARGET_GROUPS - 2} services with routes")
        forward: list[dict[str, Any]] = []
        blue_tg: aws.lb.TargetGroup | None = None
        if args.blue is not None:
            blue_tg = self._blue_target_group(args.blue, placement, sg)
            forward.append({"arn": blue_tg.arn, "weight": split.blue})
        service_tgs: dict[str, aws.lb.TargetGroup] = {}
        green_tg: aws.lb.TargetGroup | None = None
        if args.green is not None:
            green_tg = self._green_target_group(args.green)
            forward.append({"arn": green_tg.arn, "weight": split.green})
            default_service = cfg.green.service
            for svc in routed:
                # The default action's service keeps its target group (no replacement): its rules reuse it.
                service_tgs[svc] = green_tg if svc == default_service else \
                    self._service_target_group(svc, args.green_services[svc].alias_arn)
                self.service_target_group_arns[svc] = service_tgs[svc].arn
                self.service_target_group_arn_suffixes[svc] = service_tgs[svc].arn_suffix
        sticky = args.stickiness_seconds
        if sticky is not None and not 1 <= sticky <= MAX_STICKINESS_SECONDS:
            raise ValueError(f"stickiness_seconds: {sticky} (allowed: 1..{MAX_STICKINESS_SECONDS})")
        stickiness = {"enabled": True, "duration": sticky} if sticky else {"enabled": False, "duration": 1}
        # A retired color is absent; retire=blue implies greenWeight=100 and retire=green implies 0, so
        # the remaining target group already carries weight 100.
        listener = aws.lb.Listener(
            f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
            ssl_policy=fd.ssl_policy, certificate_arn=fd.certificate_arn,
            default_actions=[{"type": "forward", "forward": {"target_groups": forward, "stickiness": stickiness}}],
            opts=child)
        if blue_tg is not None and args.green is not None:
            self._write_rules(listener, blue_tg, service_tgs)
        for plan in rules:
            targets = [{"arn": blue_tg.arn, "weight": split.blue}] if blue_tg is not None else []
            targets.append({"arn": service_tgs[plan.service].arn, "weight": split.green})
            aws.lb.ListenerRule(
                f"{name}-rule-{plan.service}" + (f"-{plan.index + 1}" if plan.index else ""),
                listener_arn=listener.arn, priority=plan.priority,
                conditions=[{"path_pattern": {"values": list(plan.patterns)}}],
                actions=[{"type": "forward", "forward": {"target_groups": targets, "stickiness": stickiness}}],
                tags={"Name": namer.name(Kind.GENERIC, "front", plan.service)}, opts=child)
            self.rule_priorities.setdefault(plan.service, []).append(plan.priority)
        if args.green is not None and args.extra_names:
            self._host_rules(listener, blue_tg, green_tg, service_tgs, split.blue, split.green, stickiness,
                             len(rules))
        aws.lb.Listener(
            f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
            default_actions=[{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                              "status_code": "HTTP_301"}}], opts=child)
        if fd.zone_id and fd.record_name:
            # The site's name moves to the ALB once, at weight 0 (blue still answers behind it). It
            # replaces the record that pointed at the servers, and stays through the cleanup path.
            aws.route53.Record(
                f"{name}-dns", zone_id=fd.zone_id, name=fd.record_name, type="A", allow_overwrite=True,
                aliases=[{"name": self.load_balancer.dns_name, "zone_id": self.load_balancer.zone_id,
                          "evaluate_target_health": True}], opts=child)
        self.listener_arn = listener.arn
        self.load_balancer_arn_suffix = self.load_balancer.arn_suffix
        self.dns_name = self.load_balancer.dns_name
        green = split.green if args.green is not None else 0
        blue = split.blue if args.blue is not None else 0
        return 0.0 if blue + green == 0 else 100.0 * green / (blue + green)

    def _host_rules(self, listener: aws.lb.Listener, blue_tg: aws.lb.TargetGroup | None,
                    green_tg: aws.lb.TargetGroup | None, service_tgs: dict[str, aws.lb.TargetGroup], blue_weight: int,
                    green_weight: int, stickiness: dict[str, Any], path_rules: int) -> None:
        """One host-header rule per extra name: blue's target group and its service's, at the same weights."""
        args, name, cfg = self._args, self._name, self._args.config
        child = pulumi.ResourceOptions(parent=self)
        if path_rules + len(args.extra_names) > MAX_RULES:
            raise ComponentError("traffic.frontDoor.extraNames", f"{path_rules} path rules and "
                                 f"{len(args.extra_names)} host rules; an Application Load Balancer has at most "
                                 f"{MAX_RULES} rules", "fewer names or routes")
        certificates = [e.config for e in args.extra_names if e.config.certificate_arn]
        if len(certificates) > MAX_EXTRA_CERTIFICATES:
            raise ComponentError("traffic.frontDoor.extraNames", f"{len(certificates)} certificates besides the "
                                 f"default one; an Application Load Balancer takes at most {MAX_EXTRA_CERTIFICATES}",
                                 "one certificate covering several names (subject alternative names)")
        priorities = host_rule_priorities([e.config.key for e in args.extra_names])
        for extra in args.extra_names:
            n = extra.config
            svc = n.green_service
            if svc is None:
                raise ComponentError(f"traffic.frontDoor.extraNames.{n.key}.green.service",
                                     "the alb front door forwards the name's green share to one service", None)
            if svc == cfg.green.service and green_tg is not None:
                target = green_tg
            elif svc in service_tgs:
                target = service_tgs[svc]
            else:  # a service no path rule routes: its own Lambda target group, watched by the rollback alarms
                if extra.green is None or extra.green.alias_arn is None:
                    raise ValueError(f"extra name {n.key}: the alb front door needs {svc}'s live alias ARN")
                target = service_tgs[svc] = self._service_target_group(svc, extra.green.alias_arn)
                self.service_target_group_arns[svc] = target.arn
                self.service_target_group_arn_suffixes[svc] = target.arn_suffix
            targets = [{"arn": blue_tg.arn, "weight": blue_weight}] if blue_tg is not None else []
            targets.append({"arn": target.arn, "weight": green_weight})
            # A host-header condition value counts as one of a rule's 5 condition values (ELB quotas).
            aws.lb.ListenerRule(
                f"{name}-host-{n.key}", listener_arn=listener.arn, priority=priorities[n.key],
                conditions=[{"host_header": {"values": [n.record_name]}}],
                actions=[{"type": "forward", "forward": {"target_groups": targets, "stickiness": stickiness}}],
                tags={"Name": args.namer.name(Kind.GENERIC, "front", n.key)}, opts=child)
            self.host_rule_priorities[n.key] = priorities[n.key]
            if n.certificate_arn:
                # SNI: the listener presents the certificate matching the name (ELB user guide, "SSL certificates").
                aws.lb.ListenerCertificate(f"{name}-cert-{n.key}", listener_arn=listener.arn,
                                           certificate_arn=n.certificate_arn, opts=child)
            if n.zone_id:
                assert self.load_balancer is not None
                aws.route53.Record(
                    f"{name}-dns-{n.key}", zone_id=n.zone_id, name=n.record_name, type="A", allow_overwrite=True,
                    aliases=[{"name": self.load_balancer.dns_name, "zone_id": self.load_balancer.zone_id,
                              "evaluate_target_health": True}], opts=child)

    def _write_rules(self, listener: aws.lb.Listener, blue_tg: aws.lb.TargetGroup,
                     service_tgs: Mapping[str, aws.lb.TargetGroup]) -> None:
        """Write methods of the routes that touch a dataset go to its writer color, whatever the weights."""
        args, name = self._args, self._name
        for plan in alb_write_rule_plan(args.write_routes):
            if plan.writer == BLUE:
                target = blue_tg
            elif plan.service in service_tgs:
                target = service_tgs[plan.service]
            else:
                raise ValueError(f"write_routes[{plan.service!r}]: green writes, but the service has no target group")
            aws.lb.ListenerRule(
                f"{name}-write-{plan.service}" + (f"-{plan.index + 1}" if plan.index else ""),
                listener_arn=listener.arn, priority=plan.priority,
                conditions=[{"http_request_method": {"values": list(plan.methods)}},
                            {"path_pattern": {"values": list(plan.patterns)}}],
                actions=[{"type": "forward", "target_group_arn": target.arn}],
                tags={"Name": args.namer.name(Kind.GENERIC, "write", plan.service)},
                opts=pulumi.ResourceOptions(parent=self))
            self.write_rule_priorities.setdefault(plan.service, []).append(plan.priority)

    def _access_log_bucket(self) -> SecureBucket:
        args = self._args
        bucket_name = args.namer.bucket("front-logs", args.account_id)
        arn = f"arn:aws:s3:::{bucket_name}/front/AWSLogs/{args.account_id}/*"
        statement = {"Sid": "ElbAccessLogs", "Effect": "Allow", "Principal": log_delivery_principal(args.region),
                     "Action": "s3:PutObject",
                     "Resource": arn}
        return SecureBucket(
            f"{self._name}-logs",
            # Retained in prod (protect, retain_on_delete, no forceDestroy), as the ECS load balancers'
            # log buckets: the logs outlive the front door and expire by lifecycle only.
            SecureBucketArgs(bucket_name=bucket_name, versioning=args.env.bucket_versioning,
                             retain=args.env.protect_stateful,
                             lifecycle=LifecycleConfig(expire_days=max(args.env.log_retention_days, 30),
                                                       glacier_after_days=None, noncurrent_expire_days=7,
                                                       abort_incomplete_upload_days=1),
                             policy_statements=[statement]),  # ALB access logs support only SSE-S3
            opts=pulumi.ResourceOptions(parent=self))

    def _blue_target_group(self, blue: Endpoint, placement: AlbPlacement,
                           sg: aws.ec2.SecurityGroup) -> aws.lb.TargetGroup:
        args, name, cfg = self._args, self._name, self._args.config
        child = pulumi.ResourceOptions(parent=self)
        if blue.alias_arn is not None:  # a serverless blue: one service's live alias, like green's
            return self._lambda_target_group(BLUE, blue.alias_arn, blue.health_check_path)
        if not blue.ips:
            raise ValueError("the alb front door's blue needs ip targets or a live alias")
        tg = aws.lb.TargetGroup(
            f"{name}-blue", name=args.namer.name(Kind.TARGET_GROUP, "blue"), target_type="ip",
            port=blue.port, protocol=blue.protocol, vpc_id=placement.vpc_id, deregistration_delay=30,
            health_check={"enabled": True, "path": blue.health_check_path, "protocol": blue.protocol,
                          "matcher": "200-399", "interval": 15, "healthy_threshold": 2, "unhealthy_threshold": 3},
            opts=child)
        peering = cfg.blue.peering
        deps: list[pulumi.Resource] = []
        if peering is not None:
            pcx = aws.ec2.VpcPeeringConnection(
                f"{name}-peering", vpc_id=placement.vpc_id, peer_vpc_id=peering.peer_vpc_id, auto_accept=True,
                tags={"Name": args.namer.name(Kind.GENERIC, "to-legacy")}, opts=child)
            self.peering_connection_id = pcx.id
            for i, rtb in enumerate(placement.route_table_ids):
                deps.append(aws.ec2.Route(f"{name}-to-legacy-{i}", route_table_id=rtb,
                                          destination_cidr_block=peering.peer_cidr,
                                          vpc_peering_connection_id=pcx.id, opts=child))
            for rtb in peering.peer_route_table_ids:
                aws.ec2.Route(f"{name}-from-legacy-{rtb}", route_table_id=rtb,
                              destination_cidr_block=placement.vpc_cidr, vpc_peering_connection_id=pcx.id,
                              opts=child)
        destinations = [peering.peer_cidr] if peering else sorted({str(ipaddress.ip_network(ip)) for ip in blue.ips})
        for cidr in destinations:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-to-blue-{_slug(cidr)}", security_group_id=sg.id, ip_protocol="tcp", from_port=blue.port,
                to_port=blue.port, cidr_ipv4=cidr, description="blue servers (traffic and health checks)",
                opts=child)
        for ip in blue.ips:
            # Targets outside the load balancer's VPC register with availability_zone "all".
            aws.lb.TargetGroupAttachment(
                f"{name}-blue-{_slug(ip)}", target_group_arn=tg.arn, target_id=ip, port=blue.port,
                availability_zone="all", opts=pulumi.ResourceOptions(parent=self, depends_on=deps))
        self.target_group_arns[BLUE] = tg.arn
        self.target_group_arn_suffixes[BLUE] = tg.arn_suffix
        return tg

    def _green_target_group(self, green: Endpoint) -> aws.lb.TargetGroup:
        if green.alias_arn is None:
            raise ValueError("the alb front door's green needs the service's live alias ARN")
        return self._lambda_target_group(GREEN, green.alias_arn, self._args.config.front_door.health_check_path)

    def _lambda_target_group(self, color: str, alias: pulumi.Input[str], health_path: str) -> aws.lb.TargetGroup:
        """A color's ``lambda`` target group: one live alias, invoked by the load balancer (either color)."""
        args, name = self._args, self._name
        child = pulumi.ResourceOptions(parent=self)
        tg = aws.lb.TargetGroup(
            f"{name}-{color}", name=args.namer.name(Kind.TARGET_GROUP, color), target_type="lambda",
            lambda_multi_value_headers_enabled=False,
            health_check={"enabled": True, "path": health_path, "matcher": "200",
                          "interval": 35, "timeout": 30, "healthy_threshold": 2, "unhealthy_threshold": 2},
            opts=child)
        alias_arn = pulumi.Output.from_input(alias)
        # arn:aws:lambda:<region>:<account>:function:<name>:<alias>
        permission = aws.lambda_.Permission(
            f"{name}-{color}-invoke", action="lambda:InvokeFunction",
            function=alias_arn.apply(lambda a: a.split(":")[6]), qualifier=alias_arn.apply(lambda a: a.split(":")[7]),
            principal="elasticloadbalancing.amazonaws.com", source_arn=tg.arn, opts=child)
        aws.lb.TargetGroupAttachment(f"{name}-{color}-alias", target_group_arn=tg.arn, target_id=alias_arn,
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]))
        self.target_group_arns[color] = tg.arn
        self.target_group_arn_suffixes[color] = tg.arn_suffix
        return tg

    def _service_target_group(self, svc: str, alias: pulumi.Input[str]) -> aws.lb.TargetGroup:
        """A routed service's own Lambda target group on its live alias (besides the default one)."""
        args, name = self._args, f"{self._name}-green-{svc}"
        child = pulumi.ResourceOptions(parent=self)
        tg = aws.lb.TargetGroup(
            name, name=args.namer.name(Kind.TARGET_GROUP, "green", svc), target_type="lambda",
            lambda_multi_value_headers_enabled=False,
            health_check={"enabled": True, "path": args.config.front_door.health_check_path, "matcher": "200",
                          "interval": 35, "timeout": 30, "healthy_threshold": 2, "unhealthy_threshold": 2},
            opts=child)
        alias_arn = pulumi.Output.from_input(alias)
        # Elastic Load Balancing invokes the alias only with this permission, scoped to this target
        # group (ELB user guide, "Lambda functions as targets"); the attachment waits for it.
        permission = aws.lambda_.Permission(
            f"{name}-invoke", action="lambda:InvokeFunction",
            function=alias_arn.apply(lambda a: a.split(":")[6]), qualifier=alias_arn.apply(lambda a: a.split(":")[7]),
            principal="elasticloadbalancing.amazonaws.com", source_arn=tg.arn, opts=child)
        aws.lb.TargetGroupAttachment(f"{name}-alias", target_group_arn=tg.arn, target_id=alias_arn,
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]))
        return tg

    # --- route53 ---------------------------------------------------------------------------------
    def _route53(self) -> float:
        args, cfg = self._args, self._args.config
        fd = cfg.front_door
        assert fd.zone_id is not None and fd.record_name is not None  # the parser requires both
        green_zone = args.green is not None and args.green.zone_id is not None
        rtype = record_type(cfg, green_zone)
        self.zone_id, self.record_name, self.record_type = fd.zone_id, fd.record_name, rtype
        split = route53_split(args.green_weight)
        weights = {BLUE: split.blue, GREEN: split.green}
        present = {c: e for c, e in ((BLUE, args.blue), (GREEN, args.green)) if e is not None}
        checks: dict[str, aws.route53.HealthCheck] = {}
        for color, endpoint in present.items():
            check = checks[color] = self._health_check(color, endpoint)
            self._record(color, endpoint, rtype, weights[color], check)
            self.set_identifiers[color] = color
            self.health_check_ids[color] = check.id
        self.weighted_record_sets.append(WeightedRecordSet(fd.zone_id, fd.record_name, rtype))
        for extra in args.extra_names:  # the same weights on every name
            n = extra.config
            if n.zone_id is None:
                raise ComponentError(f"traffic.frontDoor.extraNames.{n.key}.zoneId",
                                     "a weighted record needs its hosted zone", "a Route 53 hosted zone id")
            own = record_type(cfg, extra.green is not None and extra.green.zone_id is not None, n.blue)
            for color, own_endpoint in ((BLUE, extra.blue), (GREEN, extra.green)):
                if own_endpoint is None or color not in present:  # a retired color is absent on every name
                    continue
                # A health check watches an endpoint, not a record: a name weighed against the front door's own
                # blue reuses blue's check (same host, port and path) instead of paying for a second one.
                if color == BLUE and own_endpoint is args.blue:
                    check = checks[BLUE]
                else:
                    check = self._health_check(color, own_endpoint, n)
                    self.health_check_ids[f"{n.key}-{color}"] = check.id
                self._record(color, own_endpoint, own, weights[color], check, n)
            self.weighted_record_sets.append(WeightedRecordSet(n.zone_id, n.record_name, own))
        green = weights[GREEN] if GREEN in present else 0
        blue = weights[BLUE] if BLUE in present else 0
        return 0.0 if blue + green == 0 else 100.0 * green / (blue + green)

    def _health_check(self, color: str, ep: Endpoint, extra: WeightedName | None = None) -> aws.route53.HealthCheck:
        """``extra``: an extra weighted name's (its own logical name and green path); else the first name's."""
        fd = self._args.config.front_door
        green_path = (extra.health_check_path if extra else None) or fd.health_check_path
        path = green_path if color == GREEN else ep.health_check_path
        record_name = extra.record_name if extra else fd.record_name
        fqdn = ep.health_check_fqdn or (ep.dns_name if not ep.ips else record_name)
        https = ep.protocol == "HTTPS"
        key = f"{extra.key}-{color}" if extra else color
        tag = (extra.key, color) if extra else (color,)
        return aws.route53.HealthCheck(
            f"{self._name}-{key}", type="HTTPS" if https else "HTTP", fqdn=fqdn,
            ip_address=ep.ips[0] if ep.ips else None, port=ep.port, resource_path=path,
            enable_sni=https or None, failure_threshold=3, request_interval=30,
            tags={"Name": self._args.namer.name(Kind.GENERIC, "front", *tag)},
            opts=pulumi.ResourceOptions(parent=self))

    def _record(self, color: str, ep: Endpoint, rtype: str, weight: int, check: aws.route53.HealthCheck,
                extra: WeightedName | None = None) -> None:
        fd = self._args.config.front_door
        zone_id, record_name = (extra.zone_id, extra.record_name) if extra else (fd.zone_id, fd.record_name)
        # Set identifiers are unique per name and type (Route 53), so every name reuses blue/green.
        common: dict[str, Any] = {
            "zone_id": zone_id, "name": record_name, "type": rtype, "set_identifier": color,
            "weighted_routing_policies": [{"weight": weight}], "health_check_id": check.id,
        }
        if rtype == "CNAME":
            if ep.dns_name is None:
                raise ValueError(f"the {color} record is a CNAME and needs a DNS name")
            common |= {"ttl": fd.ttl, "records": [ep.dns_name]}
        elif ep.ips:
            common |= {"ttl": fd.ttl, "records": list(ep.ips)}
        else:
            if ep.dns_name is None or ep.zone_id is None:
                raise ValueError(f"the weighted set is type A, so the {color} record must be an alias: it needs a "
                                 "DNS name and its hosted zone (CNAME and A cannot share a weighted set)")
            # CloudFront alias targets do not support evaluating target health; the health check covers it.
            evaluate = pulumi.Output.from_input(ep.zone_id).apply(lambda z: z != CLOUDFRONT_ZONE_ID)
            common |= {"aliases": [{"name": ep.dns_name, "zone_id": ep.zone_id, "evaluate_target_health": evaluate}]}
        key = f"{extra.key}-{color}" if extra else color
        aws.route53.Record(f"{self._name}-{key}", **common, opts=pulumi.ResourceOptions(parent=self))

    def monitoring_alarms(self, key: str = "front") -> list[DeclaredAlarm]:
        """The front door's own load balancer (alb kind): 5xx rate and latency over both colors."""
        if self.load_balancer_arn_suffix is None:
            return []
        return alb_alarms(key, self.load_balancer_arn_suffix)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
