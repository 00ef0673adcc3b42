"""The README's generated sections match what the plans produce today, for every profile."""

from __future__ import annotations

from cutover.plan.diagram import mermaid
from cutover.plan.docs import PROFILES, README, render
from tests.conftest import planned


def test_every_profile_has_a_diagram() -> None:
    for profile in PROFILES:
        text = mermaid(planned("prod", f"profile={profile}"))
        assert text.startswith("flowchart LR")
        assert "subgraph" in text and "VPC" in text


def test_readme_generated_sections_are_current() -> None:
    current = README.read_text()
    assert render(current, lambda stack, profile: planned(stack, f"profile={profile}")) == current, \
        "README.md is stale: run `make docs`"
