"""What differs between the four relational engines the platform builds, in one table (no pulumi import).

``postgres`` and ``mysql`` are RDS DB instances (``components/postgres.py``: ``RdsDatabase``);
``aurora-postgresql`` and ``aurora-mysql`` are Aurora clusters (``components/aurora.py``: ``AuroraCluster``).
Every fact below names its source; the components read nothing engine-specific anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

POSTGRES_PORT = 5432
MYSQL_PORT = 3306  # the MySQL default port, which RDS and Aurora MySQL keep (RDS user guide, "Connecting")


@dataclass(frozen=True)
class Engine:
    name: str  # the RDS API's Engine value
    family: str  # postgres | mysql: the wire protocol
    cluster: bool  # an Aurora cluster (cluster + cluster instances) or an RDS DB instance
    label: str  # how descriptions name it
    port: int
    # CloudWatch Logs exports this platform turns on. Valid values per engine (botocore rds model,
    # CreateDBInstanceMessage / CreateDBClusterMessage EnableCloudwatchLogsExports): RDS for PostgreSQL
    # postgresql|upgrade|iam-db-auth-error; RDS for MySQL audit|error|general|slowquery|iam-db-auth-error;
    # Aurora PostgreSQL instance|postgresql|iam-db-auth-error; Aurora MySQL audit|error|general|instance|
    # slowquery|iam-db-auth-error. MySQL's audit log needs an option group (MARIADB_AUDIT_PLUGIN) and the
    # general log records every statement: neither is turned on by default here.
    log_exports: tuple[str, ...]
    valid_log_exports: tuple[str, ...]
    # RDS Proxy EngineFamily (botocore rds model: "For Aurora MySQL, RDS for MariaDB, and RDS for MySQL
    # databases, specify MYSQL. For Aurora PostgreSQL and RDS for PostgreSQL databases, specify POSTGRESQL").
    proxy_engine_family: str
    # ClientPasswordAuthType (botocore rds model enum); clients authenticate with IAM here anyway.
    proxy_client_auth: str
    # The parameter that refuses unencrypted connections and its "on" value. PostgreSQL: rds.force_ssl
    # (1 by default in RDS for PostgreSQL 15+ default groups, RDS user guide "Requiring an SSL connection to a
    # PostgreSQL DB instance"); MySQL:
    # require_secure_transport, OFF by default on MySQL 8.0/8.4 ("Requiring SSL/TLS for all connections to a
    # MySQL DB instance", RDS user guide: set it to 1 (ON) in a custom parameter group).
    tls_parameter: tuple[str, str]
    dms_engine: str  # the DMS EngineName of this database (DMS API: aurora = Aurora MySQL)

    @property
    def type_token(self) -> str:
        """The component type of a database of this engine (existing tokens kept: renaming replaces)."""
        return {"postgres": "cutover:data:PostgresDatabase", "mysql": "cutover:data:MysqlDatabase",
                "aurora-postgresql": "cutover:data:AuroraPostgres",
                "aurora-mysql": "cutover:data:AuroraMysql"}[self.name]

    def parameter_family(self, version: str) -> str:
        """The DB (cluster) parameter group family of ``version`` (RDS user guide, "Parameter groups"):
        mysql8.0 / mysql8.4, aurora-mysql8.0 (Aurora MySQL 3), postgres16, aurora-postgresql16."""
        if self.name == "aurora-mysql":
            return "aurora-mysql8.0"
        if self.family == "mysql":
            return f"mysql{mysql_major(version)}"
        return f"{self.name}{version.split('.', 1)[0]}"


ENGINES: dict[str, Engine] = {
    "postgres": Engine("postgres", "postgres", False, "RDS PostgreSQL", POSTGRES_PORT, ("postgresql",),
                       ("postgresql", "upgrade", "iam-db-auth-error"), "POSTGRESQL", "POSTGRES_SCRAM_SHA_256",
                       ("rds.force_ssl", "1"), "postgres"),
    "mysql": Engine("mysql", "mysql", False, "RDS MySQL", MYSQL_PORT, ("error", "slowquery"),
                    ("audit", "error", "general", "slowquery", "iam-db-auth-error"), "MYSQL",
                    "MYSQL_CACHING_SHA2_PASSWORD", ("require_secure_transport", "1"), "mysql"),
    "aurora-postgresql": Engine("aurora-postgresql", "postgres", True, "Aurora PostgreSQL", POSTGRES_PORT,
                                ("postgresql",), ("instance", "postgresql", "iam-db-auth-error"), "POSTGRESQL",
                                "POSTGRES_SCRAM_SHA_256", ("rds.force_ssl", "1"), "aurora-postgresql"),
    "aurora-mysql": Engine("aurora-mysql", "mysql", True, "Aurora MySQL", MYSQL_PORT, ("error", "slowquery"),
                           ("audit", "error", "general", "instance", "slowquery", "iam-db-auth-error"), "MYSQL",
                           "MYSQL_CACHING_SHA2_PASSWORD", ("require_secure_transport", "1"), "aurora"),
}
INSTANCE_ENGINES = tuple(e for e, spec in ENGINES.items() if not spec.cluster)  # postgres | mysql
CLUSTER_ENGINES = tuple(e for e, spec in ENGINES.items() if spec.cluster)  # aurora-postgresql | aurora-mysql

# MySQL parameters that make the slow query log reach CloudWatch Logs ("Publishing MySQL logs to Amazon
# CloudWatch Logs", RDS user guide: slow_query_log = 1 and log_output = FILE in a custom parameter group).
# long_query_time: seconds a statement runs before it is logged (MySQL default 10).
MYSQL_LOG_PARAMETERS: tuple[tuple[str, str], ...] = (("slow_query_log", "1"), ("log_output", "FILE"),
                                                     ("long_query_time", "2"))

# RDS for MySQL majors (RDS user guide, "Supported MySQL major versions on Amazon RDS"): engine_version is the
# major ("8.0"), RDS picks and keeps patching the minor (auto_minor_version_upgrade).
MYSQL_MAJORS = ("8.0", "8.4")
_MYSQL_VERSION = re.compile(r"^(8\.[04])(\.\d{1,2})?$")

# Aurora MySQL 3 (MySQL 8.0 compatible) versions read 8.0.mysql_aurora.3.MM.P (Aurora MySQL release notes).
AURORA_MYSQL_VERSION = re.compile(r"^8\.0\.mysql_aurora\.3\.(\d{2})\.(\d{1,2})$")
# Aurora Serverless v2 needs Aurora MySQL 3.02.0 or later, and scaling to 0 ACUs (auto-pause) 3.08.0 or later
# (Aurora user guide, "Requirements and limitations for Aurora Serverless v2" and "Scaling to zero ACUs").
AURORA_MYSQL_SERVERLESS_V2_MIN = (2, 0)
AURORA_MYSQL_AUTO_PAUSE_MIN = (8, 0)


def mysql_major(version: str) -> str:
    """``8.0.39`` -> ``8.0``: MySQL numbers majors with two components."""
    m = _MYSQL_VERSION.match(version)
    if not m:
        raise ValueError(f"{version!r} is not an RDS for MySQL version (allowed: {' | '.join(MYSQL_MAJORS)}[.MINOR])")
    return m.group(1)


def aurora_mysql_release(version: str) -> tuple[int, int] | None:
    """``8.0.mysql_aurora.3.08.0`` -> (8, 0): the 3.x minor and patch, None when it is not such a version."""
    m = AURORA_MYSQL_VERSION.match(version)
    return (int(m.group(1)), int(m.group(2))) if m else None


def env_prefix(name: str) -> str:
    """The variables a database's consumers get: ``DB_HOST`` for ``main``, ``ORDERS_DB_HOST`` for ``orders``.
    Letters are upper-cased and every run of other characters becomes one ``_`` (``order-items`` ->
    ``ORDER_ITEMS_``), so names that differ only in case or punctuation get the same prefix."""
    if name == "main":
        return ""
    return slug(name).upper().replace("-", "_") + "_"


def slug(name: str) -> str:
    """The database's name in physical names: lowercase, runs of non-alphanumerics as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
