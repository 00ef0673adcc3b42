"""Shared data-store sections: ``postgres`` (RDS PostgreSQL, optional RDS Proxy) and ``cache`` (Redis).

    postgres:
      instanceClass: db.t4g.small
      proxy: true                      # seed 000: consumers reach the RDS Proxy, never the instance
    cache:
      main:
        nodeType: cache.t4g.micro
        keys: {"business:{businessId}:products": 3600, "session:{token}": 86400}

Multi-AZ, backups and deletion protection follow the environment (``settings``); prod refuses to
turn them off here, except Multi-AZ with a written waiver of the policy that requires it:

    postgres:
      multiAz: false
      suppress: {rds-multi-az: "<why, at least 20 characters>"}   # a cutover:suppress:* tag

``suppress`` (both sections) lists policy waivers: each becomes a ``cutover:suppress:<policy>`` tag
and the plan reports that policy's findings on the resource as "suppressed" with the reason.
"""

from __future__ import annotations

import re
from typing import Any

from components.specs.databases import (  # noqa: F401  (moved there; this module re-exports them)
    POSTGRES_PORT,
    REDIS_PORT,
    CacheConfig,
    PostgresConfig,
    ProxyConfig,
)
from components.specs.datastores import AuroraConfig
from components.specs.engines import ENGINES, MYSQL_MAJORS, env_prefix, slug
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError

ENHANCED_MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
_DB_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_PG_VERSION = re.compile(r"^(1[3-9])(\.\d{1,2})?$")
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_RESERVED_USERS = ("rdsadmin", "rdsrepladmin", "rds_superuser", "postgres", "admin")


def _default(path: str, env: EnvironmentSettings) -> Any:
    """The schema's declared default of ``path`` (cutover/config/schema/profile.py): declared once, read here."""
    from cutover.config.schema import default

    return default(path, env.name.value)


def parse_database_identity(r: Reader, app: str, *, max_user: int = 63) -> tuple[str, str]:
    """``databaseName`` and ``masterUsername`` of an RDS or Aurora database (default: from the app). RDS takes
    MySQL master users of at most 16 characters (botocore rds model, CreateDBInstance MasterUsername: "Must be
    1 to 16 letters, numbers, or underscores"): the default is cut to fit."""
    default_db = re.sub(r"[^A-Za-z0-9_]", "_", app)
    db_name = r.string("databaseName", default_db, pattern=lambda v: bool(_DB_NAME.match(v)),
                       describe="a letter, then up to 62 letters, digits or _")
    user = r.string("masterUsername", f"{default_db[:max_user - 6]}_admin", pattern=lambda v: bool(_DB_NAME.match(v)),
                    describe="a letter, then up to 62 letters, digits or _")
    if len(user) > max_user:
        raise ConfigError(r.key("masterUsername"), f"{user!r} has {len(user)} characters; RDS takes at most "
                          f"{max_user} for this engine", f"a letter, then up to {max_user - 1} letters, digits or _")
    if user.lower() in _RESERVED_USERS:
        raise ConfigError(r.key("masterUsername"), f"{user!r} is reserved by RDS", "any other name")
    return db_name, user


_NODE_TYPE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
_REDIS_VERSION = re.compile(r"^[6-7]\.[0-9]$")
_CACHE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}$")
_DAILY_WINDOW = re.compile(r"^\d{2}:\d{2}-\d{2}:\d{2}$")
_ENV_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]{0,30}$")
SUBNET_TIERS = ("isolated", "private")


def parse_postgres(doc: Reader, env: EnvironmentSettings, app: str) -> PostgresConfig | None:
    if not doc.has("postgres"):
        doc.raw("postgres", None)
        return None
    r = doc.section("postgres")
    config = rds_instance(r, env, app, "postgres", name="main", section="postgres")
    r.finish()
    return config


