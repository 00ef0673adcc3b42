"""IAM contract of functions/rollback when the front door weighs two names (issue 13 item 2).

route53: persona-serverless prod weighs its site (``hibiji.com``) and its API (``api.hibiji.com``);
a variant puts the API in a hosted zone of its own, so the role needs one ChangeResourceRecordSets
statement per zone. alb: yoga-serverless with a second name on a host-header rule. moto is given
every weighted record set (or listener rule) the plan describes, the handler runs with the planned
environment, and every recorded call is checked against the planned policy both ways
(tests/contract/plan_policy.py), including each operation failing (AccessDenied, Throttling).
"""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import planned
from tests.contract import test_rollback as contract
from tests.contract.conftest import REGION
from tests.contract.plan_policy import PlannedFunction, assert_contract, json_doc, planned_function

API_ZONE = "Z0A1B2C3D4E5F6G7H8I9J"  # a second hosted zone for the API name (the zone-per-name variant)
PLANS: dict[str, tuple[str, ...]] = {
    "one-zone": ("profile=persona-serverless", "greenWeight=10"),
    "two-zones": ("profile=persona-serverless", "greenWeight=10",
                  f"overrides.traffic.frontDoor.extraNames.api.zoneId={API_ZONE}"),
}


def build_route53_names(pf: PlannedFunction) -> tuple[dict[str, str], dict[str, str]]:
    """Every planned weighted record set in a moto zone per planned zone; (env overrides, moto -> plan)."""
    plan, env = pf.plan, pf.environment
    sets = json.loads(env["RECORD_SETS"])
    route53 = boto3.client("route53", region_name=REGION)
    zones: dict[str, str] = {}  # plan zone -> moto zone
    for s in sets:
        if s["zone"] not in zones:
            # The shortest name in the zone as its apex: every name of the zone lies under it.
            apex = min((x["name"] for x in sets if x["zone"] == s["zone"]), key=len)
            zones[s["zone"]] = route53.create_hosted_zone(Name=apex, CallerReference=s["zone"])["HostedZone"][
                "Id"].split("/")[-1]
    for s in sets:
        changes = contract.weighted_creates(plan, s["zone"], s["name"])
        assert sorted(c["ResourceRecordSet"]["SetIdentifier"] for c in changes) == sorted(
            [s["blueSetId"], s["greenSetId"]]), f"the plan must have both weighted records of {s['name']}"
        route53.change_resource_record_sets(HostedZoneId=zones[s["zone"]], ChangeBatch={"Changes": changes})
    moto_sets = [{**s, "zone": zones[s["zone"]]} for s in sets]
    return ({"HOSTED_ZONE_ID": zones[env["HOSTED_ZONE_ID"]], "RECORD_SETS": json.dumps(moto_sets)},
            {moto: zone for zone, moto in zones.items()})


@pytest.mark.parametrize("variant", sorted(PLANS))
def test_two_weighted_names_every_call_is_allowed_and_every_grant_is_used(
        variant: str, moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pf = planned_function(planned("prod", *PLANS[variant]), "rollback-fn")
    sets = json.loads(pf.environment["RECORD_SETS"])
    assert [s["name"] for s in sets] == ["hibiji.com", "api.hibiji.com"]
    assert len({s["zone"] for s in sets}) == (2 if variant == "two-zones" else 1)
    monkeypatch.setitem(contract.BUILDERS, "route53", build_route53_names)
    requests = contract.run_scenarios("route53", pf, monkeypatch)
    changes = [r for r in requests if r.action == "route53:ChangeResourceRecordSets"]
    # Both names were changed by the ALARM path, each in its own batch.
    assert {r.context["route53:ChangeResourceRecordSetsNormalizedRecordNames"] for r in changes} >= {
        ("hibiji.com", "hibiji.com"), ("api.hibiji.com", "api.hibiji.com")}
    assert_contract(pf, requests)


def test_one_change_statement_per_zone_naming_exactly_its_names() -> None:
    """Service Authorization Reference, Amazon Route 53: ChangeResourceRecordSets authorizes on the
    hostedzone resource and supports the condition keys route53:ChangeResourceRecordSetsActions,
    ...NormalizedRecordNames and ...RecordTypes (values normalized: lowercase, no trailing dot)."""
    pf = planned_function(planned("prod", *PLANS["two-zones"]), "rollback-fn")
    sets = json.loads(pf.environment["RECORD_SETS"])
    shifts = [s for d in json_doc(pf) for s in d["Statement"] if s["Action"] == ["route53:ChangeResourceRecordSets"]
              or s["Action"] == "route53:ChangeResourceRecordSets"]
    by_zone = {s["Resource"] if isinstance(s["Resource"], str) else s["Resource"][0]: s for s in shifts}
    assert sorted(by_zone) == sorted(f"arn:aws:route53:::hostedzone/{s['zone']}" for s in sets)
    for s in sets:
        condition = by_zone[f"arn:aws:route53:::hostedzone/{s['zone']}"]["Condition"]["ForAllValues:StringEquals"]
        assert condition == {"route53:ChangeResourceRecordSetsNormalizedRecordNames": [s["name"]],
                             "route53:ChangeResourceRecordSetsRecordTypes": [s["type"]],
                             "route53:ChangeResourceRecordSetsActions": ["UPSERT"]}
    assert len({st.get("Sid") for st in shifts}) == len(shifts)  # Sids are unique within a policy


ALB_PLAN = ("profile=yoga-serverless", "greenWeight=10",
            "overrides.traffic.frontDoor.extraNames.admin.recordName=admin.example.com",
            "overrides.traffic.frontDoor.extraNames.admin.green.service=auth")


def test_alb_with_a_second_name_every_call_is_allowed_and_every_grant_is_used(
        moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pf = planned_function(planned("prod", *ALB_PLAN), "rollback-fn")
    hosts = [r for r in pf.plan.of_type("aws:lb/listenerRule:ListenerRule")
             if any("hostHeader" in c for c in r.inputs["conditions"])]
    assert len(hosts) == 1
    requests = contract.run_scenarios("alb", pf, monkeypatch)
    # At greenWeight 10 every weighted rule (the per-service path rules and the host rule) is modified; the
    # write rules (an http-request-method condition) stay with the datasets' writer.
    weighted = [r for r in pf.plan.of_type("aws:lb/listenerRule:ListenerRule")
                if not any("httpRequestMethod" in c for c in r.inputs["conditions"])]
    modified = {r.resource for r in requests if r.action == "elasticloadbalancing:ModifyRule"}
    assert len(modified) == len(weighted)
    assert_contract(pf, requests)
