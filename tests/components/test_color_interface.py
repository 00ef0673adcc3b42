"""The color interface (components/color.py): both variants implement it, and what a color says about
itself (endpoints, alarms, writes, exports) is what the planned stack actually registered.

Each planned stack here runs the real program with one addition: after its last section, the colors'
answers are exported as an extra stack output (resolved by the same mocks as the resources), so each
assertion compares the color's own word with the records, alarms and outputs in the plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pulumi
import pytest

from components.color import AppColor
from components.ecs_color import EcsColor
from components.serverless_color import ServerlessColor
from cutover.plan.engine import run_program
from cutover.plan.model import Plan
from cutover.plan.project import load_stack
from cutover.stack_builder import StackBuilder

PROBE = "colorProbe"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RECORD = "aws:route53/record:Record"


def _endpoint(ep: Any) -> dict[str, Any]:
    return {"dnsName": ep.dns_name, "zoneId": ep.zone_id, "aliasArn": ep.alias_arn,
            "healthCheckFqdn": ep.health_check_fqdn}


def _describe(builder: StackBuilder, color: Any) -> dict[str, Any]:
    # Monitoring's rule (components/monitoring.py render_alarms): the seeds' thresholds for a metric when
    # the profile sets any, else the kind's defaults; each level is one alarm named metric-key-level.
    cfg = builder.cfg.monitoring
    configured = {m: tuple(cfg.for_metric(m)) for m in {a.metric for a in cfg.alarms}}
    declared = color.monitoring_alarms()
    return {
        "isColor": isinstance(color, AppColor),
        "variant": type(color).__name__,
        "entry": color.entry,
        "retired": color.retired,
        "endpoints": {k: _endpoint(ep) for k, ep in color.endpoints().items()},
        "writes": sorted(color.writes),
        "alarms": [{"metric": a.metric, "key": a.key, "dimensions": dict(a.dimensions),
                    "levels": sorted({t.level for t in configured.get(a.metric) or a.defaults})} for a in declared],
        "exports": color.exports(),
        "functions": dict(color.functions),
    }


@cache
def probe_plan(stack: str, profile: str) -> tuple[Plan, dict[str, Any]]:
    """Plan ``stack`` with ``profile`` and return it with what each built color said about itself."""
    original = StackBuilder.outputs

    def outputs(self: StackBuilder) -> None:
        original(self)
        colors = {"green": self.green, "blue": self.blue_ecs}
        pulumi.export(PROBE, {k: _describe(self, c) for k, c in colors.items() if c is not None})

    StackBuilder.outputs = outputs  # type: ignore[method-assign]
    try:
        plan = run_program(load_stack(stack, sets=[f"profile={profile}"]))
    finally:
        StackBuilder.outputs = original  # type: ignore[method-assign]
    return plan, plan.stack_outputs[PROBE]


def _alarm_key(logical: str) -> str:
    """monitoring-<metric>-<key>-<level>: metrics and levels have no dash, keys may."""
    return logical.split("-", 2)[2].rsplit("-", 1)[0]


def _rendered(plan: Plan, keys: set[str]) -> dict[str, Any]:
    return {r.name: r for r in plan.of_type(ALARM) if r.name.startswith("monitoring-") and _alarm_key(r.name) in keys}


def _dimensions(alarm: Any) -> dict[str, Any]:
    """A simple alarm's dimensions, or (ratio/sum) its first metric query's."""
    if alarm.inputs.get("dimensions"):
        return dict(alarm.inputs["dimensions"])
    return dict(alarm.inputs["metricQueries"][0]["metric"]["dimensions"])


def _record(plan: Plan, name: str) -> dict[str, Any]:
    return dict(plan.one(RECORD, name).inputs)


# --- both variants are colors ---------------------------------------------------------------------------

def test_both_variants_satisfy_the_protocol_structurally() -> None:
    # runtime_checkable checks the members' presence: every method and property AppColor lists.
    members = {"entry", "writes", "retired", "functions", "endpoints", "routed_services", "rollback_metrics",
               "monitoring_targets", "monitoring_alarms", "exports"}
    for cls in (ServerlessColor, EcsColor):
        assert members <= set(dir(cls)), cls.__name__


@pytest.mark.parametrize(("stack", "profile", "variants"), [
    ("prod", "persona-serverless", {"green": "ServerlessColor", "blue": "EcsColor"}),
    ("prod", "tracetrack-ecs", {"green": "EcsColor"}),
])
def test_built_colors_are_instances_of_the_protocol(stack: str, profile: str, variants: dict[str, str]) -> None:
    _, probe = probe_plan(stack, profile)
    assert {k: v["variant"] for k, v in probe.items()} == variants
    assert all(v["isColor"] for v in probe.values())
    assert not any(v["retired"] for v in probe.values())  # retire: none in both profiles' prod


# --- endpoints: what the front door's weighted records point at -------------------------------------------

def test_persona_front_door_points_at_what_each_color_offers() -> None:
    plan, probe = probe_plan("prod", "persona-serverless")
    green, blue = probe["green"], probe["blue"]
    # persona: traffic.frontDoor.extraNames.api sends green's share to {endpoint: edge} (the profile).
    edge = green["endpoints"]["edge"]
    (api_green,) = _record(plan, "front-door-api-green")["aliases"]
    assert (api_green["name"], api_green["zoneId"]) == (edge["dnsName"], edge["zoneId"])
    # Z2FDTNDATAQYW2: CloudFront's alias-target hosted zone (Route 53 API reference, AliasTarget).
    assert edge["zoneId"] == "Z2FDTNDATAQYW2"
    # Blue has no distribution of its own (persona's blue ECS section has no cdn), so users reach its ALB.
    assert blue["entry"] == "alb" and set(blue["endpoints"]) == {"alb"}
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer", "blue-alb").outputs
    for record in ("front-door-blue", "front-door-api-blue"):
        (alias,) = _record(plan, record)["aliases"]
        assert (alias["name"], alias["zoneId"]) == (alb["dnsName"], alb["zoneId"])
        assert (alias["name"], alias["zoneId"]) == (blue["endpoints"]["alb"]["dnsName"],
                                                    blue["endpoints"]["alb"]["zoneId"])


def test_serverless_color_offers_its_api_edge_and_every_live_alias() -> None:
    plan, probe = probe_plan("prod", "persona-serverless")
    green = probe["green"]
    aliases = {r.inputs["functionName"]: r.outputs["arn"] for r in plan.of_type("aws:lambda/alias:Alias")
               if r.parent and "ServerlessApp" in r.parent}
    services = set(green["functions"])
    assert set(green["endpoints"]) == {"httpApi", "edge", *(f"lambda:{s}" for s in services)}
    for svc, fn_name in green["functions"].items():
        assert green["endpoints"][f"lambda:{svc}"]["aliasArn"] == aliases[fn_name]
    api = plan.one("aws:apigatewayv2/api:Api", "http-api").outputs["apiEndpoint"]
    http = green["endpoints"]["httpApi"]
    # Without a custom domain (persona's httpApi has none) the execute-api host is both target and health host.
    assert http["dnsName"] == http["healthCheckFqdn"] == api.split("://", 1)[1] and http["zoneId"] is None
    distribution = plan.one("aws:cloudfront/distribution:Distribution", "api-edge").outputs
    assert green["endpoints"]["edge"]["dnsName"] == distribution["domainName"]


def test_tracetrack_green_is_reached_at_its_distribution() -> None:
    plan, probe = probe_plan("prod", "tracetrack-ecs")
    green = probe["green"]
    assert green["entry"] == "cdn" and set(green["endpoints"]) == {"alb", "cdn"}
    # traffic.green.endpoint: cdn, a CNAME weighted record (the profile's blue is a host name).
    assert _record(plan, "front-door-green")["records"] == [green["endpoints"]["cdn"]["dnsName"]]
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer", "green-alb").outputs
    assert (green["endpoints"]["alb"]["dnsName"], green["endpoints"]["alb"]["zoneId"]) == (lb["dnsName"], lb["zoneId"])


# --- alarms: what each color declares is what Monitoring rendered -----------------------------------------

@pytest.mark.parametrize(("stack", "profile", "color", "keys", "rendered"), [
    # tracetrack's green was the single top-level app: its load balancer and service keep the key "app";
    # the profile's monitoring sets warning and critical levels for cpuPercent, errorRatePercent and
    # responseTimeMs: 3 metrics x 2 levels.
    ("prod", "tracetrack-ecs", "green", {"app"}, 6),
    # persona's blue ECS section: containers web and api, no workers; the load balancer under "blue". Its
    # monitoring sets none of those metrics and they have no default levels: declared, nothing rendered.
    ("prod", "persona-serverless", "blue", {"blue", "blue-web", "blue-api"}, 0),
])
def test_ecs_color_alarm_keys_and_rendered_alarms(stack: str, profile: str, color: str, keys: set[str],
                                                  rendered: int) -> None:
    plan, probe = probe_plan(stack, profile)
    declared = probe[color]["alarms"]
    assert {a["key"] for a in declared} == keys
    assert _assert_rendered_exactly(plan, declared) == rendered


def test_serverless_color_alarms_are_its_functions_and_its_api() -> None:
    plan, probe = probe_plan("prod", "persona-serverless")
    declared = probe["green"]["alarms"]
    fn_names = probe["green"]["functions"]
    by_metric: dict[str, set[str]] = {}
    for a in declared:
        by_metric.setdefault(a["metric"], set()).add(a["key"])
    assert by_metric["lambdaErrorRatePercent"] == set(fn_names)  # one error-rate alarm per function
    assert by_metric["api5xxRatePercent"] == {"http"}
    for a in declared:
        if a["metric"] == "lambdaErrorRatePercent":
            assert a["dimensions"] == {"FunctionName": fn_names[a["key"]]}
    # Each has one level here (persona's seeds or the kind's default critical): one alarm each.
    assert _assert_rendered_exactly(plan, declared) == len(declared)


def _assert_rendered_exactly(plan: Plan, declared: list[dict[str, Any]]) -> int:
    """Monitoring rendered one alarm per declared alarm and level, on the declared dimensions, and no other
    alarm under the color's keys; returns how many."""
    expected = {f"monitoring-{a['metric']}-{a['key']}-{level}": a for a in declared for level in a["levels"]}
    rendered = _rendered(plan, {a["key"] for a in declared})
    assert set(rendered) == set(expected)
    for name, alarm in rendered.items():
        assert _dimensions(alarm) == expected[name]["dimensions"], name
    return len(rendered)


