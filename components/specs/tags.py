"""Waiver tags a resource carries: the policy pack reads them (policy/cutover_guard/_util.py)."""

from __future__ import annotations

from collections.abc import Iterable

SUPPRESS_TAG_PREFIX = "cutover:suppress:"  # read by the policy pack (policy/cutover_guard/_util.py)


def suppression_tags(waivers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``cutover:suppress:<policy>`` tags: the policy pack lists the resource's findings of that policy
    as "suppressed" with the reason instead of failing the stack (docs/cost-optimization.md)."""
    return {f"{SUPPRESS_TAG_PREFIX}{policy}": reason for policy, reason in waivers}