def rds_instance(r: Reader, env: EnvironmentSettings, app: str, engine: str, *, name: str,
                 section: str) -> PostgresConfig:
    """An RDS DB instance of ``engine`` (postgres | mysql): the ``postgres:`` section, or ``databases.<name>``.
    Keys and defaults are the ``postgres:`` section's; engineVersion and masterUsername follow the engine."""

    def d(key: str) -> Any:
        return _default(f"postgres.{key}", env)

    mysql = engine == "mysql"
    cls = r.string("instanceClass", pattern=lambda v: bool(_DB_CLASS.match(v)), describe="db.t4g.small")
    if cls == "db.serverless":
        raise ConfigError(r.key("instanceClass"), "db.serverless is Aurora's class (use the aurora section, or "
                          "engine aurora-postgresql | aurora-mysql)", "db.t4g.small, db.t3.medium, ...")
    if mysql:
        version = r.string("engineVersion", DEFAULT_MYSQL_VERSION, pattern=lambda v: bool(_MYSQL_VERSION.match(v)),
                           describe=f"MAJOR[.MINOR] with major {' | '.join(MYSQL_MAJORS)}, e.g. 8.0.39")
    else:
        version = r.string("engineVersion", d("engineVersion"), pattern=lambda v: bool(_PG_VERSION.match(v)),
                           describe="MAJOR[.MINOR] with major 13..19, e.g. 16.6")
    # gp3 minimum 20 GiB
    allocated = r.integer("allocatedStorageGb", d("allocatedStorageGb"), minimum=20, maximum=65536)
    max_alloc = r.integer("maxAllocatedStorageGb", max(allocated * 5, 100), minimum=allocated, maximum=65536)
    if max_alloc < allocated * 1.1:  # RDS rejects a ceiling under 10% above the allocation
        raise ConfigError(r.key("maxAllocatedStorageGb"), f"{max_alloc} is less than 10% above allocatedStorageGb "
                          f"{allocated}", f">= {int(allocated * 1.1) + 1}")
    db_name, user = parse_database_identity(r, app, max_user=16 if mysql else 63)
    suppress = r.suppressions()
    multi_az = r.boolean("multiAz", env.multi_az)
    if env.is_prod and not multi_az and not _waives(suppress, "rds-multi-az"):
        raise ConfigError(r.key("multiAz"), "prod databases run a standby in another AZ",
                          "true, or a written waiver: suppress: {rds-multi-az: <reason>}")
    interval = r.integer("monitoringIntervalSeconds", d("monitoringIntervalSeconds"))
    if interval not in ENHANCED_MONITORING_INTERVALS:
        raise ConfigError(r.key("monitoringIntervalSeconds"), f"{interval} is not an enhanced monitoring interval",
                          " | ".join(map(str, ENHANCED_MONITORING_INTERVALS)))
    proxy = parse_proxy(r, env)
    # RDS for MySQL has no Performance Insights on the micro and small classes (RDS user guide, "Supported DB
    # engines, Regions, and instance classes for Performance Insights"); RDS for PostgreSQL has it on every class.
    no_insights = mysql and cls.rsplit(".", 1)[-1] in ("micro", "small")
    insights = r.boolean("performanceInsights", False if no_insights else d("performanceInsights"))
    if insights and no_insights:
        raise ConfigError(r.key("performanceInsights"), f"RDS for MySQL has no Performance Insights on {cls}",
                          "false, or a medium or larger class")
    return PostgresConfig(
        instance_class=cls, engine_version=version, allocated_storage=allocated, max_allocated_storage=max_alloc,
        database_name=db_name, master_username=user, multi_az=multi_az,
        backup_retention_days=max(1, env.backup_retention_days), deletion_protection=env.deletion_protection,
        performance_insights=insights, monitoring_interval=interval, proxy=proxy,
        subnets=r.string("subnets", d("subnets"), choices=SUBNET_TIERS), suppress=suppress,
        engine=engine, name=name, section=section)


