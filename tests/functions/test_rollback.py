"""The rollback Lambda against moto: ALB, Route 53 and Lambda-alias front doors, real boto3 calls."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from cutover.rollback_guard import PromotionRefusedError, check_promotion
from functions.rollback import handler as rollback
from functions.rollback.record import CLEAR_VALUE, parse_record

REGION = "us-east-1"
PARAMETER = "/cutover/cutover/prod/rollback"
ALARM_TIME = "2026-11-23T02:00:00.123+0000"


def sns_event(state: str = "ALARM", alarm: str = "cutover-prod-rollback", changed_at: str = ALARM_TIME,
              message: str | None = None) -> dict[str, Any]:
    body = message if message is not None else json.dumps({
        "AlarmName": alarm, "AlarmDescription": "composite rollback alarm", "AWSAccountId": "123456789012",
        "NewStateValue": state, "NewStateReason": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:5xx "
                                                  "transitioned to ALARM", "StateChangeTime": changed_at,
        "Region": "US East (N. Virginia)", "OldStateValue": "OK",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm}"})
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "Sns": {"Type": "Notification", "MessageId": "m-1", "Subject": f"ALARM: {alarm}",
                                 "TopicArn": "arn:aws:sns:us-east-1:123456789012:cutover-prod-rollback",
                                 "Message": body}}]}


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Type="String", Value=CLEAR_VALUE)
        yield


def stored_record() -> str:
    return str(boto3.client("ssm", region_name=REGION).get_parameter(Name=PARAMETER)["Parameter"]["Value"])


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


# ── fault injection (botocore before-call events) ──────────────────────────────────────────────


class Faults:
    """Makes the handler's AWS calls fail: ``add("ssm", "GetParameter", "AccessDeniedException")``.

    Hooks botocore's ``before-call`` event on every client the handler creates, so the error is
    raised exactly where AWS would answer, and records every (service, operation) called in order.
    """

    def __init__(self) -> None:
        self.rules: dict[tuple[str, str], tuple[str, int, int | None]] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def add(self, service: str, operation: str, code: str, status: int = 400, times: int | None = None) -> None:
        self.rules[(service, operation)] = (code, status, times)

    def hook(self, client: Any) -> Any:
        service = client.meta.service_model.service_name

        def record(model: Any, params: dict[str, Any], **_: Any) -> None:  # the API parameters, as called
            self.calls.append((service, model.name, dict(params)))

        def before(model: Any, **_: Any) -> None:
            rule = self.rules.get((service, model.name))
            if rule is None:
                return
            code, status, times = rule
            if times is not None:
                if times <= 0:
                    return
                self.rules[(service, model.name)] = (code, status, times - 1)
            raise ClientError({"Error": {"Code": code, "Message": "injected"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, model.name)

        client.meta.events.register("before-parameter-build", record)
        client.meta.events.register("before-call", before)
        return client

    def ops(self, service: str | None = None) -> list[str]:
        return [op for svc, op, _ in self.calls if service in (None, svc)]


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    f = Faults()
    real = rollback._client
    monkeypatch.setattr(rollback, "_client", lambda service, region: f.hook(real(service, region)))
    monkeypatch.setattr(rollback, "_sleep", lambda seconds: f.calls.append(("sleep", str(seconds), {})))
    return f


# ── ALB ────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def alb(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The front door as components/front_door.py builds it: a default weighted forward (blue vs
    the default service's target group) and one weighted rule per routed service."""
    ec2 = boto3.client("ec2", region_name=REGION)
    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    lb = elbv2.create_load_balancer(Name="cutover-prod", Subnets=subnets, Scheme="internet-facing",
                                    Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    blue, green, auth, payment = (elbv2.create_target_group(Name=f"cutover-prod-{c}", Protocol="HTTP", Port=80,
                                                            VpcId=vpc, TargetType="ip")["TargetGroups"][0]
                                  ["TargetGroupArn"] for c in ("blue", "green", "green-auth", "green-payment"))
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": blue, "Weight": 25}, {"TargetGroupArn": green, "Weight": 75}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 600}}}],
    )["Listeners"][0]["ListenerArn"]
    rules = {}
    for priority, (tg, paths, blue_weight) in enumerate(((auth, ["/auth/*"], 50), (payment, ["/payment/*"], 10)),
                                                        start=1):
        rules[tg] = elbv2.create_rule(
            ListenerArn=listener, Priority=priority * 100,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": paths}}],
            Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": blue, "Weight": blue_weight},
                {"TargetGroupArn": tg, "Weight": 100 - blue_weight}]}}])["Rules"][0]["RuleArn"]
    elbv2.create_rule(ListenerArn=listener, Priority=900,  # not a forward: left alone
                      Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/old"]}}],
                      Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "410"}}])
    env = {"FRONT_DOOR_KIND": "alb", "LISTENER_ARN": listener, "BLUE_TARGET_GROUP_ARN": blue,
           "RECORD_PARAMETER": PARAMETER}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**env, "GREEN": green, "AUTH": auth, "PAYMENT": payment, "AUTH_RULE": rules[auth],
            "PAYMENT_RULE": rules[payment]}


