"""PostgreSQL -> PostgreSQL verification and PostgreSQL preflight, against a real PostgreSQL server.

Every test copies a small dataset faithfully into a target database, plants ONE kind of divergence
and asserts the receipt names exactly it (kind and key) and nothing else. Ranges are small
(``chunkRows`` 500 over 3000 rows) so the range walk, the bisection and composite keys all run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pg8000.native
import pytest

from functions.verifier import core, postgres
from functions.verifier.receipt import MAX_EXAMPLES, Receipt, encode_receipt, parse_receipt
from functions.verifier.spec import DatasetSpec, Endpoint
from tests.servers import Server, postgres_server  # noqa: F401  (session fixture)

ROWS = 3000

SCHEMA = """
CREATE TABLE public.bookings (id integer PRIMARY KEY, user_id integer NOT NULL, note text,
                              starts_at timestamptz NOT NULL, amount numeric(10, 2));
CREATE TABLE public.seats (class_id integer, seat integer, holder text, PRIMARY KEY (class_id, seat));
"""
DATA = f"""
INSERT INTO public.bookings SELECT g, g % 97, CASE WHEN g % 10 = 0 THEN NULL ELSE 'note ' || g END,
    timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute', g * 1.25 FROM generate_series(1, {ROWS}) g;
INSERT INTO public.seats SELECT c, s, 'holder ' || c || '-' || s
    FROM generate_series(1, 30) c, generate_series(1, 20) s;
