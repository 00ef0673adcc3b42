"""The data plan end to end: each profile's DataPlan record, the grants of the non-writer color, the ALB
write rules, the DMS wiring, ``shared`` for every seed, and the only way from 0 to retire=blue.

Expectations come from AWS: DynamoDB item-level write actions (PutItem, UpdateItem, DeleteItem,
BatchWriteItem: DynamoDB API reference) are what a read-only color must lack; IAM database
authentication grants ``rds-db:connect`` on ``dbuser:<resource id>/<user>`` (RDS user guide); an ALB rule
has at most 5 condition values, methods included, and rules are evaluated lowest priority first (ELB
user guide, "Listener rules", "Quotas"); forward stickiness duration is 1..604800 s (pulumi_aws).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan.engine import ProgramError
from cutover.plan.model import Plan
from tests.conftest import PROFILES, planned
from tests.profiles.data_states import (
    WRITER_SINCE,
    app,
    datasets,
    evidence,
    flip_sets,
    planned_retired,
    planned_with,
    receipt,
)

PLAN = "cutover:data:DataPlan"
PIN = {"waiterix-serverless": ("overrides.traffic.stableVersions.api=7",)}
DYNAMODB_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----"


def props(plan: Plan) -> dict[str, Any]:
    return dict(plan.one(PLAN, "data-plan").inputs)


def statements(plan: Plan, policy: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", policy).inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_records_its_datasets_with_one_written_copy(profile: str) -> None:
    plan = planned("prod", f"profile={profile}")
    record = props(plan)
    assert record["greenWeight"] == 0 and set(record["datasets"]) == set(datasets(profile))
    for name, d in record["datasets"].items():
        assert d["writer"] == "blue" and d["method"] == datasets(profile)[name]["method"]
        written = [c for c in d["copies"] if c["writers"]]
        # one written copy, blue's: green writes through to it where the front door cannot route
        # writes (route53, alias; PostgreSQL to PostgreSQL), and only reads its own copy
        assert [c["color"] for c in written] == ["blue"] and written[0]["writers"][0] == "blue"
        assert d["copies"][1] == {"color": "green", "store": datasets(profile)[name]["target"], "writers": []}
        assert d["receipt"] in (None, f"/{app(profile)}/prod/data/{name}/receipt")
    writers = {r.inputs["name"]: r.inputs["value"] for r in plan.of_type("aws:ssm/parameter:Parameter")
               if r.name.startswith("data-plan-")}
    assert set(writers.values()) == {"blue"} and len(writers) == len(datasets(profile))


def test_the_non_writer_color_reads_dynamodb_only() -> None:
    plan = planned("prod", "profile=yoga-serverless", "greenWeight=25")
    by_sid = statements(plan, "serverless-booking")
    for sid in ("UseTableBookings", "UseTableClasses"):
        assert set(by_sid[sid]["Action"]) == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
                                              "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
                                              "dynamodb:DescribeTable"}
        assert not DYNAMODB_WRITES & set(by_sid[sid]["Action"])
    # after the flip (writer green, with its receipt) the same service writes its tables
    sets = ["greenWeight=25", "overrides.migrations.bookings.writer=green",
            f"overrides.migrations.bookings.writerSince={WRITER_SINCE}",
            "overrides.migrations.classes.writer=green", f"overrides.migrations.classes.writerSince={WRITER_SINCE}"]
    ssm = {"/yoga/prod/data/bookings/receipt": receipt("bookings", pair="mysql->dynamodb"),
           "/yoga/prod/data/classes/receipt": receipt("classes", pair="mysql->dynamodb")}
    flipped = planned_with("prod", "yoga-serverless", *sets, ssm=ssm)
    assert set(statements(flipped, "serverless-booking")["UseTableBookings"]["Action"]) >= DYNAMODB_WRITES
    bookings = props(flipped)["datasets"]["bookings"]["copies"]
    assert [c["writers"] for c in bookings] == [[], ["green"]]  # the write rules now send writes to green


def test_green_writes_through_to_blues_database_from_greenweight_0() -> None:
    # persona: Route 53 cannot route writes, so green's services use blue's database (the one written
    # copy) through its secret from the start, and never the master secret of their own Aurora copy
    plan = planned("prod", "profile=persona-serverless")
    stmt = statements(plan, "serverless-api")["UseDatabaseMain"]
    assert stmt["Action"] == ["secretsmanager:GetSecretValue"]
    assert stmt["Resource"] == ["arn:aws:secretsmanager:us-east-1:111111111111:secret:persona-db-AbCdEf"]
    promoted = planned("prod", "profile=persona-serverless", "greenWeight=10")
    assert statements(promoted, "serverless-api")["UseDatabaseMain"] == stmt  # a promotion moves weights only


def yoga_write_rules(plan: Plan) -> dict[str, Any]:
    return {r.name: r.inputs for r in plan.of_type("aws:lb/listenerRule:ListenerRule")
            if r.name.startswith("front-door-write-")}


def test_alb_sends_write_methods_to_the_writer_whatever_the_weights() -> None:
    plan = planned("prod", "profile=yoga-serverless", "greenWeight=75")
    tgs = {r.outputs["arn"]: r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    rules = yoga_write_rules(plan)
    assert rules["front-door-write-booking"]["conditions"] == [
        {"httpRequestMethod": {"values": ["DELETE", "PUT"]}}, {"pathPattern": {"values": ["/bookings/*"]}}]
    assert rules["front-door-write-booking-2"]["conditions"] == [
        {"httpRequestMethod": {"values": ["POST"]}}, {"pathPattern": {"values": ["/classes/*/book"]}}]
    assert rules["front-door-write-auth"]["conditions"][1]["pathPattern"]["values"] == [
        "/auth/forgot", "/auth/login", "/auth/logout", "/auth/refresh"]  # 1 method + 4 patterns = 5 values
    for rule in rules.values():
        values = sum(len(next(iter(c.values()))["values"]) for c in rule["conditions"])
        assert values <= 5
        (action,) = rule["actions"]
        assert tgs[action["targetGroupArn"]] == "front-door-blue"  # every dataset is still written by blue
    weighted = [r.inputs["priority"] for r in plan.of_type("aws:lb/listenerRule:ListenerRule")
                if r.name.startswith("front-door-rule-")]
    assert sorted(r["priority"] for r in rules.values()) == list(range(1, len(rules) + 1))
    assert max(r["priority"] for r in rules.values()) < min(weighted)  # evaluated before every weighted rule
    listener = plan.one("aws:lb/listener:Listener", "front-door-https")
    assert listener.inputs["defaultActions"][0]["forward"]["stickiness"] == {"enabled": True, "duration": 3600}
    assert all(r.inputs["actions"][0]["forward"]["stickiness"] == {"enabled": True, "duration": 3600}
               for r in plan.of_type("aws:lb/listenerRule:ListenerRule") if r.name.startswith("front-door-rule-"))


def endpoints(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.inputs["endpointType"]: r.inputs for r in plan.of_type("aws:dms/endpoint:Endpoint")}


def test_dms_replicates_pos_into_the_rds_instance_never_the_proxy() -> None:
    plan = planned("prod", "profile=pos-serverless")
    instance = plan.one("aws:rds/instance:Instance")
    ep = endpoints(plan)
    assert {k: ep["source"][k] for k in ("engineName", "serverName", "port", "databaseName", "sslMode",
                                         "secretsManagerArn")} == {
        "engineName": "postgres", "serverName": "db.pos.example.com", "port": 5432, "databaseName": "pos",
        "sslMode": "require",
        "secretsManagerArn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:pos-blue-db-AbCdEf"}
    assert (ep["target"]["engineName"], ep["target"]["serverName"], ep["target"]["databaseName"]) == (
        "postgres", instance.outputs["address"], "pos")
    config = plan.one("aws:dms/replicationConfig:ReplicationConfig")
    assert json.loads(config.inputs["tableMappings"])["rules"] == [
        {"rule-type": "selection", "rule-id": "1", "rule-name": "include-%",
         "object-locator": {"schema-name": "public", "table-name": "%"}, "rule-action": "include"}]
    assert json.loads(config.inputs["replicationSettings"])["ValidationSettings"]["EnableValidation"] is True
    egress = [r.inputs for r in plan.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
              if r.name == "migration-main-to-source-0.0.0.0/0"]
    assert egress and egress[0]["fromPort"] == 5432  # TLS to the public endpoint, nothing but its port


def test_dms_replicates_persona_into_aurora_and_tracetrack_waiterix_into_rds() -> None:
    for profile, engine in (("persona-serverless", "aurora-postgresql"), ("tracetrack-ecs", "postgres"),
                            ("waiterix-serverless", "postgres")):
        ep = endpoints(planned("prod", f"profile={profile}"))
        assert ep["target"]["engineName"] == engine and ep["source"]["engineName"] == "postgres"
        assert ep["source"]["sslMode"] == "require"


def test_dms_maps_yoga_mysql_rows_onto_the_seed_tables_once_the_ca_is_given() -> None:
    assert not planned("prod", "profile=yoga-serverless").of_type("aws:dms/endpoint:Endpoint")  # CA missing
    plan = planned("prod", "profile=yoga-serverless", f"overrides.migrations.bookings.source.caCertificate={CA}")
    ep = endpoints(plan)
    assert ep["source"]["engineName"] == "mysql" and ep["source"]["sslMode"] == "verify-full"
    assert ep["target"]["engineName"] == "dynamodb"
    rules = json.loads(plan.one("aws:dms/replicationConfig:ReplicationConfig").inputs["tableMappings"])["rules"]
    mapping = rules[1]
    assert mapping["target-table-name"] == "yoga-Bookings-prod"
    assert mapping["mapping-parameters"]["partition-key-name"] == "id"
    assert [(a["target-attribute-name"], a["value"]) for a in mapping["mapping-parameters"]["attribute-mappings"]] \
        == [("id", "${id}"), ("userId", "${user_id}"), ("classId", "${class_id}"), ("createdAt", "${created_at}"),
            ("status", "${status}")]
    assert mapping["mapping-parameters"]["exclude-columns"] == ["class_id", "created_at", "user_id"]


def shared_sets(profile: str) -> list[str]:
    return [f"overrides.migrations.{name}.method=shared" for name in datasets(profile)]


@pytest.mark.parametrize("profile", PROFILES)
def test_shared_is_buildable_for_every_seed(profile: str) -> None:
    """Green's services reach blue's database (secret read, the network path) at any weight."""
    plan = planned("prod", f"profile={profile}", *PIN.get(profile, ()), *shared_sets(profile), "greenWeight=50")
    record = props(plan)["datasets"]
    for d in record.values():
        assert d["copies"][1]["writers"] == []  # green's own store: nobody writes it
        assert d["copies"][0]["writers"] in (["blue"], ["blue", "green"])  # one database, both colors
    assert any(d["copies"][0]["writers"] == ["blue", "green"] for d in record.values())
    assert not plan.of_type("cutover:data:DataMigration")
    secrets = {d["source"]["secretArn"] for d in datasets(profile).values()}
    granted = [s for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") for s in
               json.loads(r.inputs["policy"])["Statement"] if set(s["Resource"]) & secrets]
    assert granted and all(s["Action"] == ["secretsmanager:GetSecretValue"] for s in granted)


def test_the_only_way_from_0_to_retire_blue() -> None:
    """pos (Route 53): 0 -> 10 -> 50 (green writes through to blue's database while DMS copies it) -> 100
    -> freeze, verify, flip the writer (receipt required) -> retire=blue (receipt required)."""
    profile, flip = "pos-serverless", flip_sets("pos-serverless")
    for weight in (0, 10, 50, 100):
        record = props(planned("prod", f"profile={profile}", f"greenWeight={weight}"))["datasets"]["main"]
        assert sum(1 for c in record["copies"] if c["writers"]) == 1
    with pytest.raises(ProgramError, match="greenWeight=50 with dataset main written by green"):
        planned_with("prod", profile, "greenWeight=50", *flip, ssm=evidence(profile, "prod"))
    with pytest.raises(ProgramError, match="no verification receipt"):
        planned_with("prod", profile, "greenWeight=100", *flip)
    with pytest.raises(ProgramError, match="replication behind"):
        planned_with("prod", profile, "greenWeight=100", *flip, ssm=evidence(profile, "prod", target=999))
    with pytest.raises(ProgramError, match="still written by blue"):
        planned_with("prod", profile, "greenWeight=100", "retire=blue", ssm=evidence(profile, "prod"))
    flipped = planned_with("prod", profile, "greenWeight=100", *flip, ssm=evidence(profile, "prod"))
    main = props(flipped)["datasets"]["main"]
    assert [c["writers"] for c in main["copies"]] == [[], ["green"]]
    assert not flipped.of_type("cutover:data:DataMigration")  # replication stops at the flip
    with pytest.raises(ProgramError, match="retire=blue is refused: dataset main: the receipt of"):
        planned_with("prod", profile, "greenWeight=100", "retire=blue", *flip,
                     ssm=evidence(profile, "prod", writer="green", mismatches=1))
    retired = planned_retired("prod", profile, "greenWeight=100", "retire=blue")
    (copy,) = retired.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
    assert copy.inputs["key"] == "receipts/main/receipt.json" and copy.inputs["content"] == receipt("main")
    assert copy.retain_on_delete and copy.inputs["serverSideEncryption"] == "aws:kms"
