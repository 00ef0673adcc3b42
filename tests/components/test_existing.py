"""Existing stores by reference (profile section ``existing:``): grants scoped to ARNs derived by AWS's rules,
nothing registered for them, never touched by the cleanup path, listed by the plan as "existing".

ARN shapes come from the services' documentation, not from the code: S3 bucket ARNs carry no region or
account (``arn:aws:s3:::name``); DynamoDB tables are ``arn:aws:dynamodb:<region>:<account>:table/<name>``;
Secrets Manager appends a hyphen and six random characters to a secret's name in its ARN, and its
identity-policy examples match that suffix with ``-??????``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.dynamodb import READ_ACTIONS as TABLE_READ
from components.specs.existing import ExistingKind, partition_of
from cutover.config.existing import parse_existing
from cutover.config.reader import Reader
from cutover.errors import ConfigError
from tests.conftest import planned

ACCOUNT = "123456789012"  # the mocked caller identity's account (cutover/plan/mocks.py)
STRIPE = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:stripe/key-AbC123"
SETS = (
    f"overrides.existing.secrets.stripe-key.arn={STRIPE}",
    "overrides.existing.secrets.mail.name=mail/api",
    "overrides.existing.buckets.legacy.name=acme-legacy-uploads",
    "overrides.existing.tables.Orders.name=legacy-orders",
    "overrides.existing.databases.legacy.host=db.legacy.example.com",
    "overrides.existing.databases.legacy.engine=mysql",
    "overrides.existing.databases.legacy.database=app",
    f"overrides.existing.databases.legacy.secretArn=arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:legacy-db-XyZ789",
    "overrides.services.auth.uses.secret:stripe-key=read",
    "overrides.services.auth.uses.secret:mail=read",
    "overrides.services.auth.uses.bucket:legacy=write",
    "overrides.services.auth.uses.table:Orders=read",
    "overrides.services.auth.uses.database:legacy=read",
)


def _statements(plan: Any, role_policy: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", role_policy).inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"] if "Sid" in s}


@pytest.fixture(scope="module")
def with_existing() -> Any:
    return planned("dev", "profile=yoga-serverless", *SETS)


def _auth_policy_name(plan: Any) -> str:
    names = [r.name for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if "auth" in r.name]
    assert len(names) == 1, names
    return names[0]


def test_services_get_the_same_grants_scoped_to_the_derived_arns(with_existing: Any) -> None:
    st = _statements(with_existing, _auth_policy_name(with_existing))
    assert st["UseSecretStripeKey"]["Resource"] == [STRIPE]  # the full ARN, as given
    assert sorted(st["UseSecretStripeKey"]["Action"]) == ["secretsmanager:DescribeSecret",
                                                          "secretsmanager:GetSecretValue"]
    # name only: six ? for the random suffix, never * (which would also match "mail/api-other")
    assert st["UseSecretMail"]["Resource"] == [f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:mail/api-??????"]
    assert sorted(st["UseBucketLegacy"]["Resource"]) == ["arn:aws:s3:::acme-legacy-uploads",
                                                         "arn:aws:s3:::acme-legacy-uploads/*"]
    assert sorted(st["UseBucketLegacy"]["Action"]) == sorted(
        ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"])
    assert sorted(st["UseTableOrders"]["Resource"]) == [
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/legacy-orders",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/legacy-orders/index/*"]
    assert sorted(st["UseTableOrders"]["Action"]) == sorted(TABLE_READ)  # read only: no write action
    assert st["UseDatabaseLegacy"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert st["UseDatabaseLegacy"]["Resource"] == [
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:legacy-db-XyZ789"]


def test_environment_carries_names_and_arns_never_values(with_existing: Any) -> None:
    fns = [r for r in with_existing.of_type("aws:lambda/function:Function")
           if r.inputs.get("environment", {}).get("variables", {}).get("SERVICE_NAME") == "auth"]
    assert len(fns) == 1
    env = fns[0].inputs["environment"]["variables"]
    assert env["STRIPE_KEY_SECRET_ARN"] == STRIPE
    assert env["MAIL_SECRET_NAME"] == "mail/api"
    assert env["LEGACY_BUCKET"] == "acme-legacy-uploads"
    assert env["ORDERS_TABLE"] == "legacy-orders"
    assert (env["LEGACY_DB_HOST"], env["LEGACY_DB_PORT"], env["LEGACY_DB_ENGINE"]) == (
        "db.legacy.example.com", "3306", "mysql")  # MySQL's port when none is given


def test_nothing_is_registered_for_an_existing_store(with_existing: Any) -> None:
    base = planned("dev", "profile=yoga-serverless")
    added = {(r.type, r.name) for r in with_existing} - {(r.type, r.name) for r in base}
    assert added == set()  # only the grants and variables of existing resources changed
    mentioned = [r.name for r in with_existing if r.type in (
        "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket", "aws:dynamodb/table:Table",
        "aws:secretsmanager/secret:Secret") and ("legacy" in json.dumps(r.inputs) or "stripe" in json.dumps(r.inputs))]
    assert mentioned == []


def test_the_plan_lists_them_as_existing(with_existing: Any) -> None:
    listed = with_existing.stack_outputs["existing"]
    assert set(listed) == {"secret:stripe-key", "secret:mail", "bucket:legacy", "table:Orders", "database:legacy"}
    assert {v["managed"] for v in listed.values()} == {"existing"}
    assert listed["bucket:legacy"]["arn"] == "arn:aws:s3:::acme-legacy-uploads"


@pytest.mark.parametrize("sets", [("retire=green", "greenWeight=0"), ("retire=green", "greenWeight=0",
                                                                       "retireData=true")])
def test_the_cleanup_path_never_touches_them(sets: tuple[str, ...]) -> None:
    plan = planned("prod", "profile=yoga-serverless", *SETS, *sets)
    base = planned("prod", "profile=yoga-serverless", *sets)
    assert any(r.type.startswith("cutover:data:Archive") or "archive" in r.name for r in base)  # a cleanup runs
    text = json.dumps([dict(r.inputs) for r in plan if r.type.startswith(("aws:s3", "aws:dynamodb", "aws:rds",
                                                                          "aws:secretsmanager", "aws:backup"))])
    for name in ("acme-legacy-uploads", "legacy-orders", "stripe/key", "legacy-db-XyZ789"):
        assert name not in text  # no archive, export, snapshot or copy targets an existing store
    assert set(plan.stack_outputs["existing"]) == {"secret:stripe-key", "secret:mail", "bucket:legacy",
                                                   "table:Orders", "database:legacy"}


def test_a_ref_key_the_stack_already_holds_is_refused() -> None:
    with pytest.raises(Exception, match=r"existing\.secrets\.jwt-secret: secret:jwt-secret is already a store"):
        planned("dev", "profile=yoga-serverless",
                f"overrides.existing.secrets.jwt-secret.arn={STRIPE}")


# --- the parser: formats and key paths --------------------------------------------------------------

def _parse(doc: dict[str, Any], region: str = "us-east-1") -> Any:
    return parse_existing(Reader(doc, "existing"), region)


@pytest.mark.parametrize(("doc", "key", "allowed"), [
    ({"secrets": {"k": {"arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"}}},
     "existing.secrets.k.arn", "secret:<name>-<6 characters>"),  # no random suffix: not a full ARN
    ({"buckets": {"b": {"arn": "arn:aws:s3:us-east-1:123456789012:b"}}}, "existing.buckets.b.arn",
     "arn:aws:s3:::<bucket>"),
    ({"buckets": {"b": {"name": "Bad_Bucket"}}}, "existing.buckets.b.name", "3..63 lowercase"),
    ({"tables": {"t": {"arn": "arn:aws:dynamodb:us-east-1:1234:table/t1"}}}, "existing.tables.t.arn",
     "table/<name>"),
    ({"tables": {"t": {"name": "ab"}}}, "existing.tables.t.name", "3..255"),  # DynamoDB TableName min 3
    ({"queues": {"q": {"name": "x" * 81}}}, "existing.queues.q.name", "1..80"),
    ({"secrets": {"k": {"name": "api-AbC123"}}}, "existing.secrets.k.name", "secret:<name>-<6 characters>"),
    ({"secrets": {"k": {"arn": STRIPE, "name": "k"}}}, "existing.secrets.k", "arn:"),
    ({"secrets": {"k": {}}}, "existing.secrets.k", "arn:"),
    ({"databases": {"d": {"host": "db", "engine": "oracle", "secretArn": STRIPE}}}, "existing.databases.d.engine",
     "postgres | aurora-postgresql | mysql | aurora-mysql | mariadb"),
    ({"databases": {"d": {"host": "db", "engine": "mysql", "secretArn": STRIPE, "cidrBlocks": ["10.0.0.1/16"]}}},
     "existing.databases.d.cidrBlocks[0]", "10.20.0.0/16"),
    ({"secrets": {"1bad": {"arn": STRIPE}}}, "existing.secrets.1bad", "a letter"),
    ({"tablez": {}}, "existing.tablez", "buckets"),
])
def test_bad_input_names_the_key_and_the_allowed_values(doc: dict[str, Any], key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as err:
        _parse(doc)
    assert err.value.key == key
    assert allowed in (err.value.allowed or "")


def test_an_arn_of_another_partition_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        _parse({"secrets": {"k": {"arn": STRIPE}}}, region="cn-north-1")
    assert err.value.key == "existing.secrets.k.arn"
    assert "'aws-cn'" in err.value.problem and err.value.allowed is not None
    assert err.value.allowed.startswith("arn:aws-cn:secretsmanager:")


def test_a_valid_document_parses_in_kind_order() -> None:
    stores = _parse({"databases": {"legacy": {"host": "10.1.2.3", "engine": "postgres", "secretArn": STRIPE}},
                     "secrets": {"stripe-key": {"arn": STRIPE}},
                     "queues": {"jobs": {"name": "jobs.fifo"}}})
    assert [(s.kind, s.ref_key) for s in stores] == [(ExistingKind.SECRET, "secret:stripe-key"),
                                                      (ExistingKind.QUEUE, "queue:jobs"),
                                                      (ExistingKind.DATABASE, "database:legacy")]
    assert stores[0].resource_name == "stripe/key" and stores[0].arn == STRIPE
    assert stores[2].port == 5432  # PostgreSQL's default port


def test_partitions_follow_botocore_endpoint_data() -> None:
    import re
    from pathlib import Path

    import botocore

    from cutover.config.schema.flat import AWS_REGIONS

    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    for region in AWS_REGIONS:
        expected = [p["partition"] for p in data["partitions"] if re.match(p["regionRegex"], region)
                    or region in p["regions"]]
        assert partition_of(region) in expected, region


def test_the_plan_text_lists_them_under_existing(with_existing: Any) -> None:
    from cutover.plan import render

    text = render.existing(with_existing)
    assert text is not None
    lines = text.splitlines()
    assert lines[0].startswith("Existing stores (by reference")
    assert "  bucket:legacy                bucket    existing  arn:aws:s3:::acme-legacy-uploads" in lines
    assert any(line.split()[:3] == ["database:legacy", "database", "existing"]
               and line.endswith("db.legacy.example.com:3306") for line in lines)
    assert render.existing(planned("dev", "profile=yoga-serverless")) is None


def test_an_existing_queue_is_sent_to_never_consumed() -> None:
    queue = ("overrides.existing.queues.jobs.arn=arn:aws:sqs:us-east-1:210987654321:legacy-jobs",)
    plan = planned("dev", "profile=yoga-serverless", *queue, "overrides.services.auth.uses.queue:jobs=send")
    st = _statements(plan, _auth_policy_name(plan))
    assert st["UseQueueJobs"]["Action"] == ["sqs:SendMessage"]  # no receive or delete right
    assert st["UseQueueJobs"]["Resource"] == ["arn:aws:sqs:us-east-1:210987654321:legacy-jobs"]
    fn = next(r for r in plan.of_type("aws:lambda/function:Function")
              if r.inputs.get("environment", {}).get("variables", {}).get("SERVICE_NAME") == "auth")
    # SendMessage takes the queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> (SQS API reference)
    assert fn.inputs["environment"]["variables"]["JOBS_QUEUE_URL"] == \
        "https://sqs.us-east-1.amazonaws.com/210987654321/legacy-jobs"
    with pytest.raises(Exception, match=r"services\.auth\.uses\.queue:jobs: queue:jobs has no 'consume' capability "
                                        r"\(allowed: send\)"):
        planned("dev", "profile=yoga-serverless", *queue, "overrides.services.auth.uses.queue:jobs=consume")