def forward(listener_arn: str) -> dict[str, Any]:
    elbv2 = boto3.client("elbv2", region_name=REGION)
    actions = elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["DefaultActions"]
    assert len(actions) == 1 and actions[0]["Type"] == "forward"
    return dict(actions[0]["ForwardConfig"])


def rule_weights(rule_arn: str) -> dict[str, int]:
    elbv2 = boto3.client("elbv2", region_name=REGION)
    (action,) = elbv2.describe_rules(RuleArns=[rule_arn])["Rules"][0]["Actions"]
    return {tg["TargetGroupArn"]: tg["Weight"] for tg in action["ForwardConfig"]["TargetGroups"]}


def test_alb_rollback_resets_the_default_action_and_every_service_rule(
        alb: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    result = rollback.handler(sns_event(), None)

    config = forward(alb["LISTENER_ARN"])
    weights = {tg["TargetGroupArn"]: tg["Weight"] for tg in config["TargetGroups"]}
    assert weights == {alb["BLUE_TARGET_GROUP_ARN"]: 100, alb["GREEN"]: 0}
    assert config["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 600}
    # every service's rule: blue 100, the service's own target group kept registered at 0
    assert rule_weights(alb["AUTH_RULE"]) == {alb["BLUE_TARGET_GROUP_ARN"]: 100, alb["AUTH"]: 0}
    assert rule_weights(alb["PAYMENT_RULE"]) == {alb["BLUE_TARGET_GROUP_ARN"]: 100, alb["PAYMENT"]: 0}
    groups = boto3.client("elbv2", region_name=REGION).describe_target_groups()["TargetGroups"]
    assert len(groups) == 4  # nothing deregistered: roll-forward is a weight change

    record = parse_record(stored_record())
    assert record is not None
    assert (record.front_door, record.alarm, record.outcome) == ("alb", "cutover-prod-rollback", "complete")
    assert record.previous_green_share == 90  # the largest green share: payment's rule (10/90)
    assert record.rolled_back == ("default", "rule 100", "rule 200") and record.not_rolled_back == ()
    assert record.at == "2026-11-23T02:00:00Z"
    assert "transitioned to ALARM" in record.reason
    assert result == {"action": "rolled-back", "record": record.to_dict()}
    assert [line["action"] for line in log_lines(capsys)] == [
        "rollback-started", "alb-default-set", "alb-rule-set", "alb-rule-set", "rollback-recorded"]


def test_alb_rollback_leaves_the_write_routes_with_the_datasets_writer(
        alb: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    elbv2 = boto3.client("elbv2", region_name=REGION)
    # after the writer flip: POST/PUT/PATCH/DELETE of /auth/* go to green, which owns the data now
    write_rule = elbv2.create_rule(
        ListenerArn=alb["LISTENER_ARN"], Priority=1,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/auth/*"]}},
                    {"Field": "http-request-method",
                     "HttpRequestMethodConfig": {"Values": ["POST", "PUT", "PATCH", "DELETE"]}}],
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": alb["BLUE_TARGET_GROUP_ARN"], "Weight": 0},
            {"TargetGroupArn": alb["AUTH"], "Weight": 100}]}}])["Rules"][0]["RuleArn"]

    record = rollback.handler(sns_event(), None)["record"]

    assert rule_weights(write_rule) == {alb["BLUE_TARGET_GROUP_ARN"]: 0, alb["AUTH"]: 100}
    assert rule_weights(alb["AUTH_RULE"]) == {alb["BLUE_TARGET_GROUP_ARN"]: 100, alb["AUTH"]: 0}  # reads move
    assert record["rolledBack"] == ["default", "rule 100", "rule 200"]
    kept = [line for line in log_lines(capsys) if line["action"] == "alb-write-rule-kept"]
    assert [line["rule"] for line in kept] == [write_rule]


def test_alb_rollback_is_idempotent(alb: dict[str, str], faults: Faults) -> None:
    first = rollback.handler(sns_event(), None)["record"]
    faults.calls.clear()
    again = rollback.handler(sns_event(), None)["record"]  # redelivery of the same notification
    assert again == first  # same id, and previousGreenShare still says what green had before
    assert "ModifyListener" not in faults.ops() and "ModifyRule" not in faults.ops()  # already on blue
    assert forward(alb["LISTENER_ARN"])["TargetGroups"] == [
        {"TargetGroupArn": alb["BLUE_TARGET_GROUP_ARN"], "Weight": 100},
        {"TargetGroupArn": alb["GREEN"], "Weight": 0}]

    later = rollback.handler(sns_event(changed_at="2026-11-23T03:00:00.000+0000"), None)["record"]
    assert later["id"] != first["id"]  # a new ALARM transition is a new rollback, acknowledged anew
    assert later["previousGreenShare"] == 0
    assert parse_record(stored_record()).id == later["id"]  # type: ignore[union-attr]


def test_the_started_record_is_written_before_any_traffic_moves(alb: dict[str, str], faults: Faults) -> None:
    rollback.handler(sns_event(), None)
    puts = [(i, p) for i, (svc, op, p) in enumerate(faults.calls) if (svc, op) == ("ssm", "PutParameter")]
    moves = [i for i, (svc, op, _) in enumerate(faults.calls) if op in ("ModifyListener", "ModifyRule")]
    assert len(puts) == 2 and moves and puts[0][0] < min(moves) and puts[1][0] > max(moves)
    started = parse_record(puts[0][1]["Value"])
    assert started is not None and started.outcome == "started" and started.previous_green_share is None


def test_a_failed_read_never_stops_the_record(alb: dict[str, str], faults: Faults) -> None:
    """The role may lack ssm:GetParameter, or SSM may fail: the rollback is recorded all the same."""
    faults.add("ssm", "GetParameter", "AccessDeniedException")
    result = rollback.handler(sns_event(), None)
    record = parse_record(stored_record())
    assert record is not None and record.outcome == "complete" and result["record"] == record.to_dict()
    assert forward(alb["LISTENER_ARN"])["TargetGroups"][0]["Weight"] == 100


@pytest.mark.parametrize(("code", "status"), [("TooManyUpdates", 400), ("ThrottlingException", 400),
                                              ("InternalServerError", 500)])
def test_the_record_write_is_retried_on_throttling_and_server_errors(alb: dict[str, str], faults: Faults,
                                                                     code: str, status: int) -> None:
    faults.add("ssm", "PutParameter", code, status=status, times=3)  # the started write and 2 final attempts
    rollback.handler(sns_event(), None)
    assert parse_record(stored_record()).outcome == "complete"  # type: ignore[union-attr]
    assert [float(op) for svc, op, _ in faults.calls if svc == "sleep"]  # backed off before retrying


def test_a_permanent_write_failure_is_raised_after_traffic_moved(alb: dict[str, str], faults: Faults) -> None:
    faults.add("ssm", "PutParameter", "AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDenied"):  # visible: Lambda retries the event
        rollback.handler(sns_event(), None)
    assert forward(alb["LISTENER_ARN"])["TargetGroups"][0]["Weight"] == 100  # traffic moved first anyway
    assert faults.ops("ssm").count("PutParameter") == 2  # not retried: AccessDenied does not go away


def test_a_failing_rule_is_recorded_and_the_others_still_roll_back(alb: dict[str, str], faults: Faults) -> None:
    faults.add("elbv2", "ModifyRule", "ValidationError", times=1)  # the first rule (priority 100) fails
    with pytest.raises(rollback.RollbackIncompleteError, match="partial"):
        rollback.handler(sns_event(), None)
    record = parse_record(stored_record())
    assert record is not None and record.outcome == "partial"
    assert record.rolled_back == ("default", "rule 200")
    assert record.not_rolled_back == ("rule 100: ValidationError: injected",)
    assert rule_weights(alb["PAYMENT_RULE"])[alb["BLUE_TARGET_GROUP_ARN"]] == 100
    with pytest.raises(PromotionRefusedError, match="partial"):
        check_promotion(25, "", record, "prod")


def test_nothing_movable_is_recorded_as_failed(alb: dict[str, str], faults: Faults) -> None:
    faults.add("elbv2", "DescribeListeners", "AccessDenied")
    faults.add("elbv2", "DescribeRules", "AccessDenied")
    with pytest.raises(rollback.RollbackIncompleteError, match="failed"):
        rollback.handler(sns_event(), None)
    record = parse_record(stored_record())
    assert record is not None and record.outcome == "failed" and record.rolled_back == ()
    assert [i.split(":")[0] for i in record.not_rolled_back] == ["default", "rules"]


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
def test_other_states_do_nothing(alb: dict[str, str], state: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = forward(alb["LISTENER_ARN"])
    result = rollback.handler(sns_event(state=state), None)
    assert result == {"action": "ignored", "reason": f"state {state}", "alarm": "cutover-prod-rollback"}
    assert forward(alb["LISTENER_ARN"]) == before
    assert stored_record() == CLEAR_VALUE
    assert [line["action"] for line in log_lines(capsys)] == ["ignored"]


@pytest.mark.parametrize("event", [
    {},
    {"Records": []},
    {"Records": [{"Sns": {}}]},
    sns_event(message="not json"),
    sns_event(message="[1, 2]"),
    sns_event(message=json.dumps({"AlarmName": "x"})),
    sns_event(message=json.dumps({"NewStateValue": "ALARM"})),
], ids=["empty", "no-records", "no-message", "not-json", "not-object", "no-state", "no-name"])
def test_malformed_messages_do_nothing(alb: dict[str, str], event: dict[str, Any]) -> None:
    before = forward(alb["LISTENER_ARN"])
    result = rollback.handler(event, None)
    assert result["action"] == "ignored"
    assert result["reason"].startswith("malformed event")
    assert forward(alb["LISTENER_ARN"]) == before
    assert stored_record() == CLEAR_VALUE


def test_one_malformed_record_does_not_cancel_the_rollback(alb: dict[str, str],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    valid = sns_event()["Records"][0]
    event = {"Records": [{"Sns": {}}, sns_event(message="not json")["Records"][0], valid,
                         sns_event(state="OK")["Records"][0]]}
    assert rollback.handler(event, None)["action"] == "rolled-back"
    assert forward(alb["LISTENER_ARN"])["TargetGroups"][0]["Weight"] == 100
    skipped = [line for line in log_lines(capsys) if line["action"] == "record-skipped"]
    assert [line["index"] for line in skipped] == [0, 1]


def test_missing_parameter_is_created(alb: dict[str, str]) -> None:
    boto3.client("ssm", region_name=REGION).delete_parameter(Name=PARAMETER)
    rollback.handler(sns_event(), None)
    assert parse_record(stored_record()) is not None


def test_a_damaged_record_does_not_stop_the_rollback(alb: dict[str, str]) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Type="String", Overwrite=True,
                                                          Value="garbage")
    rollback.handler(sns_event(), None)
    assert parse_record(stored_record()) is not None


def test_megabyte_alarm_texts_still_fit_a_standard_parameter(alb: dict[str, str]) -> None:
    """SSM rejects a Standard value over 4 KB (moto enforces it too) and values with {{ }}."""
    huge_name = "n\u00e9\x01" * 350_000
    huge_reason = "{{ssm:/secret}} \u2603\n\"" * 100_000
    message = json.dumps({"AlarmName": huge_name, "NewStateValue": "ALARM", "NewStateReason": huge_reason,
                          "StateChangeTime": ALARM_TIME})
    result = rollback.handler(sns_event(message=message), None)
    value = stored_record()
    assert len(value) <= 4096 and len(value.encode()) <= 4096 and "{{" not in value
    record = parse_record(value)
    assert record is not None and record.truncated and record.to_dict() == result["record"]
    assert huge_name.startswith(record.alarm.removesuffix("..."))


# ── the rollback id ─────────────────────────────────────────────────────────────────────────────


def alarm_with(changed_at: str, message_id: str = "m-1", name: str = "cutover-prod-rollback") -> Any:
    event = sns_event(changed_at=changed_at, alarm=name)
    event["Records"][0]["Sns"]["MessageId"] = message_id
    return rollback.parse_alarms(event)[0]


def test_the_id_is_stable_across_redeliveries_and_spellings_of_one_transition() -> None:
    one = rollback.rollback_id(alarm_with("2026-11-23T02:00:00.123+0000", "m-1"))
    assert re.fullmatch(r"[0-9a-f]{32}", one)
    assert rollback.rollback_id(alarm_with("2026-11-23T02:00:00.123Z", "m-2")) == one  # same transition
    assert rollback.rollback_id(alarm_with("2026-11-23T04:00:00.123+0200", "m-3")) == one  # same instant
    assert rollback.rollback_id(alarm_with("2026-11-23T02:00:01.123+0000")) != one  # a new transition
    assert rollback.rollback_id(alarm_with("2026-11-23T02:00:00.123+0000", name="other")) != one


@pytest.mark.parametrize("changed_at", ["garbage", "2026-11-23T02:00:00", ""])
def test_without_a_usable_time_the_sns_message_id_keeps_the_id(changed_at: str) -> None:
    first = rollback.rollback_id(alarm_with(changed_at, "m-1"))
    assert rollback.rollback_id(alarm_with(changed_at, "m-1")) == first  # redelivery
    assert rollback.rollback_id(alarm_with(changed_at, "m-2")) != first  # another message


def test_redelivery_without_a_usable_time_keeps_the_record_id(alb: dict[str, str]) -> None:
    first = rollback.handler(sns_event(changed_at="not a time"), None)["record"]
    assert rollback.handler(sns_event(changed_at="not a time"), None)["record"]["id"] == first["id"]


# ── configuration ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("missing", ["FRONT_DOOR_KIND", "RECORD_PARAMETER", "LISTENER_ARN", "BLUE_TARGET_GROUP_ARN",
                                     "AWS_REGION"])
def test_missing_env_var_is_a_clear_error(alb: dict[str, str], monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.delenv(missing)
    with pytest.raises(rollback.ConfigError, match=f"environment variable {missing} is not set"):
        rollback.handler(sns_event(state="OK"), None)  # validated before the event is even looked at


@pytest.mark.parametrize(("env", "message"), [
    ({"FRONT_DOOR_KIND": "cloudfront"}, "FRONT_DOOR_KIND is 'cloudfront'"),
    ({"FRONT_DOOR_KIND": "route53", "HOSTED_ZONE_ID": "Z1"}, "RECORD_NAME is not set"),
    ({"FRONT_DOOR_KIND": "route53", "HOSTED_ZONE_ID": "Z1", "RECORD_NAME": "a.example.com", "RECORD_TYPE": "TXT"},
     "RECORD_TYPE is 'TXT'"),
    ({"FRONT_DOOR_KIND": "alias", "ALIAS_NAME": "live"}, "FUNCTION_NAMES is not set"),
    ({"FRONT_DOOR_KIND": "alias", "FUNCTION_NAMES": " , ", "ALIAS_NAME": "live"}, "FUNCTION_NAMES lists no"),
    ({"FRONT_DOOR_KIND": "alias", "FUNCTION_NAMES": "api"}, "ALIAS_NAME is not set"),
])
def test_invalid_config(env: dict[str, str], message: str) -> None:
    with pytest.raises(rollback.ConfigError, match=message):
        rollback.load_config({"RECORD_PARAMETER": PARAMETER, "AWS_REGION": REGION, **env})


def test_route53_config_names_the_kind() -> None:
    with pytest.raises(rollback.ConfigError, match="needed when FRONT_DOOR_KIND=route53"):
        rollback.load_config({"RECORD_PARAMETER": PARAMETER, "AWS_REGION": REGION, "FRONT_DOOR_KIND": "route53"})


# ── Route 53 ───────────────────────────────────────────────────────────────────────────────────

ELB_ZONE = "Z35SXDOTRQ7X7K"  # us-east-1 ALBs


def make_zone(monkeypatch: pytest.MonkeyPatch, record_type: str, blue: dict[str, Any], green: dict[str, Any],
              name: str = "app.example.com") -> tuple[str, str]:
    r53 = boto3.client("route53", region_name=REGION)
    zone = r53.create_hosted_zone(Name="example.com", CallerReference="z")["HostedZone"]["Id"].split("/")[-1]
    check = r53.create_health_check(CallerReference="hc", HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": "blue.example.com", "ResourcePath": "/health",
        "Port": 443, "RequestInterval": 30, "FailureThreshold": 3})["HealthCheck"]["Id"]
    others = [{"Name": n, "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "elsewhere.example.net"}]}
              for n in ("api.example.com", "zzz.example.com", "app.example.org.example.com")]
    records = [{**blue, "Name": name, "Type": record_type, "SetIdentifier": "blue", "HealthCheckId": check},
               {**green, "Name": name, "Type": record_type, "SetIdentifier": "green"}]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": r} for r in [*others, *records]]})
    for key, value in {"FRONT_DOOR_KIND": "route53", "HOSTED_ZONE_ID": zone, "RECORD_NAME": name,
                       "RECORD_TYPE": record_type, "BLUE_SET_IDENTIFIER": "blue", "GREEN_SET_IDENTIFIER": "green",
                       "RECORD_PARAMETER": PARAMETER}.items():
        monkeypatch.setenv(key, value)
    return zone, check


def record_sets(zone: str, name: str = "app.example.com.") -> dict[str, dict[str, Any]]:
    r53 = boto3.client("route53", region_name=REGION)
    listed = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {r["SetIdentifier"]: r for r in listed if r["Name"] == name and "SetIdentifier" in r}


def test_route53_cname_rollback(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    zone, check = make_zone(
        monkeypatch, "CNAME",
        blue={"Weight": 40, "TTL": 60, "ResourceRecords": [{"Value": "blue-alb.us-east-1.elb.amazonaws.com"}]},
        green={"Weight": 160, "TTL": 60, "ResourceRecords": [{"Value": "green-alb.us-east-1.elb.amazonaws.com"}]})
    before = record_sets(zone)

    result = rollback.handler(sns_event(), None)

    after = record_sets(zone)
    assert (after["blue"]["Weight"], after["green"]["Weight"]) == (100, 0)
    assert after["blue"]["HealthCheckId"] == check
    assert "HealthCheckId" not in after["green"]
    for side in ("blue", "green"):  # everything but the weight is exactly as it was
        assert {k: v for k, v in after[side].items() if k != "Weight"} == \
               {k: v for k, v in before[side].items() if k != "Weight"}
    assert after["blue"]["ResourceRecords"] == [{"Value": "blue-alb.us-east-1.elb.amazonaws.com"}]
    assert after["blue"]["TTL"] == 60
    assert result["record"]["previousGreenShare"] == 80  # 160 / (40 + 160)
    assert result["record"]["frontDoor"] == "route53"
    assert parse_record(stored_record()).previous_green_share == 80  # type: ignore[union-attr]


def test_route53_alias_records_rollback(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    zone, check = make_zone(
        monkeypatch, "A",
        blue={"Weight": 0, "AliasTarget": {"HostedZoneId": ELB_ZONE, "DNSName": "blue-1.us-east-1.elb.amazonaws.com.",
                                           "EvaluateTargetHealth": True}},
        green={"Weight": 255, "AliasTarget": {"HostedZoneId": ELB_ZONE,
                                              "DNSName": "green-1.us-east-1.elb.amazonaws.com.",
                                              "EvaluateTargetHealth": False}})
    before = record_sets(zone)

    assert rollback.handler(sns_event(), None)["record"]["previousGreenShare"] == 100

    after = record_sets(zone)
    assert (after["blue"]["Weight"], after["green"]["Weight"]) == (100, 0)
    for side in ("blue", "green"):
        assert after[side]["AliasTarget"] == before[side]["AliasTarget"]
        assert "ResourceRecords" not in after[side]
    assert after["blue"]["HealthCheckId"] == check


def test_route53_missing_set_identifier_is_a_clear_error(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    make_zone(monkeypatch, "CNAME",
              blue={"Weight": 50, "TTL": 60, "ResourceRecords": [{"Value": "b.example.net"}]},
              green={"Weight": 50, "TTL": 60, "ResourceRecords": [{"Value": "g.example.net"}]})
    monkeypatch.setenv("GREEN_SET_IDENTIFIER", "verde")
    with pytest.raises(rollback.RollbackIncompleteError, match="SetIdentifier 'verde'"):
        rollback.handler(sns_event(), None)
    record = parse_record(stored_record())  # an alarm fired: recorded (failed), so no re-promotion
    assert record is not None and record.outcome == "failed" and record.rolled_back == ()
    assert "SetIdentifier 'verde'" in record.not_rolled_back[0]


# ── Lambda alias ───────────────────────────────────────────────────────────────────────────────


def code_zip(version: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", f"def handler(event, context):\n    return {version!r}\n")
    return buffer.getvalue()


STABLE, NEW = "1", "2"  # the pinned stable version (blue) and the newest published one (green)
FUNCTIONS = ("cutover-prod-api", "cutover-prod-worker")


def make_function(name: str, role: str, primary: str = STABLE, additional: dict[str, float] | None = None) -> None:
    """Two published versions and the live alias as ServerlessApp leaves it: by default the stable
    version as the primary and the new version as the additional version at green's weight."""
    lambda_ = boto3.client("lambda", region_name=REGION)
    lambda_.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                            Code={"ZipFile": code_zip("1")})
    assert lambda_.publish_version(FunctionName=name)["Version"] == STABLE
    lambda_.update_function_code(FunctionName=name, ZipFile=code_zip("2"))
    assert lambda_.publish_version(FunctionName=name)["Version"] == NEW
    lambda_.create_alias(FunctionName=name, Name="live", FunctionVersion=primary,
                         RoutingConfig={"AdditionalVersionWeights": {NEW: 0.5} if additional is None else additional})


@pytest.fixture
def lambda_role(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in {"FRONT_DOOR_KIND": "alias", "FUNCTION_NAMES": ", ".join(FUNCTIONS),
                       "ALIAS_NAME": "live", "RECORD_PARAMETER": PARAMETER}.items():
        monkeypatch.setenv(key, value)
    return str(boto3.client("iam", region_name=REGION).create_role(
        RoleName="cutover-fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"])


def assert_all_on_stable(name: str) -> None:
    lambda_ = boto3.client("lambda", region_name=REGION)
    alias = lambda_.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == STABLE
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    assert [v["Version"] for v in lambda_.list_versions_by_function(FunctionName=name)["Versions"]] == \
           ["$LATEST", STABLE, NEW]  # green stays published: roll-forward is one alias update away


@pytest.mark.parametrize("green_weight", [0, 10, 50, 100])
def test_alias_rollback(lambda_role: str, green_weight: int, capsys: pytest.CaptureFixture[str]) -> None:
    for name in FUNCTIONS:  # as ServerlessApp leaves them at this greenWeight
        make_function(name, lambda_role, additional={NEW: green_weight / 100})
    assert stored_record() == CLEAR_VALUE

    result = rollback.handler(sns_event(), None)

    for name in FUNCTIONS:
        assert_all_on_stable(name)
    record = parse_record(stored_record())  # the next `pulumi up` reads this and refuses greenWeight > 0
    assert record is not None and result == {"action": "rolled-back", "record": record.to_dict()}
    assert (record.front_door, record.previous_green_share, record.alarm) == ("alias", green_weight,
                                                                              "cutover-prod-rollback")
    cleared = [line for line in log_lines(capsys) if line["action"] == "alias-routing-cleared"]
    assert [(c["function"], c["version"], c["removedWeights"]) for c in cleared] == \
           [(name, STABLE, {NEW: green_weight / 100}) for name in FUNCTIONS]
    assert rollback.handler(sns_event(), None)["record"] == result["record"]  # redelivery: same id


def test_alias_rollback_never_clears_towards_a_newer_primary(lambda_role: str) -> None:
    """An alias still in the old layout (new version primary, stable as the additional version)
    goes to the stable version too: the older one, never the newer."""
    make_function(FUNCTIONS[0], lambda_role, primary=NEW, additional={STABLE: 0.75})  # 25 % on green
    make_function(FUNCTIONS[1], lambda_role)

    result = rollback.handler(sns_event(), None)

    for name in FUNCTIONS:
        assert_all_on_stable(name)
    assert result["record"]["previousGreenShare"] == 50  # the larger of 25 and 50


def test_a_partial_alias_rollback_records_what_was_and_was_not_rolled_back(
        lambda_role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    names = (FUNCTIONS[0], "cutover-prod-gone", FUNCTIONS[1])  # the middle one does not exist (any failure)
    monkeypatch.setenv("FUNCTION_NAMES", ",".join(names))
    for name in FUNCTIONS:
        make_function(name, lambda_role, additional={NEW: 0.25})

    with pytest.raises(rollback.RollbackIncompleteError, match="cutover-prod-gone"):  # still reported
        rollback.handler(sns_event(), None)

    for name in FUNCTIONS:  # the failure in between kept nobody on green
        assert_all_on_stable(name)
    record = parse_record(stored_record())
    assert record is not None and record.outcome == "partial" and record.previous_green_share == 25
    assert record.rolled_back == FUNCTIONS
    (failed,) = record.not_rolled_back
    assert failed.startswith("cutover-prod-gone: ResourceNotFoundException")
    with pytest.raises(PromotionRefusedError, match="partial"):  # the guard treats it as rolled back
        check_promotion(25, "", record, "prod")
    check_promotion(25, record.id, record, "prod")  # until acknowledged


def test_promotion_resumes_after_the_alias_rollback_is_acknowledged(lambda_role: str) -> None:
    for name in FUNCTIONS:
        make_function(name, lambda_role, additional={NEW: 0.1})
    rollback.handler(sns_event(), None)
    record = parse_record(stored_record())
    assert record is not None

    check_promotion(0, "", record, "prod")  # `make rollback` (greenWeight 0) matches reality: allowed
    with pytest.raises(PromotionRefusedError, match=record.id):
        check_promotion(10, "", record, "prod")  # re-applying greenWeight=10 would undo the rollback
    with pytest.raises(PromotionRefusedError):
        check_promotion(10, "an-older-rollback", record, "prod")
    check_promotion(10, record.id, record, "prod")  # acknowledged: promotion resumes

    # a later rollback is a new id: the old acknowledgement does not cover it
    rollback.handler(sns_event(changed_at="2026-11-23T03:00:00.000+0000"), None)
    later = parse_record(stored_record())
    assert later is not None and later.id != record.id
    with pytest.raises(PromotionRefusedError):
        check_promotion(10, record.id, later, "prod")


# ── pure helpers ───────────────────────────────────────────────────────────────────────────────

BLUE_TG, GREEN_TG = "arn:tg/blue", "arn:tg/green"


def alb_actions(blue: int, green: int) -> list[dict[str, Any]]:
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": BLUE_TG, "Weight": blue}, {"TargetGroupArn": GREEN_TG, "Weight": green}]}}]


def r53_sets(blue: int, green: int) -> list[dict[str, Any]]:
    return [{"SetIdentifier": "blue", "Weight": blue}, {"SetIdentifier": "green", "Weight": green}]


@given(st.integers(0, 100))
def test_green_share_of_a_percent_split_is_exact(green: int) -> None:
    assert rollback.green_share_alb(alb_actions(100 - green, green), BLUE_TG) == green
    assert rollback.green_share_route53(r53_sets(100 - green, green), "blue", "green") == green
    alias = {"RoutingConfig": {"AdditionalVersionWeights": {"2": round(green / 100, 2)}}} if green else {}
    assert rollback.green_share_alias(alias) == green


@given(st.integers(0, 100), st.integers(0, 100))
def test_alb_green_share(blue: int, green: int) -> None:
    share = rollback.green_share_alb(alb_actions(blue, green), BLUE_TG)
    assert_share(share, blue, green)


@given(st.integers(0, 255), st.integers(0, 255))
def test_route53_green_share_is_relative(blue: int, green: int) -> None:
    share = rollback.green_share_route53(r53_sets(blue, green), "blue", "green")
    assert_share(share, blue, green)


def assert_share(share: int, blue: int, green: int) -> None:
    assert 0 <= share <= 100
    if blue + green == 0:
        assert share == 0  # 0/0 is 0, not a division error
        return
    assert (share == 0) == (green == 0)
    assert (share == 100) == (blue == 0)
    assert abs(share - 100 * green / (blue + green)) <= 1


def test_green_share_edge_cases() -> None:
    assert rollback.green_share_alb([{"Type": "forward", "TargetGroupArn": GREEN_TG}], BLUE_TG) == 100
    assert rollback.green_share_alb([{"Type": "forward", "TargetGroupArn": BLUE_TG}], BLUE_TG) == 0
    assert rollback.green_share_alb([{"Type": "fixed-response"}], BLUE_TG) == 0
    assert rollback.green_share_route53([], "blue", "green") == 0
    assert rollback.green_share_alias({"RoutingConfig": None}) == 0


def test_blue_only_actions_keep_other_actions_and_stickiness() -> None:
    auth = {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {"Issuer": "https://idp"}}
    fwd = {"Type": "forward", "Order": 2, "TargetGroupArn": GREEN_TG, "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": GREEN_TG, "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}
    # blue was missing from this forward: it is added at 100, green kept registered at 0
    assert rollback.blue_only_actions([auth, fwd], BLUE_TG) == [auth, {
        "Type": "forward", "Order": 2, "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": BLUE_TG, "Weight": 100}, {"TargetGroupArn": GREEN_TG, "Weight": 0}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
    three = alb_actions(10, 60)
    three[0]["ForwardConfig"]["TargetGroups"].append({"TargetGroupArn": "arn:tg/other", "Weight": 30})
    assert [(g["TargetGroupArn"], g["Weight"]) for g in
            rollback.blue_only_actions(three, BLUE_TG)[0]["ForwardConfig"]["TargetGroups"]] == [
        (BLUE_TG, 100), (GREEN_TG, 0), ("arn:tg/other", 0)]
    with pytest.raises(RuntimeError, match="0 forward actions"):
        rollback.blue_only_actions([auth], BLUE_TG)


def test_imports_as_the_lambda_runtime_does() -> None:
    """In Lambda the code root is functions/rollback: `handler` and `record` are top-level modules."""
    root = Path(rollback.__file__).parent
    code = "import handler, record; assert handler.parse_record is record.parse_record; print('ok')"
    done = subprocess.run([sys.executable, "-B", "-c", code], cwd=root, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(root), "PATH": ""})
    assert done.stdout.strip() == "ok", done.stderr


def test_alias_stable_version() -> None:
    def alias(primary: str, weights: dict[str, float] | None) -> dict[str, Any]:
        return {"FunctionVersion": primary, "RoutingConfig": {"AdditionalVersionWeights": weights} if weights else {}}

    assert rollback.alias_stable_version(alias("7", {"9": 0.1})) is None  # stable primary: just clear
    assert rollback.alias_stable_version(alias("7", None)) is None
    assert rollback.alias_stable_version(alias("10", {"9": 0.9})) == "9"  # numeric, not lexical, order
    assert rollback.alias_stable_version(alias("$LATEST", None)) is None
