"""IAM contract of functions/verifier: every call the handler makes vs. the policy DataVerifier plans.

The databases are real (tests/servers.py: a PostgreSQL cluster for a postgres->postgres dataset, a
MariaDB server for a mysql->dynamodb one); their traffic is not AWS and is not recorded. Secrets
Manager, SSM, KMS and DynamoDB are moto, recorded through botocore. The component is planned with
moto's own ARNs (secrets, keys, table), so recorded requests and the plan name the same resources.

Scenarios: preflight and verify of every dataset; verify again (a DynamoDB-target dataset now reads
its previous receipt's high-water mark); then, for every operation on that path, the same run with
that operation denied, so the error paths' calls are checked too.

Calls AWS makes on the handler's behalf are added from AWS's documentation, not from the code:
Secrets Manager decrypts a secret under a customer-managed key with the caller's ``kms:Decrypt``
(Secrets Manager user guide, "Secret encryption and decryption in AWS Secrets Manager": the request
carries ``kms:ViaService`` = ``secretsmanager.<region>.amazonaws.com``); DynamoDB uses the table's
customer-managed key on the caller's behalf (DynamoDB developer guide, "How Amazon DynamoDB uses AWS
KMS", with ``kms:ViaService`` = ``dynamodb.<region>.amazonaws.com``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pg8000.native
import pymysql
import pytest

from components.verifier import DataVerifier, DataVerifierArgs, VerifiedDatabase, VerifiedDataset, VerifiedTable
from cutover.naming import Namer
from functions.verifier import handler as verifier
from functions.verifier.receipt import parse_receipt
from tests.conftest import plan_components
from tests.contract.conftest import REGION
from tests.contract.iam_rules import AuthzRequest, ContractError, request_for
from tests.contract.plan_policy import PlannedFunction, assert_contract, code_path, denied, planned_function, summary
from tests.contract.recorder import recording
from tests.servers import Server, mariadb_server, postgres_server  # noqa: F401  (session fixtures)

ACCOUNT = "123456789012"
TABLE = "yoga-Bookings-prod"
_ids = itertools.count()


@dataclass
class World:
    pf: PlannedFunction
    secret_keys: dict[str, str]  # secret ARN -> its CMK
    table_key: str
    mysql_db: str


def _postgres(server: Server) -> tuple[str, str]:
    """Two databases holding the same rows: blue's and a faithful green copy."""
    n = next(_ids)
    names = (f"contract_src_{n}", f"contract_tgt_{n}")
    admin = pg8000.native.Connection(server.user, host=server.host, port=server.port, database="postgres")
    for db in names:
        admin.run(f"CREATE DATABASE {db}")
        conn = pg8000.native.Connection(server.user, host=server.host, port=server.port, database=db)
        conn.run("CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10, 2))")
        conn.run("INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 40) g")
        conn.close()
    admin.close()
    return names


def _mysql(server: Server) -> str:
    db = f"contract_yoga_{next(_ids)}"
    conn = pymysql.connect(host=server.host, port=server.port, user=server.user, autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"CREATE TABLE {db}.bookings (id INT PRIMARY KEY, user_id VARCHAR(36) NOT NULL, "
                    "updated_at DATETIME NOT NULL)")
        cur.executemany(f"INSERT INTO {db}.bookings VALUES (%s, %s, '2025-01-01 00:00:00')",
                        [(i, f"user-{i % 3}") for i in range(1, 31)])
    conn.close()
    return db


def _moto(pg: Server, my: Server, mysql_db: str) -> tuple[dict[str, str], dict[str, str], str, str]:
    """(secret ARNs by role, their CMKs, the table's ARN, the table's CMK)."""
    kms = boto3.client("kms", region_name=REGION)
    secret_key, table_key = (kms.create_key(Description=d)["KeyMetadata"]["Arn"] for d in ("secrets", "table"))
    sm = boto3.client("secretsmanager", region_name=REGION)
    secrets = {role: sm.create_secret(Name=f"contract/{role}", KmsKeyId=secret_key, SecretString=json.dumps(
        {"username": server.user, "password": ""}))["ARN"]
        for role, server in (("pg-blue", pg), ("pg-green", pg), ("mysql-blue", my))}
    ddb = boto3.client("dynamodb", region_name=REGION)
    table_arn = ddb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "bookingId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("bookingId", "userId")],
        GlobalSecondaryIndexes=[{"IndexName": "byUser", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}]}],
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": table_key},
    )["TableDescription"]["TableArn"]
    for i in range(1, 31):  # what the DMS object mapping writes: a faithful copy
        ddb.put_item(TableName=TABLE, Item={"bookingId": {"S": str(i)}, "userId": {"S": f"user-{i % 3}"}})
    return secrets, {arn: secret_key for arn in secrets.values()}, table_arn, table_key


