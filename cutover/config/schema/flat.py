"""The flat ``cutover:*`` stack keys (Pulumi.yaml's ``config:`` block is generated from these) and the
region names ``aws:region`` accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FlatKey:
    """A ``cutover:<name>`` key declared in Pulumi.yaml (generated from this table)."""

    name: str
    type: str  # Pulumi.yaml schema type: string | integer | boolean
    default: str | int | bool
    description: str
    allowed: str = ""  # what the reference and errors show as the allowed values


# The rollback Lambda records a uuid4 hex as the rollback id (functions/rollback/record.py: 32 lowercase hex).
ROLLBACK_ID = re.compile(r"^[0-9a-f]{32}$")
# RFC 5321: a path is at most 256 octets including the angle brackets, so an address is at most 254; the
# local part is at most 64. A syntactic check only (SNS and Budgets send a confirmation mail).
MAX_EMAIL = 254
EMAIL = re.compile(r"^(?=.{3,254}$)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                   r"([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
# Strict decimal integers: Python's int() also takes "1_0", " 10 " and non-ASCII digits.
DECIMAL = re.compile(r"^[+-]?[0-9]+$")

FLAT_KEYS: tuple[FlatKey, ...] = (
    FlatKey("profile", "string", "pos-serverless",
            "Application architecture preset: a file in profiles/ (pos-serverless, tracetrack-ecs, "
            "yoga-serverless, waiterix-serverless, persona-serverless).", "a file name in profiles/ without .yaml"),
    FlatKey("environment", "string", "dev",
            "dev (cheap: single AZ, NAT instance, no deletion protection) or prod (safe: multi-AZ, "
            "deletion protection, 7+ days of backups, protected stateful resources).", "dev | prod"),
    FlatKey("greenWeight", "integer", 0,
            "Percent of traffic (0..100) the front door sends to the green color. Promote and roll "
            "back by changing only this key.", "0..100, decimal digits"),
    FlatKey("retire", "string", "none",
            "Cleanup path: none, blue (only at greenWeight=100) or green (only at greenWeight=0). "
            "Removes the retired color's compute and routing, keeps and snapshots its data.", "none | blue | green"),
    FlatKey("retireData", "boolean", False,
            "Cleanup step 2 (after retire has been applied): drop the retired color's data from the stack; "
            "databases are deleted after a final snapshot, buckets and tables stay in AWS.", "true | false"),
    FlatKey("rollbackAck", "string", "",
            "Id of an automatic rollback the operator has reviewed; until it matches the recorded "
            "rollback, greenWeight must stay 0.", "empty, or the rollback id: 32 lowercase hex characters"),
    FlatKey("costCenter", "string", "",
            "Value of the cost-center tag on every resource; empty uses the profile's costCenter.",
            "an AWS tag value: at most 256 letters, digits, spaces and _ . : / = + - @"),
    FlatKey("alertEmail", "string", "",
            "Email address subscribed to the stack's alarm topic; empty subscribes nobody.",
            f"empty, or an email address of at most {MAX_EMAIL} characters"),
)
STRUCTURED_KEYS = ("overrides",)  # objects: the project schema cannot type them (see Pulumi.yaml)
REGION_DEFAULT = "us-east-1"

# Region names of every AWS partition, from botocore's endpoint data (botocore/data/endpoints.json:
# partitions[].regions); tests/unit/test_config_schema.py keeps the two in sync.
AWS_REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1",
    "eu-central-1", "eu-central-2", "eu-isoe-west-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
    "eu-west-2", "eu-west-3", "eusc-de-east-1", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
    "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-iso-west-1",
    "us-isob-east-1", "us-isob-west-1", "us-isof-east-1", "us-isof-south-1", "us-west-1", "us-west-2",
)
