"""Traffic weights: one knob (greenWeight, a percent) turned into each front door's own units.

ALB forward actions take integer weights 0..999 per target group, Route 53 weighted records take
0..255 and split traffic in proportion, Lambda aliases take the additional version's fraction
0.0..1.0. Each front door must send exactly ``green_weight`` percent to green, and at 0 and 100
the other side stays registered (weight 0), so a rollback is one weight change away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Split:
    blue: int
    green: int

    @property
    def green_percent(self) -> float:
        total = self.blue + self.green
        return 0.0 if total == 0 else 100.0 * self.green / total


def _check(green_weight: int) -> None:
    if not 0 <= green_weight <= 100:
        raise ValueError(f"greenWeight must be 0..100, got {green_weight}")


def alb_split(green_weight: int) -> Split:
    _check(green_weight)
    return Split(blue=100 - green_weight, green=green_weight)


def route53_split(green_weight: int) -> Split:
    """Route 53 splits by weight/sum; 0/0 would split evenly, which 100/0 and 0/100 avoid."""
    _check(green_weight)
    return Split(blue=100 - green_weight, green=green_weight)


def alias_fraction(green_weight: int) -> float:
    """The new version's share on the ``live`` alias (AWS rounds to 2 decimals in practice)."""
    _check(green_weight)
    return round(green_weight / 100.0, 2)


def next_stage(current: int, stages: Sequence[int]) -> int:
    """The first stage above ``current``; 100 is always the last stage."""
    for stage in sorted(set(stages) | {100}):
        if stage > current:
            return stage
    return 100


def previous_stage(current: int, stages: Sequence[int]) -> int:
    below = [s for s in sorted(set(stages) | {0}) if s < current]
    return below[-1] if below else 0


def validate_stages(stages: Sequence[int]) -> list[str]:
    """Problems with a stage list (empty when fine): strictly increasing, 1..100, ending at 100."""
    problems = []
    if not stages:
        problems.append("needs at least one stage")
    if any(not 1 <= s <= 100 for s in stages):
        problems.append("every stage is a percent from 1 to 100")
    if list(stages) != sorted(set(stages)):
        problems.append("stages must be strictly increasing")
    if stages and stages[-1] != 100:
        problems.append("the last stage must be 100")
    return problems
