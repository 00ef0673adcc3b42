"""Pre-traffic task: a one-off command (schema migrations) run before green takes traffic, recorded per version.

Python 3.12, stdlib + boto3, handler ``handler.handler``. The stack invokes it once per deployment of green
(an ``aws.lambda_.Invocation`` whose input carries green's version, so a new version is a new run). The event:

    {"version": "<green's version id>", "command": ["python", "manage.py", "migrate", "--noinput"],
     "timeoutSeconds": 600,
     "lambda": {"function": "arn:aws:lambda:...:function:app-prod-api:7"}}          # serverless green, or
     "ecs": {"cluster": "<cluster ARN>", "taskDefinition": "<task definition ARN>", "container": "web",
             "subnets": ["subnet-..."], "securityGroups": ["sg-..."]}}                # ECS green

Serverless: the service's new version is invoked synchronously with ``{"cutover": "pre-traffic", "command":
[...]}`` (the application dispatches it, e.g. Django's ``call_command``); a function error, or an ``exitCode``
other than 0 in its answer, is a failure. ECS: one Fargate task of the service's task definition (same image,
roles and network) runs with the command as its container override (``RunTask``), and is polled
(``DescribeTasks``) until it stops; the container's exit code decides. A task still running at the deadline is
stopped (``StopTask``) and the run is ``timed-out``.

The record goes to the SSM parameter ``RECORD_PARAMETER`` as JSON ``{"version", "status", "exitCode",
"command", "startedAt", "finishedAt", "detail"}`` (status ``succeeded`` | ``failed`` | ``timed-out``), which the
``preTraffic`` promotion gate (cutover/gates.py) compares with the version now deployed. A run that did not
succeed raises after recording, so the deployment that started it fails before anything relies on the new
schema, and the next ``pulumi up`` runs it again.

AWS calls (the role allows exactly these): ``ssm:PutParameter`` on RECORD_PARAMETER; serverless:
``lambda:InvokeFunction`` on the version; ECS: ``ecs:RunTask`` on the task definition, ``iam:PassRole`` on its
task and execution roles, ``ecs:DescribeTasks`` and ``ecs:StopTask`` on the cluster's tasks.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3

POLL_SECONDS = 10.0
MAX_DETAIL_CHARS = 500
SSM_STANDARD_LIMIT = 4096  # bytes of a Standard-tier parameter value (SSM PutParameter)
STARTED_BY = "cutover-pre-traffic"  # RunTask startedBy: at most 36 letters, digits, hyphens and underscores


class PreTrafficError(RuntimeError):
    """The command did not succeed: recorded, then raised so the deployment fails."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _validate(event: Any) -> tuple[str, list[str], int]:
    if not isinstance(event, dict):
        raise ValueError("the event must be an object")
    version, command, timeout = event.get("version"), event.get("command"), event.get("timeoutSeconds", 600)
    if not isinstance(version, str) or not version:
        raise ValueError("version: a non-empty string is required")
    if not isinstance(command, list) or not command or not all(isinstance(c, str) and c for c in command):
        raise ValueError("command: a non-empty list of non-empty strings is required")
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 840:
        raise ValueError("timeoutSeconds: an integer 1..840 (the runner's own 900 s Lambda limit, less margin)")
    if ("lambda" in event) == ("ecs" in event):
        raise ValueError("exactly one of lambda and ecs is required")
    return version, command, timeout


def run_lambda(client: Any, target: dict[str, Any], command: list[str]) -> tuple[str, int | None, str]:
    """(status, exit code, detail) of one synchronous invocation of the service's version."""
    answer = client.invoke(FunctionName=target["function"], InvocationType="RequestResponse",
                           Payload=json.dumps({"cutover": "pre-traffic", "command": command}).encode())
    body = answer["Payload"].read().decode("utf-8", "replace") if answer.get("Payload") is not None else ""
    if answer.get("FunctionError"):
        return "failed", None, f"function error ({answer['FunctionError']}): {body}"
    try:
        parsed = json.loads(body) if body else {}
    except json.JSONDecodeError:
        parsed = {}
    code = parsed.get("exitCode", 0) if isinstance(parsed, dict) else 0
    code = code if isinstance(code, int) and not isinstance(code, bool) else 1
    return ("succeeded" if code == 0 else "failed"), code, body


def run_ecs(client: Any, target: dict[str, Any], command: list[str], timeout: int,
            sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None
            ) -> tuple[str, int | None, str]:
    """(status, exit code, detail) of one Fargate task with the command as its container override."""
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    started = client.run_task(
        cluster=target["cluster"], taskDefinition=target["taskDefinition"], launchType="FARGATE", count=1,
        startedBy=STARTED_BY,
        networkConfiguration={"awsvpcConfiguration": {"subnets": target["subnets"],
                                                      "securityGroups": target["securityGroups"],
                                                      "assignPublicIp": "DISABLED"}},
        overrides={"containerOverrides": [{"name": target["container"], "command": command}]})
    if started.get("failures") or not started.get("tasks"):
        return "failed", None, f"RunTask failed: {started.get('failures')}"
    task_arn = started["tasks"][0]["taskArn"]
    deadline = clock() + timeout
    while True:
        task = client.describe_tasks(cluster=target["cluster"], tasks=[task_arn])["tasks"][0]
        if task.get("lastStatus") == "STOPPED":
            container: dict[str, Any] = next(
                (c for c in task.get("containers", []) if c.get("name") == target["container"]), {})
            code = container.get("exitCode")
            reason = container.get("reason") or task.get("stoppedReason") or ""
            status = "succeeded" if code == 0 else "failed"
            return status, code, f"task {task_arn} stopped: {reason}".strip()
        if clock() >= deadline:
            client.stop_task(cluster=target["cluster"], task=task_arn, reason=f"pre-traffic timeout {timeout}s")
            return "timed-out", None, f"task {task_arn} still {task.get('lastStatus')} after {timeout} s: stopped"
        sleep(POLL_SECONDS)


def handler(event: Any, context: Any = None, clients: dict[str, Any] | None = None) -> dict[str, Any]:
    version, command, timeout = _validate(event)
    clients = clients or {}
    started_at = _now()
    try:
        if "lambda" in event:
            status, code, detail = run_lambda(clients.get("lambda") or boto3.client("lambda"), event["lambda"],
                                              command)
        else:
            status, code, detail = run_ecs(clients.get("ecs") or boto3.client("ecs"), event["ecs"], command, timeout)
    except Exception as exc:  # an AWS error is a failed run too: recorded, then raised
        status, code, detail = "failed", None, f"{type(exc).__name__}: {exc}"
    record = {"version": version, "status": status, "exitCode": code, "command": command,
              "startedAt": started_at, "finishedAt": _now(), "detail": detail[:MAX_DETAIL_CHARS]}
    value = json.dumps(record, sort_keys=True)
    if len(value.encode()) > SSM_STANDARD_LIMIT:  # a long command: keep the verdict, drop the detail
        record["detail"] = ""
        value = json.dumps(record, sort_keys=True)
    ssm = clients.get("ssm") or boto3.client("ssm")
    ssm.put_parameter(Name=os.environ["RECORD_PARAMETER"], Value=value, Type="String", Overwrite=True)
    if status != "succeeded":
        raise PreTrafficError(f"pre-traffic command {command} {status} for {version}: {record['detail']}")
    return record