def parse_proxy(r: Reader, env: EnvironmentSettings) -> ProxyConfig | None:
    """``proxy: true`` or ``proxy: {enabled, maxConnectionsPercent, ...}`` (defaults: the postgres section's)."""

    def d(key: str) -> Any:
        return _default(f"postgres.{key}", env)

    proxy = None
    if not r.has("proxy"):
        enabled, pr = bool(r.raw("proxy", d("proxy"))), Reader({}, r.key("proxy"))
    elif isinstance(r.raw("proxy"), bool):
        enabled, pr = bool(r.raw("proxy")), Reader({}, r.key("proxy"))
    else:
        pr = r.section("proxy")
        enabled = pr.boolean("enabled", d("proxy.enabled"))
    if enabled:
        proxy = ProxyConfig(
            max_connections_percent=pr.integer("maxConnectionsPercent", d("proxy.maxConnectionsPercent"), minimum=1,
                                               maximum=100),
            max_idle_connections_percent=pr.integer("maxIdleConnectionsPercent", d("proxy.maxIdleConnectionsPercent"),
                                                    minimum=0, maximum=100),
            connection_borrow_timeout=pr.integer("connectionBorrowTimeoutSeconds",
                                                 d("proxy.connectionBorrowTimeoutSeconds"), minimum=0, maximum=3600),
            idle_client_timeout=pr.integer("idleClientTimeoutSeconds", d("proxy.idleClientTimeoutSeconds"), minimum=1,
                                           maximum=28800))
        if proxy.max_idle_connections_percent > proxy.max_connections_percent:
            raise ConfigError(pr.key("maxIdleConnectionsPercent"), "exceeds maxConnectionsPercent",
                              f"<= {proxy.max_connections_percent}")
    pr.finish()
    return proxy


# --- databases: several databases, each named ------------------------------------------------------

DATABASE_ENGINES = ("postgres", "mysql", "aurora-postgresql", "aurora-mysql")
DEFAULT_MYSQL_VERSION = "8.0"
_MYSQL_VERSION = re.compile(r"^(8\.[04])(\.\d{1,2})?$")
# Part of the store ref (database:<name>), the variables (<NAME>_DB_HOST) and the physical names
# (<app>-<stack>-db-<name>, fitted to RDS's 63-character identifiers by cutover.naming).
_DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


def parse_databases(doc: Reader, env: EnvironmentSettings, app: str) -> tuple[PostgresConfig | AuroraConfig, ...]:
    """``databases:`` keyed by name: ``database:<name>`` for services, one RDS instance or Aurora cluster each."""
    from cutover.config.datastores import aurora_cluster

    def one(name: str, r: Reader) -> PostgresConfig | AuroraConfig:
        if not _DATABASE_NAME.match(name):
            raise ConfigError(r.path, f"database name {name!r} is not valid (it becomes part of database:<name>, "
                              "<NAME>_DB_HOST and the RDS identifier)", "a letter, then up to 39 letters, digits, "
                              "_ or -")
        engine = r.string("engine", choices=DATABASE_ENGINES)
        section = f"databases.{name}"
        if ENGINES[engine].cluster:
            return aurora_cluster(r, env, app, engine, name=name, section=section)
        return rds_instance(r, env, app, engine, name=name, section=section)

    return doc.mapping_of("databases", one)


def check_databases(databases: tuple[PostgresConfig | AuroraConfig, ...]) -> None:
    """Every database must be one services can tell apart: one per ref key (``aurora:``, ``postgres:`` and
    ``databases.main`` are all ``database:main``), and names whose variables and physical names differ
    (``orders``, ``Orders`` and ``orders_`` all become ORDERS_DB_HOST and ``<app>-<stack>-db-orders``)."""
    seen: dict[str, str] = {}
    for db in databases:
        key = "main" if db.name == "main" else slug(db.name)
        if key in seen:
            other = seen[key]
            clash = (f"both are database:{db.name}" if db.name == "main" else
                     f"both become {env_prefix(db.name)}DB_HOST and the RDS identifier <app>-<stack>-db-{key}")
            raise ConfigError(db.section, f"{other} declares the same database: {clash}, so services could not "
                              f"tell them apart (and both would be billed)",
                              f"one of {other} or {db.section}, or a distinct name")
        seen[key] = db.section


