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
    into_db = [r.inputs["referencedSecurityGroupId"] for r in plan.of_type(INGRESS)
               if r.inputs["securityGroupId"] == db_sg]
    assert into_db == [proxy_sg]  # nothing reaches the instance around the proxy
    into_proxy = [r for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == proxy_sg]
    assert into_proxy and all(r.inputs["fromPort"] == 5432 and "cidrIpv4" not in r.inputs for r in into_proxy)

    fn = plan.one("aws:lambda/function:Function", "serverless-products")
    env = fn.inputs["environment"]["variables"]
    assert env["DB_HOST"] == proxy.outputs["endpoint"] and env["DB_PORT"] == "5432"
    statements = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "serverless-products").inputs["policy"])
    (db_stmt,) = [s for s in statements["Statement"] if s.get("Sid") == "UseDatabaseMain"]
    prx = proxy.outputs["arn"].split(":")[-1]
    assert db_stmt["Resource"] == [f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{prx}/*", secret]


def test_pos_prod_single_az_keeps_backups_snapshot_protection_and_its_waiver() -> None:
    db = planned("prod", "profile=pos-serverless").one(INSTANCE)
    i = db.inputs
    assert i["multiAz"] is False and i["instanceClass"] == "db.t4g.small"
    assert i["backupRetentionPeriod"] == 7 and i["deletionProtection"] is True
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] and db.protect
    assert set(i["tags"]) == {"cutover:suppress:rds-multi-az"}
    assert "100 USD" in i["tags"]["cutover:suppress:rds-multi-az"]
    assert "tags" not in planned("prod", "profile=tracetrack-ecs").one(INSTANCE).inputs  # no waiver, no tag
