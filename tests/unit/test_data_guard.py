"""cutover/data_guard.py: one writer per dataset at every stage, flips and retirement only on receipts.

Rules from AWS: only an ALB listener rule can route by HTTP method (ELB user guide, "Listener rules":
http-request-method conditions); Route 53 weighted records and Lambda alias weights split every request
alike. Receipt format: functions/verifier/receipt.py.
"""

from __future__ import annotations

import pytest

from cutover.config.migrations import Color, DatasetConfig, Method, NetworkPath, SourceDatabase
from cutover.data_guard import (
    DataGuardError,
    Evidence,
    blue_takes_writes,
    check_evidence,
    check_flips,
    check_retirement,
    check_stage,
    green_uses_source,
    readonly_user,
    receipt_problem,
)
from tests.profiles.data_states import receipt

PG = SourceDatabase("postgres", "db.example.net", 5432, "app", "arn:aws:secretsmanager:us-east-1:444455556666:secret:x",
                    NetworkPath.TLS)
MY = SourceDatabase("mysql", "10.0.0.5", 3306, "app", "arn:aws:secretsmanager:us-east-1:444455556666:secret:y",
                    NetworkPath.PEERING)
SINCE = "2026-03-01T02:00:00Z"


def ds(method: Method = Method.DMS, writer: Color = Color.BLUE, *, target: str = "database:main",
       source: SourceDatabase = PG, since: str | None = None) -> DatasetConfig:
    return DatasetConfig(name="main", target=target, method=method, writer=writer, source=source,
                         writer_since=since if since or writer is Color.BLUE else SINCE)


# (front door, greenWeight, dataset) -> allowed?
STAGES = [
    ("route53", 0, ds(), True),
    ("route53", 50, ds(), True),  # green writes through to blue's PostgreSQL: one written copy
    ("route53", 50, ds(writer=Color.GREEN), False),  # blue would keep writing its own copy
    ("route53", 100, ds(writer=Color.GREEN), True),
    ("route53", 10, ds(target="table:Users", source=MY), False),  # green cannot write MySQL as DynamoDB
    ("route53", 0, ds(target="table:Users", source=MY), True),
    ("route53", 50, ds(Method.SHARED), True),
    ("route53", 50, ds(Method.DUMP, Color.GREEN), False),
    ("alias", 50, ds(target="table:Users", source=MY), False),
    ("alias", 50, ds(target="table:Users", source=MY, writer=Color.GREEN), True),
    ("alb", 25, ds(target="table:Users", source=MY), True),  # writes routed to blue
    ("alb", 25, ds(target="table:Users", source=MY, writer=Color.GREEN), True),  # writes routed to green
]


@pytest.mark.parametrize(("front_door", "weight", "dataset", "allowed"), STAGES)
def test_stages_allow_only_one_written_copy(front_door: str, weight: int, dataset: DatasetConfig,
                                            allowed: bool) -> None:
    if allowed:
        check_stage([dataset], front_door, weight, "none")
        return
    with pytest.raises(DataGuardError) as err:
        check_stage([dataset], front_door, weight, "none")
    assert err.value.key == "cutover:greenWeight" and "dataset main" in str(err.value)
    assert "allowed:" in str(err.value)  # says what would work


def test_an_alb_service_writing_two_datasets_needs_one_writer() -> None:
    a = DatasetConfig("a", "table:A", Method.DMS, Color.BLUE, MY)
    b = DatasetConfig("b", "table:B", Method.DMS, Color.GREEN, MY, writer_since=SINCE)
    with pytest.raises(DataGuardError, match=r"services\.booking\.uses: booking writes datasets with different"):
        check_stage([a, b], "alb", 25, "none", {"booking": ("table:A", "table:B")})
    check_stage([a, b], "alb", 25, "none", {"booking": ("table:A",), "auth": ("table:B",)})


def test_retire_green_refuses_a_dataset_green_writes() -> None:
    with pytest.raises(DataGuardError, match="reverse path"):
        check_stage([ds(writer=Color.GREEN)], "alb", 0, "green")


