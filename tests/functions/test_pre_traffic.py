"""The pre-traffic runner: runs green's command, records the verdict per version in SSM (moto), and fails the
deployment when the command did not succeed.

Lambda and ECS answer through botocore's Stubber, which checks every request and response against the service
models botocore ships (the authoritative API shapes): moto would need Docker to run a function, and its Fargate
RunTask does not model task networking.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from moto import mock_aws

from functions.pre_traffic import handler as runner

PARAM = "/app/dev/promotion/pretraffic"
VERSION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:app-dev-api:7"
CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/app-dev"
TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/app-dev-web:3"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/app-dev/0123456789abcdef0123456789abcdef"
COMMAND = ["python", "manage.py", "migrate", "--noinput"]
ECS_TARGET = {"cluster": CLUSTER, "taskDefinition": TASK_DEF, "container": "web", "subnets": ["subnet-0a"],
              "securityGroups": ["sg-0b"]}


@pytest.fixture
def ssm(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("RECORD_PARAMETER", PARAM)
    with mock_aws():
        client = boto3.client("ssm")
        client.put_parameter(Name=PARAM, Value=json.dumps({"version": "", "status": "pending"}), Type="String")
        yield client


def _record(ssm: Any) -> dict[str, Any]:
    return json.loads(ssm.get_parameter(Name=PARAM)["Parameter"]["Value"])


def _payload(body: dict[str, Any]) -> StreamingBody:
    raw = json.dumps(body).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def _lambda(answer: dict[str, Any]) -> tuple[Any, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response("invoke", answer, {
        "FunctionName": VERSION_ARN, "InvocationType": "RequestResponse",
        "Payload": json.dumps({"cutover": "pre-traffic", "command": COMMAND}).encode()})
    stub.activate()
    return client, stub


def test_serverless_success_is_recorded_for_the_version(ssm: Any) -> None:
    client, stub = _lambda({"StatusCode": 200, "Payload": _payload({"exitCode": 0, "output": "Applied 3"})})
    out = runner.handler({"version": "api:7", "command": COMMAND, "timeoutSeconds": 300,
                          "lambda": {"function": VERSION_ARN}}, None, {"lambda": client, "ssm": ssm})
    stub.assert_no_pending_responses()
    rec = _record(ssm)
    assert rec == out
    assert (rec["version"], rec["status"], rec["exitCode"], rec["command"]) == ("api:7", "succeeded", 0, COMMAND)
    assert rec["startedAt"] <= rec["finishedAt"]


@pytest.mark.parametrize(("answer", "code"), [
    ({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": _payload({"errorMessage": "no such table"})},
     None),
    ({"StatusCode": 200, "Payload": _payload({"exitCode": 2})}, 2),
])
def test_serverless_failure_is_recorded_then_fails_the_deployment(ssm: Any, answer: dict[str, Any],
                                                                  code: int | None) -> None:
    client, _ = _lambda(answer)
    with pytest.raises(runner.PreTrafficError, match="failed for api:7"):
        runner.handler({"version": "api:7", "command": COMMAND, "lambda": {"function": VERSION_ARN}}, None,
                       {"lambda": client, "ssm": ssm})
    rec = _record(ssm)
    assert (rec["version"], rec["status"], rec["exitCode"]) == ("api:7", "failed", code)


def _ecs(*polls: dict[str, Any], stop: bool = False) -> tuple[Any, Stubber]:
    client = boto3.client("ecs", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response("run_task", {"tasks": [{"taskArn": TASK, "lastStatus": "PROVISIONING"}], "failures": []}, {
        "cluster": CLUSTER, "taskDefinition": TASK_DEF, "launchType": "FARGATE", "count": 1,
        "startedBy": "cutover-pre-traffic",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0a"], "securityGroups": ["sg-0b"],
                                                         "assignPublicIp": "DISABLED"}},
        "overrides": {"containerOverrides": [{"name": "web", "command": COMMAND}]}})
    for task in polls:
        stub.add_response("describe_tasks", {"tasks": [{"taskArn": TASK, **task}], "failures": []},
                          {"cluster": CLUSTER, "tasks": [TASK]})
    if stop:
        stub.add_response("stop_task", {"task": {"taskArn": TASK}}, {"cluster": CLUSTER, "task": TASK, "reason": ANY})
    stub.activate()
    return client, stub


def test_ecs_task_exit_code_zero_succeeds_after_polling(ssm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = _ecs({"lastStatus": "RUNNING"}, {"lastStatus": "STOPPED", "stoppedReason": "Essential container "
                                                    "in task exited", "containers": [{"name": "web", "exitCode": 0}]})
    slept: list[float] = []
    monkeypatch.setattr(runner.time, "sleep", slept.append)
    out = runner.handler({"version": "arn:td:3", "command": COMMAND, "timeoutSeconds": 600, "ecs": ECS_TARGET},
                         None, {"ecs": client, "ssm": ssm})
    stub.assert_no_pending_responses()
    assert slept == [runner.POLL_SECONDS]
    assert (out["status"], out["exitCode"]) == ("succeeded", 0)
    assert _record(ssm)["status"] == "succeeded"


def test_ecs_nonzero_exit_code_fails(ssm: Any) -> None:
    client, _ = _ecs({"lastStatus": "STOPPED", "containers": [{"name": "web", "exitCode": 1,
                                                               "reason": "migration 0042 failed"}]})
    with pytest.raises(runner.PreTrafficError, match="failed"):
        runner.handler({"version": "v3", "command": COMMAND, "ecs": ECS_TARGET}, None, {"ecs": client, "ssm": ssm})
    rec = _record(ssm)
    assert (rec["status"], rec["exitCode"]) == ("failed", 1)
    assert "migration 0042 failed" in rec["detail"]


def test_ecs_task_past_its_timeout_is_stopped_and_recorded(ssm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = _ecs({"lastStatus": "RUNNING"}, stop=True)
    clock = iter([0.0, 10.0])  # started at 0, still running when polled at 10 s > timeoutSeconds 5
    monkeypatch.setattr(runner.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(runner.time, "sleep", lambda s: None)
    with pytest.raises(runner.PreTrafficError, match="timed-out"):
        runner.handler({"version": "v3", "command": COMMAND, "timeoutSeconds": 5, "ecs": ECS_TARGET}, None,
                       {"ecs": client, "ssm": ssm})
    stub.assert_no_pending_responses()  # StopTask was called
    rec = _record(ssm)
    assert (rec["status"], rec["exitCode"]) == ("timed-out", None)


def test_ecs_run_task_failures_fail(ssm: Any) -> None:
    client = boto3.client("ecs", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response("run_task", {"tasks": [], "failures": [{"reason": "RESOURCE:ENI"}]}, None)
    stub.activate()
    with pytest.raises(runner.PreTrafficError):
        runner.handler({"version": "v3", "command": COMMAND, "ecs": ECS_TARGET}, None, {"ecs": client, "ssm": ssm})
    assert "RESOURCE:ENI" in _record(ssm)["detail"]


@pytest.mark.parametrize("event", [
    {"command": COMMAND, "lambda": {"function": VERSION_ARN}},  # no version
    {"version": "v", "command": [], "lambda": {"function": VERSION_ARN}},
    {"version": "v", "command": COMMAND},  # neither target
    {"version": "v", "command": COMMAND, "lambda": {}, "ecs": {}},
    {"version": "v", "command": COMMAND, "timeoutSeconds": 900, "lambda": {"function": VERSION_ARN}},
])
def test_malformed_events_are_refused_before_anything_runs(event: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        runner.handler(event, None, {"lambda": object(), "ecs": object(), "ssm": object()})
