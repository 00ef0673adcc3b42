"""DataVerifier under mocks: the code archive, the handler's configuration, network, role and schedule.

Expectations come from the handler's contract (functions/verifier/handler.py and spec.py: the
DATASETS format; receipt.py: the parameter path), the Lambda developer guide (VPC functions need the
five ENI actions of AWSLambdaVPCAccessExecutionRole; AWS_REGION is a reserved variable the runtime
sets; the code is extracted to /var/task) and the installed distributions' own metadata.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.verifier import (
    DataVerifier,
    DataVerifierArgs,
    VerifiedDatabase,
    VerifiedDataset,
    VerifiedTable,
    driver_files,
    validate,
)
from cutover.naming import Namer
from cutover.plan.model import Plan
from functions.verifier.spec import parse_specs
from tests.conftest import plan_components

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "aws:lambda/function:Function"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
BLUE_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pos/prod/blue-db-AbCdEf"
GREEN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/yoga-Bookings-prod"
CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

PG = VerifiedDataset(
    "main", source=VerifiedDatabase("blue-db.internal", 5432, "pos", BLUE_SECRET, secret_kms_key_arn=KEY,
                                    cidr_blocks=("10.20.0.0/16",)),
    target=VerifiedDatabase("green.rds.amazonaws.com", 5432, "pos", GREEN_SECRET, security_group_id="sg-green",
                            ca_certificate_pem=CA))
BOOKINGS = VerifiedDataset(
    "bookings", source=VerifiedDatabase("10.20.0.15", 3306, "yoga", BLUE_SECRET, cidr_blocks=("10.20.0.15/32",)),
    tables=(VerifiedTable("yoga.bookings", "yoga-Bookings-prod", TABLE_ARN, "bookingId",
                          {"bookingId": ("id", "S"), "classId": ("class_id", "N")}, updated_at="updated_at",
                          kms_key_arn=KEY),))


def _args(**changes: Any) -> DataVerifierArgs:
    base: dict[str, Any] = dict(namer=Namer("pos", "prod"), datasets=(PG, BOOKINGS), vpc_id="vpc-1",
                                subnet_ids=["subnet-a", "subnet-b"], region="us-east-1", account_id="123456789012")
    base.update(changes)
    return DataVerifierArgs(**base)


def _plan(args: DataVerifierArgs) -> Plan:
    return plan_components(lambda: DataVerifier("verifier", args) and None, stack="prod")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _plan(_args())


def test_the_function_runs_the_verifier_handler_in_the_vpc(plan: Plan) -> None:
    fn = plan.one(FUNCTION).inputs
    assert (fn["runtime"], fn["handler"], fn["name"]) == ("python3.12", "handler.handler", "pos-prod-verifier")
    assert fn["tracingConfig"] == {"mode": "Active"}
    assert fn["vpcConfig"]["subnetIds"] == ["subnet-a", "subnet-b"]
    assert fn["vpcConfig"]["securityGroupIds"] == [plan.one("aws:ec2/securityGroup:SecurityGroup").id]
    assert set(fn["environment"]["variables"]) == {"DATASETS"}  # AWS_REGION is reserved: the runtime sets it
    group = plan.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["name"] == "/aws/lambda/pos-prod-verifier" and group["retentionInDays"] == 14
    assert fn["loggingConfig"]["logGroup"] == group["name"]


def test_datasets_variable_is_what_the_handler_parses(plan: Plan) -> None:
    raw = json.loads(plan.one(FUNCTION).inputs["environment"]["variables"]["DATASETS"])
    specs = parse_specs(raw)  # the handler's own parser accepts it
    assert specs["main"].pair == "postgres->postgres" and specs["bookings"].pair == "mysql->dynamodb"
    assert specs["main"].receipt_parameter == "/pos/prod/data/main/receipt"
    assert specs["bookings"].receipt_parameter == "/pos/prod/data/bookings/receipt"
    assert specs["main"].source.secret_arn == BLUE_SECRET and specs["main"].target.secret_arn == GREEN_SECRET
    # The CA bundle ships in the code and the spec points at it where Lambda extracts the code.
    assert specs["main"].target.ca_bundle == "/var/task/certs/main-target.pem"
    assert specs["main"].source.ca_bundle is None
    (table,) = specs["bookings"].tables
    assert (table.target, table.partition_key, table.updated_at) == ("yoga-Bookings-prod", "bookingId", "updated_at")
    assert specs["bookings"].target.region == "us-east-1"


def test_code_archive_is_the_handler_plus_its_pure_python_drivers(plan: Plan) -> None:
    code = plan.one(FUNCTION).inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assets = dict(code.assets)
    handler = sorted(p.name for p in (ROOT / "functions/verifier").glob("*.py"))
    assert all(name in assets for name in handler)
    assert assets["certs/main-target.pem"].text == CA  # type: ignore[union-attr]
    # Each import the handler needs, at the code root, from the installed distributions.
    for module in ("pg8000/__init__.py", "pg8000/native.py", "scramp/__init__.py", "asn1crypto/__init__.py",
                   "dateutil/__init__.py", "six.py", "pymysql/__init__.py"):
        assert module in assets, module
    assert not [k for k in assets if "__pycache__" in k or k.endswith((".pyc", ".so")) or ".dist-info" in k]
    component = plan.one("cutover:data:DataVerifier")
    wanted = {"pg8000", "scramp", "asn1crypto", "python-dateutil", "six", "PyMySQL"}
    assert {k.lower() for k in component.inputs["codePackages"]} == {w.lower() for w in wanted}
    assert component.inputs["codePackages"]["pg8000"] == metadata.version("pg8000")
    assert "pg8000 " in plan.one(FUNCTION).inputs["description"]


def test_driver_files_follow_the_requirements_in_the_metadata() -> None:
    versions, files = driver_files(("pg8000",))
    assert set(versions) == {"pg8000", "scramp", "asn1crypto", "python-dateutil", "six"}
    assert all(path.is_file() for path in files.values())
    with pytest.raises(ValueError, match="not-a-driver is not installed"):
        driver_files(("not-a-driver",))


def test_security_group_has_no_ingress_and_egress_only_to_the_databases_and_https(plan: Plan) -> None:
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup")
    assert not sg.inputs.get("ingress") and not sg.inputs.get("egress")
    rules = sorted((r.inputs["fromPort"], r.inputs.get("cidrIpv4") or r.inputs.get("referencedSecurityGroupId"))
                   for r in plan.of_type(EGRESS))
    assert rules == [(443, "0.0.0.0/0"), (3306, "10.20.0.15/32"), (5432, "10.20.0.0/16"), (5432, "sg-green")]
    assert all(r.inputs["securityGroupId"] == sg.id for r in plan.of_type(EGRESS))
    (ingress,) = plan.of_type(INGRESS)  # on green's database group, from the verifier only
    assert (ingress.inputs["securityGroupId"], ingress.inputs["referencedSecurityGroupId"],
            ingress.inputs["fromPort"]) == ("sg-green", sg.id, 5432)


def _statements(plan: Plan) -> dict[str, dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


def test_role_grants_exactly_the_handler_calls(plan: Plan) -> None:
    s = _statements(plan)
    assert set(s) == {"Logs", "XRay", "VpcNetworkInterfaces", "DatabaseCredentials", "DecryptSecrets",
                      "WriteReceipts", "ReadReceipts", "ReadTargetTables", "QueryTargetIndexes", "DecryptTables"}
    assert s["DatabaseCredentials"]["Resource"] == sorted([BLUE_SECRET, GREEN_SECRET])
    param = "arn:aws:ssm:us-east-1:123456789012:parameter/pos/prod/data/{}/receipt"
    assert s["WriteReceipts"]["Resource"] == [param.format("bookings"), param.format("main")]
    # Only DynamoDB-target verification reads the previous receipt (its high-water mark).
    assert s["ReadReceipts"]["Resource"] == [param.format("bookings")]
    assert s["ReadTargetTables"] == {"Effect": "Allow", "Sid": "ReadTargetTables", "Resource": [TABLE_ARN],
                                     "Action": ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:Scan"]}
    assert s["QueryTargetIndexes"]["Resource"] == [f"{TABLE_ARN}/index/*"]
    assert s["DecryptSecrets"]["Condition"] == {"StringEquals": {
        "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    assert s["DecryptTables"]["Condition"] == {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}
    assert sorted(s["VpcNetworkInterfaces"]["Action"]) == [
        "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses"]
    assert not plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_postgres_only_stack_has_no_dynamodb_or_receipt_reads() -> None:
    s = _statements(_plan(_args(datasets=(PG,))))
    assert not {"ReadReceipts", "ReadTargetTables", "QueryTargetIndexes", "DecryptTables"} & set(s)


def test_schedule_is_off_by_default_and_invokes_verify_when_set(plan: Plan) -> None:
    assert not plan.of_type("aws:cloudwatch/eventRule:EventRule")
    scheduled = _plan(_args(schedule_expression="rate(1 hour)"))
    rule = scheduled.one("aws:cloudwatch/eventRule:EventRule").inputs
    assert rule["scheduleExpression"] == "rate(1 hour)"
    target = scheduled.one("aws:cloudwatch/eventTarget:EventTarget").inputs
    assert json.loads(target["input"]) == {"mode": "verify"}
    permission = scheduled.one("aws:lambda/permission:Permission").inputs
    assert permission["principal"] == "events.amazonaws.com" and permission["sourceArn"]


def test_outputs_name_the_receipts() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        v = DataVerifier("verifier", _args())
        seen.update(v.receipt_parameters)

    plan_components(program, stack="prod")
    assert seen == {"main": "/pos/prod/data/main/receipt", "bookings": "/pos/prod/data/bookings/receipt"}


@pytest.mark.parametrize(("change", "message"), [
    ({"datasets": ()}, "datasets: at least one"),
    ({"datasets": (PG, PG)}, "'main' appears twice"),
    ({"datasets": (VerifiedDataset("x", PG.source),)}, r"datasets\[0\]: give target .* or tables"),
    ({"datasets": (VerifiedDataset("x", VerifiedDatabase("h", 5432, "d", BLUE_SECRET), target=PG.target),)},
     r"datasets\[0\].source: give security_group_id or cidr_blocks"),
    ({"datasets": (VerifiedDataset("Bad_Name", PG.source, target=PG.target),)}, r"datasets\[0\].dataset"),
    ({"datasets": (VerifiedDataset("b", BOOKINGS.source, tables=(VerifiedTable(
        "yoga.bookings", "t", TABLE_ARN, "nope", {"id": ("id", "S")}),)),)}, r"tables\[0\].partition_key"),
    ({"datasets": (VerifiedDataset("b", BOOKINGS.source, tables=(VerifiedTable(
        "yoga.bookings", "t", TABLE_ARN, "id", {"id": ("id", "B")}),)),)}, r"attributes.id: type 'B'"),
    ({"timeout_seconds": 901}, "timeout_seconds: 901"),
])
def test_bad_arguments_name_the_argument(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate(_args(**change))
