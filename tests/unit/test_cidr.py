"""Subnet allocation: any valid network config gives non-overlapping subnets inside the VPC."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cutover.cidr import TIERS, CidrError, allocate


@st.composite
def network_configs(draw: st.DrawFn) -> tuple[str, int, dict[str, int]]:
    prefix = draw(st.integers(16, 24))
    base = draw(st.integers(0, 2**32 - 1))
    vpc = ipaddress.ip_network((base >> (32 - prefix) << (32 - prefix), prefix))
    slot = prefix + 4
    masks = {t: draw(st.integers(slot, 28)) for t in TIERS}
    return str(vpc), draw(st.integers(1, 3)), masks


@given(network_configs())
def test_subnets_are_inside_the_vpc_and_disjoint(cfg: tuple[str, int, dict[str, int]]) -> None:
    vpc_cidr, azs, masks = cfg
    assume(masks["public"] <= 28)
    plans = allocate(vpc_cidr, azs, masks)
    vpc = ipaddress.ip_network(vpc_cidr)
    nets = [ipaddress.ip_network(p.cidr) for p in plans]
    assert len(plans) == azs * len(TIERS)
    assert all(n.subnet_of(vpc) for n in nets)  # type: ignore[arg-type]
    for a, b in itertools.combinations(nets, 2):
        assert not a.overlaps(b)
    for p in plans:
        assert ipaddress.ip_network(p.cidr).prefixlen == masks[p.tier]


def test_adding_an_az_keeps_existing_subnets() -> None:
    masks = {"public": 24, "private": 20, "isolated": 24}
    two = allocate("10.40.0.0/16", 2, masks)
    three = allocate("10.40.0.0/16", 3, masks)
    assert set(p.cidr for p in two) <= set(p.cidr for p in three)


def test_known_layout_for_a_16() -> None:
    plans = allocate("10.40.0.0/16", 2, {"public": 24, "private": 20, "isolated": 24})
    assert [(p.tier, p.az_index, p.cidr) for p in plans] == [
        ("public", 0, "10.40.0.0/24"), ("public", 1, "10.40.16.0/24"),
        ("private", 0, "10.40.64.0/20"), ("private", 1, "10.40.80.0/20"),
        ("isolated", 0, "10.40.128.0/24"), ("isolated", 1, "10.40.144.0/24"),
    ]


@pytest.mark.parametrize(("cidr", "azs", "masks", "message"), [
    ("10.0.0.0/8", 2, {"public": 24, "private": 24, "isolated": 24}, "between /16 and /24"),
    ("10.0.0.0/16", 2, {"public": 18, "private": 24, "isolated": 24}, "do not fit"),
    ("10.0.0.0/16", 2, {"public": 29, "private": 24, "isolated": 24}, "/28"),
    ("10.0.0.1/16", 2, {"public": 24, "private": 24, "isolated": 24}, "not a valid network"),
    ("10.0.0.0/16", 4, {"public": 24, "private": 24, "isolated": 24}, "az count"),
])
def test_impossible_layouts_are_rejected(cidr: str, azs: int, masks: dict[str, int], message: str) -> None:
    with pytest.raises(CidrError, match=message):
        allocate(cidr, azs, masks)
