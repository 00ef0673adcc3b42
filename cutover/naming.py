"""Physical names for AWS resources, derived in one place and kept within AWS limits.

Names read ``<app>-<stack>-<part>...`` (``pos-prod-receipts``). When a name would exceed the
limit of its resource kind it is cut and given a short hash of the full name, so two long names
never collide and the same inputs always give the same name (renaming replaces infrastructure).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class NameRule:
    max_len: int
    lowercase: bool = False
    allowed: str = r"a-zA-Z0-9-"  # regex character class body
    separator: str = "-"
    no_double_separator: bool = False
    must_start_with_letter: bool = False


class Kind(Enum):
    """Resource kinds whose names AWS constrains; the value is the rule (source: AWS API refs)."""

    S3_BUCKET = NameRule(63, lowercase=True, allowed=r"a-z0-9-", no_double_separator=True,
                         must_start_with_letter=True)
    LOAD_BALANCER = NameRule(32, no_double_separator=True, must_start_with_letter=True)
    TARGET_GROUP = NameRule(32, no_double_separator=True, must_start_with_letter=True)
    IAM_ROLE = NameRule(64, allowed=r"a-zA-Z0-9+=,.@_-")
    IAM_POLICY = NameRule(128, allowed=r"a-zA-Z0-9+=,.@_-")
    LAMBDA_FUNCTION = NameRule(64, allowed=r"a-zA-Z0-9_-")
    RDS_IDENTIFIER = NameRule(63, lowercase=True, allowed=r"a-z0-9-", no_double_separator=True,
                              must_start_with_letter=True)
    RDS_PROXY = NameRule(60, lowercase=True, allowed=r"a-z0-9-", no_double_separator=True,
                         must_start_with_letter=True)
    ELASTICACHE_GROUP = NameRule(40, lowercase=True, allowed=r"a-z0-9-", no_double_separator=True,
                                 must_start_with_letter=True)
    DYNAMODB_TABLE = NameRule(255, allowed=r"a-zA-Z0-9_.-")
    LOG_GROUP = NameRule(512, allowed=r"a-zA-Z0-9_./#-", separator="/")
    SQS_QUEUE = NameRule(80, allowed=r"a-zA-Z0-9_-")
    SQS_FIFO_QUEUE = NameRule(75, allowed=r"a-zA-Z0-9_-")  # + ".fifo": SQS's 80 characters in all
    SNS_TOPIC = NameRule(256, allowed=r"a-zA-Z0-9_-")
    SECRET = NameRule(512, allowed=r"a-zA-Z0-9/_+=.@-", separator="/")
    SECURITY_GROUP = NameRule(255, allowed=r"a-zA-Z0-9 ._/()#,@\[\]+=&;{}!$*:-")
    ECS = NameRule(255, allowed=r"a-zA-Z0-9_-")
    ECR_REPOSITORY = NameRule(256, lowercase=True, allowed=r"a-z0-9._/-", separator="/")
    WAF = NameRule(128, allowed=r"a-zA-Z0-9_-")
    API = NameRule(128, allowed=r"a-zA-Z0-9_-")
    CLOUDFRONT_POLICY = NameRule(64, allowed=r"a-zA-Z0-9_-")
    ALARM = NameRule(255, allowed=r"a-zA-Z0-9_.:-")
    SSM_PARAMETER = NameRule(1011, allowed=r"a-zA-Z0-9_./-", separator="/")
    BUDGET = NameRule(100, allowed=r"a-zA-Z0-9_.:-")
    IOT = NameRule(128, allowed=r"a-zA-Z0-9_", separator="_")
    GENERIC = NameRule(255, allowed=r"a-zA-Z0-9_-")


_HASH_LEN = 6


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:_HASH_LEN]


def fit(name: str, kind: Kind) -> str:
    """Sanitize ``name`` for ``kind`` and cut it to the limit with a stable hash suffix."""
    rule = kind.value
    sep = rule.separator
    text = name.lower() if rule.lowercase else name
    text = re.sub(f"[^{rule.allowed}]", sep, text)
    if rule.no_double_separator:
        text = re.sub(f"{re.escape(sep)}{{2,}}", sep, text)
    text = text.strip(sep + "-_.")
    if rule.must_start_with_letter and not (text[:1].isalpha()):
        text = "c" + sep + text if text else "c"
    if len(text) <= rule.max_len:
        return text
    suffix = sep + _digest(name)
    head = text[: rule.max_len - len(suffix)].rstrip(sep + "-_.")
    return head + suffix


_LABEL = re.compile(r"^[a-z][a-z0-9-]*$")


def valid_label(value: str, max_len: int = 24) -> bool:
    """An app or environment label: lowercase letters, digits, hyphens; starts with a letter."""
    return bool(_LABEL.match(value)) and len(value) <= max_len and "--" not in value


@dataclass(frozen=True)
class Namer:
    """Derives every physical name of one stack.

    ``app`` is the profile's short name (``pos``), ``stack`` the Pulumi stack (``prod``).
    """

    app: str
    stack: str

    @property
    def prefix(self) -> str:
        return f"{self.app}-{self.stack}"

    def name(self, kind: Kind, *parts: str) -> str:
        """``<app>-<stack>-<parts>``, fitted to ``kind``."""
        sep = kind.value.separator
        return fit(sep.join([self.app, self.stack, *parts]), kind)

    def env_suffixed(self, kind: Kind, *parts: str) -> str:
        """``<app>-<parts>-<stack>``: the style of seed 002's tables (``yoga-Users-dev``)."""
        sep = kind.value.separator
        return fit(sep.join([self.app, *parts, self.stack]), kind)

    def path(self, *parts: str) -> str:
        """A hierarchical path (SSM parameters, secrets, log groups): ``/<app>/<stack>/<parts>``."""
        return "/" + "/".join([self.app, self.stack, *parts])

    def bucket(self, purpose: str, account_id: str) -> str:
        """S3 names are global: the account id keeps ``pos-prod-receipts`` unique per account."""
        if not re.fullmatch(r"[0-9]{12}", account_id):
            raise ValueError(f"an AWS account id is 12 digits, got {account_id!r}")
        rule = Kind.S3_BUCKET.value
        tail = f"-{account_id}"
        base = fit(f"{self.app}-{self.stack}-{purpose}", Kind.S3_BUCKET)
        if len(base) + len(tail) > rule.max_len:
            suffix = "-" + _digest(f"{self.app}-{self.stack}-{purpose}")
            base = base[: rule.max_len - len(tail) - len(suffix)].rstrip("-") + suffix
        return base + tail
