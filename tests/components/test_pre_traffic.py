"""The pre-traffic task in a stack: what the deployment registers, the runner's exact grants, the record the
promotion gate reads, the order the engine runs it in, and the configuration errors (key path + allowed values).

Order, from the rule "no traffic before the migration": Pulumi runs a resource only after every resource in its
dependencies (the engine's dependency graph: ``depends_on`` and inputs), and a Lambda alias sends traffic to
the version it names once updated (UpdateAlias), an ECS service starts tasks of the task definition it names
once updated (UpdateService). So every green ``live`` alias and every green ECS service must list the
invocation among its dependencies, and the invocation must not (transitively) depend on any of them.

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


# --- order: new code -> pre-traffic invocation -> alias / service -------------------------------------------
ALIAS, SERVICE = "aws:lambda/alias:Alias", "aws:ecs/service:Service"
INVOCATION = "aws:lambda/invocation:Invocation"


def _closure(plan: Any, urn: str) -> set[str]:
    """Every URN ``urn`` depends on, transitively (what the engine finishes before it)."""
    seen: set[str] = set()
    frontier = list(plan.by_urn(urn).dependencies)
    while frontier:
        u = frontier.pop()
        if u not in seen:
            seen.add(u)
            frontier.extend(plan.by_urn(u).dependencies)
    return seen


def _assert_acyclic(plan: Any) -> None:
    state: dict[str, int] = {}

    def visit(urn: str, path: tuple[str, ...]) -> None:
        if state.get(urn) == 2:
            return
        assert state.get(urn) != 1, f"dependency cycle: {' -> '.join((*path, urn))}"
        state[urn] = 1
        for dep in plan.by_urn(urn).dependencies:
            visit(dep, (*path, urn))
        state[urn] = 2

    for r in plan:
        visit(r.urn, ())


def _green_aliases(plan: Any) -> list[Any]:
    app = plan.one("cutover:serverless:ServerlessApp")
    return [r for r in plan.descendants(app.urn) if r.type == ALIAS]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_django_every_live_alias_waits_for_migrate(stack: str) -> None:
    plan = planned(stack, "profile=django-serverless")
    run = plan.one(INVOCATION, "pretraffic-run")
    aliases = _green_aliases(plan)
    assert sorted(a.name for a in aliases) == ["serverless-manage-live", "serverless-nightly-live",
                                               "serverless-web-live", "serverless-worker-live"]
    for alias in aliases:
        assert run.urn in alias.dependencies, alias.name
    # The command runs in manage's newly published version: the invocation needs that function, no alias.
    manage = plan.one("aws:lambda/function:Function", "serverless-manage")
    assert manage.urn in run.dependencies
    assert not {plan.by_urn(u).type for u in _closure(plan, run.urn)} & {ALIAS, SERVICE}
    _assert_acyclic(plan)


def test_the_recorded_version_is_the_one_the_gate_compares(serverless: Any) -> None:
    # cutover/gates.py pre_traffic_gate: the record's version must equal the stage record's greenVersion.
    run = serverless.one(INVOCATION, "pretraffic-run")
    targets = json.loads(serverless.one("aws:ssm/parameter:Parameter", "stage-targets").inputs["value"])
    assert run.inputs["triggers"]["version"] == targets["greenVersion"]
    assert json.loads(run.inputs["input"])["version"] == targets["greenVersion"]


def test_yoga_aliases_behind_the_alb_wait_too(serverless: Any) -> None:
    run = serverless.one(INVOCATION, "pretraffic-run")
    aliases = _green_aliases(serverless)
    assert aliases and all(run.urn in a.dependencies for a in aliases)
    # The ALB front door's Lambda targets register the aliases: they come after the invocation as well.
    attachments = serverless.of_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")
    lambda_targets = [a for a in attachments if ":function:" in str(a.inputs.get("targetId", ""))]
    assert lambda_targets and all(run.urn in _closure(serverless, a.urn) for a in lambda_targets)
    assert not {serverless.by_urn(u).type for u in _closure(serverless, run.urn)} & {ALIAS, SERVICE}
    _assert_acyclic(serverless)


def test_a_caller_and_the_worker_it_invokes_both_wait() -> None:
    # waiterix: api invokes the ai worker (function:ai). The api's function learns the worker's alias ARN
    # from the worker's function (<function ARN>:live, Lambda's qualified ARN), so the worker's alias can wait.
    plan = planned("dev", "profile=waiterix-serverless", "overrides.preTraffic.service=api",
                   "overrides.preTraffic.command[0]=migrate", "overrides.preTraffic.timeoutSeconds=10")
    run = plan.one(INVOCATION, "pretraffic-run")
    by_name = {a.name: a for a in _green_aliases(plan)}
    assert all(run.urn in a.dependencies for a in by_name.values())
    api, ai = by_name["serverless-api-live"], by_name["serverless-ai-live"]
    assert ai.urn in api.dependencies  # the caller's new code is reached only once its worker's alias exists
    assert not {plan.by_urn(u).type for u in _closure(plan, run.urn)} & {ALIAS, SERVICE}
    policy = _policy(plan, "serverless-api")
    invoke = [s for s in policy.values() if s["Action"] == ["lambda:InvokeFunction"]]
    assert [s["Resource"] for s in invoke] == [[ai.outputs["arn"]]]  # still exactly the worker's alias
    fn = plan.one("aws:lambda/function:Function", "serverless-api")
    assert fn.inputs["environment"]["variables"]["AI_FUNCTION_ARN"] == ai.outputs["arn"]
    _assert_acyclic(plan)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rails_services_roll_only_after_db_migrate(stack: str) -> None:
    plan = planned(stack, "profile=rails-ecs")
    run = plan.one(INVOCATION, "pretraffic-run")
    services = plan.of_type(SERVICE)
    assert sorted(s.inputs["name"].rsplit("-", 1)[-1] for s in services) == ["sidekiq", "web"]
    for svc in services:
        assert run.urn in svc.dependencies, svc.name
    web_td = plan.one("aws:ecs/taskDefinition:TaskDefinition", "green-web")
    assert web_td.urn in run.dependencies  # the one-off task runs the web service's new task definition
    assert json.loads(run.inputs["input"])["ecs"]["taskDefinition"] == web_td.outputs["arn"]
    assert not {plan.by_urn(u).type for u in _closure(plan, run.urn)} & {ALIAS, SERVICE}
    _assert_acyclic(plan)


def test_without_the_task_nothing_waits() -> None:
    plan = planned("dev", "profile=yoga-serverless")
    assert [r.name for r in plan.of_type(INVOCATION)] == ["smoke-run"]  # the smoke test's, after the aliases
    assert all(not any(plan.by_urn(u).type == INVOCATION for u in a.dependencies) for a in _green_aliases(plan))
