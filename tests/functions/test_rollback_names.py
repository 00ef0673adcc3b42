"""The rollback Lambda with a route53 front door that weighs two names (issue 13 item 2), against moto.

A site and its API each have a blue/green pair of weighted records (set identifiers ``blue`` and
``green``), possibly in different hosted zones. One alarm resets both names; a name that cannot be
reset is reported, and the other still moves (outcome ``partial``).

Route 53 weights are relative, 0..255 (ResourceRecordSet.Weight, botocore route53 model): the
rollback writes blue 100 and green 0, so green's share is exactly 0 whatever blue's value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.rollback import handler as rollback
from functions.rollback.record import CLEAR_VALUE, parse_record
from tests.functions.test_rollback import PARAMETER, REGION, sns_event, stored_record

SITE, API = "www.example.com", "api.example.org"


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Type="String", Value=CLEAR_VALUE)
        yield


def weighted_pair(zone_name: str, name: str, record_type: str, blue: dict[str, Any], green: dict[str, Any],
                  weights: tuple[int, int]) -> str:
    r53 = boto3.client("route53", region_name=REGION)
    zone = r53.create_hosted_zone(Name=zone_name, CallerReference=zone_name)["HostedZone"]["Id"].split("/")[-1]
    records = [{**blue, "Name": name, "Type": record_type, "SetIdentifier": "blue", "Weight": weights[0]},
               {**green, "Name": name, "Type": record_type, "SetIdentifier": "green", "Weight": weights[1]}]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": r} for r in records]})
    return zone


def weights(zone: str, name: str) -> dict[str, int]:
    listed = boto3.client("route53", region_name=REGION).list_resource_record_sets(HostedZoneId=zone)
    return {r["SetIdentifier"]: r["Weight"] for r in listed["ResourceRecordSets"]
            if r["Name"] == name + "." and "SetIdentifier" in r}


@pytest.fixture
def two_names(aws: None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """www (CNAME, 50/50 at greenWeight 50) in example.com, api (alias A, all on green) in example.org."""
    site = weighted_pair("example.com", SITE, "CNAME",
                         {"TTL": 60, "ResourceRecords": [{"Value": "blue.example.net"}]},
                         {"TTL": 60, "ResourceRecords": [{"Value": "d111111abcdef8.cloudfront.net"}]}, (50, 50))
    api = weighted_pair("example.org", API, "A",
                        {"AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "EvaluateTargetHealth": True,
                                         "DNSName": "blue-1.us-east-1.elb.amazonaws.com."}},
                        {"AliasTarget": {"HostedZoneId": "Z2FDTNDATAQYW2", "EvaluateTargetHealth": False,
                                         "DNSName": "d2222222abcdef8.cloudfront.net."}}, (0, 255))
    sets = [{"zone": site, "name": SITE, "type": "CNAME", "blueSetId": "blue", "greenSetId": "green"},
            {"zone": api, "name": API, "type": "A", "blueSetId": "blue", "greenSetId": "green"}]
    for key, value in {"FRONT_DOOR_KIND": "route53", "HOSTED_ZONE_ID": site, "RECORD_NAME": SITE,
                       "RECORD_TYPE": "CNAME", "BLUE_SET_IDENTIFIER": "blue", "GREEN_SET_IDENTIFIER": "green",
                       "RECORD_SETS": json.dumps(sets), "RECORD_PARAMETER": PARAMETER}.items():
        monkeypatch.setenv(key, value)
    return site, api


def test_both_names_go_back_to_blue(two_names: tuple[str, str]) -> None:
    site, api = two_names

    result = rollback.handler(sns_event(), None)

    assert weights(site, SITE) == {"blue": 100, "green": 0}
    assert weights(api, API) == {"blue": 100, "green": 0}
    record = result["record"]
    assert record["outcome"] == "complete"
    assert record["rolledBack"] == [f"{SITE} CNAME", f"{API} A"]
    assert record["previousGreenShare"] == 100  # the most green any name had: api at 255/(0+255)


def test_a_failure_on_the_second_name_is_partial_and_the_first_still_moves(
        two_names: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    site, api = two_names
    sets = json.loads(rollback.os.environ["RECORD_SETS"])
    sets[1]["greenSetId"] = "verde"  # no such record set: the second name cannot be reset
    monkeypatch.setenv("RECORD_SETS", json.dumps(sets))

    with pytest.raises(rollback.RollbackIncompleteError, match="is partial"):
        rollback.handler(sns_event(), None)

    assert weights(site, SITE) == {"blue": 100, "green": 0}
    assert weights(api, API) == {"blue": 0, "green": 255}  # untouched: one atomic batch per name
    record = parse_record(stored_record())
    assert record is not None and record.outcome == "partial"
    assert record.rolled_back == (f"{SITE} CNAME",)
    assert len(record.not_rolled_back) == 1 and record.not_rolled_back[0].startswith(f"{API} A: ")
    assert "SetIdentifier 'verde'" in record.not_rolled_back[0]


def test_redelivery_after_both_names_moved_is_idempotent(two_names: tuple[str, str]) -> None:
    site, api = two_names
    first = rollback.handler(sns_event(), None)["record"]
    second = rollback.handler(sns_event(), None)["record"]
    assert second["id"] == first["id"]
    assert second["previousGreenShare"] == 100  # carried from the first delivery, not the 0 it now sees
    assert weights(site, SITE) == weights(api, API) == {"blue": 100, "green": 0}


BASE = {"FRONT_DOOR_KIND": "route53", "RECORD_PARAMETER": PARAMETER, "AWS_REGION": REGION, "HOSTED_ZONE_ID": "Z1",
        "RECORD_NAME": "www.example.com", "RECORD_TYPE": "CNAME", "BLUE_SET_IDENTIFIER": "blue",
        "GREEN_SET_IDENTIFIER": "green"}
FIRST = {"zone": "Z1", "name": "www.example.com", "type": "CNAME", "blueSetId": "blue", "greenSetId": "green"}
SECOND = {"zone": "Z2", "name": "api.example.com", "type": "A", "blueSetId": "blue", "greenSetId": "green"}


def test_record_sets_parse_in_order() -> None:
    cfg = rollback.load_config({**BASE, "RECORD_SETS": json.dumps([FIRST, SECOND])})
    assert isinstance(cfg.front_door, rollback.Route53Names)
    assert [(n.hosted_zone_id, n.record_name, n.record_type) for n in cfg.front_door.names] == \
           [("Z1", "www.example.com", "CNAME"), ("Z2", "api.example.com", "A")]


def test_without_record_sets_the_single_name_is_rolled_back() -> None:
    cfg = rollback.load_config(BASE)
    assert isinstance(cfg.front_door, rollback.Route53Names)
    assert [n.record_name for n in cfg.front_door.names] == ["www.example.com"]


@pytest.mark.parametrize(("sets", "message"), [
    ("not json", "RECORD_SETS is not JSON"),
    ("[]", "non-empty JSON list"),
    (json.dumps([FIRST, {**SECOND, "zone": ""}]), r"RECORD_SETS\[1\] must be an object with string zone"),
    (json.dumps([FIRST, {**SECOND, "type": "TXT"}]), r"RECORD_SETS\[1\].type is 'TXT'"),
    (json.dumps([FIRST, {**SECOND, "greenSetId": "blue"}]), "same blueSetId and greenSetId"),
    (json.dumps([FIRST, {**FIRST, "name": "WWW.example.com."}]), "names one record set twice"),
    (json.dumps([SECOND, FIRST]), r"RECORD_SETS\[0\] must be the record set HOSTED_ZONE_ID"),
])
def test_invalid_record_sets_are_clear_errors(sets: str, message: str) -> None:
    with pytest.raises(rollback.ConfigError, match=message):
        rollback.load_config({**BASE, "RECORD_SETS": sets})
