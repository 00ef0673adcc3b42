"""PostgresDatabase: encrypted, private, multi-AZ in prod; the RDS Proxy sits between consumers and RDS."""

from __future__ import annotations

import json

from cutover.plan.model import Plan
from tests.conftest import planned

INSTANCE = "aws:rds/instance:Instance"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def _sg(plan: Plan, name: str) -> str:
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup", name)
    assert sg.id is not None
    return sg.id


def test_instance_is_private_encrypted_and_multi_az_in_prod_only() -> None:
    prod, dev = planned("prod", "profile=tracetrack-ecs"), planned("dev", "profile=tracetrack-ecs")
    db = prod.one(INSTANCE)
    i = db.inputs
    assert i["instanceClass"] == "db.t3.medium" and i["engine"] == "postgres"
    assert i["storageEncrypted"] is True and i["publiclyAccessible"] is False and i["storageType"] == "gp3"
    assert i["maxAllocatedStorage"] > i["allocatedStorage"]
    assert i["multiAz"] is True and i["backupRetentionPeriod"] == 7 and i["deletionProtection"] is True
    assert i["manageMasterUserPassword"] is True and "password" not in i
    assert i["iamDatabaseAuthenticationEnabled"] is True and i["performanceInsightsEnabled"] is True
    assert i["performanceInsightsRetentionPeriod"] == 7 and i["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] and db.protect and db.retain_on_delete
    isolated = {s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-isolated-")}
    assert set(prod.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]) == isolated
    d = dev.one(INSTANCE)
    assert d.inputs["multiAz"] is False and d.inputs["skipFinalSnapshot"] is True and not d.protect


def test_pos_consumers_reach_the_proxy_not_the_instance() -> None:
    plan = planned("prod", "profile=pos-serverless")
    proxy = plan.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["engineFamily"] == "POSTGRESQL" and proxy.inputs["requireTls"] is True
    secret = plan.one(INSTANCE).outputs["masterUserSecrets"][0]["secretArn"]
    assert proxy.inputs["auths"] == [{"authScheme": "SECRETS", "secretArn": secret, "iamAuth": "REQUIRED",
                                      "clientPasswordAuthType": "POSTGRES_SCRAM_SHA_256",
                                      "description": "RDS-managed master secret; clients authenticate with IAM"}]
    role_policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "postgres-proxy").inputs["policy"])
    assert role_policy["Statement"][0]["Resource"] == [secret]
    target = plan.one("aws:rds/proxyTarget:ProxyTarget").inputs
    assert target["dbInstanceIdentifier"] == plan.one(INSTANCE).id
    pool = plan.one("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup").inputs["connectionPoolConfig"]
    assert pool["maxConnectionsPercent"] == 90

    db_sg, proxy_sg = _sg(plan, "postgres-sg"), _sg(plan, "postgres-proxy-sg")
    # The data plan's DMS replication and verifier connect to the instance with the master secret's
    # password (the proxy requires IAM authentication): they are the only ones besides the proxy.
    data = {_sg(plan, "migration-main-sg"), _sg(plan, "verifier-sg")}
    into_db = [r.inputs["referencedSecurityGroupId"] for r in plan.of_type(INGRESS)
               if r.inputs["securityGroupId"] == db_sg and r.inputs["referencedSecurityGroupId"] not in data]
    assert into_db == [proxy_sg]  # nothing else reaches the instance around the proxy
    into_proxy = [r for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == proxy_sg]
    assert all(r.inputs["fromPort"] == 5432 and "cidrIpv4" not in r.inputs for r in into_proxy)

    fn = plan.one("aws:lambda/function:Function", "serverless-products")
    env = fn.inputs["environment"]["variables"]
    statements = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "serverless-products").inputs["policy"])
    (db_stmt,) = [s for s in statements["Statement"] if s.get("Sid") == "UseDatabaseMain"]
    # Dataset main is written by blue (profiles/pos-serverless.yaml migrations) and Route 53 cannot route
    # writes: green's services use blue's database, the one written copy, from greenWeight 0 on
    # (cutover/data_guard.py green_uses_source), and never this instance's master secret.
    blue_secret = "arn:aws:secretsmanager:us-east-1:111111111111:secret:pos-blue-db-AbCdEf"
    assert env["DB_HOST"] == "db.pos.example.com" and env["DB_SECRET_ARN"] == blue_secret
    assert db_stmt == {"Sid": "UseDatabaseMain", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                       "Resource": [blue_secret]}


def test_pos_prod_single_az_keeps_backups_snapshot_protection_and_its_waiver() -> None:
    db = planned("prod", "profile=pos-serverless").one(INSTANCE)
    i = db.inputs
    assert i["multiAz"] is False and i["instanceClass"] == "db.t4g.small"
    assert i["backupRetentionPeriod"] == 7 and i["deletionProtection"] is True
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] and db.protect
    assert set(i["tags"]) == {"cutover:suppress:rds-multi-az"}
    assert "100 USD" in i["tags"]["cutover:suppress:rds-multi-az"]
    assert "tags" not in planned("prod", "profile=tracetrack-ecs").one(INSTANCE).inputs  # no waiver, no tag


def test_engine_version_is_the_major_so_minor_upgrades_do_not_drift() -> None:
    # pulumi_aws rds.Instance engine_version: with auto_minor_version_upgrade "you can provide a prefix
    # of the version such as 8.0 (for 8.0.36)"; a full minor would be rolled back by the next `up`.
    for profile in ("tracetrack-ecs", "pos-serverless"):
        db = planned("prod", f"profile={profile}").one(INSTANCE).inputs
        assert db["engineVersion"] == "16" and db["autoMinorVersionUpgrade"] is True
        assert db["allowMajorVersionUpgrade"] is False
