"""MySQL/MariaDB -> DynamoDB: preflight and verification against a real MariaDB server and moto DynamoDB.

The DynamoDB table is loaded the way the component's DMS object mapping writes it (each mapped
column to its attribute, NULL columns absent); each test plants ONE divergence and asserts the
receipt or the preflight names exactly it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pymysql
import pytest
from moto import mock_aws

from functions.verifier import core
from functions.verifier.mysql_dynamo import MAX_ITEM_BYTES, AttributeMap, DynamoMapping
from functions.verifier.receipt import Receipt, encode_receipt, parse_receipt
from functions.verifier.spec import DatasetSpec, Endpoint
from tests.servers import Server, mariadb_server  # noqa: F401  (session fixture)

ROWS = 240
TABLE = "yoga-Bookings-test"
_ids = itertools.count()
ATTRIBUTES = (AttributeMap("bookingId", "id", "S"), AttributeMap("userId", "user_id", "S"),
              AttributeMap("classId", "class_id", "N"), AttributeMap("startsAt", "starts_at", "S"),
              AttributeMap("note", "note", "S"), AttributeMap("price", "price", "N"))


class Copy:
    def __init__(self, server: Server) -> None:
        self.db = f"yoga_{next(_ids)}"
        self.conn = pymysql.connect(host=server.host, port=server.port, user=server.user, autocommit=True)
        with self.conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {self.db}")
            cur.execute(f"CREATE TABLE {self.db}.bookings (id INT PRIMARY KEY, user_id VARCHAR(36) NOT NULL, "
                        "class_id INT NOT NULL, starts_at DATETIME NOT NULL, note TEXT NULL, price DECIMAL(8,2), "
                        "updated_at DATETIME NOT NULL)")
            rows = [(i, f"user-{i % 7}", i % 13, datetime(2025, 1, 1 + i % 28, 9, i % 60), None if i % 5 == 0
                     else f"note {i}", Decimal(i) / 4, datetime(2025, 1, 1)) for i in range(1, ROWS + 1)]
            cur.executemany(f"INSERT INTO {self.db}.bookings VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
        self.ddb = boto3.client("dynamodb", region_name="us-east-1")
        self.ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "bookingId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("bookingId", "userId",
                                                                                       "startsAt")],
            GlobalSecondaryIndexes=[{"IndexName": "byUser", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                     "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"},
                                                   {"AttributeName": "startsAt", "KeyType": "RANGE"}]}])
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
        with table.batch_writer() as batch:
            for i, user, cls, starts, note, price, _ in rows:
                item: dict[str, Any] = {"bookingId": str(i), "userId": user, "classId": cls,
                                        "startsAt": starts.isoformat(sep=" "), "price": price}
                if note is not None:
                    item["note"] = note
                batch.put_item(Item=item)
        self.mapping = DynamoMapping(f"{self.db}.bookings", TABLE, "bookingId", ATTRIBUTES, updated_at="updated_at")
        self.spec = DatasetSpec(
            dataset="bookings", pair="mysql->dynamodb", source=Endpoint(server.host, server.port, self.db, tls=False),
            target=Endpoint(region="us-east-1"), receipt_parameter="/yoga/test/data/bookings/receipt",
            tables=(self.mapping,), sample_size=ROWS, recheck_seconds=0)

    def sql(self, statement: str, *params: Any) -> None:
        with self.conn.cursor() as cur:
            cur.execute(statement.replace("{db}", self.db), params or None)

    def verify(self, since: datetime | None = None, **changes: Any) -> Receipt:
        receipt = core.verify(replace(self.spec, **changes), self.conn, self.ddb, since=since, sleep=lambda s: None)
        return parse_receipt(encode_receipt(receipt))

    def preflight(self, **changes: Any) -> list[tuple[str, str, str | None, int, tuple[str, ...]]]:
        report = core.preflight(replace(self.spec, **changes), self.conn)
        return [(f.kind, f.table, f.column, f.count, f.examples) for f in report.findings]


@pytest.fixture
def copy(mariadb_server: Server) -> Iterator[Copy]:  # noqa: F811
    with mock_aws():
        c = Copy(mariadb_server)
        try:
            yield c
        finally:
            c.sql("DROP DATABASE {db}")
            c.conn.close()


def divergences(receipt: Receipt) -> list[tuple[str, str, str | None]]:
    return [(e.kind, e.key, e.detail) for t in receipt.tables for e in t.examples]


def test_a_faithful_copy_gives_a_clean_receipt(copy: Copy) -> None:
    receipt = copy.verify()
    assert receipt.clean and divergences(receipt) == []
    (table,) = receipt.tables
    assert (table.name, table.target, table.source_count, table.target_count) == (
        f"{copy.db}.bookings", TABLE, ROWS, ROWS)
    assert receipt.source_position and receipt.source_position.startswith("binlog.")  # file:offset


def test_a_missing_item_is_reported_by_key(copy: Copy) -> None:
    copy.ddb.delete_item(TableName=TABLE, Key={"bookingId": {"S": "17"}})
    receipt = copy.verify()
    assert divergences(receipt) == [("missing", "17", None)]  # the key explains the count: no "count" entry
    assert receipt.tables[0].target_count == ROWS - 1


def test_a_changed_attribute_is_reported_with_its_name(copy: Copy) -> None:
    copy.ddb.update_item(TableName=TABLE, Key={"bookingId": {"S": "33"}}, UpdateExpression="SET price = :p",
                         ExpressionAttributeValues={":p": {"N": "999"}})
    assert divergences(copy.verify()) == [("changed", "33", "attributes price")]


def test_a_dropped_attribute_of_a_non_null_column_is_a_change(copy: Copy) -> None:
    copy.ddb.update_item(TableName=TABLE, Key={"bookingId": {"S": "34"}}, UpdateExpression="REMOVE note")
    assert divergences(copy.verify()) == [("changed", "34", "attributes note")]


def test_rows_changed_since_the_high_water_mark_are_compared_even_outside_the_sample(copy: Copy) -> None:
    copy.sql("UPDATE {db}.bookings SET price = 1, updated_at = %s WHERE id = 200", datetime(2025, 3, 1))
    # No sample: only rows changed since the mark are compared.
    assert divergences(copy.verify(since=datetime(2025, 2, 1, tzinfo=UTC), sample_size=0)) == [
        ("changed", "200", "attributes price")]
    assert copy.verify(since=datetime(2025, 4, 1, tzinfo=UTC), sample_size=0).clean  # nothing changed since


def test_items_the_sample_cannot_see_still_show_in_the_counts(copy: Copy) -> None:
    copy.ddb.put_item(TableName=TABLE, Item={"bookingId": {"S": "9999"}, "userId": {"S": "u"},
                                             "startsAt": {"S": "2025-01-01 00:00:00"}})
    receipt = copy.verify(sample_size=10)
    assert [(k, key) for k, key, _ in divergences(receipt)] == [("count", "*")]


def test_preflight_of_a_faithful_source_reports_only_the_nulls_the_mapping_drops(copy: Copy) -> None:
    nulls = [i for i in range(1, ROWS + 1) if i % 5 == 0]
    assert copy.preflight() == [("null_dropped", f"{copy.db}.bookings", "note", len(nulls),
                                 tuple(sorted(str(i) for i in nulls))[:5])]


def test_preflight_reports_an_item_over_400_kb(copy: Copy) -> None:
    copy.sql("UPDATE {db}.bookings SET note = ''")  # no NULLs to report...
    copy.sql("ALTER TABLE {db}.bookings MODIFY note LONGTEXT NOT NULL DEFAULT ''")
    copy.sql("UPDATE {db}.bookings SET note = REPEAT('x', %s) WHERE id = 8", MAX_ITEM_BYTES)
    # ...and a LOB limit above the value (full LOB mode), so the item size is the only finding.
    assert copy.preflight(lob_max_kb=1024) == [("item_too_large", f"{copy.db}.bookings", None, 1, ("8",))]
    # With DMS's default 32 KB limited-LOB size the same value is also truncated.
    assert [f[0] for f in copy.preflight()] == ["lob_truncated", "item_too_large"]


def test_preflight_reports_a_table_without_primary_key(copy: Copy) -> None:
    copy.sql("CREATE TABLE {db}.waitlist (user_id VARCHAR(36) NOT NULL, class_id INT NOT NULL)")
    copy.sql("INSERT INTO {db}.waitlist VALUES ('a', 1), ('b', 2), ('c', 3)")
    mapping = DynamoMapping(f"{copy.db}.waitlist", "yoga-Waitlist-test", "userId",
                            (AttributeMap("userId", "user_id"), AttributeMap("classId", "class_id", "N")))
    assert copy.preflight(tables=(mapping,)) == [("no_primary_key", f"{copy.db}.waitlist", None, 3, ())]
