"""Reorganising the code replaces no cloud resource (see tests/fixtures/physical.py).

Every resource of the committed baseline must still be planned, under its URN or under a new URN that
carries an alias to the old one (what keeps ``pulumi up`` from replacing it), with the same type and
the same physical name. Resources the baseline does not know are listed apart: a change that adds them
on purpose regenerates the baseline and says so.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROFILES, STACKS, planned
from tests.fixtures.physical import BASELINE, snapshot

BASE = json.loads(BASELINE.read_text())


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_resource_keeps_its_identity(profile: str, stack: str) -> None:
    plan = planned(stack, f"profile={profile}")
    now = snapshot(plan)
    aliases = {a: r.urn for r in plan if r.custom for a in r.aliases}
    expected = BASE[f"{profile}/{stack}"]
    lost, changed = [], []
    for urn, was in expected.items():
        current = urn if urn in now else aliases.get(urn)
        if current is None or current not in now:
            lost.append(urn)
        elif now[current] != was:
            changed.append((urn, was, now[current]))
    assert not lost, f"{len(lost)} resources would be replaced (no URN, no alias): {lost[:5]}"
    assert not changed, f"type or physical name changed: {changed[:3]}"
    matched = set(expected) | {urn for urn in now if any(aliases.get(a) == urn for a in expected)}
    added = sorted(urn for urn in now if urn not in matched and urn not in expected)
    assert not added, f"new resources not in {BASELINE.name} (regenerate it if intended): {added[:5]}"
