"""MySQL/MariaDB source: preflight for a DynamoDB target, and MySQL -> DynamoDB verification.

DynamoDB cannot compute a checksum, so the comparison is item by item on a bounded set of keys:
a random sample (``sample_size`` rows) plus every row changed since a high-water mark (an
``updated_at`` column), streamed from MySQL by keyset pagination in pages of ``PAGE_ROWS`` and looked
up with BatchGetItem (100 keys a call, the API's limit). Every mapped attribute is compared. Counts
come from ``COUNT(*)`` and a paginated ``Scan`` with ``Select=COUNT`` (no items are returned), and
each global secondary index is queried for a few of the items just compared (``gsi_probes``).
Memory is bounded by one page, whatever the table size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

try:
    from .findings import MAX_FINDING_EXAMPLES, Finding
    from .receipt import MAX_EXAMPLES, Example, TableResult, example
except ImportError:  # Lambda: the code root is functions/verifier
    from findings import MAX_FINDING_EXAMPLES, Finding  # type: ignore[no-redef]
    from receipt import MAX_EXAMPLES, Example, TableResult, example  # type: ignore[no-redef]

PAGE_ROWS = 100  # BatchGetItem takes at most 100 keys per call (DynamoDB API reference)
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB item size limit, attribute names included (DynamoDB quotas)
ATTRIBUTE_TYPES = ("S", "N", "B")
# MySQL types DMS handles as LOBs (DMS user guide, MySQL source data types: the TEXT and BLOB
# families and JSON map to CLOB/NCLOB/BLOB).
LOB_TYPES = ("tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "json")
GSI_QUERY_PAGES = 10


def qi(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def qualified(name: str) -> str:
    schema, _, table = name.partition(".")
    return f"{qi(schema)}.{qi(table)}"


@dataclass(frozen=True)
class AttributeMap:
    name: str  # DynamoDB attribute
    column: str  # source column
    type: str = "S"  # S | N | B, the attribute's DynamoDB type

    def __post_init__(self) -> None:
        if self.type not in ATTRIBUTE_TYPES:
            raise ValueError(f"attribute {self.name}: type {self.type!r} (allowed: {' | '.join(ATTRIBUTE_TYPES)})")


@dataclass(frozen=True)
class DynamoMapping:
    source: str  # schema.table on the source
    target: str  # DynamoDB table name
    partition_key: str  # attribute name
    attributes: tuple[AttributeMap, ...]  # every mapped attribute, keys included
    sort_key: str | None = None
    updated_at: str | None = None  # source column holding the last-modified time

    def attribute(self, name: str) -> AttributeMap:
        for a in self.attributes:
            if a.name == name:
                return a
        raise ValueError(f"{self.source}: key attribute {name!r} is not among the mapped attributes")

    @property
    def keys(self) -> tuple[AttributeMap, ...]:
        return tuple(self.attribute(k) for k in (self.partition_key, self.sort_key) if k)


def source_position(cur: Any) -> str | None:
    """``binlog-file:offset`` at the start of verification; MariaDB's GTID position if the log is off."""
    cur.execute("SHOW MASTER STATUS")
    row = cur.fetchone()
    if row:
        return f"{row[0]}:{row[1]}"
    try:
        cur.execute("SELECT @@gtid_current_pos")
        gtid = cur.fetchone()
        return f"gtid:{gtid[0]}" if gtid and gtid[0] else None
    except Exception:  # MySQL has no gtid_current_pos
        return None


