"""Aurora Serverless v2 PostgreSQL: scale to zero in dev, encrypted, managed password, no ingress."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.aurora import AuroraArgs, AuroraPostgres
from cutover.config import parse_stack_config
from cutover.errors import ConfigError
from cutover.plan.model import Plan
from tests.conftest import plan_components

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SUBNETS = ["subnet-iso-a", "subnet-iso-b"]


def _cfg(stack: str, **aurora: Any) -> Any:
    raw: dict[str, Any] = {"profile": "persona-serverless", "environment": stack}
    if aurora:
        raw["overrides"] = {"aurora": aurora}
    return parse_stack_config(raw, project="cutover", stack=stack)


def _plan(stack: str) -> Plan:
    cfg = _cfg(stack)
    assert cfg.aurora is not None

    def program() -> None:
        db = AuroraPostgres("aurora", AuroraArgs(cfg.aurora, cfg.namer, cfg.environment, "vpc-123", SUBNETS,
                                                 cfg.region, "123456789012"))
        (ref,) = db.refs().values()
        pulumi.export("ref", {"key": ref.key, "arns": list(ref.resource_arns), "read": ref.read_actions,
                              "env": dict(ref.env), "inVpc": ref.in_vpc, "sg": ref.security_group_id,
                              "port": ref.port})

    return plan_components(program, stack=stack)


def test_dev_scales_to_zero_with_one_serverless_instance() -> None:
    plan = _plan("dev")
    c = plan.one(CLUSTER).inputs
    assert c["engine"] == "aurora-postgresql" and c["engineMode"] == "provisioned"
    assert c["serverlessv2ScalingConfiguration"] == {"minCapacity": 0, "maxCapacity": 2,
                                                     "secondsUntilAutoPause": 600}
    (inst,) = plan.of_type(INSTANCE)
    assert inst.inputs["instanceClass"] == "db.serverless"
    assert inst.inputs["publiclyAccessible"] is False
    assert inst.inputs["clusterIdentifier"] == plan.one(CLUSTER).id
    assert inst.inputs["performanceInsightsEnabled"] is False  # would keep the instance from pausing


def test_prod_runs_two_instances_and_keeps_capacity() -> None:
    plan = _plan("prod")
    assert plan.one(CLUSTER).inputs["serverlessv2ScalingConfiguration"] == {"minCapacity": 0.5, "maxCapacity": 4}
    instances = plan.of_type(INSTANCE)
    assert len(instances) == 2
    assert all(i.inputs["performanceInsightsEnabled"] is True for i in instances)
    # persona prod: the reader scales on its own load (tier 2) and idles at minCapacity
    assert sorted(i.inputs["promotionTier"] for i in instances) == [0, 2]


def test_reader_follows_the_writer_by_default() -> None:
    cfg = _cfg("prod", readerScalesWithWriter=True)
    assert cfg.aurora is not None
    assert [cfg.aurora.promotion_tier(n) for n in (1, 2, 3)] == [0, 1, 1]
    independent = _cfg("prod")
    assert independent.aurora is not None and independent.aurora.promotion_tier(2) == 2


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_encrypted_managed_password_iam_auth_and_logs(stack: str) -> None:
    plan = _plan(stack)
    c = plan.one(CLUSTER).inputs
    assert c["storageEncrypted"] is True
    assert c["manageMasterUserPassword"] is True and "masterPassword" not in c
    assert c["iamDatabaseAuthenticationEnabled"] is True
    assert c["copyTagsToSnapshot"] is True
    assert c["enabledCloudwatchLogsExports"] == ["postgresql"]
    logs = plan.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert logs["name"] == f"/aws/rds/cluster/{c['clusterIdentifier']}/postgresql"
    assert logs["retentionInDays"] == (90 if stack == "prod" else 14)
    group = plan.one("aws:rds/subnetGroup:SubnetGroup")
    assert group.inputs["subnetIds"] == SUBNETS and c["dbSubnetGroupName"] == group.inputs["name"]


def test_security_group_has_no_rules_at_all() -> None:
    plan = _plan("dev")
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup")
    assert not sg.inputs.get("ingress") and not sg.inputs.get("egress")
    assert not plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                            "aws:ec2/securityGroupRule:SecurityGroupRule")
    assert plan.one(CLUSTER).inputs["vpcSecurityGroupIds"] == [sg.id]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_final_snapshot_protection_and_backups_follow_the_environment(stack: str) -> None:
    prod = stack == "prod"
    cluster = _plan(stack).one(CLUSTER)
    c = cluster.inputs
    assert c["skipFinalSnapshot"] is (not prod)
    assert c.get("finalSnapshotIdentifier") == ("persona-prod-aurora-final" if prod else None)
    assert c["deletionProtection"] is prod
    assert c["backupRetentionPeriod"] == (7 if prod else 1)
    assert cluster.protect is prod and cluster.retain_on_delete is prod


def test_ref_grants_iam_connect_and_the_managed_secret() -> None:
    plan = _plan("dev")
    out = plan.one(CLUSTER).outputs
    secret = out["masterUserSecrets"][0]["secretArn"]
    ref = plan.stack_outputs["ref"]
    assert ref["key"] == "database:main"
    assert ref["arns"] == [f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{out['clusterResourceId']}/*", secret]
    assert tuple(ref["read"]) == ("rds-db:connect", "secretsmanager:GetSecretValue")
    assert ref["env"] == {"DB_HOST": out["endpoint"], "DB_PORT": "5432", "DB_NAME": "persona",
                          "DB_SECRET_ARN": secret}
    assert ref["inVpc"] is True and ref["port"] == 5432
    assert ref["sg"] == plan.one("aws:ec2/securityGroup:SecurityGroup").id


@pytest.mark.parametrize(("version", "minimum"), [("16.2", "16.3"), ("15.6", "15.7"), ("14.11", "14.12"),
                                                  ("13.14", "13.15")])
def test_zero_acu_needs_an_auto_pause_engine_version(version: str, minimum: str) -> None:
    with pytest.raises(ConfigError) as err:
        _cfg("dev", engineVersion=version)
    assert err.value.key.endswith("aurora.minCapacity")
    assert minimum in err.value.problem


@pytest.mark.parametrize("version", ["16.3", "15.7", "14.12", "13.15", "17.4"])
def test_auto_pause_versions_accept_zero(version: str) -> None:
    cfg = _cfg("dev", engineVersion=version)
    assert cfg.aurora is not None and cfg.aurora.min_capacity == 0


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_aws_owns_the_minor_version_after_creation(stack: str) -> None:
    plan = _plan(stack)
    cluster = plan.one(CLUSTER)
    assert cluster.inputs["engineVersion"] == "16.6"  # the auto-pause floor the parser checked
    assert "engineVersion" in cluster.ignore_changes
    for instance in plan.of_type(INSTANCE):
        assert instance.inputs["autoMinorVersionUpgrade"] is True and "engineVersion" in instance.ignore_changes
