"""Stores that already exist outside this stack, used by reference (``existing:`` in a profile).

Pulumi-free: the parser (``cutover/config/existing.py``) builds these and ``components/existing.py``
turns them into store refs. Nothing is ever created, changed, archived or deleted for them: the
stack only grants its services access, through the same ``uses:`` refs as its own stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class ExistingKind(Enum):
    """The profile section (``existing.<section>``) and the ref kind services name it by."""

    SECRET = "secrets"
    BUCKET = "buckets"
    TABLE = "tables"
    QUEUE = "queues"
    DATABASE = "databases"

    @property
    def ref_kind(self) -> str:
        return {"secrets": "secret", "buckets": "bucket", "tables": "table", "queues": "queue",
                "databases": "database"}[self.value]


@dataclass(frozen=True)
class ExistingStore:
    """One store by reference. ``arn`` is the full ARN when the profile gave one; otherwise the ARN is
    derived from ``resource_name`` with the stack's partition, region and account (``components/existing.py``)."""

    kind: ExistingKind
    name: str  # how services name it: existing.secrets.stripe-key -> "secret:stripe-key"
    resource_name: str  # the physical name (bucket, table, queue, secret name; a database's host)
    arn: str | None = None  # as given (validated); None: derived from resource_name
    kms_key_arn: str | None = None  # a customer managed key the store is encrypted with (decrypt/encrypt grants)
    # databases only
    engine: str = ""
    port: int = 0
    database_name: str = ""
    secret_arn: str = ""
    cidr_blocks: tuple[str, ...] = ()  # reached from the VPC by CIDR (egress only); () : over TLS through NAT

    @property
    def ref_key(self) -> str:
        return f"{self.kind.ref_kind}:{self.name}"

    @property
    def config_path(self) -> str:
        return f"existing.{self.kind.value}.{self.name}"

    @property
    def env_prefix(self) -> str:
        """``stripe-key`` -> ``STRIPE_KEY``; ``legacyOrders`` -> ``LEGACY_ORDERS``."""
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", self.name)
        return re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper()


# Partition of a region, from botocore's endpoint data (botocore/data/endpoints.json: partitions[].regionRegex),
# most specific first; tests/unit/test_existing.py checks every known region against that file.
_PARTITIONS: tuple[tuple[str, str], ...] = (
    (r"^us-gov-", "aws-us-gov"), (r"^us-isob-", "aws-iso-b"), (r"^us-isof-", "aws-iso-f"), (r"^us-iso-", "aws-iso"),
    (r"^eu-isoe-", "aws-iso-e"), (r"^eusc-", "aws-eusc"), (r"^cn-", "aws-cn"),
)


def partition_of(region: str) -> str:
    """``us-east-1`` -> ``aws``, ``cn-north-1`` -> ``aws-cn``, ``us-gov-west-1`` -> ``aws-us-gov``."""
    return next((p for prefix, p in _PARTITIONS if re.match(prefix, region)), "aws")
