"""Budget and usage assumptions: what the stack may cost and the traffic the estimate assumes."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path

from components.specs.budget import (
    BudgetConfig,
    UsageConfig,
    UsageKey,
)
from components.specs.usage import ServiceUsage
from cutover.config.reader import Reader
from cutover.errors import ConfigError

# Declared once, next to the cost estimator that reads the figures (policy/cutover_guard/cost.py): the
# policy pack is a separate project, so both sides read this data file instead of importing each other.
USAGE_FILE = Path(__file__).resolve().parents[2] / "policy" / "cutover_guard" / "usage_keys.json"


def _usage_file() -> Path:
    """The repository's file, or (installed with pip) the policy package's copy, found without importing
    the package (its __init__ needs the policy SDK)."""
    if USAGE_FILE.exists():
        return USAGE_FILE
    spec = importlib.util.find_spec("cutover_guard")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{USAGE_FILE} (and no installed cutover_guard package)")
    return Path(next(iter(spec.submodule_search_locations))) / "usage_keys.json"


@cache
def usage_declarations() -> tuple[UsageKey, ...]:
    keys = json.loads(_usage_file().read_text())["keys"]
    return tuple(UsageKey(k["name"], k["description"], bool(k["contract"]), bool(k["profile"]), k.get("maximum"))
                 for k in keys)


# Usage figures a profile sets (the StackProfile records each, 0 when missing).
USAGE_KEYS = tuple(k.name for k in usage_declarations() if k.profile)


def parse_budget(r: Reader) -> BudgetConfig:
    from cutover.config.schema import default

    monthly = r.number("monthlyUsd", default("budget.monthlyUsd"), minimum=1, maximum=1_000_000)
    alert = r.number("alertUsd", round(monthly * 0.9, 2), minimum=1)
    if alert > monthly:
        raise ConfigError(r.key("alertUsd"), f"the alert ({alert}) is above the budget ({monthly})",
                          f"1..{monthly}")
    r.finish()
    return BudgetConfig(monthly_usd=monthly, alert_usd=alert)


def parse_usage(r: Reader, services: tuple[str, ...] = ()) -> UsageConfig:
    """The stack's usage figures, and ``services``: per-service figures for the named Lambda services
    (``usage.services.<service>: {requestsPerMonth, avgDurationMs}``), which the estimator prices that
    service's function from instead of its trigger (policy/cutover_guard/cost.py)."""
    keys = [k for k in usage_declarations() if k.profile]
    values = tuple((k.name, r.number(k.name, 0.0, minimum=0, maximum=k.maximum)) for k in keys)
    per_service = r.section("services")
    out: list[ServiceUsage] = []
    for name in per_service.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        if name not in services:
            raise ConfigError(per_service.key(name), f"{name!r} is not a service of this profile",
                              " | ".join(services) if services else "no services are declared")
        inner = per_service.section(name)
        requests = inner.number("requestsPerMonth", minimum=0, maximum=1e12) \
            if inner.raw("requestsPerMonth", None) is not None else None
        duration = inner.number("avgDurationMs", minimum=1, maximum=900_000) \
            if inner.raw("avgDurationMs", None) is not None else None  # at most Lambda's 15-minute timeout
        inner.finish()
        out.append(ServiceUsage(name, requests, duration))
    per_service.finish()
    r.finish()
    return UsageConfig(values=values, services=tuple(out))
