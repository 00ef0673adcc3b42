"""A private, encrypted, TLS-only S3 bucket: the only way Cutover creates buckets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.specs.storage import LifecycleConfig


@dataclass(frozen=True)
class SecureBucketArgs:
    bucket_name: str  # physical name from the Namer
    versioning: bool
    lifecycle: LifecycleConfig
    retain: bool  # protect + retain_on_delete: the data outlives the stack
    cors_origins: tuple[str, ...] = ()
    cors_methods: tuple[str, ...] = ("GET",)
    # Extra bucket-policy statements (CloudFront OAC, log delivery); may hold Outputs.
    policy_statements: Sequence[pulumi.Input[dict[str, Any]]] = field(default_factory=tuple)
    # ALB access logs only support SSE-S3; everything else may use it too (no KMS request cost).
    sse_algorithm: str = "AES256"


class SecureBucket(pulumi.ComponentResource):
    """All four public-access blocks, bucket-owner-enforced ownership (no ACLs), encryption at
    rest, a bucket policy denying non-TLS requests, optional versioning, lifecycle and CORS."""

    bucket: aws.s3.Bucket
    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:storage:SecureBucket", name, None, opts)
        # A retained bucket keeps its configuration when it leaves the stack: deleting these children
        # would call DeleteBucketLifecycle, DeleteBucketPolicy, DeletePublicAccessBlock... on the bucket
        # that stays in AWS, so its objects would never expire and it would lose its guards.
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.retain, retain_on_delete=args.retain)

        self.bucket = aws.s3.Bucket(name, bucket=args.bucket_name, force_destroy=not args.retain, opts=stateful)
        bucket_id = self.bucket.id
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket_id,
            rule={"object_ownership": "BucketOwnerEnforced"}, opts=child)
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket_id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket_id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": args.sse_algorithm},
                    "bucket_key_enabled": args.sse_algorithm == "aws:kms"}], opts=child)
        versioning = None
        if args.versioning:
            versioning = aws.s3.BucketVersioning(
                f"{name}-versioning", bucket=bucket_id,
                versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket_id, rules=_lifecycle_rules(args.lifecycle, args.versioning),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain,
                                        depends_on=[versioning] if versioning else []))
        if args.cors_origins:
            aws.s3.BucketCorsConfiguration(
                f"{name}-cors", bucket=bucket_id,
                cors_rules=[{"allowed_methods": list(args.cors_methods), "allowed_origins": list(args.cors_origins),
                             "allowed_headers": ["*"], "expose_headers": ["ETag"], "max_age_seconds": 3000}],
                opts=child)
        tls_only = {
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [self.bucket.arn, pulumi.Output.concat(self.bucket.arn, "/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        policy = pulumi.Output.all(tls_only, *args.policy_statements).apply(
            lambda stmts: json.dumps({"Version": "2012-10-17", "Statement": list(stmts)}, sort_keys=True))
        # The public-access block must exist first, or S3 may reject the policy during creation.
        aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket_id, policy=policy,
                            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain,
                                                        depends_on=[block, ownership]))

        self.bucket_name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.regional_domain_name = self.bucket.bucket_regional_domain_name
        self.register_outputs({"bucket": self.bucket_name, "arn": self.arn})


def _lifecycle_rules(lc: LifecycleConfig, versioned: bool) -> list[dict[str, Any]]:
    rule: dict[str, Any] = {
        "id": "cutover-lifecycle",
        "status": "Enabled",
        "filter": {},
        "abort_incomplete_multipart_upload": {"days_after_initiation": lc.abort_incomplete_upload_days},
    }
    if lc.expire_days:
        rule["expiration"] = {"days": lc.expire_days}
    if lc.glacier_after_days:
        rule["transitions"] = [{"days": lc.glacier_after_days, "storage_class": "GLACIER"}]
    if versioned and lc.noncurrent_expire_days:
        rule["noncurrent_version_expiration"] = {"noncurrent_days": lc.noncurrent_expire_days}
    return [rule]
