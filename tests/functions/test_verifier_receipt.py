"""The receipt contract (what the writer-flip and retirement guards read), the Lambda handler and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pg8000.native
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from functions.verifier import __main__ as cli
from functions.verifier import handler as lambda_handler
from functions.verifier.receipt import (
    KINDS,
    MAX_EXAMPLES,
    MAX_RECEIPT_BYTES,
    Example,
    Receipt,
    ReceiptError,
    TableResult,
    encode_receipt,
    parse_receipt,
)
from tests.servers import Server, postgres_server  # noqa: F401  (session fixture)

CLEAN = Receipt("bookings", "postgres->postgres", "2025-01-31T12:00:30Z", "2025-01-31T12:00:00Z", "0/16B3748", 30,
                (TableResult("public.bookings", "public.bookings", 10, 10),))
DIRTY = Receipt("bookings", "mysql->dynamodb", "2025-01-31T12:00:30Z", "2025-01-31T12:00:00Z", "binlog.000003:4", 0,
                (TableResult("yoga.bookings", "yoga-Bookings-prod", 10, 9, 1, (Example("missing", "7"),)),))


def test_receipts_round_trip_and_the_verdict_is_derived() -> None:
    for receipt in (CLEAN, DIRTY):
        assert parse_receipt(encode_receipt(receipt)) == receipt
    assert CLEAN.clean and not DIRTY.clean and DIRTY.mismatches == 1
    stored = json.loads(encode_receipt(DIRTY))
    assert stored["v"] == 1 and stored["clean"] is False and stored["mismatches"] == 1


def _edited(**top: Any) -> str:
    data = json.loads(encode_receipt(DIRTY))
    data.update(top)
    return json.dumps(data)


@pytest.mark.parametrize(("text", "message"), [
    ("nope", "receipt: not JSON"),
    ("[]", "receipt: expected a JSON object"),
    (_edited(v=2), "v: unsupported receipt version 2"),
    (_edited(pair="mysql->s3"),
     "pair: unknown value 'mysql->s3' (allowed: postgres->postgres | mysql->dynamodb | mysql->mysql)"),
    (_edited(clean=True), "clean: True contradicts the tables"),  # a forged verdict
    (_edited(mismatches=0), "mismatches: 0 but the tables sum to 1"),
    (_edited(at="yesterday"), "at: expected UTC time"),
    (_edited(startedAt="2025-02-01T00:00:00Z"), "startedAt: 2025-02-01T00:00:00Z is after at"),
    (_edited(tables=[{"name": "t"}]), "tables[0].examples: missing"),
    (_edited(tables=[{"name": "t", "target": "t", "source": 1, "targetCount": 1, "mismatches": 1, "truncated": False,
                      "examples": [{"kind": "lost", "key": "1"}]}]), "tables[0].examples[0].kind: unknown value"),
    (_edited(tables=[{"name": "t", "target": "t", "source": True, "targetCount": 1, "mismatches": 0,
                      "truncated": False, "examples": []}]), "tables[0].source: expected int"),
])
def test_malformed_receipts_fail_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ReceiptError) as err:
        parse_receipt(text)
    assert message in str(err.value)


def test_an_oversized_receipt_drops_examples_not_verdicts_to_fit_ssm_advanced_tier() -> None:
    # 40 tables with five 200-character keys each: far over the 8 KB Advanced-tier value limit.
    tables = tuple(TableResult(f"s.t{i:02d}", f"s.t{i:02d}", 100, 95, 5,
                               tuple(Example("missing", f"{i}-" + "k" * 198) for _ in range(MAX_EXAMPLES)))
                   for i in range(40))
    big = Receipt("big", "postgres->postgres", "2025-01-31T12:00:30Z", "2025-01-31T12:00:00Z", None, 0, tables)
    text = encode_receipt(big)
    assert len(text.encode()) <= MAX_RECEIPT_BYTES == 8192
    back = parse_receipt(text)
    assert len(back.tables) == 40 and back.mismatches == 200 and not back.clean
    assert any(t.truncated for t in back.tables)


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(KINDS),
                          st.text(max_size=40)), max_size=30))
def test_any_receipt_encodes_within_the_limit_and_parses_back_to_the_same_verdict(
        rows: list[tuple[int, int, str, str]]) -> None:
    tables = tuple(TableResult(f"s.t{i}", f"s.t{i}", a, b, 1, (Example(kind, key),))
                   for i, (a, b, kind, key) in enumerate(rows))
    receipt = Receipt("d", "postgres->postgres", "2025-01-31T12:00:30Z", "2025-01-31T12:00:00Z", None, 0, tables)
    back = parse_receipt(encode_receipt(receipt))
    assert back.clean == receipt.clean and back.mismatches == receipt.mismatches
    assert len(encode_receipt(receipt).encode()) <= MAX_RECEIPT_BYTES


# ── the Lambda handler and the CLI, end to end against PostgreSQL ───────────────────────────────

@pytest.fixture
def database(postgres_server: Server) -> Iterator[tuple[Server, str]]:  # noqa: F811
    admin = pg8000.native.Connection(postgres_server.user, host=postgres_server.host, port=postgres_server.port,
                                     database="postgres")
    admin.run("DROP DATABASE IF EXISTS entry_db")
    admin.run("CREATE DATABASE entry_db STRATEGY = FILE_COPY")
    conn = pg8000.native.Connection(postgres_server.user, host=postgres_server.host, port=postgres_server.port,
                                    database="entry_db")
    conn.run("CREATE SCHEMA src")
    conn.run("CREATE TABLE src.t (id int PRIMARY KEY, v text)")
    conn.run("INSERT INTO src.t SELECT g, 'v' || g FROM generate_series(1, 50) g")
    conn.close()
    yield postgres_server, "entry_db"
    admin.run("DROP DATABASE entry_db WITH (FORCE)")
    admin.close()


def _spec(server: Server, db: str, secret: str | None = None) -> dict[str, Any]:
    endpoint = {"host": server.host, "port": server.port, "database": db, "tls": False}
    if secret:
        endpoint["secretArn"] = secret
    # Source and target are the same database here: a faithful "copy" by construction.
    return {"dataset": "orders", "pair": "postgres->postgres", "source": endpoint, "target": endpoint,
            "schemas": ["src"], "receiptParameter": "/pos/test/data/orders/receipt", "recheckSeconds": 0}


def test_the_lambda_reads_credentials_from_secrets_manager_and_writes_the_receipt(
        database: tuple[Server, str], aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    server, db = database
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(
            Name="pos/test/source", SecretString=json.dumps({"username": server.user, "password": ""}))["ARN"]
        monkeypatch.setenv("DATASETS", json.dumps([_spec(server, db, arn)]))
        result = lambda_handler.handler({"mode": "verify", "dataset": "orders"})
        assert result["orders"]["clean"] is True
        stored = boto3.client("ssm").get_parameter(Name="/pos/test/data/orders/receipt")["Parameter"]
        receipt = parse_receipt(stored["Value"])
        assert receipt.clean and [(t.name, t.source_count) for t in receipt.tables] == [("src.t", 50)]
        assert lambda_handler.handler({"mode": "preflight"})["orders"]["clean"] is True
        with pytest.raises(ValueError, match=r"event.mode: unknown value 'check' \(allowed: preflight \| verify\)"):
            lambda_handler.handler({"mode": "check"})


def test_the_cli_exit_status_says_clean_dirty_or_bad_input(
        database: tuple[Server, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    server, db = database
    monkeypatch.setenv("VERIFIER_SOURCE_USER", server.user)
    monkeypatch.setenv("VERIFIER_TARGET_USER", server.user)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(_spec(server, db)))
    assert cli.main(["verify", "--spec", str(spec), "--no-write"]) == 0
    assert parse_receipt(capsys.readouterr().out.strip()).clean

    dirty = _spec(server, db)
    dirty["schemas"] = ["src", "public"]
    conn = pg8000.native.Connection(server.user, host=server.host, port=server.port, database=db)
    conn.run("CREATE TABLE public.nokey (v text)")
    conn.close()
    spec.write_text(json.dumps(dirty))
    assert cli.main(["preflight", "--spec", str(spec)]) == 1
    assert json.loads(capsys.readouterr().out)["findings"][0]["kind"] == "no_primary_key"

    bad = _spec(server, db)
    bad["chunkRows"] = 1
    spec.write_text(json.dumps(bad))
    assert cli.main(["verify", "--spec", str(spec), "--no-write"]) == 2
    assert "error: chunkRows: must be >= 2, got 1" in capsys.readouterr().err
    assert cli.main(["verify", "--spec", str(tmp_path / "absent.json")]) == 2