@pytest.fixture
def world(moto_aws: None, postgres_server: Server, mariadb_server: Server) -> Iterator[World]:  # noqa: F811
    src, tgt = _postgres(postgres_server)
    mysql_db = _mysql(mariadb_server)
    secrets, secret_keys, table_arn, table_key = _moto(postgres_server, mariadb_server, mysql_db)
    pg = postgres_server
    datasets = (
        VerifiedDataset("orders", recheck_seconds=0,
                        source=VerifiedDatabase(pg.host, pg.port, src, secrets["pg-blue"], secret_keys[secrets[
                            "pg-blue"]], cidr_blocks=("10.20.0.0/16",), tls=False),
                        target=VerifiedDatabase(pg.host, pg.port, tgt, secrets["pg-green"], secret_keys[secrets[
                            "pg-green"]], security_group_id="sg-green", tls=False)),
        VerifiedDataset("bookings", recheck_seconds=0, gsi_probes=3,
                        source=VerifiedDatabase(mariadb_server.host, mariadb_server.port, mysql_db,
                                                secrets["mysql-blue"], secret_keys[secrets["mysql-blue"]],
                                                cidr_blocks=("10.20.0.15/32",), tls=False),
                        tables=(VerifiedTable(f"{mysql_db}.bookings", TABLE, table_arn, "bookingId",
                                              {"bookingId": ("id", "S"), "userId": ("user_id", "S")},
                                              updated_at="updated_at", kms_key_arn=table_key),)))
    args = DataVerifierArgs(namer=Namer("yoga", "prod"), datasets=datasets, vpc_id="vpc-1",
                            subnet_ids=["subnet-a", "subnet-b"], region=REGION, account_id=ACCOUNT)
    plan = plan_components(lambda: DataVerifier("verifier", args) and None, stack="prod")
    yield World(planned_function(plan, "verifier-fn"), secret_keys, table_key, mysql_db)
    mysql = pymysql.connect(host=mariadb_server.host, port=mariadb_server.port, user=mariadb_server.user,
                            autocommit=True)
    with mysql.cursor() as cur:
        cur.execute(f"DROP DATABASE {mysql_db}")
    mysql.close()
    admin = pg8000.native.Connection(pg.user, host=pg.host, port=pg.port, database="postgres")
    for db in (src, tgt):
        admin.run(f"DROP DATABASE {db} WITH (FORCE)")
    admin.close()


def _implied(w: World, requests: list[AuthzRequest]) -> list[AuthzRequest]:
    """KMS calls Secrets Manager and DynamoDB make on the handler's behalf (module docstring)."""
    out = []
    for r in requests:
        if r.action == "secretsmanager:GetSecretValue" and r.resource in w.secret_keys:
            out.append(AuthzRequest("kms:Decrypt", w.secret_keys[r.resource], f"Secrets Manager on behalf of: "
                                    f"{r.origin}", {"kms:ViaService": (f"secretsmanager.{REGION}.amazonaws.com",)}))
        if r.action.startswith("dynamodb:") and f"table/{TABLE}" in r.resource and r.action != "dynamodb:DescribeTable":
            out.append(AuthzRequest("kms:Decrypt", w.table_key, f"DynamoDB on behalf of: {r.origin}",
                                    {"kms:ViaService": (f"dynamodb.{REGION}.amazonaws.com",)}))
    return out


def _run(event: dict[str, Any]) -> Any:
    try:
        return verifier.handler(event, None)
    except Exception as exc:  # an error path: its calls are what is checked
        return exc