def _columns(cur: Any, source: str) -> dict[str, tuple[str, bool]]:
    schema, _, table = source.partition(".")
    cur.execute("SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (schema, table))
    return {str(n): (str(t).lower(), str(null) == "YES") for n, t, null in cur.fetchall()}


def primary_key(cur: Any, source: str) -> tuple[str, ...]:
    schema, _, table = source.partition(".")
    cur.execute("SELECT k.COLUMN_NAME FROM information_schema.TABLE_CONSTRAINTS c "
                "JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA "
                "AND k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
                "WHERE c.TABLE_SCHEMA = %s AND c.TABLE_NAME = %s AND c.CONSTRAINT_TYPE = 'PRIMARY KEY' "
                "ORDER BY k.ORDINAL_POSITION", (schema, table))
    return tuple(str(r[0]) for r in cur.fetchall())


def _key_sql(pk: Sequence[str]) -> str:
    return "CONCAT_WS('|', " + ", ".join(qi(k) for k in pk) + ")" if pk else "''"


def _size_sql(a: AttributeMap) -> str:
    """Bytes the attribute adds to an item: name + value (DynamoDB item size rules); 0 when NULL (absent)."""
    col, name_len = qi(a.column), len(a.name.encode())
    if a.type == "N":  # about 1 byte per two significant digits, plus 1
        value = f"CEIL(CHAR_LENGTH(CAST({col} AS CHAR)) / 2) + 1"
    elif a.type == "B":
        value = f"LENGTH({col})"
    else:  # UTF-8 bytes of the text form
        value = f"LENGTH(CONVERT(CAST({col} AS CHAR) USING utf8mb4))"
    return f"COALESCE({value} + {name_len}, 0)"


def preflight(cur: Any, mappings: Sequence[DynamoMapping], lob_max_kb: int) -> list[Finding]:
    """PK-less tables, LOBs over the limited-LOB size, items over 400 KB, NULLs the item will not hold."""
    out: list[Finding] = []
    for m in mappings:
        table = qualified(m.source)
        columns = _columns(cur, m.source)
        if not columns:
            raise ValueError(f"{m.source}: no such table on the source")
        for a in m.attributes:
            if a.column not in columns:
                raise ValueError(f"{m.source}: mapped column {a.column!r} (attribute {a.name}) does not exist")
        pk = primary_key(cur, m.source)
        key = _key_sql(pk)
        if not pk:
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            out.append(Finding("no_primary_key", m.source, count=int(cur.fetchone()[0]),
                               detail="DMS ignores UPDATE and DELETE of a table without a primary key during CDC"))

        def rows_where(condition: str) -> tuple[int, tuple[str, ...]]:
            cur.execute(f"SELECT COUNT(*) FROM {table} WHERE {condition}")  # noqa: B023
            count = int(cur.fetchone()[0])
            if not count:
                return 0, ()
            cur.execute(f"SELECT {key} FROM {table} WHERE {condition} ORDER BY 1 LIMIT {MAX_FINDING_EXAMPLES}")  # noqa: B023
            return count, tuple(str(r[0]) for r in cur.fetchall())

        for a in m.attributes:
            data_type, nullable = columns[a.column]
            if data_type in LOB_TYPES:
                count, keys = rows_where(f"LENGTH({qi(a.column)}) > {lob_max_kb * 1024}")
                if count:
                    out.append(Finding("lob_truncated", m.source, a.column, count, keys,
                                       detail=f"longer than the {lob_max_kb} KB limited-LOB size"))
            if nullable:
                count, keys = rows_where(f"{qi(a.column)} IS NULL")
                if count:
                    out.append(Finding("null_dropped", m.source, a.column, count, keys,
                                       detail=f"NULL becomes an absent attribute {a.name!r} in the item"))
        size = " + ".join(_size_sql(a) for a in m.attributes)
        count, keys = rows_where(f"({size}) > {MAX_ITEM_BYTES}")
        if count:
            out.append(Finding("item_too_large", m.source, count=count, examples=keys,
                               detail=f"mapped item over DynamoDB's {MAX_ITEM_BYTES} bytes"))
    return out


# ── value mapping ────────────────────────────────────────────────────────────────────────────────

def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        total = int(value.total_seconds())
        return f"{'-' if total < 0 else ''}{abs(total) // 3600:02d}:{abs(total) % 3600 // 60:02d}:{abs(total) % 60:02d}"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def expected(value: Any, kind: str) -> dict[str, Any] | None:
    """The AttributeValue a source value maps to (None: the attribute is absent)."""
    if value is None:
        return None
    if kind == "N":
        return {"N": _text(value)}
    if kind == "B":
        return {"B": bytes(value) if isinstance(value, (bytes, bytearray)) else _text(value).encode()}
    return {"S": _text(value)}


def same(want: dict[str, Any] | None, have: dict[str, Any] | None) -> bool:
    if want is None:
        return have is None or have.get("NULL") is True
    if have is None:
        return False
    if "N" in want:
        try:
            return "N" in have and Decimal(want["N"]) == Decimal(have["N"])
        except InvalidOperation:
            return False
    return want == have


# ── verification ─────────────────────────────────────────────────────────────────────────────────

def _select(m: DynamoMapping, pk: Sequence[str]) -> str:
    cols = list(dict.fromkeys([*pk, *(a.column for a in m.attributes)]))
    return ", ".join(qi(c) for c in cols)


def _pages(cur: Any, m: DynamoMapping, pk: Sequence[str], sample_size: int, since: datetime | None,
           ) -> Iterator[tuple[bool, list[dict[str, Any]]]]:
    """Rows to compare, a page at a time: the random sample (flagged True), then every row changed since ``since``."""
    table, cols = qualified(m.source), _select(m, pk)
    if sample_size > 0:
        # ORDER BY RAND() LIMIT n keeps only n rows in the server's sort buffer (a priority queue).
        cur.execute(f"SELECT {cols} FROM {table} ORDER BY RAND() LIMIT {int(sample_size)}")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        for i in range(0, len(rows), PAGE_ROWS):
            yield True, rows[i:i + PAGE_ROWS]
    if since is None or not m.updated_at:
        return
    order = [m.updated_at, *pk]
    if since.tzinfo is not None:  # DATETIME columns are naive: the platform's convention is UTC
        since = since.astimezone(UTC).replace(tzinfo=None)
    after: tuple[Any, ...] | None = None
    while True:
        where = f"{qi(m.updated_at)} >= %s"
        params: list[Any] = [since]
        if after is not None:
            where += f" AND ({', '.join(qi(c) for c in order)}) > ({', '.join(['%s'] * len(order))})"
            params += list(after)
        cur.execute(f"SELECT {cols}, {qi(m.updated_at)} AS `__hwm` FROM {table} WHERE {where} "
                    f"ORDER BY {', '.join(qi(c) for c in order)} LIMIT {PAGE_ROWS}", params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if not rows:
            return
        yield False, rows
        last = rows[-1]
        after = (last["__hwm"], *(last[k] for k in pk))


def _item_key(m: DynamoMapping, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for a in m.keys:
        value = expected(row[a.column], a.type)
        if value is None:
            raise ValueError(f"{m.source}: key column {a.column} is NULL")
        out[a.name] = value
    return out


def _key_text(m: DynamoMapping, key: dict[str, Any]) -> str:
    return "|".join(str(next(iter(key[a.name].values()))) for a in m.keys)


def _batch_get(ddb: Any, table: str, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    for _ in range(20):  # UnprocessedKeys: retry what DynamoDB throttled
        response = ddb.batch_get_item(RequestItems=request)
        items.extend(response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return items
    raise RuntimeError(f"{table}: BatchGetItem kept returning unprocessed keys")


def count_items(ddb: Any, table: str) -> int:
    total, start = 0, None
    while True:
        kwargs: dict[str, Any] = {"TableName": table, "Select": "COUNT"}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.scan(**kwargs)
        total += int(page["Count"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def _in_index(ddb: Any, m: DynamoMapping, index: dict[str, Any], item: dict[str, Any], key: dict[str, Any]) -> bool:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    terms = []
    for i, k in enumerate(index["KeySchema"]):
        names[f"#k{i}"], values[f":k{i}"] = k["AttributeName"], item[k["AttributeName"]]
        terms.append(f"#k{i} = :k{i}")
    kwargs: dict[str, Any] = {"TableName": m.target, "IndexName": index["IndexName"],
                              "KeyConditionExpression": " AND ".join(terms),
                              "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
    for _ in range(GSI_QUERY_PAGES):
        page = ddb.query(**kwargs)
        if any(all(found.get(a) == v for a, v in key.items()) for found in page.get("Items", [])):
            return True
        if not page.get("LastEvaluatedKey"):
            return False
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return False


def compare_table(cur: Any, ddb: Any, m: DynamoMapping, sample_size: int, since: datetime | None,
                  gsi_probes: int = 3) -> TableResult:
    pk = primary_key(cur, m.source)
    cur.execute(f"SELECT COUNT(*) FROM {qualified(m.source)}")
    source_count = int(cur.fetchone()[0])
    target_count = count_items(ddb, m.target)
    if not pk:
        return TableResult(m.source, m.target, source_count, target_count, 1,
                           (example("no_primary_key", "*", "no key; DMS skips its UPDATE/DELETE"),))
    indexes = ddb.describe_table(TableName=m.target)["Table"].get("GlobalSecondaryIndexes", [])
    probes = {ix["IndexName"]: 0 for ix in indexes}
    diffs: list[Example] = []
    found = missing = 0
    sampled: set[str] = set()  # at most sample_size keys: the changed pages are disjoint among themselves
    for is_sample, page in _pages(cur, m, pk, sample_size, since):
        wanted: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for row in page:
            key = _item_key(m, row)
            text = _key_text(m, key)
            if text in sampled:
                continue
            if is_sample:
                sampled.add(text)
            wanted[text] = (key, row)
        if not wanted:
            continue
        got = {_key_text(m, {a.name: it[a.name] for a in m.keys}): it
               for it in _batch_get(ddb, m.target, [k for k, _ in wanted.values()])}
        for text, (key, row) in sorted(wanted.items()):
            item = got.get(text)
            if item is None:
                found, missing = found + 1, missing + 1
                diffs.append(example("missing", text))
                continue
            wrong = [a.name for a in m.attributes if not same(expected(row[a.column], a.type), item.get(a.name))]
            if wrong:
                found += 1
                diffs.append(example("changed", text, "attributes " + ", ".join(wrong)))
                continue
            for ix in indexes:
                if probes[ix["IndexName"]] >= gsi_probes:
                    continue
                if not all(k["AttributeName"] in item for k in ix["KeySchema"]):
                    continue  # sparse index: this item is rightly not in it
                probes[ix["IndexName"]] += 1
                if not _in_index(ddb, m, ix, item, key):
                    found += 1
                    diffs.append(example("gsi_missing", text, f"not returned by index {ix['IndexName']}"))
    # Counts differing by more than the missing keys found: items absent or extra beyond the compared set.
    if source_count - target_count != missing:
        found += 1
        diffs.append(example("count", "*", f"source {source_count} rows, target {target_count} items"))
    return TableResult(m.source, m.target, source_count, target_count, found, tuple(diffs[:MAX_EXAMPLES]),
                       len(diffs) > MAX_EXAMPLES)
