"""Shared fixtures: run the real program or a component under the mocked engine.

Each run starts from fresh mocks and a fresh root stack, so no state leaks between tests. Stack
plans are deterministic, so ``planned`` caches them by configuration to keep the suite fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "policy"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from cutover.plan.engine import run_callable, run_program  # noqa: E402
from cutover.plan.model import Plan  # noqa: E402
from cutover.plan.project import load_stack  # noqa: E402

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
settings.load_profile("ci")

PROFILES = ("pos-serverless", "tracetrack-ecs", "yoga-serverless", "waiterix-serverless", "persona-serverless")
STACKS = ("dev", "prod")


@lru_cache(maxsize=64)
def planned(stack: str, *sets: str) -> Plan:
    """The plan of ``Pulumi.<stack>.yaml`` with ``--set`` style overrides, e.g. ``profile=yoga-serverless``."""
    return run_program(load_stack(stack, sets=list(sets)))


def plan_components(fn: Callable[[], None], **kwargs: object) -> Plan:
    """Register whatever ``fn`` builds under fresh mocks and return the recorded plan."""
    return run_callable(fn, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=[(p, s) for p in PROFILES for s in STACKS], ids=lambda ps: f"{ps[0]}-{ps[1]}")
def profile_plan(request: pytest.FixtureRequest) -> tuple[str, str, Plan]:
    profile, stack = request.param
    return profile, stack, planned(stack, f"profile={profile}")