PARAM = "/app/prod/data/main/receipt"


@pytest.mark.parametrize(("value", "problem"), [
    (None, "no verification receipt at /app/prod/data/main/receipt"),
    ("{", "is unreadable"),
    (receipt("other"), "is for dataset 'other'"),
    (receipt("main", mismatches=2), "is not clean (public.t: 2 mismatches (e.g. missing 0))"),
    (receipt("main", target=990), "replication behind (public.t: 1000 rows on blue, 990 on green)"),
    (receipt("main", started="2026-03-01T01:59:59Z"), "started at 2026-03-01T01:59:59Z, before blue stopped"),
    (receipt("main"), None),
])
def test_a_receipt_supports_the_flip_only_when_clean_caught_up_and_after_the_freeze(value: str | None,
                                                                                      problem: str | None) -> None:
    found = receipt_problem(ds(writer=Color.GREEN, since=SINCE), value, PARAM)
    assert found is None if problem is None else problem in str(found)


def test_a_flip_is_checked_once_then_green_stays_the_writer() -> None:
    flipped = [ds(writer=Color.GREEN, since=SINCE)]
    with pytest.raises(DataGuardError) as err:
        check_flips(flipped, {"main": Evidence(None, "blue")}, "/app/prod/data")
    assert err.value.key == "migrations.main.writer" and "moving dataset main's writer to green is refused" in str(
        err.value)
    check_flips(flipped, {"main": Evidence(receipt("main"), "blue")}, "/app/prod/data")
    # recorded green already: later receipts (green wrote since) do not undo the flip
    check_flips(flipped, {"main": Evidence(receipt("main", mismatches=3), "green")}, "/app/prod/data")


def test_retirement_needs_green_writer_and_a_clean_receipt_for_every_copied_dataset() -> None:
    with pytest.raises(DataGuardError, match="dataset main is still written by blue"):
        check_retirement([ds()], {"main": Evidence(receipt("main"))}, "/app/prod/data")
    with pytest.raises(DataGuardError, match="retire=blue is refused: dataset main: no verification receipt"):
        check_retirement([ds(writer=Color.GREEN, since=SINCE)], {}, "/app/prod/data")
    check_retirement([ds(writer=Color.GREEN, since=SINCE), ds(Method.SHARED)],
                     {"main": Evidence(receipt("main"))}, "/app/prod/data")
    assert check_evidence([ds(writer=Color.GREEN, since=SINCE)], "blue",
                          {PARAM: receipt("main"), "/app/prod/data/main/writer": "green"},
                          "/app/prod/data") == {"main": receipt("main")}


@pytest.mark.parametrize(("dataset", "front_door", "weight", "retired", "expected"), [
    (ds(), "alb", 75, False, True),
    (ds(writer=Color.GREEN, since=SINCE), "alb", 25, False, False),
    (ds(), "route53", 0, False, True),
    (ds(writer=Color.GREEN, since=SINCE), "route53", 100, False, False),
    (ds(Method.SHARED), "route53", 50, False, True),
    (ds(writer=Color.GREEN, since=SINCE), "route53", 100, True, False),
])
def test_blue_takes_writes(dataset: DatasetConfig, front_door: str, weight: int, retired: bool,
                           expected: bool) -> None:
    assert blue_takes_writes(dataset, front_door, weight, retired) is expected


def test_green_writes_through_where_writes_cannot_be_routed_at_every_weight() -> None:
    # from greenWeight 0 on: a promotion changes weights only, and pre-traffic checks run the real path
    assert green_uses_source(ds(), "route53", 10) and green_uses_source(ds(), "route53", 0)
    assert not green_uses_source(ds(), "alb", 50) and green_uses_source(ds(Method.SHARED), "alb", 0)
    assert not green_uses_source(ds(target="table:Users", source=MY), "route53", 50)


def test_readonly_user_convention() -> None:
    assert readonly_user("pos") == "pos_readonly" and readonly_user("gabi-yoga") == "gabi_yoga_readonly"
