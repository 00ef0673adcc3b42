"""IAM contract of functions/rollback: every call the handler makes vs. the policy Rollback plans, per front door.

Each front-door kind comes from a real program plan (``planned``): alb from yoga, route53 from
pos, alias from waiterix with a pinned stable version. moto is then given the same front door as
the plan describes it (the listener's default action and rules with their weights, the weighted
record sets, the aliases' routing), the handler runs with the function's planned environment
(moto's identifiers swapped in where moto draws its own), and the recorded calls are mapped back
to the plan's identifiers and checked against the plan's exact policy documents.

Scenarios: the ALARM notification, its redelivery, an OK notification, a malformed event, and, for
every operation the ALARM path makes, that operation failing every time (AccessDenied) and once
(throttled), so the error paths' calls are checked too.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from cutover.plan.model import Plan
from functions.rollback import handler as rollback
from tests.conftest import planned
from tests.contract.conftest import REGION
from tests.contract.iam_rules import AuthzRequest
from tests.contract.plan_policy import PlannedFunction, assert_contract, planned_function, summary, translated
from tests.contract.recorder import Recorder, recording

PLANS: dict[str, tuple[str, ...]] = {
    "alb": ("profile=yoga-serverless", "greenWeight=10"),
    "route53": ("profile=pos-serverless", "greenWeight=10"),
    "alias": ("profile=waiterix-serverless", "overrides.traffic.stableVersions.api=7", "greenWeight=10"),
}


def sns_event(alarm: str, state: str = "ALARM", message_id: str = "m-1") -> dict[str, Any]:
    """An SNS delivery of a CloudWatch alarm state change (SNS and CloudWatch documented shapes)."""
    body = {"AlarmName": alarm, "AWSAccountId": "123456789012", "NewStateValue": state,
            "NewStateReason": "Threshold Crossed", "StateChangeTime": "2026-11-23T02:00:00.123+0000",
            "OldStateValue": "OK", "AlarmArn": f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{alarm}"}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "Sns": {"Type": "Notification", "MessageId": message_id, "Subject": f"{state}: {alarm}",
                                 "TopicArn": f"arn:aws:sns:{REGION}:123456789012:rollback",
                                 "Message": json.dumps(body)}}]}


# ── moto, shaped like the plan ─────────────────────────────────────────────────────────────────


def _boto_action(action: dict[str, Any], tg: dict[str, str]) -> dict[str, Any]:
    """A planned listener action (provider names) as the ELBv2 API spells it."""
    if action["type"] == "forward" and "forward" in action:
        fwd = action["forward"]
        out: dict[str, Any] = {"TargetGroups": [{"TargetGroupArn": tg[t["arn"]], "Weight": int(t.get("weight", 1))}
                                                for t in fwd["targetGroups"]]}
        if fwd.get("stickiness"):
            out["TargetGroupStickinessConfig"] = {"Enabled": bool(fwd["stickiness"]["enabled"]),
                                                  "DurationSeconds": int(fwd["stickiness"].get("duration", 1))}
        return {"Type": "forward", "ForwardConfig": out}
    if action["type"] == "forward":
        return {"Type": "forward", "TargetGroupArn": tg[action["targetGroupArn"]]}
    if action["type"] == "fixed-response":
        fr = action["fixedResponse"]
        return {"Type": "fixed-response", "FixedResponseConfig": {
            "StatusCode": str(fr["statusCode"]), "ContentType": fr.get("contentType", "text/plain")}}
    raise AssertionError(f"no moto translation for listener action {action['type']}: add one")


def _boto_condition(condition: dict[str, Any]) -> dict[str, Any]:
    if "pathPattern" in condition:
        return {"Field": "path-pattern", "PathPatternConfig": {"Values": condition["pathPattern"]["values"]}}
    if "hostHeader" in condition:
        return {"Field": "host-header", "HostHeaderConfig": {"Values": condition["hostHeader"]["values"]}}
    if "httpRequestMethod" in condition:
        return {"Field": "http-request-method",
                "HttpRequestMethodConfig": {"Values": condition["httpRequestMethod"]["values"]}}
    raise AssertionError(f"no moto translation for rule condition {sorted(condition)}: add one")


def build_alb(pf: PlannedFunction) -> tuple[dict[str, str], dict[str, str]]:
    """(environment overrides, moto -> plan names) for the planned HTTPS listener and its rules."""
    plan, env = pf.plan, pf.environment
    listener = next(r for r in plan.of_type("aws:lb/listener:Listener") if r.outputs["arn"] == env["LISTENER_ARN"])
    ec2, elbv2 = boto3.client("ec2", region_name=REGION), boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    lb = elbv2.create_load_balancer(Name="front-door", Subnets=subnets, Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    tg: dict[str, str] = {}
    for group in plan.of_type("aws:lb/targetGroup:TargetGroup"):
        kwargs: dict[str, Any] = {"Name": group.inputs["name"], "TargetType": group.inputs.get("targetType", "ip")}
        if kwargs["TargetType"] != "lambda":
            kwargs |= {"Protocol": "HTTP", "Port": int(group.inputs.get("port", 80)), "VpcId": vpc}
        tg[group.outputs["arn"]] = elbv2.create_target_group(**kwargs)["TargetGroups"][0]["TargetGroupArn"]
    moto_listener = elbv2.create_listener(
        LoadBalancerArn=lb_arn, Protocol="HTTP", Port=int(listener.inputs["port"]),
        DefaultActions=[_boto_action(a, tg) for a in listener.inputs["defaultActions"]])["Listeners"][0]["ListenerArn"]
    for rule in plan.of_type("aws:lb/listenerRule:ListenerRule"):
        if rule.inputs["listenerArn"] == env["LISTENER_ARN"]:
            elbv2.create_rule(ListenerArn=moto_listener, Priority=int(rule.inputs["priority"]),
                              Conditions=[_boto_condition(c) for c in rule.inputs["conditions"]],
                              Actions=[_boto_action(a, tg) for a in rule.inputs["actions"]])
    moto_path, plan_path = (a.split(":listener/", 1)[1] for a in (moto_listener, env["LISTENER_ARN"]))
    names = {moto_listener: env["LISTENER_ARN"], f"listener-rule/{moto_path}/": f"listener-rule/{plan_path}/",
             **{moto: planned_arn for planned_arn, moto in tg.items()}}
    overrides = {k: v for k, v in ((k, {p: m for m, p in names.items()}.get(v)) for k, v in env.items()) if v}
    return overrides, names


def weighted_creates(plan: Plan, zone_id: str, name: str) -> list[dict[str, Any]]:
    """The planned weighted records of ``name`` in ``zone_id`` as Route 53 CREATE changes (the
    ChangeResourceRecordSets shapes of botocore's route53 model: alias target or TTL + records)."""
    changes = []
    for record in plan.of_type("aws:route53/record:Record"):
        i = record.inputs
        if i.get("zoneId") != zone_id or i.get("name") != name or "setIdentifier" not in i:
            continue
        rrset: dict[str, Any] = {"Name": i["name"], "Type": i["type"], "SetIdentifier": i["setIdentifier"],
                                 "Weight": int(i["weightedRoutingPolicies"][0]["weight"])}
        if i.get("aliases"):
            a = i["aliases"][0]
            rrset["AliasTarget"] = {"HostedZoneId": a["zoneId"], "DNSName": a["name"],
                                    "EvaluateTargetHealth": bool(a.get("evaluateTargetHealth"))}
        else:
            rrset |= {"TTL": int(i["ttl"]), "ResourceRecords": [{"Value": v} for v in i["records"]]}
        changes.append({"Action": "CREATE", "ResourceRecordSet": rrset})
    return changes


def build_route53(pf: PlannedFunction) -> tuple[dict[str, str], dict[str, str]]:
    plan, env = pf.plan, pf.environment
    route53 = boto3.client("route53", region_name=REGION)
    zone_name = env["RECORD_NAME"].split(".", 1)[1]
    zone = route53.create_hosted_zone(Name=zone_name, CallerReference="contract")["HostedZone"]["Id"].split("/")[-1]
    changes = weighted_creates(plan, env["HOSTED_ZONE_ID"], env["RECORD_NAME"])
    assert len(changes) == 2, "the plan must have blue's and green's weighted records"
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    return {"HOSTED_ZONE_ID": zone}, {zone: env["HOSTED_ZONE_ID"]}


def build_alias(pf: PlannedFunction) -> tuple[dict[str, str], dict[str, str]]:
    """Each pinned function with 8 published versions; ``live`` on the stable 7, green's share on 8."""
    env = pf.environment
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="contract-fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    lambda_ = boto3.client("lambda", region_name=REGION)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    for name in env["FUNCTION_NAMES"].split(","):
        lambda_.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                                Handler="handler.handler", Code={"ZipFile": code.getvalue()})
        for n in range(8):
            lambda_.update_function_configuration(FunctionName=name, Description=f"build {n}")
            lambda_.publish_version(FunctionName=name)
        lambda_.create_alias(FunctionName=name, Name=env["ALIAS_NAME"], FunctionVersion="7",
                             RoutingConfig={"AdditionalVersionWeights": {"8": 0.1}})
    return {}, {}


