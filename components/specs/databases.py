"""Argument types for databases: plain frozen values, parsed from a profile by cutover.config.databases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from components.specs.engines import slug
from components.specs.tags import suppression_tags

POSTGRES_PORT = 5432
REDIS_PORT = 6379


@dataclass(frozen=True)
class ProxyConfig:
    max_connections_percent: int
    max_idle_connections_percent: int
    connection_borrow_timeout: int
    idle_client_timeout: int


class NamedDatabase:
    """What every database spec derives from its name and section: its store ref, waiver tags, and whether
    the old single-database section (``postgres:`` / ``aurora:``) declared it, keeping the names it always had
    (``LEGACY_NAME``); a ``databases:`` entry is ``db-<name>``."""

    LEGACY_NAME: ClassVar[str]
    name: str
    section: str
    suppress: tuple[tuple[str, str], ...]

    @property
    def ref_key(self) -> str:
        return f"database:{self.name}"

    @property
    def suppress_tags(self) -> dict[str, str]:
        return suppression_tags(self.suppress)

    @property
    def legacy(self) -> bool:
        return not self.section.startswith("databases.")

    @property
    def physical_name(self) -> str:
        return self.LEGACY_NAME if self.legacy else f"db-{slug(self.name)}"


@dataclass(frozen=True)
class PostgresConfig(NamedDatabase):
    LEGACY_NAME: ClassVar[str] = "postgres"
    instance_class: str
    engine_version: str  # "16.6" (or a major: "16", AWS picks the default minor)
    allocated_storage: int  # GiB, gp3
    max_allocated_storage: int  # storage autoscaling ceiling
    database_name: str
    master_username: str
    multi_az: bool
    backup_retention_days: int
    deletion_protection: bool
    performance_insights: bool  # 7-day free tier; RDS for PostgreSQL supports every class, micro included
    monitoring_interval: int  # enhanced monitoring seconds, 0 = off
    proxy: ProxyConfig | None
    subnets: str  # isolated | private
    suppress: tuple[tuple[str, str], ...] = ()  # (policy, reason): waivers tagged on the instance
    # An RDS DB instance of either engine (components.specs.engines): postgres | mysql.
    engine: str = "postgres"
    name: str = "main"  # the store ref is database:<name>
    section: str = "postgres"  # where the profile declares it: postgres | databases.<name>

    @property
    def tls_parameter_group(self) -> bool:
        """A parameter group that refuses unencrypted connections. The postgres: section never had one
        (RDS for PostgreSQL 15+ forces TLS by default); every database of the databases: map gets one."""
        return not self.legacy


@dataclass(frozen=True)
class CacheConfig:
    name: str  # logical key: cache:<name>
    node_type: str
    engine_version: str
    num_cache_clusters: int  # primary + replicas (cluster mode disabled)
    multi_az: bool  # automatic failover + Multi-AZ (needs >= 2 clusters)
    snapshot_retention_days: int
    snapshot_window: str
    maintenance_window: str
    subnets: str  # isolated | private
    env_prefix: str  # REDIS -> REDIS_HOST, REDIS_PORT, REDIS_AUTH_SECRET_ARN
    key_ttls: tuple[tuple[str, int], ...]  # key pattern -> TTL seconds (seed 000's caching strategy)
    suppress: tuple[tuple[str, str], ...] = ()  # (policy, reason): waivers tagged on the replication group

    @property
    def ref_key(self) -> str:
        return f"cache:{self.name}"

    @property
    def suppress_tags(self) -> dict[str, str]:
        return suppression_tags(self.suppress)

    @property
    def key_ttls_json(self) -> str:
        return json.dumps(dict(self.key_ttls), separators=(",", ":"))
