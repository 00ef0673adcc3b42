"""DataMigration under mocks: exact endpoints, TLS, table mappings, validation, network, roles, alarms.

Expectations come from the DMS user guide (SSL modes per engine, validation targets, DynamoDB
object mapping, Secrets Manager trust policy, account service roles) and the pulumi_aws DMS docs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.data_migration import (
    AttributeMapping,
    DatabaseEndpoint,
    DataMigration,
    DataMigrationArgs,
    DynamoDBTarget,
    InstanceCapacity,
    ServerlessCapacity,
    TableMapping,
    validate,
)
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

ENDPOINT = "aws:dms/endpoint:Endpoint"
CONFIG = "aws:dms/replicationConfig:ReplicationConfig"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ROLE = "aws:iam/role:Role"
KMS = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TOPIC = "arn:aws:sns:us-east-1:123456789012:pos-prod-alerts"
BLUE_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pos/prod/blue-db-AbCdEf"
GREEN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/yoga-Bookings-prod"
CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

PG_SOURCE = DatabaseEndpoint("postgres", "blue-db.internal", 5432, "pos", BLUE_SECRET, security_group_id="sg-blue")
PG_TARGET = DatabaseEndpoint("postgres", "pos-prod-postgres.rds.amazonaws.com", 5432, "pos", GREEN_SECRET,
                             security_group_id="sg-green")
MYSQL_SOURCE = DatabaseEndpoint("mysql", "10.20.0.15", 3306, "yoga", BLUE_SECRET, ca_certificate_pem=CA,
                                cidr_blocks=("10.20.0.15/32",))
BOOKINGS = TableMapping("yoga", "bookings", "yoga-Bookings-prod", "bookingId", attributes=(
    AttributeMapping("bookingId", "id"), AttributeMapping("userId", "user_id"),
    AttributeMapping("classId", "class_id", "N"), AttributeMapping("note", "note")))


def _args(**changes: Any) -> DataMigrationArgs:
    base: dict[str, Any] = dict(
        dataset="main", namer=Namer("pos", "prod"), source=PG_SOURCE, target=PG_TARGET,
        tables=(TableMapping("public", "orders"), TableMapping("public", "products")),
        vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"], kms_key_arn=KMS, alert_topic_arn=TOPIC,
        region="us-east-1", account_id="123456789012")
    base.update(changes)
    return DataMigrationArgs(**base)


def _plan(args: DataMigrationArgs) -> Plan:
    return plan_components(lambda: DataMigration("migration-main", args) and None, stack="prod")


def _policy(plan: Plan, name: str) -> dict[str, Any]:
    return json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])


def test_postgres_to_postgres_is_serverless_full_load_and_cdc_with_validation() -> None:
    plan = _plan(_args())
    config = plan.one(CONFIG).inputs
    assert config["replicationType"] == "full-load-and-cdc"
    assert config["replicationConfigIdentifier"] == "pos-prod-dms-main"
    assert config["startReplication"] is False
    compute = config["computeConfig"]
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup").id
    assert compute == {"replicationSubnetGroupId": "pos-prod-dms-main", "vpcSecurityGroupIds": [sg], "kmsKeyId": KMS,
                       "minCapacityUnits": 1, "maxCapacityUnits": 4, "multiAz": False,
                       "preferredMaintenanceWindow": "sun:05:30-sun:06:00"}
    settings = json.loads(config["replicationSettings"])
    assert settings["ValidationSettings"] == {"EnableValidation": True, "ValidationMode": "ROW_LEVEL",
                                              "ThreadCount": 5, "FailureMaxCount": 10000, "ValidationOnly": False}
    assert settings["TargetMetadata"] == {"SupportLobs": True, "FullLobMode": False, "LimitedSizeLobMode": True,
                                          "LobMaxSize": 32}
    assert settings["FullLoadSettings"] == {"TargetTablePrepMode": "DO_NOTHING"}
    assert json.loads(config["tableMappings"]) == {"rules": [
        {"rule-type": "selection", "rule-id": "1", "rule-name": "include-orders", "rule-action": "include",
         "object-locator": {"schema-name": "public", "table-name": "orders"}},
        {"rule-type": "selection", "rule-id": "2", "rule-name": "include-products", "rule-action": "include",
         "object-locator": {"schema-name": "public", "table-name": "products"}}]}
    subnets = plan.one("aws:dms/replicationSubnetGroup:ReplicationSubnetGroup").inputs
    assert subnets["subnetIds"] == ["subnet-a", "subnet-b"]


def test_database_endpoints_read_secrets_through_a_regional_dms_role_with_tls_and_the_cmk() -> None:
    plan = _plan(_args())
    role = plan.one(ROLE, "migration-main-secrets")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [{"Effect": "Allow", "Action": "sts:AssumeRole",
                      "Principal": {"Service": "dms.us-east-1.amazonaws.com"}}]
    (stmt,) = _policy(plan, "migration-main-secrets")["Statement"]
    assert stmt["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert stmt["Resource"] == sorted([BLUE_SECRET, GREEN_SECRET])
    endpoints = {e.inputs["endpointType"]: e.inputs for e in plan.of_type(ENDPOINT)}
    assert set(endpoints) == {"source", "target"}
    for side, ep in endpoints.items():
        assert ep["engineName"] == "postgres" and ep["sslMode"] == "require" and ep["kmsKeyArn"] == KMS
        assert ep["secretsManagerAccessRoleArn"] == role.outputs["arn"]
        assert "password" not in ep and "username" not in ep
        assert ep["endpointId"] == f"pos-prod-dms-main-{side}"
    assert endpoints["source"]["secretsManagerArn"] == BLUE_SECRET
    assert endpoints["target"]["secretsManagerArn"] == GREEN_SECRET


def test_the_security_group_only_reaches_the_two_database_ports_and_they_admit_it() -> None:
    plan = _plan(_args())
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in sg.inputs and "egress" not in sg.inputs
    egress = sorted((r.inputs["fromPort"], r.inputs["toPort"], r.inputs["referencedSecurityGroupId"])
                    for r in plan.of_type(EGRESS))
    assert egress == [(5432, 5432, "sg-blue"), (5432, 5432, "sg-green")]
    assert all(r.inputs["securityGroupId"] == sg.id for r in plan.of_type(EGRESS))
    ingress = sorted((r.inputs["securityGroupId"], r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"])
                     for r in plan.of_type(INGRESS))
    assert ingress == [("sg-blue", sg.id, 5432), ("sg-green", sg.id, 5432)]


def test_cdc_latency_and_validation_alarms_go_to_the_alert_topic() -> None:
    plan = _plan(_args())
    alarms = {a.inputs["metricName"]: a.inputs for a in plan.of_type(ALARM)}
    assert set(alarms) == {"CDCLatencySource", "CDCLatencyTarget", "ValidationFailedOverallCount"}
    resource_id = plan.one(CONFIG).outputs["arn"].split(":")[-1]
    for metric, a in alarms.items():
        assert a["namespace"] == "AWS/DMS" and a["alarmActions"] == [TOPIC]
        assert a["dimensions"] == {"ReplicationConfigId": f"123456789012:{resource_id}"}
        assert a["comparisonOperator"] == "GreaterThanThreshold"
        assert a["threshold"] == (0 if metric.startswith("Validation") else 300)
    assert plan.one("aws:cloudwatch/logGroup:LogGroup").inputs["name"] == f"dms-serverless-replication-{resource_id}"


def test_mysql_to_dynamodb_maps_columns_to_attributes_without_validation() -> None:
    target = DynamoDBTarget((TABLE_ARN,), prefix_list_id="pl-dynamodb")
    plan = _plan(_args(dataset="bookings", namer=Namer("yoga", "prod"), source=MYSQL_SOURCE, target=target,
                       tables=(BOOKINGS,)))
    config = plan.one(CONFIG).inputs
    assert json.loads(config["replicationSettings"])["ValidationSettings"] == {"EnableValidation": False}
    rules = json.loads(config["tableMappings"])["rules"]
    assert rules[1] == {
        "rule-type": "object-mapping", "rule-id": "2", "rule-name": "map-bookings",
        "rule-action": "map-record-to-record", "object-locator": {"schema-name": "yoga", "table-name": "bookings"},
        "target-table-name": "yoga-Bookings-prod",
        "mapping-parameters": {
            "partition-key-name": "bookingId", "exclude-columns": ["class_id", "id", "user_id"],
            "attribute-mappings": [
                {"target-attribute-name": "bookingId", "attribute-type": "scalar", "attribute-sub-type": "string",
                 "value": "${id}"},
                {"target-attribute-name": "userId", "attribute-type": "scalar", "attribute-sub-type": "string",
                 "value": "${user_id}"},
                {"target-attribute-name": "classId", "attribute-type": "scalar", "attribute-sub-type": "number",
                 "value": "${class_id}"},
                {"target-attribute-name": "note", "attribute-type": "scalar", "attribute-sub-type": "string",
                 "value": "${note}"}]}}
    endpoints = {e.inputs["endpointType"]: e.inputs for e in plan.of_type(ENDPOINT)}
    # MySQL: DMS offers verify-ca / verify-full only, so the CA is imported and verify-full used.
    cert = plan.one("aws:dms/certificate:Certificate")
    assert endpoints["source"]["sslMode"] == "verify-full" and cert.inputs["certificatePem"] == CA
    source = next(e for e in plan.of_type(ENDPOINT) if e.inputs["endpointType"] == "source")
    assert cert.urn in source.dependencies  # certificateArn: computed by DMS, unknown in a preview
    ddb = endpoints["target"]
    assert ddb["engineName"] == "dynamodb" and "sslMode" not in ddb and "secretsManagerArn" not in ddb
    role = plan.one(ROLE, "migration-main-dynamodb")
    assert ddb["serviceAccessRole"] == role.outputs["arn"]
    write, listing = _policy(plan, "migration-main-dynamodb")["Statement"]
    assert write["Action"] == sorted(["dynamodb:PutItem", "dynamodb:CreateTable", "dynamodb:DescribeTable",
                                      "dynamodb:DeleteTable", "dynamodb:DeleteItem", "dynamodb:UpdateItem"])
    assert write["Resource"] == [TABLE_ARN, "arn:aws:dynamodb:us-east-1:123456789012:table/awsdms_apply_exceptions",
                                 "arn:aws:dynamodb:us-east-1:123456789012:table/awsdms_full_load_exceptions"]
    assert listing["Action"] == ["dynamodb:ListTables"] and listing["Resource"] == ["*"]
    egress = sorted((r.inputs["fromPort"], r.inputs.get("cidrIpv4"), r.inputs.get("prefixListId"))
                    for r in plan.of_type(EGRESS))
    assert egress == [(443, None, "pl-dynamodb"), (3306, "10.20.0.15/32", None)]
    assert {a.inputs["metricName"] for a in plan.of_type(ALARM)} == {"CDCLatencySource", "CDCLatencyTarget"}


def test_account_roles_are_created_by_one_stack_and_retained() -> None:
    assert _plan(_args()).of_type(ROLE) and not [r for r in _plan(_args()).of_type(ROLE)
                                                  if r.inputs.get("name", "").startswith("dms-")]
    plan = _plan(_args(create_account_roles=True))
    shared = {r.inputs["name"]: r for r in plan.of_type(ROLE) if r.inputs["name"] in ("dms-vpc-role",
                                                                                      "dms-cloudwatch-logs-role")}
    assert set(shared) == {"dms-vpc-role", "dms-cloudwatch-logs-role"}
    for role in shared.values():
        assert role.retain_on_delete and json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
            "Service": "dms.amazonaws.com"}
    attachments = {a.inputs["policyArn"] for a in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert attachments == {"arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
                           "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole"}
    subnets = plan.one("aws:dms/replicationSubnetGroup:ReplicationSubnetGroup")
    assert {r.urn for r in shared.values()} <= set(subnets.dependencies)


def test_an_instance_is_private_encrypted_and_alarmed_by_instance_and_task() -> None:
    plan = _plan(_args(capacity=InstanceCapacity("dms.t3.small", 50, True)))
    assert not plan.of_type(CONFIG)
    instance = plan.one("aws:dms/replicationInstance:ReplicationInstance").inputs
    assert instance["publiclyAccessible"] is False and instance["kmsKeyArn"] == KMS and instance["multiAz"] is True
    task = plan.one("aws:dms/replicationTask:ReplicationTask")
    assert task.inputs["migrationType"] == "full-load-and-cdc"
    assert json.loads(task.inputs["replicationTaskSettings"])["ValidationSettings"]["EnableValidation"] is True
    # ReplicationTaskIdentifier is the task ARN's resource id: computed by DMS, unknown in a preview.
    for alarm in plan.of_type(ALARM):
        assert alarm.inputs["dimensions"]["ReplicationInstanceIdentifier"] == "pos-prod-dms-main"
        assert task.urn in alarm.dependencies


@pytest.mark.parametrize(("changes", "message"), [
    ({"source": DatabaseEndpoint("mysql", "h", 3306, "d", BLUE_SECRET, cidr_blocks=("10.0.0.1/32",))},
     "source.ca_certificate_pem: required for ssl_mode 'verify-full' (DMS offers no 'require' for MySQL"),
    ({"source": DatabaseEndpoint("mysql", "h", 3306, "d", BLUE_SECRET, ssl_mode="require", ca_certificate_pem=CA,
                                 cidr_blocks=("10.0.0.1/32",))},
     "source.ssl_mode: 'require' is not supported by DMS for mysql (allowed: verify-ca | verify-full"),
    ({"target": DatabaseEndpoint("postgres", "h", 5432, "d", GREEN_SECRET, ssl_mode="none", security_group_id="sg")},
     "target.ssl_mode: 'none' is not supported"),
    ({"source": DatabaseEndpoint("postgres", "h", 5432, "d", BLUE_SECRET)},
     "source: give security_group_id or cidr_blocks"),
    ({"capacity": ServerlessCapacity(min_dcu=3)}, "capacity.min_dcu: 3 (allowed: 1, 2, 4"),
    ({"capacity": ServerlessCapacity(min_dcu=8, max_dcu=4)}, "capacity: min_dcu 8 exceeds max_dcu 4"),
    ({"subnet_ids": ["subnet-a"]}, "subnet_ids: a DMS subnet group needs subnets in at least two"),
    ({"target": DynamoDBTarget((TABLE_ARN,)), "tables": (TableMapping("yoga", "bookings", "T", "pk"),)},
     "tables[yoga.bookings]: key 'pk' is not a mapped attribute"),
    ({"tables": (TableMapping("public", "a"), TableMapping("public", "a"))}, "tables: a table appears twice"),
])
def test_combinations_dms_would_refuse_fail_naming_the_argument(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        validate(_args(**changes))
    assert message in str(err.value)