def run_scenarios(w: World, monkeypatch: pytest.MonkeyPatch) -> list[AuthzRequest]:
    assert w.pf.region == REGION
    for key, value in {**w.pf.environment, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    requests: list[AuthzRequest] = []
    with recording() as rec:
        preflight = _run({"mode": "preflight"})
        first = _run({"mode": "verify"})
        second = _run({"mode": "verify"})
        path = sorted({(c.service, c.operation) for c in rec.calls})
        requests += rec.requests()
    # The happy path really ran against the servers: both copies are faithful.
    assert isinstance(preflight, dict) and set(preflight) == {"orders", "bookings"}, preflight
    for result in (first, second):
        assert isinstance(result, dict) and all(r["clean"] for r in result.values()), result
    ssm = boto3.client("ssm", region_name=REGION)
    assert parse_receipt(ssm.get_parameter(Name="/yoga/prod/data/bookings/receipt")["Parameter"]["Value"]).clean
    assert ("dynamodb", "Query") in path and ("ssm", "GetParameter") in path  # GSI probes, high-water mark
    for service, operation in path:
        with recording() as failing:
            failing.fail(f"{service}.{operation}", "AccessDeniedException")
            _run({"mode": "verify"})
            requests += failing.requests()
    return requests + _implied(w, requests)


def test_every_call_is_allowed_and_every_grant_is_used(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert code_path(world.pf.function) == "functions/verifier"
    requests = run_scenarios(world, monkeypatch)
    print("\nverifier: " + "\n  ".join(summary(requests)))
    assert_contract(world.pf, requests)


def test_a_call_outside_the_policy_fails_the_contract(world: World) -> None:
    """The check can fail: a receipt of another stack, a table the plan does not name, a secret's key
    used outside Secrets Manager."""
    outside = [
        AuthzRequest("ssm:PutParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/yoga/dev/data/bookings/receipt",
                     "test"),
        AuthzRequest("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/yoga/prod/data/orders/receipt",
                     "test"),  # a postgres->postgres dataset never reads its receipt
        AuthzRequest("dynamodb:Scan", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/yoga-Users-prod", "test"),
        AuthzRequest("dynamodb:Query", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}", "test"),  # base table
        AuthzRequest("dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}", "test"),
        AuthzRequest("kms:Decrypt", world.table_key, "test"),  # no kms:ViaService
    ]
    assert denied(world.pf, outside) == [str(r) for r in outside]


# ── the framework's request mapping (tests/contract/iam_rules.py) ───────────────────────────────

@pytest.mark.parametrize(("params", "resource"), [
    ({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:api:live"},
     "arn:aws:lambda:us-east-1:123456789012:function:api:live"),
    ({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:api", "Qualifier": "7"},
     "arn:aws:lambda:us-east-1:123456789012:function:api:7"),
    ({"FunctionName": "api:live"}, "arn:aws:lambda:us-east-1:123456789012:function:api:live"),
    ({"FunctionName": "123456789012:function:api:3"}, "arn:aws:lambda:us-east-1:123456789012:function:api:3"),
    ({"FunctionName": "api"}, "arn:aws:lambda:us-east-1:123456789012:function:api"),
])
def test_invoke_authorizes_on_the_qualified_function(params: dict[str, str], resource: str) -> None:
    """Lambda authorizes Invoke of a version or alias on the qualified ARN, however it is written
    (Lambda API reference, Invoke: FunctionName name/ARN/partial ARN with an optional qualifier)."""
    assert request_for("lambda", "Invoke", params, REGION, ACCOUNT, "test").resource == resource


def test_get_alias_stays_on_the_unqualified_function() -> None:
    params = {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:api", "Name": "live"}
    assert request_for("lambda", "GetAlias", params, REGION, ACCOUNT, "t").resource.endswith("function:api")


def test_dynamodb_reads_authorize_on_the_table_or_the_index() -> None:
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
    assert request_for("dynamodb", "Query", {"TableName": TABLE, "IndexName": "byUser"}, REGION, ACCOUNT,
                       "t").resource == f"{table}/index/byUser"
    assert request_for("dynamodb", "Scan", {"TableName": TABLE}, REGION, ACCOUNT, "t").resource == table
    batch = request_for("dynamodb", "BatchGetItem", {"RequestItems": {TABLE: {"Keys": []}}}, REGION, ACCOUNT, "t")
    assert (batch.action, batch.resource) == ("dynamodb:BatchGetItem", table)
    with pytest.raises(ContractError, match="2 authorizations"):
        request_for("dynamodb", "BatchGetItem", {"RequestItems": {"a": {}, "b": {}}}, REGION, ACCOUNT, "t")
