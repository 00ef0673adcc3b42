"""Argument types for datastores: plain frozen values, parsed from a profile by cutover.config.datastores."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from components.specs.databases import NamedDatabase, ProxyConfig


class BillingMode(Enum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


@dataclass(frozen=True)
class IndexConfig:
    name: str
    hash_key: str
    range_key: str | None
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    non_key_attributes: tuple[str, ...]  # only with INCLUDE


@dataclass(frozen=True)
class TableConfig:
    name: str  # logical key, also part of the physical name: "Users" -> yoga-Users-dev
    hash_key: str
    range_key: str | None
    attributes: tuple[tuple[str, str], ...]  # (name, S|N|B): exactly the key attributes, in order
    indexes: tuple[IndexConfig, ...]
    ttl_attribute: str | None
    billing_mode: BillingMode
    read_capacity: int | None  # PROVISIONED only
    write_capacity: int | None
    point_in_time_recovery: bool
    deletion_protection: bool
    env_var: str  # "USERS_TABLE": the variable consumers receive the physical name in

    @property
    def ref_key(self) -> str:
        return f"table:{self.name}"


@dataclass(frozen=True)
class AuroraConfig(NamedDatabase):
    LEGACY_NAME: ClassVar[str] = "aurora"
    engine_version: str  # "16.6"
    database_name: str
    master_username: str
    min_capacity: float  # ACUs; 0 pauses the instance when idle
    max_capacity: float
    seconds_until_auto_pause: int | None  # only with min_capacity 0
    instances: int  # 1 writer (+1 reader in another AZ when multi-AZ)
    performance_insights: bool
    backup_retention_days: int
    deletion_protection: bool
    # Readers in promotion tiers 0-1 scale (and pause) with the writer, ready to take its load on
    # failover; tiers 2-15 scale on their own load, so an idle reader stays at minCapacity.
    reader_scales_with_writer: bool = True
    # An Aurora cluster of either engine (components.specs.engines): aurora-postgresql | aurora-mysql.
    engine: str = "aurora-postgresql"
    name: str = "main"  # the store ref is database:<name>
    section: str = "aurora"  # where the profile declares it: aurora | databases.<name>
    instance_class: str = "db.serverless"  # Serverless v2, or a provisioned class such as db.r6g.large
    proxy: ProxyConfig | None = None  # RDS Proxy in front of the cluster (databases: map only)
    suppress: tuple[tuple[str, str], ...] = ()  # (policy, reason): waivers tagged on the cluster

    @property
    def scales_to_zero(self) -> bool:
        return self.serverless and self.min_capacity == 0

    @property
    def serverless(self) -> bool:
        return self.instance_class == "db.serverless"

    @property
    def tls_parameter_group(self) -> bool:
        """A cluster parameter group that refuses unencrypted connections (the databases: map only; the
        aurora: section never had one)."""
        return not self.legacy

    def promotion_tier(self, n: int) -> int:
        """Instance ``n`` (1 = the first, the writer at creation)."""
        if n == 1:
            return 0
        return 1 if self.reader_scales_with_writer else 2


@dataclass(frozen=True)
class EmailConfig:
    domain: str  # SES domain identity, DKIM-signed
    from_address: str  # SES_FROM_EMAIL
    support_address: str  # SUPPORT_EMAIL
    mail_from_domain: str | None  # custom MAIL FROM (SPF alignment), e.g. mail.waiterix.com


@dataclass(frozen=True)
class FrontendConfig:
    price_class: str
    aliases: tuple[str, ...]
    certificate_arn: str | None  # ACM in us-east-1; without it CloudFront's default certificate
    immutable_paths: tuple[str, ...]  # hashed build assets: cached for a year
    asset_ttl_seconds: int
    html_ttl_seconds: int
    access_logs: bool  # CloudFront standard logs (v2) to CloudWatch Logs in us-east-1
    waf: bool  # attach a CLOUDFRONT-scope web ACL

    @property
    def minimum_protocol_version(self) -> str:
        # With the default *.cloudfront.net certificate AWS applies TLSv1 whatever is asked for.
        return "TLSv1.2_2021" if self.certificate_arn else "TLSv1"
