"""The cleanup path's data side: an archive for the retired color's data, and the option that lets
its stateful resources leave the stack safely.

The engine refuses to delete ``protect``ed resources, so cleanup takes two ``pulumi up`` runs:

1. ``cutover:retire=<color>``: the color's routing and its unguarded compute (functions, APIs) leave
   the program. Its data, and compute AWS guards with deletion protection (an ECS color's load
   balancer, with the services behind it), stay but pass through ``retiring(...)``: ``protect`` off,
   load balancer deletion protection off, buckets/tables/caches/secrets/ECR repositories
   ``retain_on_delete`` (removing them later leaves them in AWS), RDS/Aurora ``deletion_protection``
   off with a final snapshot (``skip_final_snapshot=False`` + ``final_snapshot_identifier``) and
   ``retain_on_delete`` off (removing them later deletes them after that snapshot). ``Archive``
   builds the archive bucket, the KMS key export tasks require, and the RDS snapshot-export role,
   and prints the exact export commands.
2. ``cutover:retireData=true``: the data components, and the guarded compute, are no longer built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.bucket import SecureBucket, SecureBucketArgs
from components.specs.environment import EnvironmentSettings
from components.specs.storage import LifecycleConfig
from cutover import iam
from cutover.naming import Kind, Namer, fit

# Removed from the stack but kept in AWS once their component leaves the program.
RETAINED_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:dynamodb/table:Table",
                  "aws:elasticache/replicationGroup:ReplicationGroup", "aws:secretsmanager/secret:Secret",
                  "aws:ecr/repository:Repository")
# AWS refuses to delete these while their own deletion protection is on: step 1 turns it off, so
# the load balancer of a retired ECS color can leave in step 2 (it carries no data).
UNGUARDED_TYPES = {"aws:lb/loadBalancer:LoadBalancer": "enable_deletion_protection"}
# Deleted after a final snapshot once their component leaves the program.
SNAPSHOT_TYPES = ("aws:rds/cluster:Cluster", "aws:rds/instance:Instance")
RDS_MEMBER_TYPES = ("aws:rds/clusterInstance:ClusterInstance",)  # deleted with their cluster
EXPORT_S3_ACTIONS = ("s3:PutObject*", "s3:ListBucket", "s3:GetObject*", "s3:DeleteObject*", "s3:GetBucketLocation")
KEY_USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                   "kms:DescribeKey", "kms:RetireGrant")


def retiring(color: str) -> pulumi.ResourceTransformation:
    """A transformation for a retired color's data components (``ResourceOptions.transformations``:
    it runs in-process, so the offline plan sees exactly what the engine will)."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.type_.startswith("cutover:"):  # components: their children get transformed
            return None
        props = dict(args.props)
        retain: bool | None = None
        if args.type_ in RETAINED_TYPES:
            retain = True
        elif args.type_ in SNAPSHOT_TYPES:
            retain = False
            ident = props.get("cluster_identifier") or props.get("identifier") or args.name
            props["deletion_protection"] = False
            props["skip_final_snapshot"] = False
            props["delete_automated_backups"] = False
            if not props.get("final_snapshot_identifier"):
                name = ident if isinstance(ident, str) else args.name
                props["final_snapshot_identifier"] = fit(f"{name}-{color}-final", Kind.RDS_IDENTIFIER)
        elif args.type_ in RDS_MEMBER_TYPES:
            retain = False
        elif args.type_ in UNGUARDED_TYPES:
            props[UNGUARDED_TYPES[args.type_]] = False
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=False,
                                                                               retain_on_delete=retain))
        return pulumi.ResourceTransformationResult(props, opts)

    return transform


@dataclass(frozen=True)
class ArchivedDatabase:
    key: str  # "database:main"
    identifier: str  # RDS cluster or instance identifier
    cluster: bool  # Aurora cluster (True) or RDS instance


@dataclass(frozen=True)
class ArchivedTable:
    key: str  # logical table name
    arn: pulumi.Input[str]


@dataclass(frozen=True)
class ArchiveArgs:
    namer: Namer
    env: EnvironmentSettings
    account_id: str
    region: str
    color: str  # the retired color
    databases: Sequence[ArchivedDatabase] = ()
    tables: Sequence[ArchivedTable] = ()
    # dataset -> the verification receipt (JSON, as read from SSM) that allowed the retirement: kept next
    # to the snapshots as the evidence that green held the data when blue left (cutover/data_guard.py).
    receipts: Mapping[str, str] = field(default_factory=dict)


