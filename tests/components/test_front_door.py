"""FrontDoor: greenWeight becomes exactly that share of traffic on every kind; both colors stay
registered at 0 and 100; a retired color is absent; ALB, Lambda target and Route 53 details."""

from __future__ import annotations

import gc
import itertools
import re
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from components.errors import ComponentError
from components.front_door import (
    CLOUDFRONT_ZONE_ID,
    AlbPlacement,
    Endpoint,
    FrontDoor,
    FrontDoorArgs,
    GreenService,
    alb_path_pattern,
    alb_rule_plan,
    alias_weights,
    check_overlaps,
    patterns_overlap,
    record_type,
)
from components.serverless import ServerlessApp, ServerlessAppArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.config.traffic import TLS13_POLICY, TrafficConfig, parse_traffic
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:yoga-prod-blog:live"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"
ALB_DOC: dict[str, Any] = {"traffic": {
    "stages": [5, 25, 50, 75, 100],
    "frontDoor": {"kind": "alb", "certificateArn": CERT},
    "blue": {"targets": ["172.31.1.10", "172.31.2.10"], "port": 80, "protocol": "HTTP",
             "peering": {"peerVpcId": "vpc-0123456789abcdef0", "peerCidr": "172.31.0.0/16",
                         "peerRouteTableIds": ["rtb-0123456789abcdef0"]}},
    "green": {"service": "site"},
    "rollback": {"errorRatePercent": 1}}}
R53_DOC: dict[str, Any] = {"traffic": {
    "frontDoor": {"kind": "route53", "zoneId": "Z0123456789ABCDEFGHIJ", "recordName": "api.example.com"},
    "blue": {"dnsName": "legacy.example.com"},
    "rollback": {"api5xxPercent": 1}}}


def traffic(doc: dict[str, Any], green_weight: int = 0, retire: str = "none") -> TrafficConfig:
    return parse_traffic(Reader(doc, ""), green_weight=green_weight, retire=retire, region="us-east-1",
                         vpc_cidr="10.42.0.0/16", services=("site", "api"))


def plan_door(doc: dict[str, Any], weight: int, blue: Endpoint | None, green: Endpoint | None,
              env: str = "prod", services: dict[str, GreenService] | None = None) -> tuple[Plan, list[FrontDoor]]:
    built: list[FrontDoor] = []
    cfg = traffic(doc, weight, {(True, False): "green", (False, True): "blue"}.get((green is None, blue is None),
                                                                               "none"))

    def program() -> None:
        built.append(FrontDoor("door", FrontDoorArgs(
            cfg, Namer("yoga", env), DEFAULTS[Environment(env)], weight, "123456789012", "us-east-1", blue, green,
            placement=AlbPlacement("vpc-1", "10.42.0.0/16", ["subnet-a", "subnet-b"], ["rtb-public"]),
            green_services=services or {})))

    return plan_components(program, stack=env), built


ALB_BLUE = Endpoint(ips=("172.31.1.10", "172.31.2.10"), port=80, protocol="HTTP")
ALB_GREEN = Endpoint(alias_arn=ALIAS_ARN)
R53_BLUE = Endpoint(dns_name="legacy.example.com", health_check_path="/")
R53_GREEN = Endpoint(dns_name="d-abc.execute-api.us-east-1.amazonaws.com", zone_id="Z1UJRXOUMOOFQ8",
                     health_check_fqdn="abc.execute-api.us-east-1.amazonaws.com")


