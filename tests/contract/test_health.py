"""IAM contract of functions/health: the default service handler calls no AWS API at all.

Its policy is the one ServerlessApp plans for a service that runs the shipped handler and declares
no ``uses`` (an API service and a worker, which also gets a dead-letter queue): everything in it
must be what the Lambda service itself does with the role (logs, X-Ray, the worker's on-failure
destination), and the handler, driven through every event shape it answers, records no call.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.serverless import ServerlessApp, ServerlessAppArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import DEFAULT_CODE, parse_serverless
from cutover.naming import Namer
from cutover.plan.model import Plan
from functions.health.handler import handler
from tests.conftest import plan_components
from tests.contract.iam_rules import AuthzRequest
from tests.contract.plan_policy import assert_contract, code_path, planned_function, summary
from tests.contract.recorder import recording

DOC: dict[str, Any] = {"services": {"web": {"routes": ["GET /health"]},
                                    "jobs": {"kind": "worker", "schedule": "rate(5 minutes)"}},
                       "httpApi": {}}

EVENTS: list[dict[str, Any] | None] = [
    {"version": "2.0", "rawPath": "/health", "requestContext": {"stage": "$default",
                                                                "http": {"method": "GET", "path": "/health"}}},
    {"version": "2.0", "rawPath": "/nope", "requestContext": {"http": {"method": "POST", "path": "/nope"}}},
    {"requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                                                  "targetgroup/g/0123456789abcdef"}},
     "httpMethod": "HEAD", "path": "/health", "multiValueHeaders": {}},
    {"requestContext": {"routeKey": "$connect", "connectionId": "abc="}},
    {"httpMethod": "GET", "path": "/health"},
    {},
    None,
]


def _plan(env: str) -> Plan:
    sls, _, _ = parse_serverless(Reader(DOC, ""), DEFAULTS[Environment(env)], "us-east-1")

    def program() -> None:
        ServerlessApp("app", ServerlessAppArgs(sls, Namer("shop", env), DEFAULTS[Environment(env)], {}))
        pulumi.export("ok", True)

    return plan_components(program, stack=env)


@pytest.fixture(scope="module", params=["dev", "prod"])
def plan(request: pytest.FixtureRequest) -> Plan:
    return _plan(request.param)


def test_the_handler_calls_no_aws_api(moto_aws: None) -> None:
    with recording() as rec:
        for event in EVENTS:
            assert handler(event, None)["statusCode"] in (200, 404, 405)
    assert rec.calls == []


@pytest.mark.parametrize("service", ["web", "jobs"])
def test_policy_is_exactly_what_the_runtime_uses(plan: Plan, service: str) -> None:
    pf = planned_function(plan, f"app-{service}")
    assert code_path(pf.function) == DEFAULT_CODE  # the shipped handler, not an app's build
    handler_requests: list[AuthzRequest] = []  # see test_the_handler_calls_no_aws_api
    assert_contract(pf, handler_requests)
    runtime = {r.split(" on ")[0] for r in summary(pf.runtime)}
    expected = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
    # A worker is invoked asynchronously: Lambda sends exhausted events to its dead-letter queue.
    assert runtime == (expected | {"sqs:SendMessage"} if service == "jobs" else expected)
