"""The rollback Lambda against moto: ALB, Route 53 and Lambda-alias front doors, real boto3 calls."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
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


# ── ALB ────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def alb(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    lb = elbv2.create_load_balancer(Name="cutover-prod", Subnets=subnets, Scheme="internet-facing",
                                    Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    blue, green = (elbv2.create_target_group(Name=f"cutover-prod-{c}", Protocol="HTTP", Port=80, VpcId=vpc,
                                             TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
                   for c in ("blue", "green"))
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": blue, "Weight": 25}, {"TargetGroupArn": green, "Weight": 75}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 600}}}],
    )["Listeners"][0]["ListenerArn"]
    env = {"FRONT_DOOR_KIND": "alb", "LISTENER_ARN": listener, "BLUE_TARGET_GROUP_ARN": blue,
           "GREEN_TARGET_GROUP_ARN": green, "RECORD_PARAMETER": PARAMETER}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def forward(listener_arn: str) -> dict[str, Any]:
    elbv2 = boto3.client("elbv2", region_name=REGION)
    actions = elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["DefaultActions"]
    assert len(actions) == 1 and actions[0]["Type"] == "forward"
    return dict(actions[0]["ForwardConfig"])


def test_alb_rollback(alb: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    result = rollback.handler(sns_event(), None)

    config = forward(alb["LISTENER_ARN"])
    weights = {tg["TargetGroupArn"]: tg["Weight"] for tg in config["TargetGroups"]}
    assert weights == {alb["BLUE_TARGET_GROUP_ARN"]: 100, alb["GREEN_TARGET_GROUP_ARN"]: 0}
    assert config["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 600}
    groups = boto3.client("elbv2", region_name=REGION).describe_target_groups()["TargetGroups"]
    assert {g["TargetGroupArn"] for g in groups} == {alb["BLUE_TARGET_GROUP_ARN"], alb["GREEN_TARGET_GROUP_ARN"]}

    record = parse_record(stored_record())
    assert record is not None
    assert (record.front_door, record.previous_green_share, record.alarm) == ("alb", 75, "cutover-prod-rollback")
    assert record.at == "2026-11-23T02:00:00Z"
    assert "transitioned to ALARM" in record.reason
    assert result == {"action": "rolled-back", "record": record.to_dict()}
    assert [line["action"] for line in log_lines(capsys)] == ["rollback-started", "alb-weights-set",
                                                             "rollback-recorded"]


def test_alb_rollback_is_idempotent(alb: dict[str, str]) -> None:
    first = rollback.handler(sns_event(), None)["record"]
    again = rollback.handler(sns_event(), None)["record"]  # redelivery of the same notification
    assert again == first  # same id, and previousGreenShare still says what green had before
    assert forward(alb["LISTENER_ARN"])["TargetGroups"] == [
        {"TargetGroupArn": alb["BLUE_TARGET_GROUP_ARN"], "Weight": 100},
        {"TargetGroupArn": alb["GREEN_TARGET_GROUP_ARN"], "Weight": 0}]

    later = rollback.handler(sns_event(changed_at="2026-11-23T03:00:00.000+0000"), None)["record"]
    assert later["id"] != first["id"]  # a new ALARM transition is a new rollback, acknowledged anew
    assert later["previousGreenShare"] == 0
    assert parse_record(stored_record()).id == later["id"]  # type: ignore[union-attr]


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


def test_missing_parameter_is_created(alb: dict[str, str]) -> None:
    boto3.client("ssm", region_name=REGION).delete_parameter(Name=PARAMETER)
    rollback.handler(sns_event(), None)
    assert parse_record(stored_record()) is not None


def test_a_damaged_record_does_not_stop_the_rollback(alb: dict[str, str]) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Type="String", Overwrite=True,
                                                          Value="garbage")
    rollback.handler(sns_event(), None)
    assert parse_record(stored_record()) is not None


# ── configuration ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("missing", ["FRONT_DOOR_KIND", "RECORD_PARAMETER", "LISTENER_ARN", "BLUE_TARGET_GROUP_ARN",
                                     "GREEN_TARGET_GROUP_ARN", "AWS_REGION"])
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
    with pytest.raises(RuntimeError, match="SetIdentifier 'verde'"):
        rollback.handler(sns_event(), None)
    assert stored_record() == CLEAR_VALUE


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
    assert rollback.green_share_alb(alb_actions(100 - green, green), GREEN_TG) == green
    assert rollback.green_share_route53(r53_sets(100 - green, green), "blue", "green") == green
    alias = {"RoutingConfig": {"AdditionalVersionWeights": {"2": round(green / 100, 2)}}} if green else {}
    assert rollback.green_share_alias(alias) == green


@given(st.integers(0, 100), st.integers(0, 100))
def test_alb_green_share(blue: int, green: int) -> None:
    share = rollback.green_share_alb(alb_actions(blue, green), GREEN_TG)
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
    assert rollback.green_share_alb([{"Type": "forward", "TargetGroupArn": GREEN_TG}], GREEN_TG) == 100
    assert rollback.green_share_alb([{"Type": "fixed-response"}], GREEN_TG) == 0
    assert rollback.green_share_route53([], "blue", "green") == 0
    assert rollback.green_share_alias({"RoutingConfig": None}) == 0


def test_blue_only_actions_keep_other_actions_and_stickiness() -> None:
    auth = {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {"Issuer": "https://idp"}}
    fwd = {"Type": "forward", "Order": 2, "TargetGroupArn": GREEN_TG, "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": GREEN_TG, "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}
    assert rollback.blue_only_actions([auth, fwd], BLUE_TG, GREEN_TG) == [auth, {
        "Type": "forward", "Order": 2, "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": BLUE_TG, "Weight": 100}, {"TargetGroupArn": GREEN_TG, "Weight": 0}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
    with pytest.raises(RuntimeError, match="0 forward actions"):
        rollback.blue_only_actions([auth], BLUE_TG, GREEN_TG)


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