def _waives(suppress: tuple[tuple[str, str], ...], policy: str) -> bool:
    return any(name == policy for name, _ in suppress)


def _cache(name: str, r: Reader, env: EnvironmentSettings) -> CacheConfig:
    if not _CACHE_NAME.match(name):
        raise ConfigError(r.path, f"cache name {name!r} is not valid", "lowercase letters, digits, -; at most 20")

    def d(key: str) -> Any:
        return _default(f"cache.*.{key}", env)

    suppress = r.suppressions()
    multi_az = r.boolean("multiAz", env.multi_az)
    if env.is_prod and not multi_az and not _waives(suppress, "elasticache-multi-az"):
        raise ConfigError(r.key("multiAz"), "prod caches fail over to a replica in another AZ",
                          "true, or a written waiver: suppress: {elasticache-multi-az: <reason>}")
    clusters = r.integer("numCacheClusters", 2 if multi_az else 1, minimum=1, maximum=6)
    if multi_az and clusters < 2:
        raise ConfigError(r.key("numCacheClusters"), "Multi-AZ failover needs a replica", ">= 2")
    windows = {
        "maintenanceWindow": r.string("maintenanceWindow", d("maintenanceWindow"),
                                      pattern=lambda v: bool(_WINDOW.match(v)), describe="ddd:hh:mm-ddd:hh:mm"),
        "snapshotWindow": r.string("snapshotWindow", d("snapshotWindow"),
                                   pattern=lambda v: bool(_DAILY_WINDOW.match(v)), describe="hh:mm-hh:mm"),
    }
    keys_r = r.section("keys")
    ttls: list[tuple[str, int]] = []
    for key_pattern in keys_r.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        if not key_pattern or any(c.isspace() for c in key_pattern):
            raise ConfigError(keys_r.key(key_pattern), "a key pattern has no whitespace",
                              "business:{businessId}:config")
        ttls.append((key_pattern, keys_r.integer(key_pattern, minimum=1, maximum=30 * 86400)))
    keys_r.finish()
    config = CacheConfig(
        name=name,
        node_type=r.string("nodeType", d("nodeType"), pattern=lambda v: bool(_NODE_TYPE.match(v)),
                           describe="cache.t4g.micro"),
        engine_version=r.string("engineVersion", d("engineVersion"), pattern=lambda v: bool(_REDIS_VERSION.match(v)),
                                describe="6.2 | 7.0 | 7.1"),
        num_cache_clusters=clusters, multi_az=multi_az,
        # Computed in prod (the environment's backup retention); the schema's declared value is dev's.
        snapshot_retention_days=r.integer("snapshotRetentionDays", env.backup_retention_days if env.is_prod else
                                          _default("cache.*.snapshotRetentionDays", env), minimum=0, maximum=35),
        snapshot_window=windows["snapshotWindow"], maintenance_window=windows["maintenanceWindow"],
        subnets=r.string("subnets", d("subnets"), choices=SUBNET_TIERS),
        env_prefix=r.string("envPrefix", d("envPrefix"), pattern=lambda v: bool(_ENV_PREFIX.match(v)),
                            describe="REDIS"),
        key_ttls=tuple(ttls), suppress=suppress)
    if env.is_prod and config.snapshot_retention_days < 1:
        raise ConfigError(r.key("snapshotRetentionDays"), "prod caches keep daily snapshots", "1..35")
    return config


def parse_caches(doc: Reader, env: EnvironmentSettings) -> tuple[CacheConfig, ...]:
    """``cache:`` mapping keyed by cache name (``main``, ``sessions``)."""
    caches = doc.mapping_of("cache", lambda key, r: _cache(key, r, env))
    prefixes: dict[str, str] = {}
    for c in caches:
        if c.env_prefix in prefixes:
            raise ConfigError(f"cache.{c.name}.envPrefix", f"{c.env_prefix} is also cache {prefixes[c.env_prefix]!r}'s "
                              "prefix; a service using both would get one set of variables", "a distinct envPrefix")
        prefixes[c.env_prefix] = c.name
    return caches
