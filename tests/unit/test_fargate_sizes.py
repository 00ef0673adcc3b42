"""Fargate task sizes: every accepted pair is in AWS's table; everything else is rejected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutover import fargate

# AWS's table (ECS Developer Guide, "Task CPU and memory"), written out independently.
AWS_TABLE = {
    256: {512, 1024, 2048},
    512: {1024, 2048, 3072, 4096},
    1024: {m * 1024 for m in range(2, 9)},
    2048: {m * 1024 for m in range(4, 17)},
    4096: {m * 1024 for m in range(8, 31)},
    8192: {m * 1024 for m in range(16, 61, 4)},
    16384: {m * 1024 for m in range(32, 121, 8)},
}


def test_table_matches_aws() -> None:
    assert {c: set(m) for c, m in fargate.FARGATE_SIZES.items()} == AWS_TABLE


@given(st.sampled_from(sorted(AWS_TABLE)).flatmap(lambda c: st.tuples(st.just(c), st.integers(0, 130 * 1024))))
def test_accepted_pairs_are_in_the_aws_table(pair: tuple[int, int]) -> None:
    cpu, memory = pair
    assert fargate.is_valid(cpu, memory) == (memory in AWS_TABLE[cpu])
    if memory in AWS_TABLE[cpu]:
        fargate.check(cpu, memory)
    else:
        with pytest.raises(ValueError, match="not a Fargate memory value"):
            fargate.check(cpu, memory)


@given(st.integers(0, 20000).filter(lambda c: c not in AWS_TABLE), st.integers(0, 130000))
def test_unknown_cpu_is_rejected(cpu: int, memory: int) -> None:
    assert not fargate.is_valid(cpu, memory)
    with pytest.raises(ValueError, match="not a Fargate CPU value"):
        fargate.check(cpu, memory)


def test_seed_001_size_is_valid() -> None:
    fargate.check(512, 1024)