BUILDERS: dict[str, Callable[[PlannedFunction], tuple[dict[str, str], dict[str, str]]]] = {
    "alb": build_alb, "route53": build_route53, "alias": build_alias}


# ── scenarios ──────────────────────────────────────────────────────────────────────────────────


def _attach_module_clients(rec: Recorder) -> None:
    """Clients a handler module may keep from an earlier import are recorded too."""
    for value in vars(rollback).values():
        if isinstance(value, BaseClient):
            rec.attach(value)


def _run(rec: Recorder, event: object) -> object:
    _attach_module_clients(rec)
    try:
        return rollback.handler(event, None)  # type: ignore[arg-type]
    except Exception as exc:  # an error path: its calls are what is checked
        return exc


def run_scenarios(kind: str, pf: PlannedFunction, monkeypatch: pytest.MonkeyPatch) -> list[AuthzRequest]:
    assert pf.region == REGION and pf.environment["FRONT_DOOR_KIND"] == kind
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # retry back-offs: the calls matter, not the wait
    # The handler's own back-off bound time.sleep at import (``_sleep``): patching time.sleep misses it.
    monkeypatch.setattr(rollback, "_sleep", lambda seconds: None)
    overrides, names = BUILDERS[kind](pf)
    parameter = next(p for p in pf.plan.of_type("aws:ssm/parameter:Parameter")
                     if p.inputs["name"] == pf.environment["RECORD_PARAMETER"])
    ssm = boto3.client("ssm", region_name=REGION)
    for key, value in {**pf.environment, **overrides, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(key, str(value))
    alarm = pf.plan.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmName"]

    def reset_record() -> None:
        ssm.put_parameter(Name=parameter.inputs["name"], Type="String", Value=parameter.inputs["value"],
                          Overwrite=True)

    reset_record()
    requests: list[AuthzRequest] = []
    with recording() as rec:
        _run(rec, sns_event(alarm))
        _run(rec, sns_event(alarm))  # SNS redelivers: the record exists now
        _run(rec, sns_event(alarm, state="OK", message_id="m-2"))
        _run(rec, {"Records": [{"Sns": {"Message": "not json"}}]})
        alarm_path = sorted({(c.service, c.operation) for c in rec.calls})
        requests += translated(rec.requests(), names)
    assert alarm_path, "the ALARM notification made no AWS call"
    for service, operation in alarm_path:
        for code, times in (("AccessDenied", None), ("Throttling", 1)):
            reset_record()
            with recording() as rec:
                rec.fail(f"{service}.{operation}", code, times=times)
                _run(rec, sns_event(alarm, message_id=f"m-{operation}-{code}"))
                requests += translated(rec.requests(), names)
    return requests


@pytest.mark.parametrize("kind", sorted(PLANS))
def test_every_call_is_allowed_and_every_grant_is_used(kind: str, moto_aws: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pf = planned_function(planned("prod", *PLANS[kind]), "rollback-fn")
    requests = run_scenarios(kind, pf, monkeypatch)
    print(f"\n{kind}: " + "\n  ".join(summary(requests)))
    assert_contract(pf, requests)