"""


def _connect(server: Server, database: str) -> Any:
    conn = pg8000.native.Connection(server.user, host=server.host, port=server.port, database=database)
    postgres.prepare(conn)
    return conn


class Pair:
    """A source and a target database holding the same data, and a spec that compares them.

    The two databases live for the session; each test gets a fresh ``public`` schema on both.
    """

    def __init__(self, server: Server, names: tuple[str, str]) -> None:
        self.server, self.names = server, names
        self.src, self.tgt = (_connect(server, name) for name in names)
        for conn in (self.src, self.tgt):
            conn.run("DROP SCHEMA IF EXISTS public CASCADE")
            conn.run("CREATE SCHEMA public")
            for statement in (SCHEMA + DATA).split(";"):
                if statement.strip():
                    conn.run(statement)
        self.spec = DatasetSpec(
            dataset="orders", pair="postgres->postgres",
            source=Endpoint(server.host, server.port, names[0], tls=False),
            target=Endpoint(server.host, server.port, names[1], tls=False),
            receipt_parameter="/pos/test/data/orders/receipt", chunk_rows=500, recheck_seconds=0)

    def both(self, sql: str) -> None:
        self.src.run(sql)
        self.tgt.run(sql)

    def verify(self, **changes: Any) -> Receipt:
        receipt = core.verify(replace(self.spec, **changes), self.src, self.tgt, sleep=lambda s: None)
        return parse_receipt(encode_receipt(receipt))  # what a guard would read back

    def close(self) -> None:
        self.src.close()
        self.tgt.close()


@pytest.fixture(scope="module")
def databases(postgres_server: Server) -> tuple[str, str]:  # noqa: F811
    admin = pg8000.native.Connection(postgres_server.user, host=postgres_server.host, port=postgres_server.port,
                                     database="postgres")
    names = ("verify_src", "verify_tgt")
    for name in names:
        admin.run(f"DROP DATABASE IF EXISTS {name}")
        admin.run(f"CREATE DATABASE {name} STRATEGY = FILE_COPY")  # fast with fsync off
    admin.close()
    return names


@pytest.fixture
def pair(postgres_server: Server, databases: tuple[str, str]) -> Iterator[Pair]:  # noqa: F811
    p = Pair(postgres_server, databases)
    try:
        yield p
    finally:
        p.close()


def divergences(receipt: Receipt) -> list[tuple[str, str, str]]:
    """Every (table, kind, key) the receipt reports."""
    return [(t.name, e.kind, e.key) for t in receipt.tables for e in t.examples]


def test_a_faithful_copy_gives_a_clean_receipt(pair: Pair) -> None:
    receipt = pair.verify()
    assert receipt.clean and receipt.mismatches == 0 and divergences(receipt) == []
    counts = {t.name: (t.source_count, t.target_count) for t in receipt.tables}
    assert counts == {"public.bookings": (ROWS, ROWS), "public.seats": (600, 600)}
    assert receipt.source_position and "/" in receipt.source_position  # a WAL LSN such as 0/1A2B3C8
    assert receipt.pair == "postgres->postgres" and receipt.dataset == "orders"


@pytest.mark.parametrize(("plant", "expected"), [
    ("DELETE FROM public.bookings WHERE id = 1234", ("public.bookings", "missing", "1234")),
    ("INSERT INTO public.bookings VALUES (5000, 1, 'x', now(), 1)", ("public.bookings", "extra", "5000")),
    ("UPDATE public.bookings SET amount = amount + 0.01 WHERE id = 77", ("public.bookings", "changed", "77")),
    # a NULL the copy turned into an empty string (id 500 has a NULL note on the source)
    ("UPDATE public.bookings SET note = '' WHERE id = 500", ("public.bookings", "changed", "500")),
    ("DELETE FROM public.seats WHERE class_id = 2 AND seat = 7", ("public.seats", "missing", "2|7")),
    ("UPDATE public.bookings SET starts_at = starts_at + interval '1 second' WHERE id = 1",
     ("public.bookings", "changed", "1")),
], ids=["missing-row", "extra-row", "changed-column", "dropped-null", "composite-key", "first-key"])
def test_each_planted_divergence_is_reported_exactly(pair: Pair, plant: str, expected: tuple[str, str, str]) -> None:
    pair.tgt.run(plant)
    receipt = pair.verify()
    assert divergences(receipt) == [expected]
    assert receipt.mismatches == 1 and not receipt.clean
    assert not any(t.truncated for t in receipt.tables)


def test_a_table_without_primary_key_is_reported_by_both_modes(pair: Pair) -> None:
    pair.both("CREATE TABLE public.audit (message text); INSERT INTO public.audit VALUES ('a'), ('b')")
    assert divergences(pair.verify()) == [("public.audit", "no_primary_key", "*")]
    findings = [(f.kind, f.table, f.count) for f in core.preflight(pair.spec, pair.src).findings]
    assert findings == [("no_primary_key", "public.audit", 2)]


def test_a_stale_target_sequence_is_reported_and_preflight_lists_it(pair: Pair) -> None:
    pair.both("CREATE TABLE public.orders (id serial PRIMARY KEY, total integer)")
    pair.src.run("INSERT INTO public.orders (total) SELECT g FROM generate_series(1, 40) g")
    # DMS copies the rows with their ids, not the sequence: the target's sequence stays unused.
    pair.tgt.run("INSERT INTO public.orders (id, total) SELECT g, g FROM generate_series(1, 40) g")
    receipt = pair.verify()
    assert divergences(receipt) == [("(sequences)", "sequence_behind", "public.orders_id_seq")]
    (finding,) = core.preflight(pair.spec, pair.src).findings
    assert (finding.kind, finding.table) == ("sequence_reset", "public.orders_id_seq")
    assert "40" in (finding.detail or "")
    pair.tgt.run("SELECT setval('public.orders_id_seq', 40)")
    assert pair.verify().clean


def test_preflight_reports_lobs_over_the_limited_lob_size(pair: Pair) -> None:
    pair.src.run("UPDATE public.bookings SET note = repeat('x', 40 * 1024) WHERE id IN (9, 11)")
    (finding,) = core.preflight(pair.spec, pair.src).findings
    assert (finding.kind, finding.table, finding.column, finding.count) == ("lob_truncated", "public.bookings",
                                                                            "note", 2)
    assert finding.examples == ("11", "9")  # text order of the keys
    assert core.preflight(replace(pair.spec, lob_max_kb=64), pair.src).findings == ()


def test_a_faithful_source_has_a_clean_preflight(pair: Pair) -> None:
    assert core.preflight(pair.spec, pair.src).clean


def test_a_divergence_that_replication_heals_during_the_recheck_is_not_reported(pair: Pair) -> None:
    pair.src.run("UPDATE public.bookings SET amount = 0 WHERE id = 42")  # in flight: not applied yet
    waited: list[float] = []

    def replication_catches_up(seconds: float) -> None:
        waited.append(seconds)
        pair.tgt.run("UPDATE public.bookings SET amount = 0 WHERE id = 42")

    receipt = core.verify(replace(pair.spec, recheck_seconds=30), pair.src, pair.tgt, sleep=replication_catches_up)
    assert receipt.clean and waited == [30]


def test_many_divergences_stop_at_the_example_cap_and_mark_the_table(pair: Pair) -> None:
    pair.tgt.run("DELETE FROM public.bookings WHERE id % 100 = 3")  # 30 rows across every range
    receipt = pair.verify()
    (table,) = [t for t in receipt.tables if t.mismatches]
    assert table.name == "public.bookings" and len(table.examples) == MAX_EXAMPLES and table.truncated
    assert MAX_EXAMPLES <= table.mismatches <= 30 and not receipt.clean
    assert all(e.kind == "missing" and int(e.key) % 100 == 3 for e in table.examples)


def test_a_column_absent_on_the_target_is_a_schema_mismatch(pair: Pair) -> None:
    pair.tgt.run("ALTER TABLE public.seats DROP COLUMN holder")
    assert divergences(pair.verify()) == [("public.seats", "schema", "holder")]


def test_queries_return_bounded_results_whatever_the_table_size(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg8000 materializes each result: no query may return more than a leaf's rows."""
    biggest = [0]

    def counting(run: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(sql: str, **params: Any) -> Any:
            rows = run(sql, **params)
            biggest[0] = max(biggest[0], len(rows or []))
            return rows
        return wrapped

    pair.src.run, pair.tgt.run = counting(pair.src.run), counting(pair.tgt.run)
    pair.tgt.run("DELETE FROM public.bookings WHERE id BETWEEN 1000 AND 1400")
    pair.verify()
    assert 0 < biggest[0] <= postgres.LEAF_ROWS * 2 + 1
