"""MySQL -> MySQL verification (a MySQL or MariaDB source, an RDS MySQL or Aurora MySQL target), computed in
the databases, through the same MySQL driver (PyMySQL) on both sides.

MySQL's schemas are its databases: the spec's ``schemas`` name the source databases compared, each with the
target database of the same name (DMS keeps the schema name unless a mapping renames it). Each table with a
primary key is cut into key ranges of ``chunk_rows`` source rows (keyset: the next boundary is the key
``chunk_rows`` rows past the previous one), and each range is reduced IN each database to ``COUNT(*)`` and an
order-independent digest, ``BIT_XOR`` of the first 64 bits of every row's ``MD5``. Only those two numbers
cross the network. A range whose numbers differ is walked in pages of ``LEAF_ROWS`` source keys, comparing
each key's row MD5 on both sides, to count the differing rows and name example keys; memory stays bounded by
the page size, and the count of differing rows is exact.

Row text: every compared column as ``CAST(col AS CHAR)`` (binary types as ``HEX(col)``), NULL as ``\\N``,
joined with the unit separator, in source column order: the same on both sides for a faithful copy. Tables
without a primary key are reported (DMS applies no UPDATE or DELETE to them during CDC).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

try:
    from .findings import MAX_FINDING_EXAMPLES, Finding
    from .mysql_dynamo import LOB_TYPES, primary_key, qi
    from .receipt import MAX_EXAMPLES, Example, TableResult, example
except ImportError:  # Lambda: the code root is functions/verifier
    from findings import MAX_FINDING_EXAMPLES, Finding  # type: ignore[no-redef]
    from mysql_dynamo import LOB_TYPES, primary_key, qi  # type: ignore[no-redef]
    from receipt import MAX_EXAMPLES, Example, TableResult, example  # type: ignore[no-redef]

LEAF_ROWS = 256
DEFAULT_CHUNK_ROWS = 50_000
BINARY_TYPES = ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit")
SEPARATOR = "CHAR(31)"  # the ASCII unit separator: absent from ordinary text


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, data type), in ordinal order
    pk: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        return f"{qi(self.schema)}.{qi(self.name)}"


def tables(cur: Any, schemas: Sequence[str]) -> list[Table]:
    """Base tables of ``schemas``, sorted by name."""
    out = []
    for schema in schemas:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", (schema,))
        for (name,) in cur.fetchall():
            found = table(cur, schema, str(name))
            if found is not None:
                out.append(found)
    return out


def table(cur: Any, schema: str, name: str) -> Table | None:
    cur.execute("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
                "AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (schema, name))
    columns = tuple((str(c), str(t).lower()) for c, t in cur.fetchall())
    if not columns:
        return None
    return Table(schema, name, columns, primary_key(cur, f"{schema}.{name}"))


def preflight(cur: Any, schemas: Sequence[str], lob_max_kb: int) -> list[Finding]:
    """Tables without a primary key and LOB values over the limited-LOB size (DMS truncates them)."""
    out: list[Finding] = []
    for t in tables(cur, schemas):
        if not t.pk:
            cur.execute(f"SELECT COUNT(*) FROM {t.sql}")
            out.append(Finding("no_primary_key", t.qualified, count=int(cur.fetchone()[0]),
                               detail="DMS ignores UPDATE and DELETE of a table without a primary key during CDC"))
            continue
        key = "CONCAT_WS('|', " + ", ".join(qi(k) for k in t.pk) + ")"
        for column, data_type in t.columns:
            if data_type not in LOB_TYPES:
                continue
            condition = f"LENGTH({qi(column)}) > {lob_max_kb * 1024}"
            cur.execute(f"SELECT COUNT(*) FROM {t.sql} WHERE {condition}")
            count = int(cur.fetchone()[0])
            if count:
                cur.execute(f"SELECT {key} FROM {t.sql} WHERE {condition} ORDER BY 1 LIMIT {MAX_FINDING_EXAMPLES}")
                out.append(Finding("lob_truncated", t.qualified, column, count,
                                   tuple(str(r[0]) for r in cur.fetchall()),
                                   detail=f"longer than the {lob_max_kb} KB limited-LOB size"))
    return out


def _row_sql(columns: Sequence[tuple[str, str]]) -> str:
    parts = [f"COALESCE(HEX({qi(c)}), '\\\\N')" if t in BINARY_TYPES else f"COALESCE(CAST({qi(c)} AS CHAR), '\\\\N')"
             for c, t in columns]
    return f"CONCAT_WS({SEPARATOR}, " + ", ".join(parts) + ")"


@dataclass(frozen=True)
class _Side:
    cur: Any
    table: Table
    row: str  # the row-text expression

    def cond(self, lo: tuple[Any, ...] | None, hi: tuple[Any, ...] | None) -> tuple[str, list[Any]]:
        """(lo, hi] on the primary key, as a row-constructor comparison."""
        pk = "(" + ", ".join(qi(k) for k in self.table.pk) + ")"
        marks = "(" + ", ".join(["%s"] * len(self.table.pk)) + ")"
        clauses, params = [], []
        if lo is not None:
            clauses.append(f"{pk} > {marks}")
            params += list(lo)
        if hi is not None:
            clauses.append(f"{pk} <= {marks}")
            params += list(hi)
        return (" AND ".join(clauses) or "TRUE"), params

    @property
    def order(self) -> str:
        return ", ".join(qi(k) for k in self.table.pk)

    def digest(self, lo: tuple[Any, ...] | None, hi: tuple[Any, ...] | None) -> tuple[int, int]:
        where, params = self.cond(lo, hi)
        self.cur.execute(f"SELECT COUNT(*), COALESCE(BIT_XOR(CAST(CONV(LEFT(MD5({self.row}), 16), 16, 10) AS "
                         f"UNSIGNED)), 0) FROM {self.table.sql} WHERE {where}", params)
        count, xor = self.cur.fetchone()
        return int(count), int(xor)

    def boundary(self, lo: tuple[Any, ...] | None, offset: int) -> tuple[Any, ...] | None:
        where, params = self.cond(lo, None)
        self.cur.execute(f"SELECT {self.order} FROM {self.table.sql} WHERE {where} ORDER BY {self.order} "
                         f"LIMIT 1 OFFSET {offset}", params)
        row = self.cur.fetchone()
        return tuple(row) if row else None

    def rows(self, lo: tuple[Any, ...] | None, hi: tuple[Any, ...] | None, limit: int | None = None
             ) -> list[tuple[tuple[Any, ...], str]]:
        where, params = self.cond(lo, hi)
        cap = f" LIMIT {limit}" if limit else ""
        self.cur.execute(f"SELECT {self.order}, MD5({self.row}) FROM {self.table.sql} WHERE {where} "
                         f"ORDER BY {self.order}{cap}", params)
        n = len(self.table.pk)
        return [(tuple(r[:n]), str(r[n])) for r in self.cur.fetchall()]


def _key_text(key: tuple[Any, ...]) -> str:
    return "|".join("NULL" if v is None else str(v) for v in key)


def _walk(src: _Side, tgt: _Side, lo: tuple[Any, ...] | None, hi: tuple[Any, ...] | None,
          found: list[int], examples: list[Example]) -> None:
    """Compare (lo, hi] row by row, ``LEAF_ROWS`` source keys at a time, counting differing rows."""
    start = lo
    while True:
        page = src.rows(start, hi, LEAF_ROWS)
        end = page[-1][0] if len(page) == LEAF_ROWS else hi  # the last page runs to hi (target extras)
        theirs = dict(tgt.rows(start, end))
        ours = dict(page)
        for key in sorted(ours.keys() | theirs.keys(), key=_key_text):
            kind = ("missing" if key not in theirs else "extra" if key not in ours
                    else "changed" if ours[key] != theirs[key] else None)
            if kind is None:
                continue
            found[0] += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append(example(kind, _key_text(key)))
        if end == hi or end is None:
            return
        start = end


def compare_table(src_cur: Any, tgt_cur: Any, t: Table, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                  recheck: Callable[[], None] | None = None, target_schema: str | None = None) -> TableResult:
    """Counts and range digests of one table on both sides; differing ranges walked to example keys.
    ``target_schema``: the target database holding the copy (default: the source's schema name)."""
    target = table(tgt_cur, target_schema or t.schema, t.name)
    src_cur.execute(f"SELECT COUNT(*) FROM {t.sql}")
    source_count = int(src_cur.fetchone()[0])
    if target is None:
        return TableResult(t.qualified, t.qualified, source_count, 0, 1,
                           (example("missing", "*", "table absent on the target"),))
    tgt_cur.execute(f"SELECT COUNT(*) FROM {target.sql}")
    target_count = int(tgt_cur.fetchone()[0])
    if not t.pk:
        return TableResult(t.qualified, target.qualified, source_count, target_count, 1,
                           (example("no_primary_key", "*", "no key to compare by; DMS skips its UPDATE/DELETE"),))
    target_cols = {c for c, _ in target.columns}
    if set(t.pk) - target_cols:
        return TableResult(t.qualified, target.qualified, source_count, target_count, 1,
                           (example("schema", "*", "primary key columns absent on the target"),))
    missing_cols = [c for c, _ in t.columns if c not in target_cols]
    compared = [(c, ty) for c, ty in t.columns if c in target_cols]  # the source's types on both sides
    row = _row_sql(compared)
    src, tgt = _Side(src_cur, t, row), _Side(tgt_cur, Table(target.schema, t.name, target.columns, t.pk), row)

    ranges: list[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]] = []
    lo: tuple[Any, ...] | None = None
    while True:
        hi = src.boundary(lo, chunk_rows - 1)
        ranges.append((lo, hi))
        if hi is None:
            break
        lo = hi
    differing = [(lo, hi) for lo, hi in ranges if src.digest(lo, hi) != tgt.digest(lo, hi)]
    if differing and recheck is not None:
        recheck()
        differing = [(lo, hi) for lo, hi in differing if src.digest(lo, hi) != tgt.digest(lo, hi)]
        src_cur.execute(f"SELECT COUNT(*) FROM {t.sql}")
        source_count = int(src_cur.fetchone()[0])
        tgt_cur.execute(f"SELECT COUNT(*) FROM {target.sql}")
        target_count = int(tgt_cur.fetchone()[0])
    examples = [example("schema", c, "column absent on the target") for c in missing_cols[:MAX_EXAMPLES]]
    found = [len(missing_cols)]
    for lo, hi in differing:
        _walk(src, tgt, lo, hi, found, examples)
    # The walk counts every differing row (no search cap), so the count is exact: never truncated.
    return TableResult(t.qualified, target.qualified, source_count, target_count, found[0], tuple(examples))
