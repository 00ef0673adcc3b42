"""A legacy MySQL as a data-migration source into an RDS MySQL / Aurora MySQL database of this stack: homogeneous
DMS (MySQL -> MySQL) at the instance or the cluster's writer (never the RDS Proxy, which takes IAM auth only),
TLS verified on both sides, and the verifier on its MySQL driver path for both sides.

DMS rules (DMS user guide): MySQL-compatible endpoints offer only verify-ca / verify-full ("Using SSL with AWS
DMS"), so both endpoints carry a certificate; Aurora MySQL's DMS engine name is ``aurora``.
"""

from __future__ import annotations

import json

import pytest

from components.data_plan import shared_ref
from components.specs.migrations import Color, DatasetConfig, Method, NetworkPath, SourceDatabase
from cutover.plan.engine import ProgramError
from cutover.plan.model import Plan
from tests.conftest import planned

PEM = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVBdXRob3JpdHkwCgYIKoZIzj0EAwIw\n"
       "-----END CERTIFICATE-----")
M = "cutover:overrides.migrations.orders-db"
SOURCE = (f"{M}.source.engine=mysql", f"{M}.source.host=mysql.legacy.example", f"{M}.source.database=shop",
          f"{M}.source.secretArn=arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy-AbCdEf",
          f"{M}.source.network=peering", f"{M}.source.caCertificate={PEM}", f"{M}.method=dms")


def _plan(engine: str, *extra: str) -> Plan:
    db = "cutover:overrides.databases.orders"
    shape = (f"{db}.instanceClass=db.t4g.small", f"{db}.proxy=true") if engine == "mysql" else (f"{db}.maxCapacity=2",)
    return planned("dev", "profile=yoga-serverless", f"{db}.engine={engine}", *shape, *SOURCE,
                   f"{M}.target=database:orders", *extra)


def _endpoints(plan: Plan) -> dict[str, dict[str, object]]:
    return {r.name.rsplit("-", 1)[-1]: r.inputs for r in plan.of_type("aws:dms/endpoint:Endpoint")
            if r.name.startswith("migration-orders-db-")}


@pytest.mark.parametrize(("engine", "dms_engine"), [("mysql", "mysql"), ("aurora-mysql", "aurora")])
def test_dms_copies_mysql_into_the_database_at_its_writer_with_tls(engine: str, dms_engine: str) -> None:
    plan = _plan(engine, f"{M}.targetCaCertificate={PEM}")
    ep = _endpoints(plan)
    assert ep["source"]["engineName"] == "mysql" and ep["source"]["serverName"] == "mysql.legacy.example"
    assert ep["target"]["engineName"] == dms_engine and ep["target"]["port"] == 3306
    writer = (plan.one("aws:rds/instance:Instance", "db-orders").outputs["address"] if engine == "mysql"
              else plan.one("aws:rds/cluster:Cluster", "db-orders").outputs["endpoint"])
    assert ep["target"]["serverName"] == writer  # not the proxy: DMS signs in with the master secret
    assert {ep[s]["sslMode"] for s in ("source", "target")} == {"verify-full"}
    assert all(ep[s].get("certificateArn") for s in ("source", "target"))
    # DMS reaches the database's own security group on 3306 (by reference), not the proxy's.
    db_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "db-orders-sg").id
    into_db = [r.inputs for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == db_sg and r.name.startswith("migration-orders-db")]
    assert [(r["fromPort"], r["toPort"]) for r in into_db] == [(3306, 3306)]


def test_verifier_compares_mysql_with_mysql() -> None:
    plan = _plan("mysql", f"{M}.targetCaCertificate={PEM}")
    fn = plan.one("aws:lambda/function:Function", "verifier-fn")
    (spec,) = [d for d in json.loads(fn.inputs["environment"]["variables"]["DATASETS"]) if d["dataset"] == "orders-db"]
    assert spec["pair"] == "mysql->mysql" and spec["schemas"] == ["shop"]
    assert (spec["source"]["port"], spec["target"]["port"], spec["target"]["database"]) == (3306, 3306, "yoga")
    assert spec["target"]["host"] == plan.one("aws:rds/instance:Instance", "db-orders").outputs["address"]


def test_without_the_target_ca_no_replication_is_built() -> None:
    plan = _plan("mysql")
    assert _endpoints(plan) == {}


def test_a_mysql_source_cannot_go_into_a_postgresql_database() -> None:
    with pytest.raises(ProgramError) as err:
        planned("dev", "profile=yoga-serverless", "cutover:overrides.databases.orders.engine=postgres",
                "cutover:overrides.databases.orders.instanceClass=db.t4g.small", *SOURCE,
                f"{M}.target=database:orders")
    msg = str(err.value)
    assert "migrations.orders-db.source.engine" in msg and "PostgreSQL database" in msg
    assert "mysql | aurora-mysql" in msg and "table:<Name>" in msg


@pytest.mark.parametrize(("target", "prefix"), [("database:main", ""), ("database:orders", "ORDERS_"),
                                                ("database:order-items", "ORDER_ITEMS_")])
def test_shared_database_keeps_the_variables_of_the_ref_it_stands_for(target: str, prefix: str) -> None:
    # method shared: green's services use blue's database in place of the target; they must find it under the
    # same names the target's own ref gives them (components/postgres.py database_refs).
    src = SourceDatabase(engine="mysql", host="mysql.legacy.example", port=3306, database="shop",
                         secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:legacy-AbCdEf",
                         network=NetworkPath.TLS)
    ref = shared_ref(DatasetConfig(name="orders-db", target=target, method=Method.SHARED, writer=Color.BLUE,
                                   source=src), None)
    assert set(ref.env) == {f"{prefix}DB_{k}" for k in ("HOST", "PORT", "NAME", "SECRET_ARN")}
    assert ref.env[f"{prefix}DB_PORT"] == "3306" and ref.port == 3306 and ref.cidr_blocks == ("0.0.0.0/0",)
