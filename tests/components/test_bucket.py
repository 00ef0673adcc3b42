"""SecureBucket: private, encrypted, TLS-only, versioned and retained where configured."""

from __future__ import annotations

import json

import pytest

from components.bucket import SecureBucket, SecureBucketArgs
from cutover.config import LifecycleConfig
from cutover.plan.model import Plan
from tests.conftest import plan_components

LC = LifecycleConfig(expire_days=None, glacier_after_days=90, noncurrent_expire_days=30,
                     abort_incomplete_upload_days=7)


def build(**kw: object) -> Plan:
    args = SecureBucketArgs(**{"bucket_name": "pos-dev-receipts-123456789012", "versioning": True, "lifecycle": LC,
                               "retain": False, **kw})  # type: ignore[arg-type]
    return plan_components(lambda: SecureBucket("receipts", args))


def test_all_four_public_access_blocks_and_no_acls() -> None:
    plan = build()
    pab = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(pab[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"))
    owner = plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert owner["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_encryption_at_rest() -> None:
    enc = build().one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert enc.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_bucket_policy_denies_insecure_transport_on_bucket_and_objects() -> None:
    plan = build()
    arn = plan.one("aws:s3/bucket:Bucket").outputs["arn"]
    doc = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    (deny,) = doc["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Resource"] == [arn, f"{arn}/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_extra_statements_are_appended() -> None:
    stmt = {"Sid": "Extra", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::x/*"}
    doc = json.loads(build(policy_statements=[stmt]).one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert [s.get("Sid") for s in doc["Statement"]] == ["DenyInsecureTransport", "Extra"]


@pytest.mark.parametrize("versioning", [True, False])
def test_versioning_and_lifecycle(versioning: bool) -> None:
    plan = build(versioning=versioning)
    assert len(plan.of_type("aws:s3/bucketVersioning:BucketVersioning")) == int(versioning)
    (rule,) = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rule["transitions"] == [{"days": 90, "storageClass": "GLACIER"}]
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert ("noncurrentVersionExpiration" in rule) is versioning


@pytest.mark.parametrize("retain", [True, False])
def test_retained_buckets_are_protected_and_never_force_destroyed(retain: bool) -> None:
    bucket = build(retain=retain).one("aws:s3/bucket:Bucket")
    assert bucket.protect is retain and bucket.retain_on_delete is retain
    assert bucket.inputs["forceDestroy"] is (not retain)


def test_cors_only_when_origins_are_given() -> None:
    assert not build().of_type("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")
    cors = build(cors_origins=("https://gabi.yoga",), cors_methods=("GET", "PUT")).one(
        "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration").inputs["corsRules"][0]
    assert cors["allowedOrigins"] == ["https://gabi.yoga"] and cors["allowedMethods"] == ["GET", "PUT"]


def test_a_retained_bucket_keeps_its_configuration_when_it_leaves_the_stack() -> None:
    # Deleting a child calls DeleteBucketLifecycle, DeleteBucketPolicy, DeletePublicAccessBlock... on a
    # bucket that stays in AWS: its objects would never expire and it would lose its guards.
    kept = build(retain=True)
    bucket = kept.one("aws:s3/bucket:Bucket")
    assert bucket.protect and bucket.retain_on_delete and bucket.inputs["forceDestroy"] is False
    children = [r for r in kept if r.custom and r.type != "aws:s3/bucket:Bucket"]
    assert len(children) >= 6 and all(r.retain_on_delete for r in children)
    disposable = build(retain=False)
    assert not any(r.retain_on_delete or r.protect for r in disposable if r.custom)
    assert disposable.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is True