# --- writes and exports -----------------------------------------------------------------------------------

def _policy_statements(plan: Plan, role_parent: str) -> Iterator[dict[str, Any]]:
    for r in plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        if r.parent and role_parent in r.parent:
            doc = r.inputs["policy"]
            yield from (json.loads(doc) if isinstance(doc, str) else doc)["Statement"]


def test_writes_follow_each_colors_uses() -> None:
    plan, probe = probe_plan("prod", "persona-serverless")
    # persona's green api service uses {database:main: write, secret:jwt-secret: read, bucket:uploads: write}
    # (database:main is green's own Aurora, the copy DMS fills); blue's api service uses {bucket:uploads:
    # write} and blue's database lives outside the stack (no ref): reads are never writes.
    assert probe["green"]["writes"] == ["bucket:uploads", "database:main"]
    assert probe["blue"]["writes"] == ["bucket:uploads"]
    bucket_arn = plan.one("aws:s3/bucket:Bucket", "storage-uploads").outputs["arn"]
    # s3:PutObject is the write action on objects (Amazon S3 actions reference); green's function may call it.
    puts = [s for s in _policy_statements(plan, "ServerlessApp")
            if "s3:PutObject" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    assert puts and all(any(str(res).startswith(bucket_arn) for res in (
        s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])) for s in puts)


def test_green_exports_are_the_stack_outputs() -> None:
    for stack, profile in (("prod", "persona-serverless"), ("prod", "tracetrack-ecs")):
        plan, probe = probe_plan(stack, profile)
        exported = probe["green"]["exports"]
        assert exported and all(plan.stack_outputs[k] == v for k, v in exported.items())
    _, probe = probe_plan("prod", "tracetrack-ecs")
    assert set(probe["green"]["exports"]) == {"app", "cdn"}
    _, probe = probe_plan("prod", "persona-serverless")
    assert {"functions", "httpApiEndpoint", "httpApiId", "edgeDomainName"} <= set(probe["green"]["exports"])
