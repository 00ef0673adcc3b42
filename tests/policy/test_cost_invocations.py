"""Per-function usage: each Lambda function is priced from what invokes it, not an even split.

Expectations from AWS's own rules: EventBridge rate/cron syntax (EventBridge user guide, "Schedule
expressions for rules"); Lambda bills every invocation at $0.20 per million plus GB-seconds
(prices.json); an SQS event source invokes the function once per batch (default BatchSize 10, Lambda
API reference CreateEventSourceMapping); the always-free tier is 1M requests and 400,000 GB-s a month
per account (AWS whitepaper "How AWS Pricing Works", Lambda).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutover_guard import cost
from cutover_guard.schedule import ScheduleError, firings_per_month
from tests.policy.conftest import res

REQ = 0.20 / 1_000_000  # lambda.requests, per request
GBS_ARM = 0.0000133334  # lambda.gbSecond.arm64


def fn(name: str, service: str = "", memory: int = 1024) -> Any:
    env = {"variables": {"SERVICE_NAME": service}} if service else {}
    return res("aws:lambda/function:Function", name, inputs={
        "name": f"app-{name}", "memorySize": memory, "architectures": ["arm64"], "environment": env})


def permission(name: str, function: str, principal: str, **extra: Any) -> Any:
    return res("aws:lambda/permission:Permission", name,
               inputs={"function": f"app-{function}", "principal": principal, **extra})


def schedule(name: str, function: str, expression: str) -> list[Any]:
    rule = res("aws:cloudwatch/eventRule:EventRule", name, inputs={"name": f"app-{name}",
                                                                   "scheduleExpression": expression})
    target = res("aws:cloudwatch/eventTarget:EventTarget", name, inputs={
        "rule": f"app-{name}", "arn": f"arn:aws:lambda:us-east-1:123456789012:function:app-{function}:live"})
    return [rule, target, permission(f"{name}-perm", function, "events.amazonaws.com")]


def invocations(resources: list[Any], usage: dict[str, float], services: dict[str, Any] | None = None
                ) -> dict[str, float]:
    report = cost.estimate(resources, usage, services=services)
    out = {}
    for line in report.lines:
        if line.type == "aws:lambda/function:Function":
            out[line.name] = float(line.detail.split(" invocations")[0])
    return out


# --- schedules ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "firings"), [
    ("rate(5 minutes)", 8640),  # 30 days x 24 h x 12
    ("rate(1 minute)", 43200),
    ("rate(15 minutes)", 2880),
    ("rate(1 hour)", 720),
    ("rate(2 hours)", 360),
    ("rate(1 day)", 30),
    ("rate(7 days)", 30 / 7),
    ("cron(0 2 * * ? *)", 30),  # nightly at 02:00
    ("cron(0/15 * * * ? *)", 2880),  # every 15 minutes
    ("cron(0 8-17 ? * MON-FRI *)", 10 * 5 * 30 / 7),  # hourly 08..17 on weekdays
    ("cron(0 12 1 * ? *)", 1),  # the first of the month
    ("cron(0 12 1,15 * ? *)", 2),
    ("cron(0 0 L * ? *)", 1),  # the last day of the month
    ("cron(0 10 ? * 6#3 *)", 1),  # the third Friday
    ("cron(0 0 1 1 ? *)", 1 / 12),  # once a year
    ("cron(0,30 9 ? * SUN *)", 2 * 30 / 7),
    ("cron(0 0 31 * ? *)", 0),  # no 31st in the estimator's 30-day month
])
def test_schedule_firings_in_a_30_day_month(expression: str, firings: float) -> None:
    assert firings_per_month(expression) == pytest.approx(firings)


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 weeks)", "cron(0 2 * * *)",
    "cron(0 2 * * * *)", "cron(0 2 ? * ? *)", "cron(60 2 * * ? *)", "cron(0 24 * * ? *)", "every 5 minutes",
])
def test_expressions_eventbridge_refuses_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        firings_per_month(expression)


@given(st.integers(min_value=3, max_value=10_000), st.sampled_from(["minutes", "hours", "days"]))
def test_rate_firings_fall_as_the_interval_grows(value: int, unit: str) -> None:
    assert firings_per_month(f"rate({value} {unit})") < firings_per_month(f"rate({value - 1} {unit})")
    assert firings_per_month(f"rate(1 {unit[:-1]})") == pytest.approx(value * firings_per_month(
        f"rate({value} {unit})"))


# --- attribution -------------------------------------------------------------------------------------

def _stack() -> list[Any]:
    return [
        fn("products", "products"), fn("orders", "orders"), fn("webhook", "webhook"),
        permission("p1", "products", "apigateway.amazonaws.com"),
        permission("p2", "orders", "apigateway.amazonaws.com"),
        permission("p3", "webhook", "apigateway.amazonaws.com"),
        fn("nightly", "nightly"), *schedule("nightly-rule", "nightly", "cron(0 2 * * ? *)"),
        fn("sync", "sync"), *schedule("sync-rule", "sync", "rate(5 minutes)"),
        fn("rollback"), permission("rb", "rollback", "sns.amazonaws.com"),
        fn("smoke"),  # invoked by the deployment, on demand
        fn("worker", "worker"),
        res("aws:lambda/eventSourceMapping:EventSourceMapping", "esm", inputs={
            "functionName": "arn:aws:lambda:us-east-1:123456789012:function:app-worker:live",
            "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:app-jobs", "batchSize": 5}),
    ]


def test_each_function_is_priced_from_its_trigger() -> None:
    calls = invocations(_stack(), {"requestsPerMonth": 3_000_000, "queueMessagesPerMonth": 100_000})
    assert calls == {
        "products": 1_000_000, "orders": 1_000_000, "webhook": 1_000_000,  # HTTP split among API services only
        "nightly": 30, "sync": 8640,  # from their schedules
        "rollback": 0,  # alarm notifications
        "smoke": 0,  # nothing in the stack invokes it
        "worker": 20_000,  # 100,000 messages in batches of 5
    }


def test_a_service_sets_its_own_usage_and_the_other_api_services_share_the_rest() -> None:
    services = {"webhook": {"requestsPerMonth": 20_000}, "nightly": {"requestsPerMonth": 31, "avgDurationMs": 60000},
                "smoke": {"requestsPerMonth": 99}}  # smoke has no SERVICE_NAME: not a service, ignored
    report = cost.estimate(_stack(), {"requestsPerMonth": 3_000_000, "avgLambdaDurationMs": 100},
                           services=services)
    calls = {ln.name: float(ln.detail.split(" invocations")[0]) for ln in report.lines
             if ln.type == "aws:lambda/function:Function"}
    assert calls["webhook"] == 20_000
    assert calls["products"] == calls["orders"] == (3_000_000 - 20_000) / 2
    assert calls["nightly"] == 31 and calls["smoke"] == 0
    nightly = next(ln for ln in report.lines if ln.name == "nightly")
    # 31 x 60 s x 1 GB at arm64, plus 31 requests; the service's own duration replaces avgLambdaDurationMs
    assert nightly.monthly_usd == pytest.approx(31 * REQ + 31 * 60 * 1 * GBS_ARM, abs=1e-4)
    assert "usage.services.nightly" in nightly.detail


def test_websocket_handlers_follow_websocket_messages() -> None:
    ws = res("aws:apigatewayv2/api:Api", "ws", inputs={"protocolType": "WEBSOCKET"},
             outputs={"protocolType": "WEBSOCKET", "id": "abc123"})
    http = res("aws:apigatewayv2/api:Api", "http", inputs={"protocolType": "HTTP"}, outputs={"id": "def456"})
    resources = [ws, http, fn("realtime", "realtime"), fn("api", "api"),
                 permission("w", "realtime", "apigateway.amazonaws.com",
                            sourceArn="arn:aws:execute-api:us-east-1:123456789012:abc123/*/*"),
                 permission("h", "api", "apigateway.amazonaws.com",
                            sourceArn="arn:aws:execute-api:us-east-1:123456789012:def456/*/*")]
    calls = invocations(resources, {"requestsPerMonth": 1_000_000, "websocketMessagesPerMonth": 400_000})
    assert calls == {"realtime": 400_000, "api": 1_000_000}


def test_the_free_tier_share_discounts_requests_and_gb_seconds_pro_rata() -> None:
    resources = [fn("a", "a", memory=1024), permission("pa", "a", "apigateway.amazonaws.com")]
    usage = {"requestsPerMonth": 2_000_000, "avgLambdaDurationMs": 100}
    full = cost.estimate(resources, usage).lines[0].monthly_usd
    assert full == pytest.approx(2_000_000 * REQ + 200_000 * GBS_ARM, abs=1e-4)
    free = cost.estimate(resources, {**usage, "lambdaFreeTierShare": 1}).lines[0].monthly_usd
    # 1M of 2M requests and all 200,000 GB-s (< 400,000) are free
    assert free == pytest.approx(1_000_000 * REQ, abs=1e-4)
    half = cost.estimate(resources, {**usage, "lambdaFreeTierShare": 0.5}).lines[0].monthly_usd
    assert half == pytest.approx(1_500_000 * REQ + 0 * GBS_ARM, abs=1e-4)  # 200,000 GB-s = the half allowance


def test_an_invalid_schedule_prices_nothing_rather_than_failing() -> None:
    resources = [fn("job", "job"), *schedule("bad", "job", "rate(5 fortnights)")]
    assert invocations(resources, {"requestsPerMonth": 1_000_000}) == {"job": 0}
