"""MySQL -> MySQL (a legacy MySQL/MariaDB into RDS MySQL or Aurora MySQL): preflight and verification against a
real MariaDB server, through the same MySQL driver path on both sides.

The source and the copy are two databases of one server (the spec's target database names the copy). Each test
plants known divergences and asserts the receipt names exactly them.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import boto3
import pymysql
import pytest
from moto import mock_aws

from functions.verifier import core, handler, mysql
from functions.verifier.receipt import parse_receipt
from functions.verifier.spec import DatasetSpec, Endpoint, parse_spec, parse_specs
from tests.servers import Server, mariadb_server  # noqa: F401  (session fixture)

ROWS = 700  # more than one LEAF_ROWS page, so a differing range is walked page by page
_ids = itertools.count()


class Pair:
    def __init__(self, server: Server, *, pk: bool = True) -> None:
        n = next(_ids)
        self.src_db, self.tgt_db = f"shop_src_{n}", f"shop_copy_{n}"
        self.conn = pymysql.connect(host=server.host, port=server.port, user=server.user, autocommit=True)
        key = "PRIMARY KEY" if pk else ""
        rows = [(i, f"order {i}", Decimal(i) / 8, datetime(2025, 1, 1 + i % 28, i % 24, i % 60),
                 None if i % 6 == 0 else bytes([i % 256, 0, 255]), None if i % 9 == 0 else f"note\x1fwith {i}")
                for i in range(1, ROWS + 1)]
        with self.conn.cursor() as cur:
            for db in (self.src_db, self.tgt_db):
                cur.execute(f"CREATE DATABASE {db}")
                cur.execute(f"CREATE TABLE {db}.orders (id INT {key}, title VARCHAR(40) NOT NULL, total DECIMAL(10,3), "
                            "placed_at DATETIME NOT NULL, payload VARBINARY(16), note TEXT)")
                cur.executemany(f"INSERT INTO {db}.orders VALUES (%s, %s, %s, %s, %s, %s)", rows)
        endpoint = Endpoint(host=server.host, port=server.port, tls=False)
        self.spec = DatasetSpec(dataset="orders", pair="mysql->mysql", source=replace(endpoint, database=self.src_db),
                                target=replace(endpoint, database=self.tgt_db), receipt_parameter=None,
                                schemas=(self.src_db,), chunk_rows=1000, recheck_seconds=0)
        self.server = server

    def sql(self, statement: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(statement)

    def verify(self, chunk_rows: int = 1000) -> core.Receipt:
        spec = replace(self.spec, chunk_rows=chunk_rows)
        source = pymysql.connect(host=self.server.host, port=self.server.port, user=self.server.user, autocommit=True)
        target = pymysql.connect(host=self.server.host, port=self.server.port, user=self.server.user, autocommit=True)
        try:
            return core.verify(spec, source, target)
        finally:
            source.close()
            target.close()


@pytest.fixture
def pair(mariadb_server: Server) -> Pair:  # noqa: F811
    return Pair(mariadb_server)


def test_identical_copy_is_clean(pair: Pair) -> None:
    receipt = pair.verify()
    assert receipt.pair == "mysql->mysql" and receipt.clean and receipt.mismatches == 0
    (t,) = receipt.tables
    assert (t.name, t.target, t.source_count, t.target_count) == (f"{pair.src_db}.orders", f"{pair.tgt_db}.orders",
                                                                  ROWS, ROWS)
    assert receipt.source_position is not None  # the binary log position (the fixture runs with it on)
    # The receipt round-trips through the format the gates read.
    assert parse_receipt(core.encode_receipt(receipt)).clean


@pytest.mark.parametrize("chunk_rows", [1000, 64])
def test_planted_differences_are_counted_exactly_with_their_keys(pair: Pair, chunk_rows: int) -> None:
    pair.sql(f"UPDATE {pair.tgt_db}.orders SET total = total + 0.001 WHERE id = 300")  # changed (3rd page)
    pair.sql(f"UPDATE {pair.tgt_db}.orders SET payload = NULL WHERE id = 7")  # changed: a binary value dropped
    pair.sql(f"DELETE FROM {pair.tgt_db}.orders WHERE id = 512")  # missing on the target
    pair.sql(f"INSERT INTO {pair.tgt_db}.orders VALUES (9001, 'extra', 1, '2025-02-01 00:00:00', NULL, NULL)")
    receipt = pair.verify(chunk_rows)
    (t,) = receipt.tables
    assert not receipt.clean and t.mismatches == 4 and (t.source_count, t.target_count) == (ROWS, ROWS)
    assert sorted((e.kind, e.key) for e in t.examples) == [("changed", "300"), ("changed", "7"),
                                                          ("extra", "9001"), ("missing", "512")]


def test_a_null_and_an_empty_string_differ(pair: Pair) -> None:
    # id 9 has a NULL note on both sides; '' on the target must not read as the same row.
    pair.sql(f"UPDATE {pair.tgt_db}.orders SET note = '' WHERE id = 9")
    (t,) = pair.verify().tables
    assert [(e.kind, e.key) for e in t.examples] == [("changed", "9")]


def test_missing_table_and_missing_column(pair: Pair) -> None:
    pair.sql(f"ALTER TABLE {pair.tgt_db}.orders DROP COLUMN note")
    (t,) = pair.verify().tables
    assert ("schema", "note") in [(e.kind, e.key) for e in t.examples]
    pair.sql(f"DROP TABLE {pair.tgt_db}.orders")
    (t,) = pair.verify().tables
    assert t.target_count == 0 and [(e.kind, e.key) for e in t.examples] == [("missing", "*")]


def test_table_without_primary_key_is_reported(mariadb_server: Server) -> None:  # noqa: F811
    p = Pair(mariadb_server, pk=False)
    (t,) = p.verify().tables
    assert t.mismatches == 1 and t.examples[0].kind == "no_primary_key"
    with p.conn.cursor() as cur:
        (finding,) = mysql.preflight(cur, [p.src_db], lob_max_kb=32)
    assert finding.kind == "no_primary_key" and finding.count == ROWS


def test_preflight_names_lobs_over_the_limited_lob_size(pair: Pair) -> None:
    pair.sql(f"UPDATE {pair.src_db}.orders SET note = REPEAT('x', 40000) WHERE id IN (3, 4)")
    with pair.conn.cursor() as cur:
        (finding,) = mysql.preflight(cur, [pair.src_db], lob_max_kb=32)
    assert (finding.kind, finding.column, finding.count, finding.examples) == ("lob_truncated", "note", 2,
                                                                              ("3", "4"))


def test_spec_accepts_the_pair() -> None:
    spec = parse_spec({"dataset": "orders", "pair": "mysql->mysql", "source": {"host": "legacy", "port": 3306},
                       "target": {"host": "rds", "port": 3306, "database": "shop"}, "schemas": ["shop"]})
    assert spec.pair == "mysql->mysql" and spec.schemas == ("shop",)


def test_lambda_handler_takes_the_mysql_driver_for_both_sides(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployed path: credentials from Secrets Manager (RDS format), PyMySQL to the source AND the target,
    the receipt written to SSM. A PostgreSQL driver on either side could not talk to MariaDB at all."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    pair.sql(f"DELETE FROM {pair.tgt_db}.orders WHERE id = 42")
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="legacy-db", SecretString=json.dumps(
            {"username": pair.server.user, "password": ""}))["ARN"]
        spec = {"dataset": "orders", "pair": "mysql->mysql", "receiptParameter": "/shop/dev/data/orders/receipt",
                "schemas": [pair.src_db], "recheckSeconds": 0,
                "source": {"host": pair.server.host, "port": pair.server.port, "database": pair.src_db,
                           "secretArn": arn, "tls": False},
                "target": {"host": pair.server.host, "port": pair.server.port, "database": pair.tgt_db,
                           "secretArn": arn, "tls": False}}
        out = handler.run({"mode": "verify"}, parse_specs([spec]))
        assert out["orders"]["clean"] is False and out["orders"]["mismatches"] == 1
        value = boto3.client("ssm", region_name="us-east-1").get_parameter(
            Name="/shop/dev/data/orders/receipt")["Parameter"]["Value"]
    receipt = parse_receipt(value)
    assert receipt.pair == "mysql->mysql"
    assert [(e.kind, e.key) for t in receipt.tables for e in t.examples] == [("missing", "42")]
