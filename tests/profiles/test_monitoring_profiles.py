"""Every profile's prod stack: the seed's alarms on the resources it actually runs, all notifying the
stack's alert topic, a dashboard of its variant's metrics, and the monthly budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan.model import Plan
from cutover.rds_limits import postgres_max_connections
from tests.conftest import PROFILES, planned

GIB = 1024**3


def _alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.name.removeprefix("monitoring-"): r.inputs for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
            if r.name.startswith("monitoring-")}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_alarm_notifies_the_stack_topic_and_the_budget_too(profile: str) -> None:
    plan = planned("prod", f"profile={profile}")
    topic = plan.one("aws:sns/topic:Topic", "monitoring-alerts").outputs["arn"]
    alarms = _alarms(plan)
    assert alarms
    for name, a in alarms.items():
        assert a["alarmActions"] == [topic] and a["okActions"] == [topic], name
    budget = plan.one("aws:budgets/budget:Budget").inputs
    assert all(n["subscriberSnsTopicArns"] == [topic] for n in budget["notifications"])
    widgets = json.loads(plan.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])["widgets"]
    assert len(widgets) >= 2


def test_pos_seed_000_thresholds_on_its_rds_functions_and_api() -> None:
    plan = planned("prod", "profile=pos-serverless")
    alarms = _alarms(plan)
    db = plan.one("aws:rds/instance:Instance", "postgres")
    conns = alarms["dbConnectionsPercent-main-critical"]
    assert conns["dimensions"] == {"DBInstanceIdentifier": db.inputs["identifier"]}
    assert conns["threshold"] == round(postgres_max_connections(db.inputs["instanceClass"]) * 0.8)
    assert alarms["dbCpuPercent-main-critical"]["threshold"] == 80
    storage = alarms["dbStoragePercent-main-critical"]
    assert storage["comparisonOperator"] == "LessThanThreshold"
    assert storage["threshold"] == pytest.approx(db.inputs["allocatedStorage"] * GIB * 0.2)
    functions = {r.name.removeprefix("serverless-") for r in plan.of_type("aws:lambda/function:Function")
                 if r.name.startswith("serverless-")}
    # Every function declares one: the services', and the data verifier's (pos copies its datasets).
    verifier = {"verifier"} if [f for f in plan.of_type("aws:lambda/function:Function") if f.name == "verifier-fn"] \
        else set()
    assert {k.split("-", 1)[1].removesuffix("-critical") for k in alarms if k.startswith("lambdaErrorRate")} \
        == functions | verifier
    assert all(alarms[f"lambdaErrorRatePercent-{f}-critical"]["threshold"] == 5 for f in functions)
    api = alarms["api5xxRatePercent-http-critical"]
    assert api["threshold"] == 1
    assert api["metricQueries"][0]["metric"]["dimensions"] == {"ApiId": plan.one("aws:apigatewayv2/api:Api",
                                                                                  "http-api").id}


def test_tracetrack_seed_001_warning_and_critical_levels_on_its_alb_service_and_database() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    alarms = _alarms(plan)
    levels = {(k.rsplit("-", 1)[0], k.rsplit("-", 1)[1]): a["threshold"] for k, a in alarms.items()}
    assert levels[("responseTimeMs-app", "warning")] == pytest.approx(0.1)  # seconds: TargetResponseTime
    assert levels[("responseTimeMs-app", "critical")] == pytest.approx(0.2)
    assert (levels[("errorRatePercent-app", "warning")], levels[("errorRatePercent-app", "critical")]) == (1, 5)
    assert (levels[("cpuPercent-app", "warning")], levels[("cpuPercent-app", "critical")]) == (70, 90)
    limit = postgres_max_connections(plan.one("aws:rds/instance:Instance").inputs["instanceClass"])
    assert levels[("dbConnectionsPercent-main", "warning")] == round(limit * 0.8)
    assert levels[("dbConnectionsPercent-main", "critical")] == round(limit * 0.95)


def test_yoga_seed_002_alarms_on_any_dynamodb_throttling_per_table() -> None:
    plan = planned("prod", "profile=yoga-serverless")
    alarms = _alarms(plan)
    tables = {r.inputs["name"] for r in plan.of_type("aws:dynamodb/table:Table")}
    throttles = {k: a for k, a in alarms.items() if k.startswith("dynamodbThrottles-")}
    assert len(throttles) == len(tables) == 9
    for a in throttles.values():
        assert a["threshold"] == 0 and a["comparisonOperator"] == "GreaterThanThreshold"
        assert a["datapointsToAlarm"] == 1
        assert {q["metric"]["dimensions"]["TableName"] for q in a["metricQueries"] if "metric" in q} <= tables


@pytest.mark.parametrize("profile", PROFILES)
def test_every_dead_letter_queue_and_every_service_function_has_an_alarm(profile: str) -> None:
    """Components declare them (components/alarms.py): no profile has to list its queues or functions."""
    plan = planned("prod", f"profile={profile}")
    alarms = [r.inputs for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")]
    depth = "ApproximateNumberOfMessagesVisible"  # SQS's count of messages waiting (SQS developer guide)
    watched_queues = {a["dimensions"]["QueueName"] for a in alarms
                      if a.get("namespace") == "AWS/SQS" and a.get("metricName") == depth}
    queues = {q.inputs["name"] for q in plan.of_type("aws:sqs/queue:Queue")}
    assert queues <= watched_queues, f"dead-letter queues without a depth alarm: {queues - watched_queues}"
    erroring = {q["metric"]["dimensions"]["FunctionName"] for a in alarms for q in a.get("metricQueries") or []
                if q.get("metric", {}).get("metricName") == "Errors"}
    services = {f.inputs["name"] for f in plan.of_type("aws:lambda/function:Function")
                if f.name.startswith("serverless-") or f.name == "devices-fn"}
    assert services <= erroring, f"functions without an error-rate alarm: {services - erroring}"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_running_ecs_service_is_on_the_dashboard(profile: str) -> None:
    """Workers included (rails-ecs's sidekiq): a service the dashboard leaves out is one nobody watches."""
    plan = planned("prod", f"profile={profile}")
    dashboards = plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    services = {s.inputs["name"] for s in plan.of_type("aws:ecs/service:Service")}
    if not dashboards or not services:
        return
    (dashboard,) = dashboards
    shown = {m[m.index("ServiceName") + 1] for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"]
             for m in w["properties"].get("metrics", []) if "ServiceName" in m}
    assert services <= shown, f"ECS services missing from the dashboard: {services - shown}"
