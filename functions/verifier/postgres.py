"""PostgreSQL: preflight of a source, and PostgreSQL -> PostgreSQL verification computed in the databases.

Memory stays flat whatever the table size: nothing reads a table into the verifier. Each table is
cut into primary-key ranges of ``chunk_rows`` rows (keyset pagination: the next boundary is the key
``chunk_rows`` rows past the previous one, found through the primary-key index), and each range is
reduced IN the database to ``count(*)`` and ``md5(string_agg(<row text>, '\\n' ORDER BY <pk>))``.
Only the two digests cross the network. A range whose digests differ is bisected (same queries on
halves) down to ``LEAF_ROWS`` rows, where the keys and per-row md5s of both sides are compared to
name example keys. pg8000 reads whole result sets, which is why every query here returns at most
``LEAF_ROWS`` rows.

Row text is ``ROW(<source columns in source order>)::text`` on both sides, with the session pinned
to UTC, ISO dates and hex bytea, so a faithful copy renders identically byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

try:
    from .findings import MAX_FINDING_EXAMPLES, Finding
    from .receipt import MAX_EXAMPLES, Example, TableResult, example
except ImportError:  # Lambda: the code root is functions/verifier
    from findings import MAX_FINDING_EXAMPLES, Finding  # type: ignore[no-redef]
    from receipt import MAX_EXAMPLES, Example, TableResult, example  # type: ignore[no-redef]

LEAF_ROWS = 256
DEFAULT_CHUNK_ROWS = 50_000
# DMS treats these PostgreSQL types as LOBs (DMS user guide, PostgreSQL source data types: text,
# bytea, json/jsonb, xml, and character varying without a length map to NCLOB/BLOB/CLOB).
LOB_TYPES = ("text", "bytea", "json", "jsonb", "xml")
SESSION = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'iso_8601'",
           "SET bytea_output = 'hex'", "SET extra_float_digits = 1")


class Conn(Protocol):
    def run(self, sql: str, **params: Any) -> Any: ...


def qi(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # format_type(): usable in CAST
    type_name: str  # pg_type.typname
    typmod: int
    not_null: bool


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        return f"{qi(self.schema)}.{qi(self.name)}"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def prepare(conn: Conn) -> None:
    for statement in SESSION:
        conn.run(statement)


def tables(conn: Conn, schemas: Sequence[str]) -> list[Table]:
    rows = conn.run(
        "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(CAST(:s AS text[])) "
        "ORDER BY n.nspname, c.relname", s=list(schemas))
    return [_describe(conn, oid, schema, name) for oid, schema, name in rows]


def table(conn: Conn, schema: str, name: str) -> Table | None:
    rows = conn.run("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :s AND c.relname = :t AND c.relkind IN ('r', 'p')", s=schema, t=name)
    return _describe(conn, rows[0][0], schema, name) if rows else None


def _describe(conn: Conn, oid: int, schema: str, name: str) -> Table:
    cols = conn.run(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.atttypmod, a.attnotnull "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = :o AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", o=oid)
    pk = conn.run(
        "SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = :o AND i.indisprimary ORDER BY k.ord", o=oid)
    return Table(schema, name, tuple(Column(*c) for c in cols), tuple(r[0] for r in pk))


def source_position(conn: Conn) -> str | None:
    """The WAL position at the start of verification (a standby reports its replay position)."""
    row = conn.run("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text "
                   "ELSE pg_current_wal_lsn()::text END")
    return str(row[0][0]) if row and row[0][0] is not None else None


# ── preflight ────────────────────────────────────────────────────────────────────────────────────

def _is_lob(c: Column) -> bool:
    return c.type_name in LOB_TYPES or (c.type_name == "varchar" and c.typmod < 0)


def _key_text(t: Table) -> str:
    return " || '|' || ".join(f"{qi(k)}::text" for k in t.pk) if t.pk else "ctid::text"


def preflight(conn: Conn, schemas: Sequence[str], lob_max_kb: int) -> list[Finding]:
    """Tables without a primary key, LOBs longer than ``lob_max_kb``, sequences to reset on the target."""
    out: list[Finding] = []
    limit = lob_max_kb * 1024
    for t in tables(conn, schemas):
        if not t.pk:
            (count,), = conn.run(f"SELECT count(*) FROM {t.sql}")
            out.append(Finding("no_primary_key", t.qualified, count=int(count),
                               detail="DMS ignores UPDATE and DELETE of a table without a primary key during CDC"))
        for c in t.columns:
            if not _is_lob(c):
                continue
            size = f"octet_length({qi(c.name)}::text)" if c.type_name != "bytea" else f"octet_length({qi(c.name)})"
            (count,), = conn.run(f"SELECT count(*) FROM {t.sql} WHERE {size} > :n", n=limit)
            if count:
                keys = conn.run(f"SELECT {_key_text(t)} FROM {t.sql} WHERE {size} > :n ORDER BY 1 LIMIT :k",
                                n=limit, k=MAX_FINDING_EXAMPLES)
                out.append(Finding("lob_truncated", t.qualified, c.name, int(count), tuple(str(k[0]) for k in keys),
                                   detail=f"longer than the {lob_max_kb} KB limited-LOB size"))
    for schema, name, last in conn.run(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = ANY(CAST(:s AS text[])) ORDER BY 1, 2", s=list(schemas)):
        value = "not yet used" if last is None else str(last)
        out.append(Finding("sequence_reset", f"{schema}.{name}", count=1,
                           detail=f"DMS does not copy sequence values: set the target's past {value}"))
    return out


# ── verification ─────────────────────────────────────────────────────────────────────────────────

@dataclass
class _Side:
    conn: Conn
    table: Table
    row_sql: str  # ROW(...)::text over the compared columns


def _cond(t: Table, lo: tuple[str, ...] | None, hi: tuple[str, ...] | None) -> tuple[str, dict[str, str]]:
    keys = ", ".join(qi(k) for k in t.pk)
    parts, params = [], {}
    for label, bound, op in (("lo", lo, ">"), ("hi", hi, "<=")):
        if bound is None:
            continue
        casts = []
        for i, (k, v) in enumerate(zip(t.pk, bound, strict=True)):
            params[f"{label}{i}"] = v
            casts.append(f"CAST(:{label}{i} AS {t.column(k).type})")
        parts.append(f"({keys}) {op} ({', '.join(casts)})")
    return (" AND ".join(parts) or "true"), params


def _order(t: Table) -> str:
    return ", ".join(qi(k) for k in t.pk)


def _digest(side: _Side, lo: tuple[str, ...] | None, hi: tuple[str, ...] | None) -> tuple[int, str]:
    t = side.table
    where, params = _cond(t, lo, hi)
    rows = side.conn.run(
        f"SELECT count(*), coalesce(md5(string_agg({side.row_sql}, E'\\n' ORDER BY {_order(t)})), '') "
        f"FROM {t.sql} WHERE {where}", **params)
    return int(rows[0][0]), str(rows[0][1])


def _boundary(side: _Side, lo: tuple[str, ...] | None, hi: tuple[str, ...] | None,
              offset: int) -> tuple[str, ...] | None:
    """The key ``offset`` rows past ``lo`` (within ``hi``), by the primary-key index; None past the end."""
    t = side.table
    where, params = _cond(t, lo, hi)
    rows = side.conn.run(
        # Aliased: an output column named like a key column would make ORDER BY sort by its text.
        f"SELECT {', '.join(f'{qi(k)}::text AS _k{i}' for i, k in enumerate(t.pk))} FROM {t.sql} WHERE {where} "
        f"ORDER BY {_order(t)} OFFSET :off LIMIT 1", off=offset, **params)
    return tuple(str(v) for v in rows[0]) if rows else None


def _rows(side: _Side, lo: tuple[str, ...] | None, hi: tuple[str, ...] | None) -> dict[str, str]:
    t = side.table
    where, params = _cond(t, lo, hi)
    rows = side.conn.run(
        f"SELECT {_key_text(t)} AS _key, md5({side.row_sql}) AS _md5 FROM {t.sql} WHERE {where} ORDER BY {_order(t)} "
        f"LIMIT :n", n=LEAF_ROWS * 2 + 1, **params)
    return {str(k): str(h) for k, h in rows}


@dataclass
class _Search:
    examples: list[Example]
    found: int = 0
    truncated: bool = False


def _bisect(src: _Side, tgt: _Side, lo: tuple[str, ...] | None, hi: tuple[str, ...] | None,
            counts: tuple[int, int], search: _Search) -> None:
    if len(search.examples) >= MAX_EXAMPLES:
        search.found += 1  # at least one more differing row in this range
        search.truncated = True
        return
    cs, ct = counts
    if max(cs, ct) <= LEAF_ROWS:
        a, b = _rows(src, lo, hi), _rows(tgt, lo, hi)
        diffs = [("missing", k) for k in a if k not in b] + [("extra", k) for k in b if k not in a]
        diffs += [("changed", k) for k in a if k in b and a[k] != b[k]]
        diffs.sort(key=lambda d: d[1])
        search.found += len(diffs)
        room = MAX_EXAMPLES - len(search.examples)
        search.examples.extend(example(kind, key) for kind, key in diffs[:room])
        search.truncated |= len(diffs) > room
        return
    pivot_side, n = (src, cs) if cs >= ct else (tgt, ct)  # split the larger side in half
    mid = _boundary(pivot_side, lo, hi, n // 2 - 1)
    for start, end in ((lo, mid), (mid, hi)):
        ds, dt = _digest(src, start, end), _digest(tgt, start, end)
        if ds != dt:
            _bisect(src, tgt, start, end, (ds[0], dt[0]), search)


def _ranges(src: _Side, chunk_rows: int) -> Any:
    """(lo, hi] ranges of ``chunk_rows`` source rows, the last one open-ended (it also catches target extras)."""
    lo: tuple[str, ...] | None = None
    while True:
        hi = _boundary(src, lo, None, chunk_rows - 1)
        yield lo, hi
        if hi is None:
            return
        lo = hi


def compare_table(src_conn: Conn, tgt_conn: Conn, t: Table, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                  recheck: Callable[[], None] | None = None) -> TableResult:
    """Counts and range checksums of one table on both sides; bisects differing ranges to example keys.

    ``recheck`` (called once, before re-checking) gives replication time to apply in-flight changes:
    a range is reported only if it still differs afterwards.
    """
    target = table(tgt_conn, t.schema, t.name)
    if target is None:
        (count,), = src_conn.run(f"SELECT count(*) FROM {t.sql}")
        return TableResult(t.qualified, t.qualified, int(count), 0, 1,
                           (example("missing", "*", "table absent on the target"),))
    counts = [int(src_conn.run(f"SELECT count(*) FROM {t.sql}")[0][0]),
              int(tgt_conn.run(f"SELECT count(*) FROM {target.sql}")[0][0])]
    if not t.pk:
        return TableResult(t.qualified, target.qualified, counts[0], counts[1], 1,
                           (example("no_primary_key", "*", "no key to compare by; DMS skips its UPDATE/DELETE"),))
    target_cols = {c.name for c in target.columns}
    missing_cols = [c.name for c in t.columns if c.name not in target_cols]
    if set(t.pk) - target_cols:
        return TableResult(t.qualified, target.qualified, counts[0], counts[1], 1,
                           (example("schema", "*", "primary key columns absent on the target"),))
    compared = [c.name for c in t.columns if c.name in target_cols]
    row_sql = "ROW(" + ", ".join(qi(c) for c in compared) + ")::text"
    src, tgt = _Side(src_conn, t, row_sql), _Side(tgt_conn, target_with_source_types(t, target), row_sql)

    differing = [(lo, hi, ds, dt) for lo, hi in _ranges(src, chunk_rows)
                 for ds, dt in [(_digest(src, lo, hi), _digest(tgt, lo, hi))] if ds != dt]
    if differing and recheck is not None:
        recheck()
        differing = [(lo, hi, ds, dt) for lo, hi, _, _ in differing
                     for ds, dt in [(_digest(src, lo, hi), _digest(tgt, lo, hi))] if ds != dt]
        counts = [int(src_conn.run(f"SELECT count(*) FROM {t.sql}")[0][0]),
                  int(tgt_conn.run(f"SELECT count(*) FROM {target.sql}")[0][0])]
    search = _Search([example("schema", c, "column absent on the target") for c in missing_cols[:MAX_EXAMPLES]],
                     found=len(missing_cols))
    for lo, hi, ds, dt in differing:
        _bisect(src, tgt, lo, hi, (ds[0], dt[0]), search)
    return TableResult(t.qualified, target.qualified, counts[0], counts[1], search.found,
                       tuple(search.examples), search.truncated)


def target_with_source_types(source: Table, target: Table) -> Table:
    """The target table, keyed and cast like the source (bounds are source keys rendered as text)."""
    return Table(target.schema, target.name, source.columns, source.pk)


def compare_sequences(src_conn: Conn, tgt_conn: Conn, schemas: Sequence[str]) -> TableResult | None:
    """Target sequences behind the source's (DMS copies rows, not sequence values)."""
    query = ("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
             "WHERE schemaname = ANY(CAST(:s AS text[])) ORDER BY 1")
    source = {str(n): v for n, v in src_conn.run(query, s=list(schemas))}
    if not source:
        return None
    target = {str(n): v for n, v in tgt_conn.run(query, s=list(schemas))}
    behind = []
    for name, value in source.items():
        if value is None:
            continue
        have = target.get(name)
        if name not in target:
            behind.append(example("sequence_behind", name, f"absent on the target; source at {value}"))
        elif have is None or int(have) < int(value):
            behind.append(example("sequence_behind", name, f"target at {have}, source at {value}"))
    return TableResult("(sequences)", "(sequences)", len(source), len(target), len(behind),
                       tuple(behind[:MAX_EXAMPLES]), len(behind) > MAX_EXAMPLES)
