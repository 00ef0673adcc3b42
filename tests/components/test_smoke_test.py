"""SmokeTest and StageRecord under the mocked engine: what re-runs the smoke test, the exact role policy,
and the stage record's parameters and gate plan."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.smoke_test import SmokeTest, SmokeTestArgs
from components.stage_record import StageRecord, StageRecordArgs, alb_source, gate_plan
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.promotion import PromotionConfig, SmokeCheck
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

CHECKS = (SmokeCheck("blog", "/blog", latency_budget_ms=1000),)
PROMO = PromotionConfig(((5, 168), (25, 168), (100, 72)), 0.1, 0.5, 1000, 20.0, 500, CHECKS)


def plan_smoke(version: str, checks: tuple[SmokeCheck, ...] = CHECKS, functions: dict[str, str] | None = None) -> Plan:
    def program() -> None:
        SmokeTest("smoke", SmokeTestArgs(Namer("yoga", "prod"), DEFAULTS[Environment.PROD], checks, version,
                                         None if functions else "https://abc.execute-api.us-east-1.amazonaws.com",
                                         functions or {}))

    return plan_components(program, stack="prod")


def test_the_invocation_input_carries_the_version_and_the_checks() -> None:
    inv = plan_smoke("blog:7").one("aws:lambda/invocation:Invocation", "smoke-run")
    assert json.loads(inv.inputs["input"]) == {
        "version": "blog:7", "baseUrl": "https://abc.execute-api.us-east-1.amazonaws.com",
        "checks": [{"name": "blog", "path": "/blog", "method": "GET", "expectStatus": 200, "latencyBudgetMs": 1000}]}
    # CREATE_ONLY invokes on creation and replacement; a changed input replaces the invocation.
    assert inv.inputs["lifecycleScope"] == "CREATE_ONLY"
    assert inv.inputs["triggers"] == {"version": "blog:7"}


def test_a_new_version_or_new_checks_change_the_input_a_weight_change_does_not() -> None:
    def input_of(p: Plan) -> str:
        return str(p.one("aws:lambda/invocation:Invocation", "smoke-run").inputs["input"])

    base = input_of(plan_smoke("blog:7"))
    assert input_of(plan_smoke("blog:7")) == base
    assert input_of(plan_smoke("blog:8")) != base
    assert input_of(plan_smoke("blog:7", (SmokeCheck("blog", "/blog", latency_budget_ms=500),))) != base


def test_the_role_may_write_its_result_and_nothing_else() -> None:
    plan = plan_smoke("blog:7")
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "smoke-fn").inputs["policy"])
    actions = sorted(a for s in doc["Statement"] for a in s["Action"])
    # Traced like every function of the project: X-Ray's two actions (Resource "*", AWSXRayDaemonWriteAccess).
    assert actions == ["logs:CreateLogStream", "logs:PutLogEvents", "ssm:PutParameter",
                       "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert plan.one("aws:lambda/function:Function", "smoke-fn").inputs["tracingConfig"] == {"mode": "Active"}
    param = plan.one("aws:ssm/parameter:Parameter", "smoke-result")
    assert param.inputs["name"] == "/yoga/prod/promotion/smoke"
    fn = plan.one("aws:lambda/function:Function", "smoke-fn")
    assert fn.inputs["environment"]["variables"] == {"RESULT_PARAMETER": "/yoga/prod/promotion/smoke"}


def test_alias_kind_may_invoke_only_the_new_versions() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:waiterix-prod-api:8"
    plan = plan_smoke("api:8", functions={"api": arn})
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "smoke-fn").inputs["policy"])
    (invoke,) = [s for s in doc["Statement"] if s["Sid"] == "InvokeGreenVersions"]
    assert invoke["Action"] == ["lambda:InvokeFunction"] and invoke["Resource"] == [arn]
    assert json.loads(plan.one("aws:lambda/invocation:Invocation", "smoke-run").inputs["input"])["functions"] == \
        {"api": arn}


def test_url_and_functions_are_exclusive() -> None:
    def program() -> None:
        SmokeTest("smoke", SmokeTestArgs(Namer("yoga", "prod"), DEFAULTS[Environment.PROD], CHECKS, "v"))

    with pytest.raises(Exception, match="base URL or"):
        plan_components(program, stack="prod")


def plan_stage(weight: int) -> Plan:
    def program() -> None:
        door = pulumi.ComponentResource("test:index:Door", "door")
        StageRecord("stage", StageRecordArgs(
            Namer("yoga", "prod"), weight, (5, 25, 100), PROMO, "blog:7", "/yoga/prod/promotion/smoke",
            alarm_names=["yoga-prod-rollback"], green=alb_source("green", "app/f/1", "targetgroup/g/2", True),
            blue=alb_source("blue", "app/f/1", "targetgroup/b/3"), front_door=[door]))

    return plan_components(program, stack="prod")


def test_the_weight_parameter_holds_only_the_weight() -> None:
    plan = plan_stage(25)
    weight = plan.one("aws:ssm/parameter:Parameter", "stage-weight")
    assert (weight.inputs["name"], weight.inputs["value"], weight.inputs["type"]) == \
        ("/yoga/prod/promotion/weight", "25", "String")
    targets = json.loads(plan.one("aws:ssm/parameter:Parameter", "stage-targets").inputs["value"])
    assert targets["greenVersion"] == "blog:7" and targets["alarms"] == ["yoga-prod-rollback"]
    assert targets["green"]["dimensions"] == {"LoadBalancer": "app/f/1", "TargetGroup": "targetgroup/g/2"}
    assert targets["green"]["errors"] == ["HTTPCode_Target_5XX_Count", "LambdaUserError", "LambdaInternalError"]
    assert targets["blue"]["errors"] == ["HTTPCode_Target_5XX_Count"]


def test_gate_plan_names_online_only_gates() -> None:
    args = StageRecordArgs(Namer("yoga", "prod"), 5, (5, 25, 100), PROMO, "v", "/p", alarm_names=["a"],
                           green=alb_source("green", "l", "g"))
    plan = gate_plan(args)
    assert plan["nextStage"] == 25
    gates = {g["gate"]: g for g in plan["gates"]}
    assert list(gates) == ["stage", "soak", "rollback-record", "alarms", "metrics", "smoke"]
    assert [g for g, v in gates.items() if not v["online"]] == ["stage"]
    assert "168 h at 5 %" in gates["soak"]["detail"]
    assert "absolute (blue is not measured here)" in gates["metrics"]["detail"]
    first = gate_plan(StageRecordArgs(Namer("yoga", "prod"), 0, (5, 25, 100), PROMO, "v", "/p"))
    assert [g["gate"] for g in first["gates"]] == ["stage", "rollback-record", "alarms", "smoke"]
