"""The database rules on MySQL-family resources (RDS MySQL, Aurora MySQL): each trips and passes, and the TLS
rule reads the parameter group the database points at.

Engine names are the RDS API's (``mysql``, ``aurora-mysql``); RDS Proxy's engine family for both is ``MYSQL``
(botocore rds model, CreateDBProxy EngineFamily). The TLS parameter and its default (OFF on MySQL 8.0/8.4) are
from the RDS user guide, "Requiring SSL/TLS for all connections to a MySQL DB instance".
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.conftest import profile, res, run

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
MEMBER = "aws:rds/clusterInstance:ClusterInstance"
MYSQL = {"engine": "mysql", "engineVersion": "8.0", "instanceClass": "db.t4g.medium"}
AURORA_MYSQL = {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"}


@pytest.mark.parametrize(("policy", "type_", "bad", "good", "env"), [
    ("rds-storage-encrypted", INSTANCE, {**MYSQL, "storageEncrypted": False}, {**MYSQL, "storageEncrypted": True},
     "dev"),
    ("rds-storage-encrypted", CLUSTER, {**AURORA_MYSQL}, {**AURORA_MYSQL, "storageEncrypted": True}, "dev"),
    ("rds-not-public", INSTANCE, {**MYSQL, "publiclyAccessible": True}, {**MYSQL, "publiclyAccessible": False},
     "dev"),
    ("rds-not-public", MEMBER, {"engine": "aurora-mysql", "publiclyAccessible": True},
     {"engine": "aurora-mysql", "publiclyAccessible": False}, "dev"),
    ("rds-backup-retention", INSTANCE, {**MYSQL, "backupRetentionPeriod": 1}, {**MYSQL, "backupRetentionPeriod": 7},
     "prod"),
    ("rds-backup-retention", CLUSTER, {**AURORA_MYSQL, "backupRetentionPeriod": 3},
     {**AURORA_MYSQL, "backupRetentionPeriod": 7}, "prod"),
    ("rds-deletion-protection", INSTANCE, {**MYSQL, "deletionProtection": False},
     {**MYSQL, "deletionProtection": True}, "prod"),
    ("rds-deletion-protection", CLUSTER, {**AURORA_MYSQL}, {**AURORA_MYSQL, "deletionProtection": True}, "prod"),
    ("rds-iam-auth", INSTANCE, {**MYSQL}, {**MYSQL, "iamDatabaseAuthenticationEnabled": True}, "dev"),
    ("rds-iam-auth", CLUSTER, {**AURORA_MYSQL, "iamDatabaseAuthenticationEnabled": False},
     {**AURORA_MYSQL, "iamDatabaseAuthenticationEnabled": True}, "dev"),
    ("rds-proxy-tls", "aws:rds/proxy:Proxy", {"engineFamily": "MYSQL", "requireTls": False},
     {"engineFamily": "MYSQL", "requireTls": True}, "dev"),
])
def test_database_rule_trips_and_passes_on_mysql(policy: str, type_: str, bad: dict[str, Any], good: dict[str, Any],
                                                 env: str) -> None:
    found = run(policy, [res(type_, "bad", inputs=bad)], environment=env)
    assert [v.urn.rsplit("::", 1)[-1] for v in found] == ["bad"]
    assert run(policy, [res(type_, "good", inputs=good)], environment=env) == []


def test_multi_az_on_mysql_instance_and_aurora_mysql_cluster() -> None:
    single = res(INSTANCE, "db", inputs={**MYSQL, "multiAz": False})
    standby = res(INSTANCE, "db", inputs={**MYSQL, "multiAz": True})
    assert len(run("rds-multi-az", [profile("prod"), single])) == 1
    assert run("rds-multi-az", [profile("prod"), standby]) == []
    cluster = res(CLUSTER, "c", inputs=AURORA_MYSQL, outputs={**AURORA_MYSQL, "id": "c1", "clusterIdentifier": "c1"})
    writer = res(MEMBER, "w", inputs={"clusterIdentifier": "c1", "engine": "aurora-mysql"})
    reader = res(MEMBER, "r", inputs={"clusterIdentifier": "c1", "engine": "aurora-mysql"})
    assert len(run("rds-multi-az", [profile("prod"), cluster, writer])) == 1
    assert run("rds-multi-az", [profile("prod"), cluster, writer, reader]) == []


def _group(type_: str, name: str, **params: str) -> Any:
    inputs = {"name": name, "parameters": [{"name": k, "value": v, "applyMethod": "immediate"}
                                           for k, v in params.items()]}
    return res(type_, name, inputs=inputs)


PG = "aws:rds/parameterGroup:ParameterGroup"
CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup"


def _tls(*resources: Any) -> list[str]:
    return [v.urn.rsplit("::", 1)[-1] for v in run("rds-tls-required", list(resources), environment="prod")]


def test_tls_required_mysql_instance() -> None:
    # MySQL 8.0's default group leaves require_secure_transport OFF: no group at all trips.
    assert _tls(res(INSTANCE, "db", inputs=MYSQL)) == ["db"]
    on = _group(PG, "shop-prod-db-orders", require_secure_transport="1", slow_query_log="1")
    assert _tls(res(INSTANCE, "db", inputs={**MYSQL, "parameterGroupName": "shop-prod-db-orders"}), on) == []
    also_on = _group(PG, "g2", require_secure_transport="ON")
    assert _tls(res(INSTANCE, "db", inputs={**MYSQL, "parameterGroupName": "g2"}), also_on) == []
    off = _group(PG, "g3", require_secure_transport="0")
    assert _tls(res(INSTANCE, "db", inputs={**MYSQL, "parameterGroupName": "g3"}), off) == ["db"]
    # A group that does not mention the parameter leaves the default (OFF).
    silent = _group(PG, "g4", slow_query_log="1")
    assert _tls(res(INSTANCE, "db", inputs={**MYSQL, "parameterGroupName": "g4"}), silent) == ["db"]


def test_tls_required_aurora_mysql_reads_the_cluster_parameter_group() -> None:
    assert _tls(res(CLUSTER, "c", inputs=AURORA_MYSQL)) == ["c"]
    on = _group(CPG, "shop-prod-db-reports", require_secure_transport="1")
    cluster = res(CLUSTER, "c", inputs={**AURORA_MYSQL, "dbClusterParameterGroupName": "shop-prod-db-reports"})
    assert _tls(cluster, on) == []
    # An instance-level DB parameter group does not count for a cluster parameter.
    instance_group = _group(PG, "shop-prod-db-reports", require_secure_transport="1")
    assert _tls(res(CLUSTER, "c", inputs={**AURORA_MYSQL, "dbClusterParameterGroupName": "x"}), instance_group) \
        == ["c"]


def test_tls_required_postgres_follows_the_engine_default() -> None:
    # RDS for PostgreSQL 15+ sets rds.force_ssl=1 by default; 14 does not.
    assert _tls(res(INSTANCE, "pg16", inputs={"engine": "postgres", "engineVersion": "16"})) == []
    assert _tls(res(INSTANCE, "pg14", inputs={"engine": "postgres", "engineVersion": "14"})) == ["pg14"]
    forced = _group(PG, "g", **{"rds.force_ssl": "1"})
    assert _tls(res(INSTANCE, "pg14", inputs={"engine": "postgres", "engineVersion": "14",
                                               "parameterGroupName": "g"}), forced) == []
    off = _group(PG, "g", **{"rds.force_ssl": "0"})
    assert _tls(res(INSTANCE, "pg16", inputs={"engine": "postgres", "engineVersion": "16",
                                               "parameterGroupName": "g"}), off) == ["pg16"]
