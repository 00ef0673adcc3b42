"""The pre-traffic task in a stack: what the deployment registers, the runner's exact grants, the record the
promotion gate reads, and the configuration errors (key path + allowed values).

Grants from AWS's own rules: Lambda authorizes Invoke of a version against the qualified ARN (Lambda
developer guide, resource-based policies / function ARNs); ECS RunTask is authorized on the task definition
and supports the ``ecs:cluster`` condition key, and passing the task's roles needs ``iam:PassRole``
(ECS developer guide, "Amazon ECS task IAM role" and the service authorization reference for ECS);
DescribeTasks/StopTask act on task ARNs ``arn:aws:ecs:<region>:<account>:task/<cluster>/<id>``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan.engine import ProgramError
from tests.conftest import planned

ACCOUNT = "123456789012"
MIGRATE = ("overrides.preTraffic.service=auth", "overrides.preTraffic.command[0]=python",
           "overrides.preTraffic.command[1]=manage.py", "overrides.preTraffic.command[2]=migrate",
           "overrides.preTraffic.timeoutSeconds=10")


def _policy(plan: Any, name: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"] if "Sid" in s}


@pytest.fixture(scope="module")
def serverless() -> Any:
    return planned("dev", "profile=yoga-serverless", *MIGRATE, "overrides.promotion.gates.preTraffic=required")


def test_serverless_green_registers_the_runner_its_record_and_one_invocation(serverless: Any) -> None:
    comp = serverless.one("cutover:promotion:PreTraffic")
    kids = sorted((r.type, r.name) for r in serverless.descendants(comp.urn))
    assert kids == [("aws:cloudwatch/logGroup:LogGroup", "pretraffic-fn"), ("aws:iam/role:Role", "pretraffic-fn"),
                    ("aws:iam/rolePolicy:RolePolicy", "pretraffic-fn"),
                    ("aws:lambda/function:Function", "pretraffic-fn"),
                    ("aws:lambda/invocation:Invocation", "pretraffic-run"),
                    ("aws:ssm/parameter:Parameter", "pretraffic-record")]
    record = serverless.one("aws:ssm/parameter:Parameter", "pretraffic-record")
    assert record.inputs["name"] == "/yoga/dev/promotion/pretraffic"
    assert record.ignore_changes == ("value",)  # the runner owns the value after creation
    run = serverless.one("aws:lambda/invocation:Invocation", "pretraffic-run")
    event = json.loads(run.inputs["input"])
    assert event["command"] == ["python", "manage.py", "migrate"] and event["timeoutSeconds"] == 10
    auth = serverless.one("aws:lambda/function:Function", "serverless-auth")
    assert event["lambda"] == {"function": f"{auth.outputs['arn']}:1"}  # the newly published version
    assert run.inputs["lifecycleScope"] == "CREATE_ONLY"
    assert set(run.inputs["triggers"]) == {"version", "command"}
    assert event["version"] == run.inputs["triggers"]["version"]
    fn = serverless.one("aws:lambda/function:Function", "pretraffic-fn")
    assert fn.inputs["timeout"] == 10 + 60  # the command's own timeout and the runner's margin
    assert fn.inputs["environment"]["variables"]["RECORD_PARAMETER"] == "/yoga/dev/promotion/pretraffic"


def test_serverless_runner_may_only_write_its_record_and_invoke_that_version(serverless: Any) -> None:
    st = _policy(serverless, "pretraffic-fn")
    assert {k: (v["Action"], v["Resource"]) for k, v in st.items() if k in ("WritePreTrafficRecord",
                                                                             "InvokeGreenVersion")} == {
        "WritePreTrafficRecord": (["ssm:PutParameter"],
                                  [f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/yoga/dev/promotion/pretraffic"]),
        "InvokeGreenVersion": (["lambda:InvokeFunction"],
                               [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:yoga-dev-auth:1"]),
    }
    assert not any(s in st for s in ("RunPreTrafficTask", "PassTaskRoles"))


def test_the_stage_record_points_the_gate_at_the_record(serverless: Any) -> None:
    targets = json.loads(serverless.one("aws:ssm/parameter:Parameter", "stage-targets").inputs["value"])
    assert targets["preTrafficParameter"] == "/yoga/dev/promotion/pretraffic"
    assert targets["preTrafficRequired"] is True
    gate_plan = serverless.one("cutover:promotion:StageRecord").inputs["gatePlan"]
    assert "pre-traffic" in [g["gate"] for g in gate_plan["gates"]]


def test_a_stack_without_the_task_keeps_its_record_as_it_was() -> None:
    targets = json.loads(planned("dev", "profile=yoga-serverless").one(
        "aws:ssm/parameter:Parameter", "stage-targets").inputs["value"])
    assert "preTrafficParameter" not in targets and "preTrafficRequired" not in targets


def test_ecs_green_runs_a_task_of_the_service_definition() -> None:
    plan = planned("dev", "profile=tracetrack-ecs", "overrides.preTraffic.service=app",
                   "overrides.preTraffic.command[0]=flask", "overrides.preTraffic.command[1]=db",
                   "overrides.preTraffic.command[2]=upgrade")
    event = json.loads(plan.one("aws:lambda/invocation:Invocation", "pretraffic-run").inputs["input"])
    td = plan.one("aws:ecs/taskDefinition:TaskDefinition")
    cluster = plan.one("aws:ecs/cluster:Cluster")
    assert event["ecs"]["taskDefinition"] == td.outputs["arn"]
    assert event["ecs"]["cluster"] == cluster.outputs["arn"]
    assert event["ecs"]["container"] == "app" and event["command"] == ["flask", "db", "upgrade"]
    service = plan.one("aws:ecs/service:Service")
    net = service.inputs["networkConfiguration"]
    assert event["ecs"]["subnets"] == net["subnets"] and event["ecs"]["securityGroups"] == net["securityGroups"]
    st = _policy(plan, "pretraffic-fn")
    assert st["RunPreTrafficTask"]["Action"] == ["ecs:RunTask"]
    assert st["RunPreTrafficTask"]["Resource"] == [td.outputs["arn"]]
    assert st["RunPreTrafficTask"]["Condition"] == {"ArnEquals": {"ecs:cluster": cluster.outputs["arn"]}}
    roles = sorted(r.outputs["arn"] for r in plan.of_type("aws:iam/role:Role")
                   if r.name in ("green-app-task", "green-app-execution"))
    assert len(roles) == 2 and st["PassTaskRoles"]["Resource"] == roles
    assert st["PassTaskRoles"]["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    assert sorted(st["WatchPreTrafficTask"]["Action"]) == ["ecs:DescribeTasks", "ecs:StopTask"]
    assert st["WatchPreTrafficTask"]["Resource"] == [
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/{cluster.inputs['name']}/*"]


@pytest.mark.parametrize(("sets", "message"), [
    (("overrides.preTraffic.service=nope", "overrides.preTraffic.command[0]=x"),
     "preTraffic.service: 'nope' is not a service of green (serverless)"),
    (("overrides.preTraffic.service=auth", "overrides.preTraffic.command[0]=x",
      "overrides.preTraffic.timeoutSeconds=600"),
     "preTraffic.timeoutSeconds: 600 s is longer than services.auth.timeoutSeconds (10 s)"),
    (("overrides.promotion.gates.preTraffic=required",),
     "promotion.gates.preTraffic: is required, but the profile declares no preTraffic task"),
    (("overrides.preTraffic.service=auth", "overrides.preTraffic.command[0]=x",
      "overrides.preTraffic.timeoutSeconds=841"), "preTraffic.timeoutSeconds: 841"),
    (("overrides.promotion.gates.preTraffic=always",), "promotion.gates.preTraffic"),
])
def test_bad_input_names_the_key(sets: tuple[str, ...], message: str) -> None:
    with pytest.raises(ProgramError, match="configuration error: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        planned("dev", "profile=yoga-serverless", *sets)
