"""DMS and data-plan rules: each trips on a violating plan and passes a compliant one.

Expectations come from the DMS API (PubliclyAccessible defaults to true; ComputeConfig has no public
setting; KmsKeyId per resource), the DMS user guide's data validation target list (no DynamoDB) and
its metrics reference (CDCLatencySource/CDCLatencyTarget), and the DataPlan contract.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policy.conftest import Res, res, run

ENDPOINT = "aws:dms/endpoint:Endpoint"
INSTANCE = "aws:dms/replicationInstance:ReplicationInstance"
TASK = "aws:dms/replicationTask:ReplicationTask"
CONFIG = "aws:dms/replicationConfig:ReplicationConfig"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
VALIDATING = json.dumps({"ValidationSettings": {"EnableValidation": True}})
NOT_VALIDATING = json.dumps({"ValidationSettings": {"EnableValidation": False}})


# --- resource rules -------------------------------------------------------------------------------

def test_replication_instance_must_say_not_public() -> None:
    for bad in ({}, {"publiclyAccessible": True}):  # absent = the API default, a public IP
        (v,) = run("dms-not-public", [res(INSTANCE, "bad", inputs=bad)])
        assert v.urn and v.urn.endswith("::bad") and "publiclyAccessible: false" in v.message
    assert run("dms-not-public", [res(INSTANCE, "good", inputs={"publiclyAccessible": False})]) == []
    assert run("dms-not-public", [res(INSTANCE, "preview", inputs={"publiclyAccessible": UNKNOWN_STRING_VALUE})]) == []
    # A Serverless replication has no public setting at all: nothing to flag.
    assert run("dms-not-public", [res(CONFIG, "serverless", inputs={"computeConfig": {}})]) == []


def test_every_dms_resource_with_a_key_needs_a_customer_managed_one() -> None:
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (ENDPOINT, {"endpointType": "source", "engineName": "postgres"},
         {"endpointType": "source", "engineName": "postgres", "kmsKeyArn": KEY}),
        (ENDPOINT, {"engineName": "dynamodb", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/aws/dms"},
         {"engineName": "dynamodb", "kmsKeyArn": KEY}),
        (INSTANCE, {"publiclyAccessible": False}, {"publiclyAccessible": False, "kmsKeyArn": KEY}),
        (CONFIG, {"computeConfig": {"maxCapacityUnits": 4}}, {"computeConfig": {"kmsKeyId": KEY}}),
        (CONFIG, {"computeConfig": {"kmsKeyId": "alias/aws/dms"}}, {"computeConfig": {"kmsKeyId": "alias/dms-cmk"}}),
    ]
    for type_, bad, good in cases:
        (v,) = run("dms-customer-managed-key", [res(type_, "bad", inputs=bad)])
        assert v.level == "mandatory" and v.urn and v.urn.endswith("::bad")
        assert run("dms-customer-managed-key", [res(type_, "good", inputs=good)]) == []
    # Tasks and subnet groups have no key of their own.
    assert run("dms-customer-managed-key", [res(TASK, "t", inputs={})]) == []


# --- validation -----------------------------------------------------------------------------------

def _endpoint(name: str, engine: str) -> Res:
    arn = f"arn:aws:dms:us-east-1:123456789012:endpoint:{name.upper()}"
    return res(ENDPOINT, name, inputs={"endpointType": "target", "engineName": engine, "kmsKeyArn": KEY},
               outputs={"endpointType": "target", "engineName": engine, "endpointArn": arn})


def _config(settings: str, target: Res, name: str = "repl", **extra: Any) -> Res:
    arn = target.outputs["endpointArn"]  # type: ignore[index]
    return res(CONFIG, name, inputs={"replicationType": "full-load-and-cdc", "targetEndpointArn": arn,
                                     "replicationSettings": settings, "replicationConfigIdentifier": name, **extra})


def test_validation_is_required_for_a_postgres_target() -> None:
    target = _endpoint("green", "postgres")
    (v,) = run("dms-validation-enabled", [target, _config(NOT_VALIDATING, target)])
    assert v.urn and v.urn.endswith("::repl") and "postgres" in v.message
    assert run("dms-validation-enabled", [target, _config(VALIDATING, target)]) == []


def test_validation_is_not_asked_of_a_dynamodb_target() -> None:
    target = _endpoint("tables", "dynamodb")
    assert run("dms-validation-enabled", [target, _config(NOT_VALIDATING, target)]) == []


def test_validation_of_a_task_follows_its_target_by_dependency_when_the_arn_is_unknown() -> None:
    target = _endpoint("green", "aurora-postgresql")
    task = res(TASK, "task", inputs={"migrationType": "full-load-and-cdc", "targetEndpointArn": UNKNOWN_STRING_VALUE,
                                     "replicationTaskSettings": NOT_VALIDATING},
               property_dependencies={"targetEndpointArn": [target.urn]})
    (v,) = run("dms-validation-enabled", [target, task])
    assert v.urn == task.urn


def test_validation_rule_is_not_applicable_without_dms() -> None:
    assert run("dms-validation-enabled", [res("aws:s3/bucket:Bucket", inputs={})]) == []


# --- CDC latency alarm ----------------------------------------------------------------------------

def _alarm(metric: str, dimensions: dict[str, str], namespace: str = "AWS/DMS",
           dependencies: tuple[str, ...] = ()) -> Res:
    return res(ALARM, f"alarm-{metric}", inputs={"namespace": namespace, "metricName": metric,
                                                 "dimensions": dimensions}, dependencies=dependencies)


def test_every_cdc_replication_needs_a_latency_alarm() -> None:
    target = _endpoint("green", "postgres")
    repl = _config(VALIDATING, target)
    (v,) = run("dms-cdc-latency-alarm", [target, repl])
    assert v.urn == repl.urn and "CDCLatency" in v.message
    # Wrong metric or namespace does not count.
    assert len(run("dms-cdc-latency-alarm", [target, repl, _alarm("FullLoadThroughputRowsTarget", {
        "ReplicationConfigId": "123456789012:repl"})])) == 1
    assert len(run("dms-cdc-latency-alarm", [target, repl, _alarm("CDCLatencySource", {
        "ReplicationConfigId": "123456789012:repl"}, namespace="AWS/RDS")])) == 1
    # By dimension value (the config's id after the account) or by dependency.
    assert run("dms-cdc-latency-alarm", [target, repl, _alarm("CDCLatencyTarget", {
        "ReplicationConfigId": "123456789012:repl"})]) == []
    assert run("dms-cdc-latency-alarm", [target, repl, _alarm("CDCLatencySource", {
        "ReplicationConfigId": UNKNOWN_STRING_VALUE}, dependencies=(repl.urn,))]) == []


def test_an_alarm_on_another_replication_does_not_count() -> None:
    target = _endpoint("green", "postgres")
    a, b = _config(VALIDATING, target, "orders"), _config(VALIDATING, target, "users")
    (v,) = run("dms-cdc-latency-alarm", [target, a, b, _alarm("CDCLatencySource", {
        "ReplicationConfigId": "123456789012:orders"})])
    assert v.urn == b.urn


def test_full_load_only_tasks_have_no_cdc_latency_to_watch() -> None:
    task = res(TASK, "once", inputs={"migrationType": "full-load", "replicationTaskId": "once"})
    assert run("dms-cdc-latency-alarm", [task]) == []
    cdc = res(TASK, "cdc", inputs={"migrationType": "cdc", "replicationTaskId": "cdc"})
    assert len(run("dms-cdc-latency-alarm", [cdc])) == 1
    assert run("dms-cdc-latency-alarm", [cdc, _alarm("CDCLatencyTarget", {
        "ReplicationInstanceIdentifier": "inst", "ReplicationTaskIdentifier": "cdc"})]) == []


# --- one writer per dataset -----------------------------------------------------------------------

def _data_plan(datasets: dict[str, Any], weight: int = 25) -> Res:
    return res("cutover:data:DataPlan", "data-plan", inputs={"greenWeight": weight, "datasets": datasets},
               custom=False)


def _copies(blue: list[str], green: list[str]) -> list[dict[str, Any]]:
    return [{"color": "blue", "store": "blue-mysql", "writers": blue},
            {"color": "green", "store": "yoga-Bookings-prod", "writers": green}]


def test_two_writable_copies_of_one_dataset_fail_naming_both() -> None:
    plan = _data_plan({"bookings": {"method": "dms", "writer": "blue", "copies": _copies(["blue"], ["green"]),
                                    "receipt": "/yoga/prod/data/bookings/receipt"},
                       "users": {"method": "dms", "writer": "blue", "copies": _copies(["blue"], []), "receipt": None}})
    (v,) = run("data-plan-single-writer", [plan])
    assert v.urn == plan.urn
    assert "'bookings'" in v.message and "blue-mysql" in v.message and "yoga-Bookings-prod" in v.message
    assert "users" not in v.message


def test_one_writable_copy_passes_whoever_writes_it() -> None:
    for copies in (_copies(["blue"], []), _copies([], ["green"]), _copies(["blue", "green"], []),
                   _copies([], [])):
        plan = _data_plan({"bookings": {"method": "dms", "writer": "blue", "copies": copies, "receipt": None}})
        assert run("data-plan-single-writer", [plan]) == []
    shared = _data_plan({"main": {"method": "shared", "writer": "green", "receipt": None, "copies": [
        {"color": "blue", "store": "blue-postgres", "writers": ["blue", "green"]}]}})
    assert run("data-plan-single-writer", [shared]) == []


def test_single_writer_rule_is_not_applicable_without_a_data_plan() -> None:
    assert run("data-plan-single-writer", [res("aws:s3/bucket:Bucket", inputs={})]) == []
