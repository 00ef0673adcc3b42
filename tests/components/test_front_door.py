"""FrontDoor: greenWeight becomes exactly that share of traffic on every kind; both colors stay
registered at 0 and 100; a retired color is absent; ALB, Lambda target and Route 53 details."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

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
    patterns_overlap,
    record_type,
)
from components.serverless import ServerlessApp, ServerlessAppArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.config.traffic import TLS13_POLICY, TrafficConfig, parse_traffic
from cutover.errors import ConfigError
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
    with pytest.raises(ConfigError, match=message) as err:
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
