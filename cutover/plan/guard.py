"""Bridges the offline plan to the CrossGuard pack in policy/ (a self-contained pack project)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cutover.plan.model import Plan
from cutover.plan.project import ROOT
from cutover.plan.render import in_stable_order

POLICY_DIR = ROOT / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))

from cutover_guard import cost, offline  # noqa: E402  (the pack's root must be importable first)

PROFILE_TYPE = "cutover:index:StackProfile"


@dataclass
class Verdicts:
    config_file: Path
    violations: list[Any]

    @property
    def mandatory(self) -> list[Any]:
        return [v for v in self.violations if v.level == "mandatory"]


def pack_config_path(environment: str) -> Path:
    return POLICY_DIR / f"{environment}.json"


def evaluate(plan: Plan, environment: str) -> Verdicts:
    path = pack_config_path(environment)
    config = offline.load_pack_config(path)
    # The pack and the estimator see resources by URN, not in arrival order (which varies between
    # runs): stack policies that name "the largest" lines or list resources then word their messages
    # the same way every run.
    return Verdicts(path, offline.evaluate(in_stable_order(plan.resources), config))


def usage_of(plan: Plan) -> dict[str, float]:
    profiles = plan.of_type(PROFILE_TYPE)
    return dict(profiles[0].inputs.get("usage", {})) if profiles else {}


def service_usage_of(plan: Plan) -> dict[str, Any]:
    """The profile's usage.services (per-service figures), as the StackProfile records them."""
    profiles = plan.of_type(PROFILE_TYPE)
    return dict(profiles[0].inputs.get("serviceUsage", {})) if profiles else {}


def estimate(plan: Plan) -> Any:
    return cost.estimate(in_stable_order(plan.resources), usage_of(plan), services=service_usage_of(plan))
