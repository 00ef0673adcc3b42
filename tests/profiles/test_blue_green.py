"""Every profile's front door at every stage of its seed, the cleanup path, and its rollback."""

from __future__ import annotations

import json

import pytest

from cutover.plan import render
from cutover.plan.model import Plan
from tests.conftest import planned

STAGES = {"yoga-serverless": (0, 5, 25, 50, 75, 100), "pos-serverless": (0, 10, 50, 100),
          "persona-serverless": (0, 10, 50, 100), "waiterix-serverless": (0, 10, 50, 100)}
PIN = "overrides.traffic.stableVersions.api=7"  # waiterix: a pinned stable version allows 10 and 50


def sets(profile: str, *extra: str) -> tuple[str, ...]:
    return (f"profile={profile}", *((PIN,) if profile == "waiterix-serverless" else ()), *extra)


def green_share(plan: Plan) -> float:
    listeners = [r for r in plan.of_type("aws:lb/listener:Listener") if r.name == "front-door-https"]
    if listeners:
        tgs = {r.outputs["arn"]: r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
        w = {tgs[t["arn"]]: t["weight"] for t in listeners[0].inputs["defaultActions"][0]["forward"]["targetGroups"]}
        return 100.0 * w.get("front-door-green", 0) / sum(w.values())
    records = [r for r in plan.of_type("aws:route53/record:Record") if r.inputs.get("setIdentifier")]
    if records:
        w = {r.inputs["setIdentifier"]: r.inputs["weightedRoutingPolicies"][0]["weight"] for r in records}
        return 100.0 * w.get("green", 0) / sum(w.values())
    (alias,) = [r for r in plan.of_type("aws:lambda/alias:Alias") if r.name == "serverless-api-live"]
    extra = alias.inputs["routingConfig"]["additionalVersionWeights"]  # the stable version's share
    return 100.0 * (1 - extra["7"])


def colors(plan: Plan) -> set[str]:
    tgs = {r.name.removeprefix("front-door-") for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    records = {r.inputs["setIdentifier"] for r in plan.of_type("aws:route53/record:Record")
               if r.inputs.get("setIdentifier")}
    return tgs | records


@pytest.mark.parametrize(("profile", "weight"), [(p, w) for p, ws in STAGES.items() for w in ws])
def test_green_share_equals_green_weight_at_every_stage(profile: str, weight: int) -> None:
    plan = planned("prod", *sets(profile, f"greenWeight={weight}"))
    assert green_share(plan) == pytest.approx(weight)
    if profile != "waiterix-serverless":
        assert colors(plan) == {"blue", "green"}  # both registered, also at 0 and 100
    assert plan.stack_outputs["frontDoor"]["greenShare"] == pytest.approx(weight)


def test_tracetrack_front_door_waits_for_the_ecs_variant() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    assert not plan.of_type("cutover:traffic:FrontDoor") and "frontDoor" not in plan.stack_outputs


@pytest.mark.parametrize("profile", ["yoga-serverless", "pos-serverless", "persona-serverless"])
def test_retire_blue_removes_blue_routing_and_keeps_green(profile: str) -> None:
    before = planned("prod", *sets(profile, "greenWeight=100"))
    after = planned("prod", *sets(profile, "greenWeight=100", "retire=blue"))
    assert colors(after) == {"green"} and green_share(after) == 100
    d = render.diff(before, after)
    gone = {r.name for r in d.deleted}
    assert {"front-door-blue"} <= gone
    assert not d.retained and not d.snapshotted  # blue is external here: no data of its own in this stack
    assert not [r for r in after.of_type("cutover:traffic:Rollback")]  # nothing to roll back to
    assert after.stack_outputs["archive"]["bucket"] == f"{after.stack_outputs['profile'].split('-')[0]}-prod-archive-" \
                                                        "123456789012"
    protected_before = {r.urn for r in before if r.protect}
    assert protected_before <= {r.urn for r in after if r.protect}  # green's data untouched


def test_yoga_retire_blue_drops_the_peering_and_blue_targets() -> None:
    after = planned("prod", "profile=yoga-serverless", "greenWeight=100", "retire=blue")
    assert not after.of_type("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    assert [r.name for r in after.of_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")] == \
        ["front-door-green-alias"]


def test_persona_retire_green_keeps_data_unprotected_then_drops_it_safely() -> None:
    live = planned("prod", "profile=persona-serverless")
    step1 = planned("prod", "profile=persona-serverless", "retire=green")
    step2 = planned("prod", "profile=persona-serverless", "retire=green", "retireData=true")
    assert colors(step1) == {"blue"} and not step1.of_type("cutover:serverless:ServerlessApp")
    cluster = step1.one("aws:rds/cluster:Cluster")
    assert cluster.inputs["deletionProtection"] is False and cluster.inputs["skipFinalSnapshot"] is False
    assert cluster.inputs["finalSnapshotIdentifier"] and not cluster.protect
    bucket = step1.one("aws:s3/bucket:Bucket", "frontend-bucket")
    assert (bucket.protect, bucket.retain_on_delete) == (False, True)
    assert live.one("aws:rds/cluster:Cluster").protect  # before cleanup: protected
    commands = step1.stack_outputs["archive"]["commands"]
    assert any(c.startswith("aws rds start-export-task") for c in commands)
    d = render.diff(step1, step2)
    assert [r.type for r in d.snapshotted] == ["aws:rds/cluster:Cluster"]
    assert "aws:s3/bucket:Bucket" in {r.type for r in d.retained}
    assert not any(r.protect for r in d.deleted + d.retained + d.snapshotted)
    # the domain's Route 53 records stay (seed 004): only the weighted green record went in step 1
    assert colors(step2) == {"blue"}
    assert step2.stack_outputs["archive"]["bucket"] == "persona-prod-archive-123456789012"


@pytest.mark.parametrize(("profile", "expected"), [
    ("yoga-serverless", {"error-rate": (1, 5), "latency": (2.0, 10)}),
    ("pos-serverless", {"lambda-errors-1": (5, 5), "lambda-errors-2": (5, 5), "api-5xx": (1, 5)}),
    ("persona-serverless", {"lambda-errors": (5, 5), "api-5xx": (1, 5)}),
])
def test_rollback_alarms_carry_the_seed_thresholds(profile: str, expected: dict[str, tuple[float, int]]) -> None:
    plan = planned("prod", *sets(profile, "greenWeight=0"))
    alarms = {r.name.removeprefix("rollback-"): r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if r.name.startswith("rollback-")}
    assert {k: (a.inputs["threshold"], a.inputs["evaluationPeriods"]) for k, a in alarms.items()} == expected
    rule = plan.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmRule"]
    assert sorted(rule.split(" OR ")) == sorted(f'ALARM("{a.inputs["name"]}")' for a in alarms.values())
    fn = plan.one("aws:lambda/function:Function", "rollback-fn")
    env = fn.inputs["environment"]["variables"]
    assert env["RECORD_PARAMETER"] == f"/{plan.stack_outputs['profile'].split('-')[0]}/prod/rollback/record"
    param = plan.one("aws:ssm/parameter:Parameter", "rollback-record")
    assert param.inputs["name"] == env["RECORD_PARAMETER"] and json.loads(param.inputs["value"]) == {"state": "clear"}


def test_alias_rollback_waits_for_the_stable_version_as_the_aliases_primary() -> None:
    # The rollback Lambda clears AdditionalVersionWeights; ServerlessApp's primary is the newest version.
    plan = planned("prod", *sets("waiterix-serverless", "greenWeight=10"))
    assert not plan.of_type("cutover:traffic:Rollback")
