"""IAM contract of functions/pre_traffic: every AWS call the runner makes vs. the policy PreTraffic plans.

Serverless mode: ``lambda:InvokeFunction`` on the service's new version (answered with an injected error: moto
would need Docker to run a function) and ``ssm:PutParameter`` on the record (moto). ECS mode: RunTask,
DescribeTasks and StopTask answered by botocore's Stubber (moto's Fargate RunTask does not model task
networking), each request checked against the planned policy the way IAM evaluates it.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from components.pre_traffic import EcsRun, LambdaRun, PreTraffic, PreTrafficArgs
from components.specs.pre_traffic import PreTrafficConfig
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.naming import Namer
from cutover.plan.mocks import ACCOUNT_ID
from cutover.plan.model import Plan
from functions.pre_traffic import handler as runner
from tests.conftest import plan_components
from tests.contract.iam_rules import AuthzRequest
from tests.contract.plan_policy import PlannedFunction, assert_contract, denied, planned_function, summary
from tests.contract.recorder import recording

VERSION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:tickets-prod-manage:4"
CLUSTER = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:cluster/tickets-prod"
TASK_DEF = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task-definition/tickets-prod-web:3"
TASK = f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:task/tickets-prod/0123456789abcdef0123456789abcdef"
ROLES = [f"arn:aws:iam::{ACCOUNT_ID}:role/tickets-prod-web-task",
         f"arn:aws:iam::{ACCOUNT_ID}:role/tickets-prod-web-exec"]
CONFIG = PreTrafficConfig("manage", ("python", "manage.py", "migrate"), 300)


def _planned(env: str, target: LambdaRun | EcsRun) -> PlannedFunction:
    def program() -> None:
        PreTraffic("pretraffic", PreTrafficArgs(Namer("tickets", env), DEFAULTS[Environment(env)], CONFIG,
                                                "manage:4", "us-east-1", ACCOUNT_ID, target))

    plan: Plan = plan_components(program, stack=env)
    return planned_function(plan, "pretraffic-fn")


def _env(pf: PlannedFunction, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in pf.environment.items():
        monkeypatch.setenv(key, value)
    return pf.environment["RECORD_PARAMETER"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_serverless_mode_invokes_the_version_and_writes_only_its_record(env: str, moto_aws: None,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pf = _planned(env, LambdaRun(VERSION_ARN))
    param = _env(pf, monkeypatch)
    boto3.client("ssm").put_parameter(Name=param, Value="{}", Type="String")
    with recording() as rec:
        rec.fail("Invoke", "ServiceException")
        with pytest.raises(runner.PreTrafficError):
            runner.handler({"version": "manage:4", "command": list(CONFIG.command),
                            "lambda": {"function": VERSION_ARN}})
    requests = rec.requests()
    assert summary(requests) == [f"lambda:InvokeFunction on {VERSION_ARN}",
                                 f"ssm:PutParameter on arn:aws:ssm:us-east-1:{ACCOUNT_ID}:parameter{param}"]
    assert_contract(pf, requests)


def test_ecs_mode_runs_watches_and_stops_the_task_within_its_grants(moto_aws: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pf = _planned("prod", EcsRun(CLUSTER, "tickets-prod", TASK_DEF, "web", ["subnet-0a"], ["sg-0b"], ROLES))
    param = _env(pf, monkeypatch)
    boto3.client("ssm").put_parameter(Name=param, Value="{}", Type="String")
    clock = iter([0.0, 400.0])
    monkeypatch.setattr(runner.time, "monotonic", lambda: next(clock))
    with recording() as rec:
        ecs = boto3.client("ecs")
        stub = Stubber(ecs)
        stub.add_response("run_task", {"tasks": [{"taskArn": TASK}], "failures": []}, None)
        stub.add_response("describe_tasks", {"tasks": [{"taskArn": TASK, "lastStatus": "RUNNING"}]}, None)
        stub.add_response("stop_task", {"task": {"taskArn": TASK}}, {"cluster": CLUSTER, "task": TASK, "reason": ANY})
        stub.activate()
        with pytest.raises(runner.PreTrafficError, match="timed-out"):
            runner.handler({"version": "manage:4", "command": list(CONFIG.command), "timeoutSeconds": 300,
                            "ecs": {"cluster": CLUSTER, "taskDefinition": TASK_DEF, "container": "web",
                                    "subnets": ["subnet-0a"], "securityGroups": ["sg-0b"]}}, None, {"ecs": ecs})
    requests = rec.requests()
    assert {r.action for r in requests} == {"ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "ssm:PutParameter"}
    # RunTask passes the task definition's two roles to ECS tasks (ECS developer guide, task IAM roles).
    passed = [AuthzRequest("iam:PassRole", r, "ECS RunTask passes the task's roles",
                           {"iam:PassedToService": ("ecs-tasks.amazonaws.com",)}) for r in ROLES]
    cluster_context = [AuthzRequest(r.action, r.resource, r.origin, {**r.context, "ecs:cluster": (CLUSTER,)})
                       if r.action == "ecs:RunTask" else r for r in requests]
    assert denied(pf, [*cluster_context, *passed]) == []
    other_cluster = [AuthzRequest("ecs:RunTask", TASK_DEF, "another cluster",
                                  {"ecs:cluster": (f"arn:aws:ecs:us-east-1:{ACCOUNT_ID}:cluster/other",)})]
    assert denied(pf, other_cluster) != []  # the grant is bound to green's cluster
    elsewhere = [AuthzRequest("iam:PassRole", ROLES[0], "to Lambda",
                              {"iam:PassedToService": ("lambda.amazonaws.com",)})]
    assert denied(pf, elsewhere) != []  # the roles pass to ECS tasks only