def alb_green_share(plan: Plan) -> float:
    listener = plan.one("aws:lb/listener:Listener", "door-https")
    tgs = {r.outputs["arn"]: r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    weights = {tgs[t["arn"]]: t["weight"] for t in listener.inputs["defaultActions"][0]["forward"]["targetGroups"]}
    assert all(0 <= w <= 999 for w in weights.values()) and len(weights) <= 5
    total = sum(weights.values())
    return 100.0 * weights.get("door-green", 0) / total


def r53_green_share(plan: Plan) -> float:
    records = {r.inputs["setIdentifier"]: r.inputs["weightedRoutingPolicies"][0]["weight"]
               for r in plan.of_type("aws:route53/record:Record")}
    assert all(0 <= w <= 255 for w in records.values())
    return 100.0 * records.get("green", 0) / sum(records.values())


@settings(max_examples=20)
@given(st.integers(0, 100))
def test_alb_sends_exactly_green_weight_to_green(weight: int) -> None:
    plan, (door,) = plan_door(ALB_DOC, weight, ALB_BLUE, ALB_GREEN)
    assert alb_green_share(plan) == pytest.approx(weight)
    assert door.green_share == pytest.approx(weight)
    assert len(plan.of_type("aws:lb/targetGroup:TargetGroup")) == 2  # both registered, even at 0 and 100


@settings(max_examples=20)
@given(st.integers(0, 100))
def test_route53_sends_exactly_green_weight_to_green(weight: int) -> None:
    plan, _ = plan_door(R53_DOC, weight, R53_BLUE, R53_GREEN)
    assert r53_green_share(plan) == pytest.approx(weight)
    assert len(plan.of_type("aws:route53/record:Record")) == 2
    assert len(plan.of_type("aws:route53/healthCheck:HealthCheck")) == 2


def test_alb_listener_target_groups_and_lambda_permission() -> None:
    plan, (door,) = plan_door(ALB_DOC, 25, ALB_BLUE, ALB_GREEN)
    https = plan.one("aws:lb/listener:Listener", "door-https")
    assert (https.inputs["port"], https.inputs["protocol"], https.inputs["sslPolicy"]) == (443, "HTTPS", TLS13_POLICY)
    assert https.inputs["certificateArn"] == CERT
    http = plan.one("aws:lb/listener:Listener", "door-http")
    assert http.inputs["defaultActions"] == [{"type": "redirect", "redirect": {
        "protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
    blue = plan.one("aws:lb/targetGroup:TargetGroup", "door-blue")
    assert (blue.inputs["targetType"], blue.inputs["port"], blue.inputs["protocol"]) == ("ip", 80, "HTTP")
    attachments = [r for r in plan.of_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")
                   if r.name.startswith("door-blue-")]
    assert sorted(a.inputs["targetId"] for a in attachments) == ["172.31.1.10", "172.31.2.10"]
    assert {a.inputs["availabilityZone"] for a in attachments} == {"all"}
    green = plan.one("aws:lb/targetGroup:TargetGroup", "door-green")
    assert green.inputs["targetType"] == "lambda"
    perm = plan.one("aws:lambda/permission:Permission", "door-green-invoke")
    assert perm.inputs["principal"] == "elasticloadbalancing.amazonaws.com"
    assert perm.inputs["sourceArn"] == green.outputs["arn"]
    assert (perm.inputs["function"], perm.inputs["qualifier"]) == ("yoga-prod-blog", "live")
    attach = plan.one("aws:lb/targetGroupAttachment:TargetGroupAttachment", "door-green-alias")
    assert attach.inputs["targetId"] == ALIAS_ARN and perm.urn in attach.dependencies
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer", "door")
    assert lb.inputs["accessLogs"]["enabled"] is True and lb.inputs["enableDeletionProtection"] is True
    assert lb.inputs["dropInvalidHeaderFields"] is True
    # peering both ways, and the ALB may reach only the legacy CIDR on blue's port
    pcx = plan.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    assert (pcx.inputs["peerVpcId"], pcx.inputs["autoAccept"]) == ("vpc-0123456789abcdef0", True)
    routes = {(r.inputs["routeTableId"], r.inputs["destinationCidrBlock"]) for r in plan.of_type("aws:ec2/route:Route")}
    assert routes == {("rtb-public", "172.31.0.0/16"), ("rtb-0123456789abcdef0", "10.42.0.0/16")}
    (egress,) = plan.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert (egress.inputs["cidrIpv4"], egress.inputs["fromPort"], egress.inputs["toPort"]) == ("172.31.0.0/16", 80, 80)
    ingress = plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert sorted(r.inputs["fromPort"] for r in ingress) == [80, 443]
    target = door.rollback_target
    assert target.listener_arn is not None and target.blue_target_group_arn is not None


@pytest.mark.parametrize(("weight", "blue", "green", "present", "share"), [
    (100, None, ALB_GREEN, {"door-green"}, 100.0), (0, ALB_BLUE, None, {"door-blue"}, 0.0)])
def test_alb_retired_color_leaves_routing(weight: int, blue: Endpoint | None, green: Endpoint | None,
                                          present: set[str], share: float) -> None:
    plan, _ = plan_door(ALB_DOC, weight, blue, green)
    assert {r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")} == present
    assert alb_green_share(plan) == share
    assert bool(plan.of_type("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")) == (blue is not None)
    assert bool(plan.of_type("aws:lambda/permission:Permission")) == (green is not None)


def test_route53_cname_set_and_health_checks() -> None:
    plan, (door,) = plan_door(R53_DOC, 10, R53_BLUE, R53_GREEN)
    records = {r.inputs["setIdentifier"]: r.inputs for r in plan.of_type("aws:route53/record:Record")}
    # blue is a host name, so both colors are CNAMEs (a weighted set cannot mix CNAME and A)
    assert {r["type"] for r in records.values()} == {"CNAME"}
    assert records["blue"]["records"] == ["legacy.example.com"]
    assert records["green"]["records"] == ["d-abc.execute-api.us-east-1.amazonaws.com"]
    assert {r["name"] for r in records.values()} == {"api.example.com"}
    checks = {r.name: r for r in plan.of_type("aws:route53/healthCheck:HealthCheck")}
    assert checks["door-green"].inputs["fqdn"] == "abc.execute-api.us-east-1.amazonaws.com"
    assert checks["door-green"].inputs["resourcePath"] == "/health"
    assert checks["door-blue"].inputs["fqdn"] == "legacy.example.com"
    assert records["green"]["healthCheckId"] == checks["door-green"].id
    assert (door.zone_id, door.record_name, door.record_type) == ("Z0123456789ABCDEFGHIJ", "api.example.com", "CNAME")


def test_route53_alias_records_when_blue_is_an_alias_target() -> None:
    doc = {"traffic": {**R53_DOC["traffic"], "blue": {"dnsName": "legacy-123.us-east-1.elb.amazonaws.com",
                                                       "zoneId": "Z35SXDOTRQ7X7K"}}}
    plan, _ = plan_door(doc, 50, Endpoint(dns_name="legacy-123.us-east-1.elb.amazonaws.com", zone_id="Z35SXDOTRQ7X7K"),
                        Endpoint(dns_name="d111.cloudfront.net", zone_id=CLOUDFRONT_ZONE_ID))
    records = {r.inputs["setIdentifier"]: r.inputs for r in plan.of_type("aws:route53/record:Record")}
    assert {r["type"] for r in records.values()} == {"A"}
    assert records["green"]["aliases"] == [{"name": "d111.cloudfront.net", "zoneId": CLOUDFRONT_ZONE_ID,
                                            "evaluateTargetHealth": False}]
    assert records["blue"]["aliases"][0]["evaluateTargetHealth"] is True


def test_route53_retire_blue_removes_its_record_and_health_check_only() -> None:
    plan, _ = plan_door(R53_DOC, 100, None, R53_GREEN)
    assert [r.inputs["setIdentifier"] for r in plan.of_type("aws:route53/record:Record")] == ["green"]
    assert [r.name for r in plan.of_type("aws:route53/healthCheck:HealthCheck")] == ["door-green"]
    assert r53_green_share(plan) == 100.0


def test_record_type_is_fixed_by_blue() -> None:
    assert record_type(traffic(R53_DOC), green_zone=True) == "CNAME"
    ips = {"traffic": {**R53_DOC["traffic"], "blue": {"targets": ["10.1.2.3"]}}}
    assert record_type(traffic(ips), green_zone=True) == "A"


ALIAS_DOC: dict[str, Any] = {"traffic": {"frontDoor": {"kind": "alias"}, "stableVersions": {"api": "7"},
                                         "rollback": {"lambdaErrorPercent": 5}}}
SERVICES_DOC: dict[str, Any] = {"services": {"api": {"routes": ["ANY /{proxy+}"]}, "site": {"routes": ["GET /"]}},
                                "httpApi": {}}


def plan_aliases(weight: int, retire: str = "none") -> Plan:
    """The real ServerlessApp fed by ``alias_weights``, as __main__ wires them."""
    sls, _, _ = parse_serverless(Reader(SERVICES_DOC, ""), DEFAULTS[Environment.PROD], "us-east-1")
    cfg = traffic(ALIAS_DOC, weight, retire)

    def program() -> None:
        ServerlessApp("sls", ServerlessAppArgs(sls, Namer("waiterix", "prod"), DEFAULTS[Environment.PROD], {},
                                               alias_weights=alias_weights(cfg, weight, retired_blue=retire == "blue")))

    return plan_components(program, stack="prod")


@settings(max_examples=101)
@given(st.integers(0, 100))
@example(0)
@example(1)
@example(99)
@example(100)
def test_alias_keeps_the_stable_version_primary_and_sends_exactly_green_weight_to_the_new_one(weight: int) -> None:
    assert alias_weights(traffic(ALIAS_DOC, weight), weight, retired_blue=False) == {"api": ("7", weight / 100)}
    plan = plan_aliases(weight)
    new_version = plan.one("aws:lambda/function:Function", "sls-api").outputs["version"]
    assert new_version != "7"
    alias = plan.one("aws:lambda/alias:Alias", "sls-api-live")
    assert alias.inputs["functionVersion"] == "7"  # blue: what clearing the routing config falls back to
    assert alias.inputs["routingConfig"] == {"additionalVersionWeights": {new_version: weight / 100}}
    # a service without a pinned version follows the new version alone
    site = plan.one("aws:lambda/alias:Alias", "sls-site-live")
    assert site.inputs["functionVersion"] == plan.one("aws:lambda/function:Function", "sls-site").outputs["version"]
    assert "routingConfig" not in site.inputs


def test_retire_blue_leaves_the_new_version_as_the_only_primary() -> None:
    assert alias_weights(traffic(ALIAS_DOC, 100, "blue"), 100, retired_blue=True) == {}
    plan = plan_aliases(100, retire="blue")
    alias = plan.one("aws:lambda/alias:Alias", "sls-api-live")
    assert alias.inputs["functionVersion"] == plan.one("aws:lambda/function:Function", "sls-api").outputs["version"]
    assert "routingConfig" not in alias.inputs


# ── alb: per-service routing ────────────────────────────────────────────────────────────────────

API_ARN = "arn:aws:lambda:us-east-1:123456789012:function:yoga-prod-api:live"
SERVICES = {"site": GreenService(ALIAS_ARN, ("/", "/about")),
            "api": GreenService(API_ARN, ("/api/items", "/api/items/{id}", "/api/items/{id}/parts/{part}",
                                          "/api/orders", "/api/orders/{id}", "/api/users/{proxy+}"))}


def test_route_paths_become_alb_path_patterns() -> None:
    assert alb_path_pattern("/blog") == "/blog"
    assert alb_path_pattern("/blog/{id}/publish") == "/blog/*/publish"
    assert alb_path_pattern("/files/{proxy+}") == "/files/*"
    assert alb_path_pattern("/") == "/"


@pytest.mark.parametrize(("a", "b", "overlap"), [
    ("/blog", "/blog", True), ("/blog", "/blogs", False), ("/blog/*", "/blog", False),
    ("/blog/*", "/blog/1/publish", True), ("/*", "/auth/login", True), ("/a/*/x", "/a/b/*", True),
    ("/auth/*", "/payment/*", False), ("*x", "*y", False), ("/a?c", "/abc", True), ("/a?c", "/ac", False),
])
def test_patterns_overlap_like_alb_matches(a: str, b: str, overlap: bool) -> None:
    """ALB path patterns: * matches 0 or more characters, ? exactly one (pulumi_aws ListenerRule docs)."""
    assert patterns_overlap(a, b) is overlap and patterns_overlap(b, a) is overlap


def _common_path(a: str, b: str) -> bool:
    """Brute force: is some path over the patterns' own characters (plus one other) matched by both?

    A common path, if any, needs no character the patterns do not name (``?`` against ``?`` takes any,
    here ``z``) and no more characters than the two patterns have together, since every character of it
    is some pattern's literal or ``?``. Matching is ALB's: ``*`` any string, ``?`` exactly one character."""
    def regex(p: str) -> re.Pattern[str]:
        return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p), re.S)

    ra, rb = regex(a), regex(b)
    alphabet = sorted(set(a + b) - {"*", "?"} | {"z"})
    return any(ra.fullmatch(path) and rb.fullmatch(path)
               for n in range(len(a) + len(b) + 1) for path in map("".join, itertools.product(alphabet, repeat=n)))


@settings(max_examples=150)
@given(st.text("ab/*?", max_size=3), st.text("ab/*?", max_size=3))
def test_patterns_overlap_exactly_when_a_path_matches_both(a: str, b: str) -> None:
    assert patterns_overlap(a, b) is _common_path(a, b)


@settings(max_examples=80)
@given(st.dictionaries(st.sampled_from("abc"), st.lists(st.text("/xy*", min_size=1, max_size=4), min_size=1,
                                                         max_size=3, unique=True), min_size=1, max_size=3))
def test_the_overlap_check_reports_the_first_clash_of_every_pair(patterns: dict[str, list[str]]) -> None:
    """Against the plain pairwise loop: services by name, then each one's routes in order."""
    names = sorted(patterns)
    expected = next(((a, pa, b, pb) for i, a in enumerate(names) for b in names[i + 1:] for pa in patterns[a]
                     for pb in patterns[b] if patterns_overlap(pa, pb)), None)
    if expected is None:
        check_overlaps(patterns)
        return
    a, pa, b, pb = expected
    with pytest.raises(ComponentError) as err:
        check_overlaps(patterns)
    assert err.value.key == f"services.{b}.routes" and f"{a}'s {pa!r} and {b}'s {pb!r}" in str(err.value)


def test_many_services_are_checked_pairwise_without_a_garbage_cycle_per_pair() -> None:
    """A profile at ALB's rule limit compares about 10^5 pattern pairs; each comparison must leave nothing
    for the cycle collector (a recursive closure per call once left millions of objects behind)."""
    services = {f"s{i}": tuple(f"/s{i}/p{j}/{{id}}" for j in range(10)) for i in range(40)}
    gc.collect(0)  # what is young now moves on: the next young collection sees only the check's objects
    gc.disable()
    try:
        plans = alb_rule_plan(services)
        assert gc.collect(0) == 0
    finally:
        gc.enable()
    assert len(plans) == 80


def test_rules_respect_alb_per_rule_limits_and_priorities_are_unique() -> None:
    plans = alb_rule_plan({s: g.paths for s, g in SERVICES.items()})
    by_service = {s: [p for p in plans if p.service == s] for s in SERVICES}
    assert [p.patterns for p in by_service["site"]] == [("/", "/about")]
    # ALB quotas: at most 5 condition values and 5 wildcards per rule
    assert all(len(p.patterns) <= 5 and sum(x.count("*") for x in p.patterns) <= 5 for p in plans)
    assert [x for p in by_service["api"] for x in p.patterns] == [
        "/api/items", "/api/items/*", "/api/items/*/parts/*", "/api/orders", "/api/orders/*", "/api/users/*"]
    assert len(by_service["api"]) == 2
    priorities = [p.priority for p in plans]
    assert len(set(priorities)) == len(priorities) and all(1 <= p <= 50000 for p in priorities)


def test_adding_a_service_keeps_the_other_services_priorities() -> None:
    before = {(p.service, p.index): p.priority for p in alb_rule_plan({s: g.paths for s, g in SERVICES.items()})}
    after = {(p.service, p.index): p.priority for p in alb_rule_plan(
        {**{s: g.paths for s, g in SERVICES.items()}, "aaa": ("/aaa",), "zzz": ("/zzz/{id}",)})}
    assert {k: v for k, v in after.items() if k in before} == before


@pytest.mark.parametrize(("services", "key", "message"), [
    ({"a": ("/items",), "b": ("/items",)}, "services.b.routes", "can match the same request"),
    ({"a": ("/{proxy+}",), "b": ("/auth/login",)}, "services.b.routes", "can match the same request"),
    ({"a": ("/" + "x" * 130,)}, "services.a.routes", "at most 128"),
    ({"a": ("/{a}/{b}/{c}/{d}/{e}/{f}",)}, "services.a.routes", "wildcards"),
    ({f"s{i}": tuple(f"/s{i}/p{j}" for j in range(10)) for i in range(51)}, "services", "at most 100"),
])
def test_over_limit_or_ambiguous_routing_is_refused(services: dict[str, tuple[str, ...]], key: str,
                                                    message: str) -> None:
    with pytest.raises(ComponentError, match=message) as err:
        alb_rule_plan(services)
    assert err.value.key == key


@settings(max_examples=10)
@given(st.integers(0, 100))
def test_each_service_rule_sends_exactly_green_weight_to_its_own_lambda(weight: int) -> None:
    plan, (door,) = plan_door(ALB_DOC, weight, ALB_BLUE, ALB_GREEN, services=SERVICES)
    tgs = {r.outputs["arn"]: r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    rules = plan.of_type("aws:lb/listenerRule:ListenerRule")
    assert sorted(r.name for r in rules) == ["door-rule-api", "door-rule-api-2", "door-rule-site"]
    for rule in rules:
        (action,) = rule.inputs["actions"]
        weights = {tgs[t["arn"]]: t["weight"] for t in action["forward"]["targetGroups"]}
        own = "door-green" if rule.name == "door-rule-site" else "door-green-api"  # site: the default service
        assert weights == {"door-blue": 100 - weight, own: weight}
        assert rule.inputs["listenerArn"] == plan.one("aws:lb/listener:Listener", "door-https").outputs["arn"]
    assert alb_green_share(plan) == pytest.approx(weight)  # the default action is unchanged
    assert sorted(door.service_target_group_arn_suffixes) == ["api", "site"]


def test_each_service_has_its_own_lambda_target_group_and_scoped_permission() -> None:
    plan, _ = plan_door(ALB_DOC, 5, ALB_BLUE, ALB_GREEN, services=SERVICES)
    tg = plan.one("aws:lb/targetGroup:TargetGroup", "door-green-api")
    assert (tg.inputs["targetType"], tg.inputs["name"]) == ("lambda", "yoga-prod-green-api")
    perm = plan.one("aws:lambda/permission:Permission", "door-green-api-invoke")
    assert (perm.inputs["principal"], perm.inputs["sourceArn"], perm.inputs["action"]) == (
        "elasticloadbalancing.amazonaws.com", tg.outputs["arn"], "lambda:InvokeFunction")
    assert (perm.inputs["function"], perm.inputs["qualifier"]) == ("yoga-prod-api", "live")
    attach = plan.one("aws:lb/targetGroupAttachment:TargetGroupAttachment", "door-green-api-alias")
    assert attach.inputs["targetId"] == API_ARN and perm.urn in attach.dependencies
    # the default service keeps its one target group and permission: nothing of it is replaced
    assert len([r for r in plan.of_type("aws:lambda/permission:Permission") if "site" in r.name]) == 0
    assert plan.one("aws:lambda/permission:Permission", "door-green-invoke").inputs["function"] == "yoga-prod-blog"


def test_retired_colors_and_per_service_rules() -> None:
    plan, _ = plan_door(ALB_DOC, 100, None, ALB_GREEN, services=SERVICES)  # retire=blue: green only
    for rule in plan.of_type("aws:lb/listenerRule:ListenerRule"):
        assert [t["weight"] for t in rule.inputs["actions"][0]["forward"]["targetGroups"]] == [100]
    plan, _ = plan_door(ALB_DOC, 0, ALB_BLUE, None, services=SERVICES)  # retire=green: no green rules
    assert not plan.of_type("aws:lb/listenerRule:ListenerRule")


# ── more weighted names (issue 13 item 2) ───────────────────────────────────────────────────────

from components.front_door import (  # noqa: E402
    HOST_BLOCK_START,
    MAX_PRIORITY,
    WeightedNameArgs,
    host_rule_priorities,
)
from cutover.errors import ConfigError  # noqa: E402 (the parser's errors; components raise ComponentError)

API_GREEN = Endpoint(dns_name="d222.cloudfront.net", zone_id=CLOUDFRONT_ZONE_ID)
R53_TWO: dict[str, Any] = {"traffic": {**R53_DOC["traffic"], "frontDoor": {
    **R53_DOC["traffic"]["frontDoor"], "recordName": "www.example.com",
    "extraNames": {"api": {"recordName": "API.example.com.", "healthCheckPath": "/status",
                           "green": {"endpoint": "edge"}}}}}}


def plan_names(doc: dict[str, Any], weight: int, blue: Endpoint | None, green: Endpoint | None,
               extra: dict[str, tuple[Endpoint | None, Endpoint | None]],
               services: dict[str, GreenService] | None = None) -> tuple[Plan, FrontDoor]:
    """The door with extra names: ``extra`` maps a key to (its blue, its green); ``"same"`` blue reuses ``blue``."""
    built: list[FrontDoor] = []
    retire = {(True, False): "green", (False, True): "blue"}.get((green is None, blue is None), "none")
    cfg = traffic(doc, weight, retire)
    names = [WeightedNameArgs(n, *extra[n.key]) for n in cfg.front_door.extra_names]

    def program() -> None:
        built.append(FrontDoor("door", FrontDoorArgs(
            cfg, Namer("yoga", "prod"), DEFAULTS[Environment.PROD], weight, "123456789012", "us-east-1", blue,
            green, placement=AlbPlacement("vpc-1", "10.42.0.0/16", ["subnet-a", "subnet-b"], ["rtb-public"]),
            green_services=services or {}, extra_names=names)))

    return plan_components(program, stack="prod"), built[0]


def records_of(plan: Plan, name: str) -> dict[str, dict[str, Any]]:
    return {r.inputs["setIdentifier"]: r.inputs for r in plan.of_type("aws:route53/record:Record")
            if r.inputs["name"] == name}


@settings(max_examples=15)
@given(st.integers(0, 100))
@example(0)
@example(100)
def test_route53_every_name_gets_exactly_green_weight(weight: int) -> None:
    plan, door = plan_names(R53_TWO, weight, R53_BLUE, R53_GREEN, {"api": (R53_BLUE, API_GREEN)})
    for name in ("www.example.com", "api.example.com"):
        recs = records_of(plan, name)
        assert sorted(recs) == ["blue", "green"]
        w = {c: r["weightedRoutingPolicies"][0]["weight"] for c, r in recs.items()}
        assert all(0 <= x <= 255 for x in w.values())  # Route 53 weights: 0..255 (ResourceRecordSet.Weight)
        assert 100.0 * w["green"] / (w["blue"] + w["green"]) == pytest.approx(weight)
    assert door.green_share == pytest.approx(weight)


def test_route53_extra_name_records_health_checks_and_rollback_target() -> None:
    plan, door = plan_names(R53_TWO, 10, R53_BLUE, R53_GREEN, {"api": (R53_BLUE, API_GREEN)})
    api = records_of(plan, "api.example.com")  # normalized: lowercase, no trailing dot
    # blue is a host name, so the api pair is CNAME too (a weighted set shares one type: Route 53)
    assert {r["type"] for r in api.values()} == {"CNAME"}
    assert api["blue"]["records"] == ["legacy.example.com"] and api["green"]["records"] == ["d222.cloudfront.net"]
    assert {r["zoneId"] for r in api.values()} == {"Z0123456789ABCDEFGHIJ"}  # the front door's zone by default
    checks = {r.name: r.inputs for r in plan.of_type("aws:route53/healthCheck:HealthCheck")}
    # blue's endpoint is shared, so its health check is too; green's api check probes the api's own path
    assert sorted(checks) == ["door-api-green", "door-blue", "door-green"]
    assert (checks["door-api-green"]["fqdn"], checks["door-api-green"]["resourcePath"]) == ("d222.cloudfront.net",
                                                                                            "/status")
    ids = {r.name: r.id for r in plan.of_type("aws:route53/healthCheck:HealthCheck")}
    assert api["blue"]["healthCheckId"] == ids["door-blue"] and api["green"]["healthCheckId"] == ids["door-api-green"]
    target = door.rollback_target
    assert (target.zone_id, target.record_name, target.record_type) == ("Z0123456789ABCDEFGHIJ", "www.example.com",
                                                                        "CNAME")
    assert [(s.zone_id, s.record_name, s.record_type, s.blue_set_identifier, s.green_set_identifier)
            for s in target.extra_record_sets] == [("Z0123456789ABCDEFGHIJ", "api.example.com", "CNAME", "blue",
                                                    "green")]


def test_route53_extra_name_with_its_own_blue_and_zone() -> None:
    doc = {"traffic": {**R53_TWO["traffic"], "frontDoor": {**R53_TWO["traffic"]["frontDoor"], "extraNames": {
        "api": {"recordName": "api.example.org", "zoneId": "Z9ZZZZZZZZZZZZZZZZZZZ",
                "blue": {"dnsName": "old-api-1.us-east-1.elb.amazonaws.com", "zoneId": "Z35SXDOTRQ7X7K",
                         "healthCheckPath": "/ping"},
                "green": {"endpoint": "edge"}}}}}}
    own_blue = Endpoint(dns_name="old-api-1.us-east-1.elb.amazonaws.com", zone_id="Z35SXDOTRQ7X7K",
                        health_check_path="/ping")
    plan, door = plan_names(doc, 50, R53_BLUE, R53_GREEN, {"api": (own_blue, API_GREEN)})
    api = records_of(plan, "api.example.org")
    assert {r["type"] for r in api.values()} == {"A"}  # its blue is an alias target: alias A records
    assert {r["zoneId"] for r in api.values()} == {"Z9ZZZZZZZZZZZZZZZZZZZ"}
    checks = {r.name: r.inputs for r in plan.of_type("aws:route53/healthCheck:HealthCheck")}
    assert sorted(checks) == ["door-api-blue", "door-api-green", "door-blue", "door-green"]
    assert checks["door-api-blue"]["resourcePath"] == "/ping"
    assert [s.zone_id for s in door.rollback_target.extra_record_sets] == ["Z9ZZZZZZZZZZZZZZZZZZZ"]


def test_route53_retired_blue_leaves_only_green_on_every_name() -> None:
    plan, _ = plan_names(R53_TWO, 100, None, R53_GREEN, {"api": (None, API_GREEN)})
    assert {(r.inputs["name"], r.inputs["setIdentifier"]) for r in plan.of_type("aws:route53/record:Record")} == {
        ("www.example.com", "green"), ("api.example.com", "green")}
    assert sorted(r.name for r in plan.of_type("aws:route53/healthCheck:HealthCheck")) == ["door-api-green",
                                                                                          "door-green"]


ALB_TWO: dict[str, Any] = {"traffic": {**ALB_DOC["traffic"], "frontDoor": {
    **ALB_DOC["traffic"]["frontDoor"], "zoneId": "Z0123456789ABCDEFGHIJ", "recordName": "www.example.com",
    "extraNames": {"api": {"recordName": "api.example.com", "green": {"service": "api"},
                           "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/api-1"}}}}}


@settings(max_examples=10)
@given(st.integers(0, 100))
def test_alb_host_rule_sends_exactly_green_weight_to_its_service(weight: int) -> None:
    plan, door = plan_names(ALB_TWO, weight, ALB_BLUE, ALB_GREEN, {"api": (ALB_BLUE, Endpoint(alias_arn=API_ARN))})
    tgs = {r.outputs["arn"]: r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    rule = plan.one("aws:lb/listenerRule:ListenerRule", "door-host-api")
    assert rule.inputs["conditions"] == [{"hostHeader": {"values": ["api.example.com"]}}]
    (action,) = rule.inputs["actions"]
    assert {tgs[t["arn"]]: t["weight"] for t in action["forward"]["targetGroups"]} == {
        "door-blue": 100 - weight, "door-green-api": weight}
    # ListenerRule priorities: 1..50000; the host block comes after every service block (and the write block)
    assert HOST_BLOCK_START <= rule.inputs["priority"] <= MAX_PRIORITY == 50000
    assert door.host_rule_priorities == {"api": rule.inputs["priority"]}
    assert alb_green_share(plan) == pytest.approx(weight)  # the default action still weighs the first name


def test_alb_host_rule_service_target_group_certificate_and_alias_record() -> None:
    plan, door = plan_names(ALB_TWO, 10, ALB_BLUE, ALB_GREEN, {"api": (ALB_BLUE, Endpoint(alias_arn=API_ARN))})
    # api has no path rule here, so the host rule gets it its own Lambda target group and scoped permission
    tg = plan.one("aws:lb/targetGroup:TargetGroup", "door-green-api")
    perm = plan.one("aws:lambda/permission:Permission", "door-green-api-invoke")
    assert (perm.inputs["sourceArn"], perm.inputs["function"], perm.inputs["qualifier"]) == (
        tg.outputs["arn"], "yoga-prod-api", "live")
    assert sorted(door.service_target_group_arn_suffixes) == ["api"]  # watched by the rollback alarms
    https = plan.one("aws:lb/listener:Listener", "door-https")
    cert = plan.one("aws:lb/listenerCertificate:ListenerCertificate", "door-cert-api")
    assert (cert.inputs["listenerArn"], cert.inputs["certificateArn"]) == (
        https.outputs["arn"], "arn:aws:acm:us-east-1:123456789012:certificate/api-1")
    dns = plan.one("aws:route53/record:Record", "door-dns-api")
    assert (dns.inputs["zoneId"], dns.inputs["name"], dns.inputs["type"]) == ("Z0123456789ABCDEFGHIJ",
                                                                              "api.example.com", "A")
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer", "door")
    assert dns.inputs["aliases"][0]["name"] == lb.outputs["dnsName"]


def test_alb_host_rule_reuses_a_routed_services_target_group() -> None:
    plan, _ = plan_names(ALB_TWO, 25, ALB_BLUE, ALB_GREEN, {"api": (ALB_BLUE, Endpoint(alias_arn=API_ARN))},
                         services=SERVICES)
    assert len([r for r in plan.of_type("aws:lb/targetGroup:TargetGroup") if r.name == "door-green-api"]) == 1
    priorities = [r.inputs["priority"] for r in plan.of_type("aws:lb/listenerRule:ListenerRule")]
    assert len(set(priorities)) == len(priorities)


def test_alb_retired_green_has_no_host_rule() -> None:
    plan, _ = plan_names(ALB_TWO, 0, ALB_BLUE, None, {"api": (ALB_BLUE, None)})
    assert not plan.of_type("aws:lb/listenerRule:ListenerRule")


def test_host_rule_priorities_are_unique_stable_and_in_the_last_block() -> None:
    keys = [f"name{i}" for i in range(100)]
    every = host_rule_priorities(keys)
    assert sorted(every.values()) == list(range(49901, 50001))  # 100 names fill the block exactly
    few = host_rule_priorities(["api", "admin"])
    more = host_rule_priorities(["api", "admin", "zzz"])
    assert {k: more[k] for k in few} == few  # adding a name moves no other name's rule
    with pytest.raises(ValueError, match="at most 100 names"):
        host_rule_priorities([*keys, "one-more"])


# ── traffic.frontDoor.extraNames: configuration errors ──────────────────────────────────────────

def _with_names(doc: dict[str, Any], names: Any) -> dict[str, Any]:
    return {"traffic": {**doc["traffic"], "frontDoor": {**doc["traffic"]["frontDoor"], "extraNames": names}}}


@pytest.mark.parametrize(("doc", "key", "message"), [
    (_with_names(R53_TWO, {"a": {"recordName": "x.example.com"}, "b": {"recordName": "X.example.com."}}),
     "traffic.frontDoor.extraNames.b.recordName", "already weighed by traffic.frontDoor.extraNames.a.recordName"),
    (_with_names(R53_TWO, {"a": {"recordName": "www.example.com"}}),
     "traffic.frontDoor.extraNames.a.recordName", "already weighed by traffic.frontDoor.recordName"),
    (_with_names(ALIAS_DOC, {"a": {"recordName": "x.example.com"}}), "traffic.frontDoor.extraNames",
     "alias front door weighs Lambda versions"),
    ({"traffic": {"frontDoor": {"kind": "none", "extraNames": {"a": {"recordName": "x.example.com"}}}}},
     "traffic.frontDoor.extraNames", "builds no front door"),
    (_with_names(R53_TWO, {"API": {"recordName": "x.example.com"}}), "traffic.frontDoor.extraNames.API",
     "is not a name key"),
    (_with_names(R53_TWO, [{"recordName": "x.example.com"}]), "traffic.frontDoor.extraNames", "must be a mapping"),
    (_with_names(R53_TWO, {"a": {"recordName": "x.example.com", "green": {"endpoint": "cdn"}}}),
     "traffic.frontDoor.extraNames.a.green.endpoint", "has no cdn endpoint"),
    (_with_names(R53_TWO, {"a": {"recordName": "x.example.com", "green": {"service": "api"}}}),
     "traffic.frontDoor.extraNames.a.green.service", "only the alb front door"),
    (_with_names(R53_TWO, {"a": {"recordName": "x.example.com", "blue": {"variant": "ecs"}}}),
     "traffic.frontDoor.extraNames.a.blue.container", "needs exactly one of container"),
    (_with_names(R53_TWO, {"a": {"recordName": "x.example.com", "blue": {}}}),
     "traffic.frontDoor.extraNames.a.blue.dnsName", "exactly one of dnsName and targets"),
    (_with_names(ALB_TWO, {"a": {"recordName": "x.example.com", "green": {"service": "nope"}}}),
     "traffic.frontDoor.extraNames.a.green.service", "unknown service 'nope'"),
    (_with_names(ALB_TWO, {"a": {"recordName": "x.example.com"}}),
     "traffic.frontDoor.extraNames.a.green.service", "forwards the name's green share"),
    (_with_names(ALB_TWO, {"a": {"recordName": "x.example.com", "green": {"service": "api"},
                                 "blue": {"targets": ["172.31.1.10"]}}}),
     "traffic.frontDoor.extraNames.a.blue", "blue's one target group"),
    (_with_names(ALB_TWO, {"a": {"recordName": "x.example.com", "green": {"service": "api"},
                                 "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/x"}}),
     "traffic.frontDoor.extraNames.a.certificateArn", "its own region"),
    (_with_names(R53_TWO, {"a": {"recordName": "api.example.org"}}),
     "traffic.frontDoor.extraNames.a.zoneId", "cannot be in the front door's hosted zone"),
    (_with_names(R53_TWO, {"a": {"recordName": "x.example.com", "bogus": 1}}),
     "traffic.frontDoor.extraNames.a.bogus", "unknown key"),
])
def test_extra_name_config_errors_name_the_key(doc: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        traffic(doc)
    assert err.value.key == key


@pytest.mark.parametrize(("stack", "override", "message"), [
    # CloudFront answers only for its alternate domain names (CloudFront developer guide)
    ("prod", "overrides.traffic.frontDoor.extraNames.api.recordName=app.hibiji.com",
     r"edge\.domainName: traffic\.frontDoor\.extraNames\.api weighs 'app\.hibiji\.com'"),
    # an API Gateway custom domain answers only for its own name
    ("dev", "overrides.traffic.frontDoor.extraNames.api.recordName=app-dev01.hibiji.com",
     r"httpApi\.domainName: traffic\.frontDoor\.extraNames\.api weighs"),
    ("prod", "overrides.traffic.frontDoor.extraNames.api.green.endpoint=httpApi",
     r"extraNames\.api\.green\.endpoint: blue's records for this name are A records"),
])
def test_a_name_green_does_not_answer_for_is_refused(stack: str, override: str, message: str) -> None:
    from cutover.plan.engine import ProgramError
    from tests.conftest import planned

    with pytest.raises(ProgramError, match=message):
        planned(stack, "profile=persona-serverless", override)


def test_extra_name_placeholders_are_reported() -> None:
    doc = _with_names(R53_TWO, {"api": {"recordName": "api.example.org", "zoneId": "Z0000000000000000000000",
                                        "blue": {"dnsName": "old-api.example.com"}}})
    assert traffic(doc).placeholders() == ["traffic.blue.dnsName", "traffic.frontDoor.extraNames.api.zoneId",
                                           "traffic.frontDoor.extraNames.api.blue.dnsName"]
