"""Physical names: AWS limits and character rules hold for any stack and profile name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutover.naming import Kind, Namer, fit, valid_label

labels = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,5}){0,3}", fullmatch=True).filter(
    lambda s: len(s) <= 24)
parts = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_./ ", min_size=1, max_size=60),
                 min_size=1, max_size=4)


@pytest.mark.parametrize(("kind", "parts", "expected"), [
    (Kind.LOAD_BALANCER, ("front",), "pos-prod-front"),
    (Kind.S3_BUCKET, ("Receipts_Archive",), "pos-prod-receipts-archive"),
    (Kind.RDS_IDENTIFIER, ("main--db",), "pos-prod-main-db"),
    (Kind.LOG_GROUP, ("vpc-flow-logs",), "pos/prod/vpc-flow-logs"),
    (Kind.IOT, ("scans",), "pos_prod_scans"),
])
def test_names_read_app_stack_parts(kind: Kind, parts: tuple[str, ...], expected: str) -> None:
    assert Namer("pos", "prod").name(kind, *parts) == expected


def test_long_names_are_cut_with_a_stable_distinguishing_hash() -> None:
    namer = Namer("tracetrack", "feature-branch")
    a = namer.name(Kind.TARGET_GROUP, "green-service-api")
    b = namer.name(Kind.TARGET_GROUP, "green-service-app")
    assert len(a) <= 32 and len(b) <= 32
    assert a != b
    assert a == namer.name(Kind.TARGET_GROUP, "green-service-api")


def test_env_suffixed_table_names_follow_seed_002() -> None:
    assert Namer("yoga", "dev").env_suffixed(Kind.DYNAMODB_TABLE, "Users") == "yoga-Users-dev"


def test_bucket_names_carry_the_account_and_stay_within_63() -> None:
    name = Namer("persona", "dev").bucket("uploads", "123456789012")
    assert name == "persona-dev-uploads-123456789012"
    long = Namer("tracetrack", "review-1234").bucket("alb-access-logs-archive", "123456789012")
    assert len(long) <= 63 and long.endswith("-123456789012")


def _check(kind: Kind, name: str) -> None:
    rule = kind.value
    assert 1 <= len(name) <= rule.max_len
    assert re.fullmatch(f"[{rule.allowed}]+", name), name
    if rule.lowercase:
        assert name == name.lower()
    if rule.no_double_separator:
        assert rule.separator * 2 not in name
    if rule.must_start_with_letter:
        assert name[0].isalpha()
    assert not name.endswith(("-", "_", "."))


@given(app=labels, stack=labels, parts=parts, kind=st.sampled_from(list(Kind)))
def test_any_name_fits_its_kind(app: str, stack: str, parts: list[str], kind: Kind) -> None:
    namer = Namer(app, stack)
    _check(kind, namer.name(kind, *parts))
    _check(kind, namer.env_suffixed(kind, *parts))


@given(app=labels, stack=labels, purpose=labels, account=st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_any_bucket_name_is_valid(app: str, stack: str, purpose: str, account: str) -> None:
    name = Namer(app, stack).bucket(purpose, account)
    _check(Kind.S3_BUCKET, name)


@given(st.text(max_size=80))
def test_fit_never_fails_and_never_exceeds(text: str) -> None:
    for kind in Kind:
        assert len(fit(text or "x", kind)) <= kind.value.max_len


def test_bucket_rejects_a_malformed_account_id() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        Namer("pos", "dev").bucket("receipts", "12345")


def test_valid_label() -> None:
    assert valid_label("pos-serverless")
    assert not valid_label("Pos")
    assert not valid_label("a--b")
    assert not valid_label("1abc")
