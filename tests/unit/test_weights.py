"""Every front door sends exactly greenWeight percent to green, for every weight 0..100."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutover.weights import (
    alb_split,
    alias_fraction,
    next_stage,
    previous_stage,
    route53_split,
    validate_stages,
)

weights = st.integers(0, 100)


@given(weights)
def test_alb_weights_are_valid_and_exact(w: int) -> None:
    s = alb_split(w)
    assert 0 <= s.blue <= 999 and 0 <= s.green <= 999
    assert s.green_percent == w


@given(weights)
def test_route53_weights_are_valid_and_exact(w: int) -> None:
    s = route53_split(w)
    assert 0 <= s.blue <= 255 and 0 <= s.green <= 255
    assert s.blue + s.green > 0  # never 0/0, which Route 53 would split evenly
    assert s.green_percent == w


@given(weights)
def test_alias_fraction(w: int) -> None:
    assert alias_fraction(w) * 100 == pytest.approx(w)


@pytest.mark.parametrize("bad", [-1, 101])
def test_out_of_range_weights_fail(bad: int) -> None:
    for fn in (alb_split, route53_split, alias_fraction):
        with pytest.raises(ValueError, match=r"0\.\.100"):
            fn(bad)


@pytest.mark.parametrize(("stages", "walk"), [
    ((5, 25, 50, 75, 100), [0, 5, 25, 50, 75, 100, 100]),  # seed 002
    ((10, 50, 100), [0, 10, 50, 100]),  # seed 000
])
def test_promotion_walks_the_seed_stages(stages: tuple[int, ...], walk: list[int]) -> None:
    for here, there in itertools.pairwise(walk):
        assert next_stage(here, stages) == there
    assert next_stage(30, stages) == min(s for s in stages if s > 30)
    assert previous_stage(50, stages) == max([0, *[s for s in stages if s < 50]])


@given(st.lists(st.integers(1, 100), min_size=1, max_size=6, unique=True).map(sorted), weights)
def test_next_stage_always_moves_forward_or_stays_at_100(stages: list[int], w: int) -> None:
    n = next_stage(w, stages)
    assert n > w or n == w == 100
    assert n in [*stages, 100]


@pytest.mark.parametrize(("stages", "problem"), [
    ((), "at least one"), ((10, 5, 100), "increasing"), ((0, 100), "1 to 100"), ((10, 50), "must be 100"),
])
def test_bad_stage_lists(stages: tuple[int, ...], problem: str) -> None:
    assert any(problem in p for p in validate_stages(stages))
