"""MySQL engines and named databases: RDS MySQL (RdsDatabase) and Aurora MySQL (AuroraCluster), Serverless v2
and provisioned, behind RDS Proxy, with the data protection PostgreSQL has.

Expectations come from AWS's own rules, read where they are published: the valid CloudWatch Logs exports,
RDS Proxy engine families and client password auth types from botocore's rds service model; identifier rules
from the RDS user guide ("Naming constraints": 1-63 letters, digits or hyphens, first a letter, no two
consecutive hyphens, no trailing hyphen); require_secure_transport from "Requiring SSL/TLS for all connections
to a MySQL DB instance" (RDS user guide).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import botocore
import pulumi
import pytest

from components.aurora import AuroraArgs, AuroraCluster
from components.postgres import PostgresArgs, RdsDatabase
from cutover.config import parse_stack_config
from cutover.naming import Kind
from cutover.plan.model import Plan
from tests.conftest import plan_components, planned

MODEL = json.loads(gzip.decompress((Path(botocore.__file__).parent / "data/rds/2014-10-31/service-2.json.gz")
                                   .read_bytes()))
SHAPES = MODEL["shapes"]
IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
SUBNETS, PRIVATE = ["subnet-iso-a", "subnet-iso-b"], ["subnet-priv-a", "subnet-priv-b"]


def valid_exports(message: str, engine_label: str) -> set[str]:
    """The log types botocore documents for one engine, e.g. 'RDS for MySQL - audit | error | ...'."""
    doc = re.sub(r"<[^>]+>", " ", SHAPES[message]["members"]["EnableCloudwatchLogsExports"]["documentation"])
    m = re.search(re.escape(engine_label) + r"\s*-\s*([a-z\-| ]+)", doc)
    assert m, engine_label
    return {v.strip() for v in m.group(1).split("|") if v.strip()}


def _cfg(stack: str, databases: dict[str, Any]) -> Any:
    raw = {"profile": "yoga-serverless", "environment": stack, "overrides": {"databases": databases}}
    return parse_stack_config(raw, project="cutover", stack=stack)


def _plan(stack: str, databases: dict[str, Any]) -> Plan:
    cfg = _cfg(stack, databases)

    def program() -> None:
        refs = {}
        for db_cfg in cfg.databases:
            db: Any
            if db_cfg.engine.startswith("aurora"):
                db = AuroraCluster(db_cfg.physical_name, AuroraArgs(
                    db_cfg, cfg.namer, cfg.environment, "vpc-123", SUBNETS, cfg.region, "123456789012",
                    proxy_subnet_ids=PRIVATE))
            else:
                db = RdsDatabase(db_cfg.physical_name, PostgresArgs(
                    db_cfg, cfg.namer, cfg.environment, "vpc-123", SUBNETS, PRIVATE, cfg.region, "123456789012"))
            refs |= db.refs()
        pulumi.export("refs", {k: {"env": dict(r.env), "port": r.port, "sg": r.security_group_id,
                                   "arns": list(r.resource_arns), "read": list(r.read_actions)}
                               for k, r in refs.items()})

    return plan_components(program, stack=stack)


ORDERS = {"orders": {"engine": "mysql", "instanceClass": "db.t4g.medium", "proxy": True}}


def test_rds_mysql_in_prod_is_protected_encrypted_tls_only_and_exports_valid_logs() -> None:
    plan = _plan("prod", ORDERS)
    db = plan.one("aws:rds/instance:Instance")
    i = db.inputs
    assert db.name == "db-orders" and i["identifier"] == "yoga-prod-db-orders" and IDENTIFIER.match(i["identifier"])
    assert i["engine"] == "mysql" and i["engineVersion"] == "8.0" and i["port"] == 3306
    assert i["storageEncrypted"] is True and i["publiclyAccessible"] is False
    assert i["iamDatabaseAuthenticationEnabled"] is True and i["manageMasterUserPassword"] is True
    assert i["multiAz"] is True and i["backupRetentionPeriod"] == 7 and i["deletionProtection"] is True
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] == "yoga-prod-db-orders-final"
    assert db.protect and db.retain_on_delete
    assert i["username"] == "yoga_admin" and i["dbName"] == "yoga"
    exports = i["enabledCloudwatchLogsExports"]
    assert exports == ["error", "slowquery"]
    assert set(exports) <= valid_exports("CreateDBInstanceMessage", "RDS for MySQL")
    groups = {g.inputs["name"]: g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert set(groups) == {f"/aws/rds/instance/yoga-prod-db-orders/{e}" for e in exports}
    assert all(g.inputs["retentionInDays"] == 90 for g in groups.values())
    (pg,) = plan.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert i["parameterGroupName"] == pg.inputs["name"] == "yoga-prod-db-orders"
    assert pg.inputs["family"] == "mysql8.0"
    params = {p["name"]: p["value"] for p in pg.inputs["parameters"]}
    # TLS only, and the slow query log written to a file so it can reach CloudWatch Logs.
    assert params == {"require_secure_transport": "1", "slow_query_log": "1", "log_output": "FILE",
                      "long_query_time": "2"}


def test_rds_mysql_proxy_speaks_mysql_and_consumers_get_prefixed_variables() -> None:
    plan = _plan("prod", ORDERS)
    proxy = plan.one("aws:rds/proxy:Proxy").inputs
    assert proxy["engineFamily"] == "MYSQL" and proxy["engineFamily"] in SHAPES["EngineFamily"]["enum"]
    (auth,) = proxy["auths"]
    assert auth["iamAuth"] == "REQUIRED" and auth["clientPasswordAuthType"] in SHAPES["ClientPasswordAuthType"]["enum"]
    assert auth["clientPasswordAuthType"].startswith("MYSQL_")
    assert proxy["requireTls"] is True and proxy["name"] == "yoga-prod-db-orders"
    target = plan.one("aws:rds/proxyTarget:ProxyTarget").inputs
    assert target["dbInstanceIdentifier"] == plan.one("aws:rds/instance:Instance").id
    rules = plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [(r.inputs["fromPort"], r.inputs["toPort"]) for r in rules] == [(3306, 3306)]
    ref = plan.stack_outputs["refs"]["database:orders"]
    assert ref["port"] == 3306
    assert ref["env"] == {"ORDERS_DB_HOST": proxy_endpoint(plan), "ORDERS_DB_PORT": "3306", "ORDERS_DB_NAME": "yoga",
                          "ORDERS_DB_USER": "yoga_admin", "ORDERS_DB_SECRET_ARN": ref["arns"][1]}
    assert ref["arns"][0].startswith("arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-")
    assert ref["read"] == ["rds-db:connect", "secretsmanager:GetSecretValue"]
    assert ref["sg"] == plan.one("aws:ec2/securityGroup:SecurityGroup", "db-orders-proxy-sg").id


def proxy_endpoint(plan: Plan) -> str:
    return str(plan.one("aws:rds/proxy:Proxy").outputs["endpoint"])


def test_aurora_mysql_serverless_v2_in_dev() -> None:
    plan = _plan("dev", {"reports": {"engine": "aurora-mysql", "minCapacity": 0, "maxCapacity": 2}})
    cluster = plan.one("aws:rds/cluster:Cluster")
    c = cluster.inputs
    assert c["engine"] == "aurora-mysql" and c["engineVersion"] == "8.0.mysql_aurora.3.08.0" and c["port"] == 3306
    assert c["clusterIdentifier"] == "yoga-dev-db-reports" and IDENTIFIER.match(c["clusterIdentifier"])
    assert c["serverlessv2ScalingConfiguration"] == {"minCapacity": 0, "maxCapacity": 2, "secondsUntilAutoPause": 300}
    assert c["storageEncrypted"] is True and c["iamDatabaseAuthenticationEnabled"] is True
    assert set(c["enabledCloudwatchLogsExports"]) <= valid_exports("CreateDBClusterMessage", "Aurora MySQL")
    (cpg,) = plan.of_type("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert c["dbClusterParameterGroupName"] == cpg.inputs["name"] and cpg.inputs["family"] == "aurora-mysql8.0"
    assert {p["name"]: p["value"] for p in cpg.inputs["parameters"]}["require_secure_transport"] == "1"
    (inst,) = plan.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert inst.inputs["instanceClass"] == "db.serverless" and inst.inputs["engine"] == "aurora-mysql"
    assert inst.inputs["identifier"] == "yoga-dev-db-reports-1" and inst.inputs["performanceInsightsEnabled"] is False
    assert c["skipFinalSnapshot"] is True and not cluster.protect  # dev
    ref = plan.stack_outputs["refs"]["database:reports"]
    assert ref["env"]["REPORTS_DB_PORT"] == "3306" and ref["env"]["REPORTS_DB_HOST"] == cluster.outputs["endpoint"]


def test_aurora_mysql_provisioned_in_prod_behind_a_proxy() -> None:
    plan = _plan("prod", {"ledger": {"engine": "aurora-mysql", "instanceClass": "db.r6g.large", "proxy": True}})
    cluster = plan.one("aws:rds/cluster:Cluster")
    assert "serverlessv2ScalingConfiguration" not in cluster.inputs
    assert cluster.inputs["deletionProtection"] is True and cluster.protect and cluster.retain_on_delete
    assert cluster.inputs["finalSnapshotIdentifier"] == "yoga-prod-db-ledger-final"
    members = plan.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert [m.inputs["instanceClass"] for m in members] == ["db.r6g.large", "db.r6g.large"]
    assert all(m.protect and m.inputs["performanceInsightsEnabled"] is True for m in members)
    proxy = plan.one("aws:rds/proxy:Proxy").inputs
    assert proxy["engineFamily"] == "MYSQL"
    target = plan.one("aws:rds/proxyTarget:ProxyTarget").inputs
    assert target["dbClusterIdentifier"] == cluster.outputs["clusterIdentifier"]
    assert "dbInstanceIdentifier" not in target
    assert plan.stack_outputs["refs"]["database:ledger"]["env"]["LEDGER_DB_HOST"] == proxy_endpoint(plan)


def test_two_databases_of_different_engines_keep_apart() -> None:
    plan = _plan("dev", {"orders": {"engine": "mysql", "instanceClass": "db.t4g.small"},
                         "reporting": {"engine": "postgres", "instanceClass": "db.t4g.small"}})
    instances = {i.inputs["identifier"]: i.inputs for i in plan.of_type("aws:rds/instance:Instance")}
    assert {k: (v["engine"], v["port"]) for k, v in instances.items()} == {
        "yoga-dev-db-orders": ("mysql", 3306), "yoga-dev-db-reporting": ("postgres", 5432)}
    assert instances["yoga-dev-db-reporting"]["engineVersion"] == "16"  # major only
    groups = {g.inputs["name"]: g.inputs for g in plan.of_type("aws:rds/parameterGroup:ParameterGroup")}
    assert groups["yoga-dev-db-reporting"]["family"] == "postgres16"
    assert {p["name"]: p["value"] for p in groups["yoga-dev-db-reporting"]["parameters"]} == {"rds.force_ssl": "1"}
    refs = plan.stack_outputs["refs"]
    assert set(refs["database:orders"]["env"]) == {f"ORDERS_DB_{k}" for k in ("HOST", "PORT", "NAME", "USER",
                                                                              "SECRET_ARN")}
    assert set(refs["database:reporting"]["env"]) == {f"REPORTING_DB_{k}" for k in ("HOST", "PORT", "NAME", "USER",
                                                                                    "SECRET_ARN")}
    # RDS for MySQL has no Performance Insights on micro/small classes: off by default there.
    assert instances["yoga-dev-db-orders"]["performanceInsightsEnabled"] is False
    assert instances["yoga-dev-db-reporting"]["performanceInsightsEnabled"] is True


@pytest.mark.parametrize("name", ["orders", "a" * 40, "Order_Items-2"])
def test_physical_names_fit_rds_identifier_rules(name: str) -> None:
    cfg = _cfg("prod", {name: {"engine": "mysql", "instanceClass": "db.t4g.medium"}})
    (db,) = cfg.databases
    ident = cfg.namer.name(Kind.RDS_IDENTIFIER, f"{db.physical_name}-final")
    assert IDENTIFIER.match(ident) and len(ident) <= 63


DB = "cutover:overrides.databases.orders"
STACK_SETS = ("profile=yoga-serverless", f"{DB}.engine=mysql", f"{DB}.instanceClass=db.t4g.medium", f"{DB}.proxy=true",
              'cutover:overrides.services.auth.uses["database:orders"]=write')


def test_a_service_using_a_named_database_gets_its_variables_grant_and_network_path() -> None:
    plan = planned("prod", *STACK_SETS)
    fn = plan.one("aws:lambda/function:Function", "serverless-auth")
    env = fn.inputs["environment"]["variables"]
    proxy = plan.one("aws:rds/proxy:Proxy", "db-orders-proxy")
    assert env["ORDERS_DB_HOST"] == proxy.outputs["endpoint"] and env["ORDERS_DB_PORT"] == "3306"
    assert "DB_HOST" not in env  # yoga has no database:main
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "serverless-auth").inputs["policy"])
    (stmt,) = [s for s in policy["Statement"] if s.get("Sid") == "UseDatabaseOrders"]
    assert stmt["Action"] == ["rds-db:connect", "secretsmanager:GetSecretValue"]
    assert stmt["Resource"][0].startswith("arn:aws:rds-db:us-east-1:") and ":dbuser:prx-" in stmt["Resource"][0]
    proxy_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "db-orders-proxy-sg").id
    fn_sgs = set(fn.inputs["vpcConfig"]["securityGroupIds"])
    admitted = [r.inputs for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                if r.inputs["securityGroupId"] == proxy_sg]
    assert [(r["fromPort"], r["referencedSecurityGroupId"] in fn_sgs) for r in admitted] == [(3306, True)]
    out = plan.stack_outputs["databases"]["orders"]
    assert (out["engine"], out["port"], out["identifier"], out["proxyName"]) == (
        "mysql", 3306, "yoga-prod-db-orders", "yoga-prod-db-orders")


def test_retiring_green_archives_the_named_database() -> None:
    plan = planned("prod", *STACK_SETS, "greenWeight=0", "retire=green")
    commands = plan.stack_outputs["archive"]["commands"]
    assert ("aws rds create-db-snapshot --region us-east-1 --db-instance-identifier yoga-prod-db-orders "
            "--db-snapshot-identifier yoga-prod-db-orders-archive") in commands
