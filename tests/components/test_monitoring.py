"""Monitoring: seed thresholds become alarms on the stack's metrics, all notifying the topic."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.alarms import dead_letter_depth, lambda_error_rate, rds_alarms
from components.monitoring import AlbTarget, EcsTarget, Monitoring, MonitoringArgs, MonitoringTargets, RdsTarget
from cutover.config import BudgetConfig
from cutover.config.monitoring import parse_monitoring
from cutover.config.reader import Reader
from cutover.errors import ConfigError
from cutover.naming import Namer
from cutover.plan.model import Plan
from cutover.rds_limits import postgres_max_connections
from tests.conftest import plan_components

TARGETS = MonitoringTargets(
    lambda_functions={"orders": "pos-prod-orders"}, http_apis={"http": "a1b2c3"},
    rds={"main": RdsTarget("pos-prod-main", "db.t4g.small", 20)},
    albs={"front": AlbTarget("app/tt-prod/abc", "targetgroup/tt-prod-app/def")},
    ecs_services={"app": EcsTarget("tt-prod", "tt-prod-app")}, dynamodb_tables={"Users": "yoga-Users-prod"})


def build(alarms: dict[str, Any], email: str = "ops@example.com", targets: MonitoringTargets = TARGETS) -> Plan:
    cfg = parse_monitoring(Reader({"alarms": alarms}, "monitoring"))
    args = MonitoringArgs(cfg, Namer("pos", "prod"), "us-east-1", "123456789012", BudgetConfig(100, 90),
                          "pos-prod", email, targets, alarms=targets.alarms())
    return plan_components(lambda: Monitoring("mon", args))


def alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    return {a.inputs["name"]: a.inputs for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_seed_000_alarms_with_thresholds() -> None:
    plan = build({"dbConnectionsPercent": 80, "lambdaErrorRatePercent": 5, "api5xxRatePercent": 1,
                  "dbCpuPercent": 80, "dbStoragePercent": 80})
    a = alarms(plan)
    conn = a["pos-prod-dbConnectionsPercent-main-critical"]
    assert conn["metricName"] == "DatabaseConnections" and conn["statistic"] == "Maximum"
    assert conn["threshold"] == round(postgres_max_connections("db.t4g.small") * 0.8)
    assert a["pos-prod-dbCpuPercent-main-critical"]["threshold"] == 80
    storage = a["pos-prod-dbStoragePercent-main-critical"]
    assert storage["comparisonOperator"] == "LessThanThreshold"
    assert storage["threshold"] == pytest.approx(20 * 1024**3 * 0.2)
    lam = a["pos-prod-lambdaErrorRatePercent-orders-critical"]
    assert lam["threshold"] == 5
    exprs = [q for q in lam["metricQueries"] if "expression" in q]
    assert exprs[0]["expression"] == "IF(den > 0, 100 * num / den, 0)"
    metrics = {q["id"]: q["metric"] for q in lam["metricQueries"] if "metric" in q}
    assert metrics["num"]["metricName"] == "Errors" and metrics["den"]["metricName"] == "Invocations"
    assert metrics["num"]["dimensions"] == {"FunctionName": "pos-prod-orders"}
    api = a["pos-prod-api5xxRatePercent-http-critical"]
    assert {q["metric"]["metricName"] for q in api["metricQueries"] if "metric" in q} == {"5xx", "Count"}


def test_seed_001_warning_and_critical_levels() -> None:
    a = alarms(build({"responseTimeMs": {"warning": 100, "critical": 200},
                      "errorRatePercent": {"warning": 1, "critical": 5}, "cpuPercent": {"warning": 70, "critical": 90},
                      "dbConnectionsPercent": {"warning": 80, "critical": 95}}))
    assert a["pos-prod-responseTimeMs-front-warning"]["threshold"] == pytest.approx(0.1)
    assert a["pos-prod-responseTimeMs-front-critical"]["threshold"] == pytest.approx(0.2)
    assert a["pos-prod-responseTimeMs-front-critical"]["dimensions"] == {
        "LoadBalancer": "app/tt-prod/abc", "TargetGroup": "targetgroup/tt-prod-app/def"}
    assert a["pos-prod-cpuPercent-app-warning"]["threshold"] == 70
    assert a["pos-prod-cpuPercent-app-critical"]["dimensions"] == {"ClusterName": "tt-prod",
                                                                   "ServiceName": "tt-prod-app"}
    assert a["pos-prod-errorRatePercent-front-critical"]["threshold"] == 5


def test_seed_002_dynamodb_throttling_above_zero() -> None:
    a = alarms(build({"dynamodbThrottles": 0}))
    t = a["pos-prod-dynamodbThrottles-Users-critical"]
    assert t["threshold"] == 0 and t["comparisonOperator"] == "GreaterThanThreshold"
    names = {q["metric"]["metricName"] for q in t["metricQueries"] if "metric" in q}
    assert names == {"ReadThrottleEvents", "WriteThrottleEvents"}


def test_every_alarm_notifies_the_encrypted_topic() -> None:
    plan = build({"dbCpuPercent": 80, "lambdaErrorRatePercent": 5})
    topic = plan.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == plan.one("aws:kms/key:Key").outputs["arn"]
    assert plan.one("aws:kms/key:Key").inputs["enableKeyRotation"] is True
    for alarm in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]]
    sub = plan.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert sub["protocol"] == "email" and sub["endpoint"] == "ops@example.com"


# What AWS documents for each publisher of an encrypted topic (SNS developer guide, "Enable
# compatibility between event sources from AWS services and encrypted topics": the service principal
# gets kms:GenerateDataKey* and kms:Decrypt; CloudWatch alarms publish as arn:aws:cloudwatch:<region>:
# <account>:alarm:<name>; AWS Cost Management guide, "Creating an Amazon SNS topic for budget
# notifications": aws:SourceAccount and aws:SourceArn arn:aws:budgets::<account>:*).
ACCOUNT, REGION = "123456789012", "us-east-1"
EXPECTED_CONDITIONS = {
    "cloudwatch.amazonaws.com": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                                 "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"}},
    "budgets.amazonaws.com": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                              "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{ACCOUNT}:*"}},
}


def test_key_policy_lets_each_publisher_encrypt_with_its_documented_conditions() -> None:
    plan = build({"dbCpuPercent": 80})
    statements = json.loads(plan.one("aws:kms/key:Key").inputs["policy"])["Statement"]
    admin = [s for s in statements if s["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}]
    assert admin == [{"Sid": "AccountAdministers", "Effect": "Allow",
                      "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]
    services = {s["Principal"]["Service"]: s for s in statements if "Service" in s["Principal"]}
    assert set(services) == set(EXPECTED_CONDITIONS) and len(statements) == 3
    for service, s in services.items():
        assert s["Effect"] == "Allow" and s["Resource"] == "*"
        assert sorted(s["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert s["Condition"] == EXPECTED_CONDITIONS[service]


def test_topic_policy_admits_each_publisher_only_for_this_account_and_over_tls() -> None:
    plan = build({"dbCpuPercent": 80})
    topic_arn = plan.one("aws:sns/topic:Topic").outputs["arn"]
    statements = json.loads(plan.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])["Statement"]
    allows = {s["Principal"]["Service"]: s for s in statements if s["Effect"] == "Allow"}
    assert set(allows) == set(EXPECTED_CONDITIONS)
    for service, s in allows.items():
        assert s["Action"] == "SNS:Publish" and s["Resource"] == topic_arn
        assert s["Condition"] == EXPECTED_CONDITIONS[service]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_topic_for_alarms_only_admits_no_budgets_and_unknown_publishers_are_refused() -> None:
    from components.alert_topic import CLOUDWATCH, key_policy, topic_policy
    kp = key_policy(ACCOUNT, REGION, (CLOUDWATCH,))
    assert [s["Principal"] for s in kp["Statement"][1:]] == [{"Service": CLOUDWATCH}]
    tp = topic_policy("arn:aws:sns:us-east-1:123456789012:t", ACCOUNT, REGION, (CLOUDWATCH,))
    assert [s["Principal"] for s in tp["Statement"] if s["Effect"] == "Allow"] == [{"Service": CLOUDWATCH}]
    with pytest.raises(ValueError, match=r"events\.amazonaws\.com"):
        key_policy(ACCOUNT, REGION, ("events.amazonaws.com",))


def test_no_subscription_without_an_email() -> None:
    assert not build({"dbCpuPercent": 80}, email="").of_type("aws:sns/topicSubscription:TopicSubscription")


def test_alarms_only_for_metrics_the_stack_has() -> None:
    plan = build({"cpuPercent": 70, "lambdaErrorRatePercent": 5}, targets=MonitoringTargets(
        lambda_functions={"api": "fn"}))
    assert list(alarms(plan)) == ["pos-prod-lambdaErrorRatePercent-api-critical"]


def test_budget_amount_and_notifications() -> None:
    budget = build({}).one("aws:budgets/budget:Budget").inputs
    assert budget["limitAmount"] == "100.00" and budget["timeUnit"] == "MONTHLY" and budget["budgetType"] == "COST"
    actual, forecast = budget["notifications"]
    assert actual["threshold"] == 90 and actual["notificationType"] == "ACTUAL"
    assert forecast["threshold"] == 100 and forecast["notificationType"] == "FORECASTED"
    assert actual["subscriberEmailAddresses"] == ["ops@example.com"]
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": ["user:cutover:stack$pos-prod"]}]


def test_dashboard_has_a_widget_per_target() -> None:
    body = json.loads(build({}).one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == ["Lambda orders", "API http", "RDS main", "ALB front", "ECS app", "DynamoDB Users"]


@pytest.mark.parametrize(("alarms_cfg", "key"), [
    ({"latency": 5}, "monitoring.alarms.latency"),
    ({"cpuPercent": {"warning": 90, "critical": 70}}, "monitoring.alarms.cpuPercent.warning"),
    ({"cpuPercent": {}}, "monitoring.alarms.cpuPercent"),
    ({"cpuPercent": 150}, "monitoring.alarms.cpuPercent"),
])
def test_bad_thresholds_fail_clearly(alarms_cfg: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_monitoring(Reader({"alarms": alarms_cfg}, "monitoring"))
    assert err.value.key == key


def _build_declared(alarms_cfg: dict[str, Any], declared: list[Any]) -> Plan:
    cfg = parse_monitoring(Reader({"alarms": alarms_cfg}, "monitoring"))
    args = MonitoringArgs(cfg, Namer("pos", "prod"), "us-east-1", "123456789012", BudgetConfig(100, 90),
                          "pos-prod", "", MonitoringTargets(), alarms=declared)
    return plan_components(lambda: Monitoring("mon", args))


def test_declared_defaults_apply_when_the_seed_sets_no_threshold() -> None:
    declared = [dead_letter_depth("sync", "pos-prod-sync-dlq"), lambda_error_rate("sync", "pos-prod-sync")]
    a = alarms(_build_declared({}, declared))
    dlq = a["pos-prod-deadLetterQueueDepth-sync-critical"]
    # One visible message in a dead-letter queue is an event lost after Lambda's retries: above 0, one
    # 1-minute period (SQS publishes ApproximateNumberOfMessagesVisible every minute).
    assert (dlq["namespace"], dlq["metricName"], dlq["statistic"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                                                                      "Maximum")
    assert dlq["dimensions"] == {"QueueName": "pos-prod-sync-dlq"}
    assert (dlq["threshold"], dlq["evaluationPeriods"], dlq["comparisonOperator"]) == (0, 1, "GreaterThanThreshold")
    lam = a["pos-prod-lambdaErrorRatePercent-sync-critical"]
    assert (lam["threshold"], lam["evaluationPeriods"]) == (5, 5)


def test_the_seed_thresholds_replace_the_defaults() -> None:
    declared = [dead_letter_depth("sync", "q"), lambda_error_rate("sync", "fn")]
    a = alarms(_build_declared({"lambdaErrorRatePercent": {"warning": 1, "critical": 2, "minutes": 3},
                                "deadLetterQueueDepth": 10}, declared))
    assert {n: (v["threshold"], v["evaluationPeriods"]) for n, v in a.items()} == {
        "pos-prod-lambdaErrorRatePercent-sync-warning": (1, 3), "pos-prod-lambdaErrorRatePercent-sync-critical": (2, 3),
        "pos-prod-deadLetterQueueDepth-sync-critical": (10, 5)}


def test_monitoring_renders_only_what_it_is_given() -> None:
    # Targets feed the dashboard; without declarations there is no alarm, whatever the thresholds.
    cfg = parse_monitoring(Reader({"alarms": {"lambdaErrorRatePercent": 5, "cpuPercent": 70}}, "monitoring"))
    args = MonitoringArgs(cfg, Namer("pos", "prod"), "us-east-1", "123456789012", BudgetConfig(100, 90),
                          "pos-prod", "", TARGETS)
    assert not alarms(plan_components(lambda: Monitoring("mon", args)))
    # A kind without defaults (RDS CPU) is not rendered unless the seed sets a threshold.
    assert not alarms(_build_declared({}, rds_alarms("main", "db", 100, 20)))
