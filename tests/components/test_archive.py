"""Archive and the retiring transformation: step 1 unprotects and keeps, step 2 drops safely."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.archive import Archive, ArchiveArgs, ArchivedDatabase, ArchivedTable, retiring
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.naming import Namer
from cutover.plan import render
from cutover.plan.model import Plan
from tests.conftest import plan_components

TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/pos-prod-Users"


class _Data(pulumi.ComponentResource):
    """A stand-in data component built the way the platform's are (protected in prod)."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:Fake", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        aws.rds.Cluster(name, cluster_identifier="pos-prod-main", engine="aurora-postgresql",
                        deletion_protection=True, skip_final_snapshot=True, opts=keep)
        aws.rds.ClusterInstance(f"{name}-1", cluster_identifier="pos-prod-main", instance_class="db.serverless",
                                engine="aurora-postgresql", opts=keep)
        aws.dynamodb.Table(f"{name}-users", hash_key="id", attributes=[{"name": "id", "type": "S"}], opts=keep)
        aws.s3.Bucket(f"{name}-bucket", bucket="pos-prod-data", opts=keep)
        aws.ec2.SecurityGroup(f"{name}-sg", opts=pulumi.ResourceOptions(parent=self))


def _plan(step: int) -> Plan:
    def program() -> None:
        if step == 0:
            _Data("data")
        elif step == 1:
            _Data("data", opts=pulumi.ResourceOptions(transformations=[retiring("blue")]))

    return plan_components(program, stack="prod")


def test_step_1_unprotects_keeps_and_snapshots() -> None:
    plan = _plan(1)
    cluster = plan.one("aws:rds/cluster:Cluster")
    assert cluster.inputs["deletionProtection"] is False and cluster.inputs["skipFinalSnapshot"] is False
    assert cluster.inputs["finalSnapshotIdentifier"] == "pos-prod-main-blue-final"
    assert (cluster.protect, cluster.retain_on_delete) == (False, False)
    for typ in ("aws:dynamodb/table:Table", "aws:s3/bucket:Bucket"):
        r = plan.one(typ)
        assert (r.protect, r.retain_on_delete) == (False, True)
    assert not any(r.protect for r in plan)


def test_step_2_deletes_databases_after_a_snapshot_and_retains_the_rest() -> None:
    d = render.diff(_plan(1), _plan(2))
    assert [r.type for r in d.snapshotted] == ["aws:rds/cluster:Cluster"]
    assert sorted(r.type for r in d.retained) == ["aws:dynamodb/table:Table", "aws:s3/bucket:Bucket"]
    assert sorted(r.type for r in d.deleted) == ["aws:ec2/securityGroup:SecurityGroup",
                                                 "aws:rds/clusterInstance:ClusterInstance"]


def test_archive_bucket_key_role_and_commands() -> None:
    built: list[Archive] = []

    def program() -> None:
        built.append(Archive("archive", ArchiveArgs(
            Namer("pos", "prod"), DEFAULTS[Environment.PROD], "123456789012", "us-east-1", "blue",
            [ArchivedDatabase("database:main", "pos-prod-main", cluster=True)],
            [ArchivedTable("Users", TABLE_ARN)])))
        pulumi.export("commands", built[0].commands)

    plan = plan_components(program, stack="prod")
    bucket = plan.one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == "pos-prod-archive-123456789012"
    assert bucket.protect and bucket.retain_on_delete
    rule = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"][0]
    assert rule["transitions"] == [{"days": 1, "storageClass": "GLACIER"}] and "expiration" not in rule
    key = plan.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True and key.protect and key.retain_on_delete
    role = plan.one("aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "export.rds.amazonaws.com"}
    stmts = {s["Sid"]: s for s in json.loads(plan.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]}
    bucket_arn = bucket.outputs["arn"]
    assert stmts["WriteArchive"]["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    assert stmts["UseArchiveKey"]["Resource"] == [key.outputs["arn"]]
    commands = plan.stack_outputs["commands"]
    assert commands[0] == ("aws rds create-db-cluster-snapshot --region us-east-1 --db-cluster-identifier "
                           "pos-prod-main --db-cluster-snapshot-identifier pos-prod-main-archive")
    assert commands[1].startswith("aws rds start-export-task --region us-east-1 --export-task-identifier ")
    assert ("--source-arn arn:aws:rds:us-east-1:123456789012:cluster-snapshot:pos-prod-main-archive "
            "--s3-bucket-name pos-prod-archive-123456789012") in commands[1]
    assert f"--iam-role-arn {role.outputs['arn']} --kms-key-id {key.outputs['arn']}" in commands[1]
    assert commands[2].startswith(f"aws dynamodb export-table-to-point-in-time --region us-east-1 --table-arn "
                                  f"{TABLE_ARN} --s3-bucket pos-prod-archive-123456789012 --s3-prefix dynamodb/Users")
