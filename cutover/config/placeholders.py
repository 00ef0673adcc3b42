"""Sample values profiles ship with, found in every section of the merged document.

Profiles are presets: hosted zone ids, certificate ARNs, host names and VPC ids in them are samples the
operator replaces (the ``# OPERATOR: placeholder`` comments). A preview warns about each key still
holding one; a real deployment refuses (``__main__`` section 5), since AWS would either reject the value
late or, worse, accept it (a record for someone else's ``example.com`` name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

# The account ids AWS documentation uses in examples (111111111111, 123456789012, 222222222222...).
_SAMPLE_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(123456789012|(\d)\2{11}):")
# RFC 2606 / RFC 6761 reserve these names for documentation and testing: they never reach a real host.
_RESERVED_NAME = re.compile(r"(^|\.)(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid))\.?$", re.IGNORECASE)
_ZERO_ID = re.compile(r"^(Z0+|vpc-0+|rtb-0+|subnet-0+|sg-0+)$")
_EMAIL_DOMAIN = re.compile(r"@([^@]+)$")


def is_placeholder(value: str) -> bool:
    if _SAMPLE_ACCOUNT.match(value) or _ZERO_ID.match(value):
        return True
    host = m.group(1) if (m := _EMAIL_DOMAIN.search(value)) else value
    return bool(_RESERVED_NAME.search(host)) and " " not in host and "/" not in host


def find_placeholders(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Key paths (``edge.certificateArn``, ``cdn.aliases[0]``) whose value is a sample value."""
    return tuple(path for path, value in _leaves(doc, "") if isinstance(value, str) and is_placeholder(value))


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from _leaves(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _leaves(child, f"{path}[{i}]")
    else:
        yield path, value
