"""The data plan's states for profile tests: a dataset flipped to green with the receipt that allowed it.

A retirement (``retire=blue``) is only planned once every copied dataset is written by green and has a
clean, caught-up receipt of a verification started after blue stopped writing (cutover/data_guard.py).
These helpers build that state for a profile: the overrides of the flip and the SSM parameters the
program reads (``/<app>/<stack>/data/<ds>/receipt`` and ``.../writer``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cutover.plan.model import Plan
from cutover.plan.project import load_stack
from functions.verifier.receipt import Receipt, TableResult, encode_receipt
from tests.conftest import plan_of

ROOT = Path(__file__).resolve().parents[2]
WRITER_SINCE = "2026-03-01T02:00:00Z"  # blue stopped writing (the freeze before the flip)
VERIFIED_FROM, VERIFIED_AT = "2026-03-01T02:05:00Z", "2026-03-01T02:09:00Z"


def profile_doc(profile: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "profiles" / f"{profile}.yaml").read_text())


def datasets(profile: str) -> dict[str, dict[str, Any]]:
    return dict(profile_doc(profile).get("migrations") or {})


def app(profile: str) -> str:
    return str(profile_doc(profile)["app"])


def flip_sets(profile: str, since: str = WRITER_SINCE) -> list[str]:
    """The overrides of the flip: every copied dataset written by green since ``since``."""
    out = []
    for name, d in sorted(datasets(profile).items()):
        if d["method"] != "shared":
            out += [f"overrides.migrations.{name}.writer=green", f"overrides.migrations.{name}.writerSince={since}"]
    return out


def receipt(dataset: str, *, started: str = VERIFIED_FROM, at: str = VERIFIED_AT, source: int = 1000,
            target: int = 1000, mismatches: int = 0, pair: str = "postgres->postgres") -> str:
    from functions.verifier.receipt import example

    examples = tuple(example("missing", str(i)) for i in range(min(mismatches, 1)))
    return encode_receipt(Receipt(dataset=dataset, pair=pair, at=at, started_at=started, source_position="0/16B3748",
                                  recheck_seconds=30, tables=(TableResult("public.t", "public.t", source, target,
                                                                           mismatches, examples),)))


def evidence(profile: str, stack: str, *, writer: str | None = None, **receipt_args: Any) -> dict[str, str]:
    """SSM parameters: a clean receipt for every copied dataset (and its recorded writer, when given)."""
    out = {}
    for name, d in datasets(profile).items():
        if d["method"] == "shared":
            continue
        out[f"/{app(profile)}/{stack}/data/{name}/receipt"] = receipt(name, **receipt_args)
        if writer is not None:
            out[f"/{app(profile)}/{stack}/data/{name}/writer"] = writer
    return out


def planned_with(stack: str, profile: str, *sets: str, ssm: dict[str, str] | None = None) -> Plan:
    return plan_of(load_stack(stack, sets=[f"profile={profile}", *sets]), ssm or {})


def planned_retired(stack: str, profile: str, *sets: str) -> Plan:
    """``retire=blue`` (with ``sets``) in the state that allows it: flipped, with clean receipts."""
    return planned_with(stack, profile, *flip_sets(profile), *sets, ssm=evidence(profile, stack, writer="green"))
