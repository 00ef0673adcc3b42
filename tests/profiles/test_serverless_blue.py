"""A serverless blue in a planned stack (issue 13 item 1: any variant can be either color).

A team already on Lambda (v1 functions behind an HTTP API) moves to a new serverless design: pos-serverless
prod with ``traffic.blue.variant: serverless`` (route53 front door) and yoga-serverless prod with the same blue
behind the alb front door. Rules checked come from AWS: a Route 53 weighted set shares one record type (Route 53
developer guide, weighted routing), an API Gateway custom domain answers only for its own name and exists once
per account and region, a Lambda target group holds one function (Elastic Load Balancing, "Lambda functions as
targets").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.config import parse_stack_config
from cutover.errors import ConfigError
from cutover.plan.engine import ProgramError
from cutover.plan.model import Plan
from tests.conftest import planned

CERT = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000000"
RECORD = "api.pos.example.com"  # pos-serverless's traffic.frontDoor.recordName
V1: dict[str, Any] = {  # blue: the v1 functions, one API and one scheduled job
    "api": {"routes": ["ANY /{proxy+}"], "uses": {"bucket:receipts": "read"}},
    "jobs": {"kind": "worker", "schedule": "rate(5 minutes)", "uses": {"bucket:receipts": "write"}},
}
# External blue's keys are cleared: a layer's null replaces the profile's value (cutover/config/profiles.py).
EXTERNAL_OFF = {"dnsName": None, "targets": None, "peering": None, "port": None, "protocol": None}
POS_BLUE = {"traffic": {"blue": {"variant": "serverless", **EXTERNAL_OFF, "services": V1,
                                 "httpApi": {"domainName": RECORD, "certificateArn": CERT}}},
            # Blue's copy of the receipts (a store of this stack) is what it writes: the data plan must say so.
            "migrations": {"receipts": {"method": "dump", "target": "bucket:backups",
                                        "source": {"store": "bucket:receipts"}}}}
# Without the data plan: the data guard holds greenWeight at 0 and refuses retire=blue while blue writes a dataset.
POS_BLUE_NO_DATA = {**POS_BLUE, "migrations": None}
YOGA_V1 = {"api": {"routes": ["ANY /{proxy+}"], "uses": {"table:Users": "write"}}}
YOGA_BLUE = {"migrations": None, "traffic": {"blue": {"variant": "serverless", **EXTERNAL_OFF,
                                                      "healthCheckPath": "/health", "service": "api",
                                                      "services": YOGA_V1, "httpApi": {}}}}
RECORD_TYPE = "aws:route53/record:Record"
FUNCTION = "aws:lambda/function:Function"


def _pos(*sets: str, overrides: dict[str, Any] = POS_BLUE) -> Plan:
    return planned("prod", "profile=pos-serverless", f"overrides={json.dumps(overrides)}", *sets)


def test_blue_functions_carry_the_color_and_greens_keep_their_names() -> None:
    plan = _pos()
    fns = {r.name: r.inputs["name"] for r in plan.of_type(FUNCTION) if "blue" in r.name}
    assert fns == {"blue-serverless-api": "pos-prod-blue-api", "blue-serverless-jobs": "pos-prod-blue-jobs"}
    greens = {r.inputs["name"] for r in planned("prod", "profile=pos-serverless").of_type(FUNCTION)}
    assert greens <= {r.inputs["name"] for r in plan.of_type(FUNCTION)}  # unchanged beside blue
    api = plan.one("aws:apigatewayv2/api:Api", "blue-http-api")
    assert api.inputs["name"] == "pos-prod-blue-http"
    domain = plan.one("aws:apigatewayv2/domainName:DomainName", "blue-http-api-domain")
    assert domain.inputs["domainName"] == RECORD


def test_route53_weighs_blues_api_domain_against_green() -> None:
    plan = _pos()
    records = {r.inputs["setIdentifier"]: r.inputs for r in plan.of_type(RECORD_TYPE)}
    assert set(records) == {"blue", "green"}
    blue, green = records["blue"], records["green"]
    # One weighted set, one type: blue's custom domain is an alias, so both are A records on the same name.
    assert blue["type"] == green["type"] == "A" and blue["name"] == green["name"] == RECORD
    assert [p["weight"] for p in blue["weightedRoutingPolicies"]] == [100]
    assert [p["weight"] for p in green["weightedRoutingPolicies"]] == [0]
    assert blue["aliases"][0]["evaluateTargetHealth"] is True
    # Blue's health check calls its own API's execute-api host (the domain's certificate covers only RECORD).
    api_host = plan.one("aws:apigatewayv2/api:Api", "blue-http-api").outputs["apiEndpoint"].split("://")[1]
    checks = {r.name: r.inputs for r in plan.of_type("aws:route53/healthCheck:HealthCheck")}
    assert checks["front-door-blue"]["fqdn"] == api_host
    assert checks["front-door-blue"]["resourcePath"] == "/health"


def test_greenweight_moves_the_same_records() -> None:
    plan = _pos("greenWeight=50", overrides=POS_BLUE_NO_DATA)
    records = {r.inputs["setIdentifier"]: r.inputs for r in plan.of_type(RECORD_TYPE)}
    assert [p["weight"] for p in records["blue"]["weightedRoutingPolicies"]] == [50]
    assert [p["weight"] for p in records["green"]["weightedRoutingPolicies"]] == [50]


def test_blues_writes_count_in_the_data_plan() -> None:
    plan = _pos()
    props = plan.one("cutover:data:DataPlan", "data-plan").inputs["datasets"]["receipts"]
    copies = {c["color"]: c for c in props["copies"]}
    assert copies["blue"]["store"] == "bucket:receipts" and "blue" in copies["blue"]["writers"]


def test_blues_monitoring_and_alarms_are_its_own() -> None:
    names = {r.name for r in _pos().of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {"monitoring-lambdaErrorRatePercent-blue-api-critical",
            "monitoring-deadLetterQueueDepth-blue-jobs-critical"} <= names


def test_retire_blue_removes_its_functions_and_its_record() -> None:
    assert [r for r in _pos("greenWeight=100", overrides=POS_BLUE_NO_DATA) if r.name.startswith("blue")]
    plan = _pos("greenWeight=100", "retire=blue", overrides=POS_BLUE_NO_DATA)
    assert not [r for r in plan if r.name.startswith("blue")]
    assert [r.inputs["setIdentifier"] for r in plan.of_type(RECORD_TYPE)] == ["green"]


def test_alb_front_door_forwards_blues_share_to_a_lambda_target_group() -> None:
    plan = planned("prod", "profile=yoga-serverless", f"overrides={json.dumps(YOGA_BLUE)}", "greenWeight=25")
    tg = plan.one("aws:lb/targetGroup:TargetGroup", "front-door-blue")
    assert tg.inputs["targetType"] == "lambda" and tg.inputs["name"] == "yoga-prod-blue"
    assert tg.inputs["healthCheck"]["path"] == "/health"
    attachment = plan.one("aws:lb/targetGroupAttachment:TargetGroupAttachment", "front-door-blue-alias")
    alias = plan.one("aws:lambda/alias:Alias", "blue-serverless-api-live")
    assert attachment.inputs["targetId"] == alias.outputs["arn"]
    permission = plan.one("aws:lambda/permission:Permission", "front-door-blue-invoke")
    assert permission.inputs["principal"] == "elasticloadbalancing.amazonaws.com"
    assert permission.inputs["function"] == "yoga-prod-blue-api" and permission.inputs["qualifier"] == "live"
    listener = plan.one("aws:lb/listener:Listener", "front-door-https")
    weights = {t["arn"]: t["weight"] for t in listener.inputs["defaultActions"][0]["forward"]["targetGroups"]}
    green = plan.one("aws:lb/targetGroup:TargetGroup", "front-door-green").outputs["arn"]
    assert weights == {tg.outputs["arn"]: 75, green: 25}
    # Nothing of the external blue's is built: no peering, no ip targets.
    assert not plan.of_type("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")


def _parse(blue: dict[str, Any], profile: str = "pos-serverless", **more: Any) -> None:
    overrides = {"traffic": {"blue": {"variant": "serverless", **EXTERNAL_OFF, **blue}}, **more}
    parse_stack_config({"profile": profile, "environment": "prod", "overrides": overrides},
                       project="cutover", stack="prod")


@pytest.mark.parametrize(("blue", "key", "allowed"), [
    ({"httpApi": {}}, "traffic.blue.services", "services: {<name>"),
    ({"services": V1}, "traffic.blue.httpApi", "httpApi: {domainName"),
    ({"services": V1, "httpApi": {}}, "traffic.blue.httpApi.domainName", RECORD),
    ({"services": V1, "httpApi": {"domainName": "v1.pos.example.com", "certificateArn": CERT}},
     "traffic.blue.httpApi.domainName", RECORD),
    # A rule the serverless parser states with a fixed key: still reported under traffic.blue.
    ({"services": {"a": {"routes": ["GET /x"]}, "b": {"routes": ["GET /x"]}},
      "httpApi": {"domainName": RECORD, "certificateArn": CERT}}, "traffic.blue.services.b.routes", None),
    ({"services": {"Bad_Name": {}}, "httpApi": {}}, "traffic.blue.services.Bad_Name", "lowercase letters"),
    ({"services": V1, "httpApi": {"domainName": RECORD, "certificateArn": CERT}, "edge": {"enabled": True}},
     "traffic.blue.edge", None),
    ({"services": V1, "httpApi": {"domainName": RECORD, "certificateArn": CERT}, "service": "api"},
     "traffic.blue.service", "omit service"),
])
def test_bad_serverless_blue_names_the_key(blue: dict[str, Any], key: str, allowed: str | None) -> None:
    with pytest.raises(ConfigError) as err:
        _parse(blue)
    assert err.value.key.endswith(key), str(err.value)
    if allowed is not None:
        assert allowed in (err.value.allowed or ""), str(err.value)


def test_blue_and_green_cannot_hold_the_same_api_domain() -> None:
    with pytest.raises(ConfigError) as err:
        _parse({"services": V1, "httpApi": {"domainName": RECORD, "certificateArn": CERT}},
               httpApi={"domainName": RECORD, "certificateArn": CERT})
    assert err.value.key.endswith("httpApi.domainName") and "one per account and region" in str(err.value)


@pytest.mark.parametrize(("service", "allowed"), [(None, "one of blue's kind: api services"), ("jobs", "api")])
def test_alb_blue_needs_one_api_service(service: str | None, allowed: str) -> None:
    blue = {"services": V1, "httpApi": {}, **({"service": service} if service else {})}
    with pytest.raises(ConfigError) as err:
        _parse(blue, profile="yoga-serverless", migrations=None)
    assert err.value.key.endswith("traffic.blue.service") and err.value.allowed == allowed


def test_serverless_sections_need_the_serverless_variant() -> None:
    with pytest.raises(ConfigError) as err:
        parse_stack_config({"profile": "pos-serverless", "environment": "prod",
                            "overrides": {"traffic": {"blue": {"services": V1}}}}, project="cutover", stack="prod")
    assert err.value.key.endswith("traffic.blue.services") and err.value.allowed == "variant: serverless"


def test_a_program_time_refusal_names_blues_key() -> None:
    """A store ref only the program can check (what the stack builds) is reported under traffic.blue."""
    bad = {**YOGA_BLUE, "traffic": {"blue": {**YOGA_BLUE["traffic"]["blue"],
                                             "services": {"api": {"routes": ["ANY /{proxy+}"],
                                                                  "uses": {"bucket:receipts": "write"}}}}}}
    with pytest.raises(ProgramError, match=r"traffic\.blue\.services\.api\.uses\.bucket:receipts: no store ref"):
        planned("prod", "profile=yoga-serverless", f"overrides={json.dumps(bad)}")
