"""Every policy the pack ships is documented and configured for both stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cutover_guard import ALL_POLICIES

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


@pytest.mark.parametrize("policy", [p.name for p in ALL_POLICIES])
def test_each_policy_has_a_readme_row_and_a_level_in_both_configs(policy: str) -> None:
    rows = [line for line in (POLICY_DIR / "README.md").read_text().splitlines() if line.startswith(f"| `{policy}` |")]
    assert len(rows) == 1, f"policy/README.md: no table row for {policy}"
    for stack in ("dev", "prod"):
        config = json.loads((POLICY_DIR / f"{stack}.json").read_text())
        assert config[policy]["enforcementLevel"] in ("advisory", "mandatory", "disabled"), (stack, policy)
        # the README states the level each config sets
        cells = [c.strip() for c in rows[0].split("|")]
        assert cells[3 if stack == "dev" else 4] == config[policy]["enforcementLevel"], (stack, policy, cells)
