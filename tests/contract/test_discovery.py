"""Every Lambda the platform ships has an IAM contract module, so a new one cannot ship without one.

Shipped Lambdas are the directories under ``functions/`` (Pulumi archives each as a function's
code). Each needs ``tests/contract/test_<directory>.py``; and every function any profile plans,
in dev and prod, must run code from such a directory or from an app build outside ``functions/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROFILES, STACKS, planned
from tests.contract.plan_policy import FUNCTION, code_path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = Path(__file__).resolve().parent


def shipped() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and any(p.glob("*.py")))


def test_every_shipped_function_has_a_contract_module() -> None:
    names = shipped()
    assert {"rollback", "device_ingest", "health"} <= set(names)
    missing = [n for n in names if not (CONTRACTS / f"test_{n}.py").is_file()]
    assert not missing, f"functions/{missing[0]} ships without tests/contract/test_{missing[0]}.py"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_planned_function_runs_code_with_a_contract(profile: str, stack: str) -> None:
    covered = {f"functions/{n}" for n in shipped()}
    for fn in planned(stack, f"profile={profile}").of_type(FUNCTION):
        path = code_path(fn)
        assert path is not None, f"{fn.name}: no code archive in the plan"
        if path.startswith("functions/"):
            assert path in covered, f"{fn.name} runs {path}, which has no IAM contract module"
