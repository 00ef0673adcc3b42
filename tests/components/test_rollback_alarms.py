"""Rollback: seed thresholds on green's metrics, the composite rule, the encrypted topic, the
rollback Lambda's environment and least-privilege role, and the SSM record parameter."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.front_door import RollbackTarget, WeightedRecordSet
from components.rollback import AlbMetrics, LambdaMetrics, Rollback, RollbackArgs
from cutover.config import Environment, FrontDoorKind, RollbackConfig
from cutover.config.environment import DEFAULTS
from cutover.naming import Namer
from cutover.plan.model import Plan, PlannedResource
from tests.conftest import plan_components

LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/front/abc/def"
BLUE_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/yoga-prod-blue/1"
GREEN_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/yoga-prod-green/2"
ALB = AlbMetrics("app/yoga-prod-front/abc", "targetgroup/yoga-prod-green/2", lambda_target=True)
TARGETS = {
    "alb": RollbackTarget(FrontDoorKind.ALB, listener_arn=LISTENER, blue_target_group_arn=BLUE_TG,
                          green_target_group_arn=GREEN_TG),
    "route53": RollbackTarget(FrontDoorKind.ROUTE53, zone_id="Z0123456789ABCDEFGHIJ", record_name="api.example.com",
                              record_type="CNAME"),
    "alias": RollbackTarget(FrontDoorKind.ALIAS, function_names={"api": "waiterix-prod-api", "ai": "waiterix-prod-ai"}),
}


def plan_rollback(kind: str, config: RollbackConfig, **metrics: Any) -> Plan:
    def program() -> None:
        Rollback("rollback", RollbackArgs(config, TARGETS[kind], Namer("app", "prod"), DEFAULTS[Environment.PROD],
                                          "us-east-1", "123456789012", **metrics))

    return plan_components(program, stack="prod")


def alarms(plan: Plan) -> dict[str, PlannedResource]:
    return {r.name.removeprefix("rollback-"): r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def queries(alarm: PlannedResource) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in alarm.inputs["metricQueries"]}


def policy(plan: Plan) -> list[dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "rollback-fn").inputs["policy"])
    return doc["Statement"]


def common_alarm_settings(a: PlannedResource, threshold: float, minutes: int) -> None:
    assert a.inputs["threshold"] == threshold
    assert a.inputs["evaluationPeriods"] == minutes and a.inputs["datapointsToAlarm"] == minutes
    assert a.inputs["comparisonOperator"] == "GreaterThanThreshold"
    assert a.inputs["treatMissingData"] == "notBreaching"


@pytest.fixture(scope="module")
def yoga() -> Plan:  # seed 002: error rate > 1% for 5 consecutive minutes, average > 2 s for 10 minutes
    return plan_rollback("alb", RollbackConfig(error_rate_percent=1, error_rate_minutes=5, latency_ms=2000,
                                               latency_minutes=10), alb=ALB)


def test_seed_002_alb_alarms(yoga: Plan) -> None:
    found = alarms(yoga)
    assert set(found) == {"error-rate", "latency"}
    err = found["error-rate"]
    common_alarm_settings(err, 1, 5)
    q = queries(err)
    dims = {"LoadBalancer": "app/yoga-prod-front/abc", "TargetGroup": "targetgroup/yoga-prod-green/2"}
    for qid, metric in (("target5xx", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount"),
                        ("lambdauser", "LambdaUserError"), ("lambdainternal", "LambdaInternalError")):
        m = q[qid]["metric"]
        assert (m["namespace"], m["metricName"], m["stat"], m["period"], m["dimensions"]) == (
            "AWS/ApplicationELB", metric, "Sum", 60, dims)
    assert q["errorrate"]["returnData"] is True
    assert q["errorrate"]["expression"] == \
        "100 * (FILL(target5xx, 0) + FILL(lambdauser, 0) + FILL(lambdainternal, 0)) / requests"
    lat = found["latency"]
    common_alarm_settings(lat, 2.0, 10)
    assert (lat.inputs["namespace"], lat.inputs["metricName"], lat.inputs["statistic"], lat.inputs["period"]) == (
        "AWS/ApplicationELB", "TargetResponseTime", "Average", 60)
    assert lat.inputs["dimensions"] == dims


def test_composite_rule_names_the_alarms_and_notifies_the_encrypted_topic(yoga: Plan) -> None:
    comp = yoga.one("aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert comp.inputs["alarmRule"] == 'ALARM("app-prod-rollback-error-rate") OR ALARM("app-prod-rollback-latency")'
    assert {a.inputs["name"] for a in alarms(yoga).values()} == {"app-prod-rollback-error-rate",
                                                                  "app-prod-rollback-latency"}
    topic = yoga.one("aws:sns/topic:Topic")
    assert comp.inputs["alarmActions"] == [topic.outputs["arn"]] and comp.inputs["actionsEnabled"] is True
    assert all(a.inputs["actionsEnabled"] is False for a in alarms(yoga).values())
    key = yoga.one("aws:kms/key:Key")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"] and key.inputs["enableKeyRotation"] is True
    stmts = json.loads(key.inputs["policy"])["Statement"]
    cw = [s for s in stmts if "cloudwatch.amazonaws.com" in s["Principal"].get("Service", [])]
    assert cw and set(cw[0]["Action"]) >= {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_lambda_subscription_permission_and_function(yoga: Plan) -> None:
    topic = yoga.one("aws:sns/topic:Topic")
    fn = yoga.one("aws:lambda/function:Function")
    sub = [s for s in yoga.of_type("aws:sns/topicSubscription:TopicSubscription") if s.inputs["protocol"] == "lambda"]
    assert len(sub) == 1 and sub[0].inputs["endpoint"] == fn.outputs["arn"]
    assert sub[0].inputs["topic"] == topic.outputs["arn"]
    perm = yoga.one("aws:lambda/permission:Permission")
    assert (perm.inputs["principal"], perm.inputs["sourceArn"], perm.inputs["action"]) == (
        "sns.amazonaws.com", topic.outputs["arn"], "lambda:InvokeFunction")
    assert (fn.inputs["runtime"], fn.inputs["architectures"]) == ("python3.12", ["arm64"])
    # off by default: AWS refuses a reservation that leaves < 100 unreserved executions (new accounts: 10)
    assert "reservedConcurrentExecutions" not in fn.inputs
    assert fn.inputs["tracingConfig"] == {"mode": "Active"} and fn.inputs["handler"] == "handler.handler"
    log = yoga.one("aws:cloudwatch/logGroup:LogGroup")
    assert log.inputs["name"] == f"/aws/lambda/{fn.inputs['name']}" and log.inputs["retentionInDays"] == 90
    param = yoga.one("aws:ssm/parameter:Parameter")
    assert (param.inputs["name"], param.inputs["type"]) == ("/app/prod/rollback/record", "String")
    assert json.loads(param.inputs["value"]) == {"state": "clear"}
    assert param.ignore_changes == ("value",)


def test_alb_environment_and_policy(yoga: Plan) -> None:
    env = yoga.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env == {"FRONT_DOOR_KIND": "alb", "RECORD_PARAMETER": "/app/prod/rollback/record",
                   "LISTENER_ARN": LISTENER, "BLUE_TARGET_GROUP_ARN": BLUE_TG}
    by_sid = {s["Sid"]: s for s in policy(yoga)}
    # Service Authorization Reference (ELB v2): ModifyListener on listener/app/..., ModifyRule on
    # listener-rule/app/<lb>/<lb id>/<listener id>/<rule id>; the Describe* actions only on "*".
    assert by_sid["ShiftListener"]["Action"] == ["elasticloadbalancing:ModifyListener"]
    assert by_sid["ShiftListener"]["Resource"] == [LISTENER]
    assert by_sid["ShiftRules"]["Action"] == ["elasticloadbalancing:ModifyRule"]
    assert by_sid["ShiftRules"]["Resource"] == [
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/front/abc/def/*"]
    assert by_sid["ReadListener"]["Action"] == ["elasticloadbalancing:DescribeListeners",
                                                "elasticloadbalancing:DescribeRules"]
    assert by_sid["ReadListener"]["Resource"] == ["*"]
    param_arn = yoga.one("aws:ssm/parameter:Parameter").outputs["arn"]
    assert by_sid["RollbackRecord"] == {"Sid": "RollbackRecord", "Effect": "Allow",
                                        "Action": ["ssm:GetParameter", "ssm:PutParameter"], "Resource": [param_arn]}
    assert set(by_sid) == {"Logs", "XRay", "DeadLetterQueue", "RollbackRecord", "ShiftListener", "ShiftRules",
                           "ReadListener"}


def test_seed_001_thresholds_on_the_whole_green_load_balancer() -> None:
    plan = plan_rollback("route53", RollbackConfig(latency_ms=500, latency_minutes=5, error_rate_percent=10,
                                                   error_rate_minutes=2),
                         alb=AlbMetrics("app/tracetrack-prod/abc"))
    found = alarms(plan)
    common_alarm_settings(found["latency"], 0.5, 5)
    common_alarm_settings(found["error-rate"], 10, 2)
    assert found["latency"].inputs["dimensions"] == {"LoadBalancer": "app/tracetrack-prod/abc"}
    assert "lambdauser" not in queries(found["error-rate"])


def test_seed_000_lambda_and_api_alarms_with_route53_policy() -> None:
    fns = {f"svc{i}": f"pos-prod-svc{i}" for i in range(6)}
    plan = plan_rollback("route53", RollbackConfig(lambda_error_percent=5, api5xx_percent=1),
                         lambdas=LambdaMetrics(fns), http_api_ids={"http": "abc123"})
    found = alarms(plan)
    # 6 functions x (Errors, Invocations) exceeds the 10-metric limit of a metric math alarm
    assert set(found) == {"lambda-errors-1", "lambda-errors-2", "api-5xx"}
    for key in ("lambda-errors-1", "lambda-errors-2"):
        common_alarm_settings(found[key], 5, 5)
        q = queries(found[key])
        assert len([x for x in q.values() if "metric" in x]) <= 10
        assert q["errorrate"]["expression"] == '100 * SUM(METRICS("errors")) / SUM(METRICS("invocations"))'
        assert {x["metric"]["namespace"] for x in q.values() if "metric" in x} == {"AWS/Lambda"}
    assert queries(found["lambda-errors-1"])["errors0"]["metric"]["dimensions"] == {"FunctionName": "pos-prod-svc0"}
    api = found["api-5xx"]
    common_alarm_settings(api, 1, 5)
    q = queries(api)
    assert (q["errors"]["metric"]["metricName"], q["requests"]["metric"]["metricName"]) == ("5xx", "Count")
    assert q["errors"]["metric"]["namespace"] == "AWS/ApiGateway"
    assert q["errors"]["metric"]["dimensions"] == {"ApiId": "abc123"}
    comp = plan.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmRule"]
    assert comp == ('ALARM("app-prod-rollback-lambda-errors-1") OR ALARM("app-prod-rollback-lambda-errors-2") '
                    'OR ALARM("app-prod-rollback-api-5xx")')
    env = plan.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env == {"FRONT_DOOR_KIND": "route53", "RECORD_PARAMETER": "/app/prod/rollback/record",
                   "HOSTED_ZONE_ID": "Z0123456789ABCDEFGHIJ", "RECORD_NAME": "api.example.com",
                   "RECORD_TYPE": "CNAME", "BLUE_SET_IDENTIFIER": "blue", "GREEN_SET_IDENTIFIER": "green"}
    by_sid = {s["Sid"]: s for s in policy(plan)}
    zone = ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"]
    assert by_sid["ShiftRecords"]["Action"] == ["route53:ChangeResourceRecordSets"]
    assert by_sid["ShiftRecords"]["Resource"] == zone
    cond = by_sid["ShiftRecords"]["Condition"]["ForAllValues:StringEquals"]
    assert cond["route53:ChangeResourceRecordSetsNormalizedRecordNames"] == ["api.example.com"]
    assert by_sid["ReadRecords"] == {"Sid": "ReadRecords", "Effect": "Allow",
                                     "Action": ["route53:ListResourceRecordSets"], "Resource": zone}
    assert set(by_sid) == {"Logs", "XRay", "DeadLetterQueue", "RollbackRecord", "ShiftRecords", "ReadRecords"}


def test_alias_kind_watches_the_new_version_and_may_only_touch_its_functions() -> None:
    plan = plan_rollback("alias", RollbackConfig(lambda_error_percent=5),
                         lambdas=LambdaMetrics({"api": "waiterix-prod-api"}, alias="live",
                                               executed_versions={"api": "8"}))
    dims = queries(alarms(plan)["lambda-errors"])["errors0"]["metric"]["dimensions"]
    assert dims == {"FunctionName": "waiterix-prod-api", "Resource": "waiterix-prod-api:live", "ExecutedVersion": "8"}
    env = plan.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env == {"FRONT_DOOR_KIND": "alias", "RECORD_PARAMETER": "/app/prod/rollback/record",
                   "FUNCTION_NAMES": "waiterix-prod-ai,waiterix-prod-api", "ALIAS_NAME": "live"}
    by_sid = {s["Sid"]: s for s in policy(plan)}
    assert by_sid["ResetAliases"]["Action"] == ["lambda:GetAlias", "lambda:UpdateAlias"]
    # GetAlias/UpdateAlias authorize against the unqualified function ARN: exactly these two functions
    assert by_sid["ResetAliases"]["Resource"] == ["arn:aws:lambda:us-east-1:123456789012:function:waiterix-prod-ai",
                                                  "arn:aws:lambda:us-east-1:123456789012:function:waiterix-prod-api"]
    assert set(by_sid) == {"Logs", "XRay", "DeadLetterQueue", "RollbackRecord", "ResetAliases"}
    assert [a for s in by_sid.values() for a in s["Action"] if a.startswith("lambda:")] == \
        ["lambda:GetAlias", "lambda:UpdateAlias"]


def test_no_trigger_without_metrics_is_refused() -> None:
    from cutover.plan.engine import ProgramError

    with pytest.raises((ValueError, ProgramError), match="no trigger"):
        plan_rollback("alb", RollbackConfig(lambda_error_percent=5))


def test_reserved_concurrency_is_an_option() -> None:
    plan = plan_rollback("alb", RollbackConfig(error_rate_percent=1, reserve_concurrency=True), alb=ALB)
    assert plan.one("aws:lambda/function:Function").inputs["reservedConcurrentExecutions"] == 1


def test_every_green_target_group_has_its_own_alarms() -> None:
    services = {"auth": "targetgroup/yoga-prod-green-auth/3", "payment": "targetgroup/yoga-prod-green-payment/4"}
    plan = plan_rollback("alb", RollbackConfig(error_rate_percent=1, latency_ms=2000, latency_minutes=10),
                         alb=AlbMetrics(ALB.load_balancer_suffix, ALB.target_group_suffix, lambda_target=True,
                                        service_target_groups=services))
    found = alarms(plan)
    assert set(found) == {"error-rate", "latency", "error-rate-auth", "latency-auth", "error-rate-payment",
                          "latency-payment"}
    for svc, suffix in [("", ALB.target_group_suffix), *((f"-{s}", tg) for s, tg in services.items())]:
        dims = {"LoadBalancer": "app/yoga-prod-front/abc", "TargetGroup": suffix}
        assert found[f"latency{svc}"].inputs["dimensions"] == dims
        q = queries(found[f"error-rate{svc}"])
        assert {x["metric"]["metricName"] for x in q.values() if "metric" in x} == {
            "HTTPCode_Target_5XX_Count", "LambdaUserError", "LambdaInternalError", "RequestCount"}
        assert all(x["metric"]["dimensions"] == dims for x in q.values() if "metric" in x)
        common_alarm_settings(found[f"error-rate{svc}"], 1, 5)
        common_alarm_settings(found[f"latency{svc}"], 2.0, 10)
    rule = plan.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmRule"]
    assert sorted(rule.split(" OR ")) == sorted(f'ALARM("{a.inputs["name"]}")' for a in found.values())


# ── route53 with more than one weighted name (issue 13 item 2) ─────────────────────────────────

def test_two_weighted_names_in_two_zones_environment_and_one_statement_per_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(TARGETS, "route53-two", RollbackTarget(
        FrontDoorKind.ROUTE53, zone_id="Z0123456789ABCDEFGHIJ", record_name="www.example.com", record_type="CNAME",
        extra_record_sets=(WeightedRecordSet("Z0123456789ABCDEFGHIJ", "shop.example.com", "A"),
                           WeightedRecordSet("Z9999999999999999999Z", "api.example.org", "A"))))
    plan = plan_rollback("route53-two", RollbackConfig(api5xx_percent=1), http_api_ids={"http": "abc123"})
    env = plan.one("aws:lambda/function:Function", "rollback-fn").inputs["environment"]["variables"]
    # the first name stays in HOSTED_ZONE_ID/RECORD_NAME/RECORD_TYPE; RECORD_SETS lists every name, it first
    assert (env["HOSTED_ZONE_ID"], env["RECORD_NAME"], env["RECORD_TYPE"]) == ("Z0123456789ABCDEFGHIJ",
                                                                               "www.example.com", "CNAME")
    assert json.loads(env["RECORD_SETS"]) == [
        {"zone": "Z0123456789ABCDEFGHIJ", "name": "www.example.com", "type": "CNAME", "blueSetId": "blue",
         "greenSetId": "green"},
        {"zone": "Z0123456789ABCDEFGHIJ", "name": "shop.example.com", "type": "A", "blueSetId": "blue",
         "greenSetId": "green"},
        {"zone": "Z9999999999999999999Z", "name": "api.example.org", "type": "A", "blueSetId": "blue",
         "greenSetId": "green"}]
    stmts = {s.get("Sid"): s for s in policy(plan)}
    # Service Authorization Reference (Route 53): ChangeResourceRecordSets on the hostedzone resource, with
    # ...NormalizedRecordNames / ...RecordTypes / ...Actions; ListResourceRecordSets on the hostedzone too.
    assert stmts["ShiftRecords"]["Resource"] in ("arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
                                                 ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"])
    assert stmts["ShiftRecords"]["Condition"] == {"ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["www.example.com", "shop.example.com"],
        "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME", "A"],
        "route53:ChangeResourceRecordSetsActions": ["UPSERT"]}}
    assert stmts["ShiftRecords2"]["Condition"]["ForAllValues:StringEquals"][
        "route53:ChangeResourceRecordSetsNormalizedRecordNames"] == ["api.example.org"]
    assert sorted(stmts["ReadRecords"]["Resource"]) == ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
                                                        "arn:aws:route53:::hostedzone/Z9999999999999999999Z"]


def test_one_weighted_name_has_no_record_sets_variable() -> None:
    plan = plan_rollback("route53", RollbackConfig(api5xx_percent=1), http_api_ids={"http": "abc123"})
    env = plan.one("aws:lambda/function:Function", "rollback-fn").inputs["environment"]["variables"]
    assert "RECORD_SETS" not in env and env["RECORD_NAME"] == "api.example.com"
