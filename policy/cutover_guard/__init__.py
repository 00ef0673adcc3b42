"""Cutover's CrossGuard policies, importable without starting a policy server.

``policy/__main__.py`` hands :data:`ALL_POLICIES` to ``PolicyPack``; :mod:`cutover_guard.offline` runs the
same objects without the Pulumi CLI, and :mod:`cutover_guard.cost` estimates monthly cost.
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from cutover_guard import budget, compute, cost_rules, data, dms, edge, iam, network, queues, s3, suppressions, tags

PACK_NAME: Final = "cutover-guard"

_RULES: Final[list[Policy]] = [
    *s3.POLICIES, *network.POLICIES, *iam.POLICIES, *compute.POLICIES, *data.POLICIES, *dms.POLICIES, *edge.POLICIES,
    *tags.POLICIES, *cost_rules.POLICIES, *budget.POLICIES, *queues.POLICIES,
]
ALL_POLICIES: Final[list[Policy]] = [*_RULES, suppressions.make(p.name for p in _RULES)]

__all__ = ["ALL_POLICIES", "PACK_NAME"]
