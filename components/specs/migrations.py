"""Argument types for migrations: plain frozen values, parsed from a profile by cutover.config.migrations."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Method(Enum):
    DMS = "dms"
    DUMP = "dump"
    SHARED = "shared"


class Color(Enum):
    BLUE = "blue"
    GREEN = "green"

    @property
    def other(self) -> Color:
        return Color.GREEN if self is Color.BLUE else Color.BLUE


class NetworkPath(Enum):
    PEERING = "peering"  # blue's VPC, through traffic.blue.peering
    TLS = "tls"  # a public endpoint, TLS required, reached through NAT
    VPC = "vpc"  # this stack's VPC (blue built here, or its database moved in)


@dataclass(frozen=True)
class SourceDatabase:
    engine: str
    host: str
    port: int
    database: str
    secret_arn: str
    network: NetworkPath
    security_group_id: str | None = None  # network vpc: the database's security group
    ca_certificate: str | None = None  # PEM


@dataclass(frozen=True)
class AttributeMap:
    attribute: str
    column: str
    type: str = "S"


@dataclass(frozen=True)
class ItemMapping:
    """How one source table becomes the items of the target DynamoDB table."""

    table: str  # schema.table
    attributes: tuple[AttributeMap, ...]
    exclude_columns: tuple[str, ...] = ()
    updated_at: str | None = None


@dataclass(frozen=True)
class DatasetConfig:
    name: str
    target: str  # a store-ref key of this stack
    method: Method
    writer: Color
    source: SourceDatabase | None = None  # blue's database ...
    source_store: str | None = None  # ... or a store of this stack
    writer_since: str | None = None
    schemas: tuple[str, ...] = ("public",)
    mapping: ItemMapping | None = None
    # The target's CA (PEM; the RDS certificate bundle of the region) for a MySQL-compatible database target:
    # DMS offers MySQL-compatible endpoints verify-ca/verify-full only (DMS user guide, "Using SSL with AWS DMS").
    target_ca_certificate: str | None = None

    @property
    def target_kind(self) -> str:
        return self.target.partition(":")[0]