class Archive(pulumi.ComponentResource):
    """Where a retired color's data goes before its stores are dropped.

    Storage class: objects move to S3 Glacier Flexible Retrieval after one day. Deep Archive would
    cost about a quarter as much per GB, but restores take 12-48 hours and objects bill a 180-day
    minimum; an archive taken at cutover is the one most likely needed within weeks (an audit, a
    missed table), which Flexible Retrieval restores in minutes (expedited) to hours, with a 90-day
    minimum. ``SecureBucket`` (the only way the platform creates buckets) transitions to GLACIER.
    """

    bucket: SecureBucket
    bucket_name: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    export_role_arn: pulumi.Output[str]
    commands: pulumi.Output[list[str]]

    def __init__(self, name: str, args: ArchiveArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:Archive", name, None, opts)
        namer, account = args.namer, args.account_id
        child = pulumi.ResourceOptions(parent=self)
        # Exports are unreadable without the key: it outlives the stack like the bucket does.
        keep = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)

        self.bucket = SecureBucket(f"{name}-bucket", SecureBucketArgs(
            bucket_name=namer.bucket("archive", account), versioning=True, retain=True,
            lifecycle=LifecycleConfig(expire_days=None, glacier_after_days=1, noncurrent_expire_days=None,
                                      abort_incomplete_upload_days=7)), opts=child)
        role_name = namer.name(Kind.IAM_ROLE, "rds-export")
        key_policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "SnapshotExportUsesKey", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{account}:role/{role_name}"},
             "Action": list(KEY_USE_ACTIONS), "Resource": "*"},
        ]}
        self.role = aws.iam.Role(
            f"{name}-rds-export", name=role_name, description="RDS snapshot export to the archive bucket",
            assume_role_policy=iam.assume_role("export.rds.amazonaws.com",
                                               condition={"StringEquals": {"aws:SourceAccount": account}}),
            opts=child)
        key = aws.kms.Key(f"{name}-key", description=f"{namer.prefix} archive exports (RDS, DynamoDB)",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          policy=json.dumps(key_policy, sort_keys=True),
                          opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=[self.role])))
        aws.iam.RolePolicy(f"{name}-rds-export", role=self.role.id, name="archive-bucket",
                           policy=pulumi.Output.all(self.bucket.arn, key.arn).apply(lambda v: iam.document(
                               iam.statement(EXPORT_S3_ACTIONS, [v[0], f"{v[0]}/*"], sid="WriteArchive"),
                               iam.statement(KEY_USE_ACTIONS, v[1], sid="UseArchiveKey"))), opts=child)

        self.receipt_keys: dict[str, str] = {}
        for dataset, receipt in sorted(args.receipts.items()):
            object_key = f"receipts/{dataset}/receipt.json"
            # Retained like the bucket: the evidence outlives the stack and its cleanup (step 2).
            aws.s3.BucketObjectv2(f"{name}-receipt-{dataset}", bucket=self.bucket.bucket_name, key=object_key,
                                  content=receipt, content_type="application/json",
                                  server_side_encryption="aws:kms", kms_key_id=key.arn,
                                  opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
            self.receipt_keys[dataset] = object_key
        self.bucket_name = self.bucket.bucket_name
        self.key_arn = key.arn
        self.export_role_arn = self.role.arn
        self.commands = pulumi.Output.all(self.bucket_name, self.export_role_arn, self.key_arn,
                                          *[t.arn for t in args.tables]).apply(
            lambda v: _commands(args, v[0], v[1], v[2], list(v[3:])))
        self.register_outputs({"bucket": self.bucket_name, "kmsKeyArn": self.key_arn,
                               "exportRoleArn": self.export_role_arn, "commands": self.commands,
                               "receiptKeys": self.receipt_keys})


def _commands(args: ArchiveArgs, bucket: str, role: str, key: str, table_arns: list[str]) -> list[str]:
    region, account, color = args.region, args.account_id, args.color
    out = []
    for db in args.databases:
        snap = fit(f"{db.identifier}-archive", Kind.RDS_IDENTIFIER)
        task = fit(f"{db.identifier}-{color}-export", Kind.RDS_IDENTIFIER)[:60].rstrip("-")
        if db.cluster:
            out.append(f"aws rds create-db-cluster-snapshot --region {region} --db-cluster-identifier "
                       f"{db.identifier} --db-cluster-snapshot-identifier {snap}")
            source = f"arn:aws:rds:{region}:{account}:cluster-snapshot:{snap}"
        else:
            out.append(f"aws rds create-db-snapshot --region {region} --db-instance-identifier {db.identifier} "
                       f"--db-snapshot-identifier {snap}")
            source = f"arn:aws:rds:{region}:{account}:snapshot:{snap}"
        out.append(f"aws rds start-export-task --region {region} --export-task-identifier {task} --source-arn "
                   f"{source} --s3-bucket-name {bucket} --s3-prefix rds/{db.identifier} --iam-role-arn {role} "
                   f"--kms-key-id {key}")
    for table, arn in zip(args.tables, table_arns, strict=True):
        out.append(f"aws dynamodb export-table-to-point-in-time --region {region} --table-arn {arn} --s3-bucket "
                   f"{bucket} --s3-prefix dynamodb/{table.key} --export-format DYNAMODB_JSON "
                   f"--s3-sse-algorithm KMS --s3-sse-kms-key-id {key}")
    return out
