"""The verification receipt: what the verifier proves about one dataset, stored in SSM.

This is a contract: the platform's guards (writer flip, retirement of blue) read it with
:func:`parse_receipt`. Stdlib only, no I/O.

Format, version 1: one compact JSON object (UTF-8, no whitespace), the value of one SSM String
parameter per dataset (by convention ``/<app>/<stack>/data/<dataset>/receipt``)::

    {
      "v": 1,                                  # format version; parse_receipt refuses any other
      "dataset": "bookings",                   # the dataset's name in the data plan
      "pair": "postgres->postgres",            # one of PAIRS
      "at": "2025-01-31T12:00:00Z",            # when verification finished (UTC, seconds)
      "startedAt": "2025-01-31T11:59:30Z",     # when it started (UTC)
      "sourcePosition": "0/16B3748",           # source log position read at the start: PostgreSQL
                                               # WAL LSN, or MySQL/MariaDB "binlog-file:offset"; null
                                               # when the source has no log position to read
      "recheckSeconds": 30,                    # mismatches were re-checked this long after the first
                                               # pass and only those that persisted are reported
      "clean": true,                           # true iff mismatches == 0 and no table is truncated
      "mismatches": 0,                         # sum of the tables' mismatch counts
      "tables": [
        {"name": "public.bookings",            # schema.table on the source
         "target": "public.bookings",          # the target table (DynamoDB: the table name)
         "source": 1000, "targetCount": 1000,  # row / item counts on each side
         "mismatches": 0,                      # differing keys found (a lower bound when truncated)
         "examples": [{"kind": "missing", "key": "42"}],   # up to MAX_EXAMPLES
         "truncated": false}                   # true when the search stopped at the example cap or
      ]                                        # examples were cut to fit the SSM value limit
    }

Mismatch kinds (``KINDS``): ``missing`` (source key absent on the target), ``extra`` (target key
absent on the source), ``changed`` (same key, different values; ``detail`` names the attribute for
DynamoDB), ``no_primary_key`` (no key to compare by: DMS ignores such a table's UPDATE and DELETE
during CDC), ``schema`` (a source column absent on the target), ``sequence_behind`` (a target
sequence behind the source's: the next insert on the target would reuse a key), ``gsi_missing`` (a
known item not returned by a global secondary index), ``count`` (counts differ and no differing key
was located, e.g. DynamoDB where only a sample is compared item by item). Keys are the primary key
rendered as text, composite keys joined with ``|``.

Size: an SSM String value is at most 4 KB in the Standard tier and 8 KB in the Advanced tier
(AWS Systems Manager quotas). The verifier writes with ``Tier=Intelligent-Tiering`` (Standard when
it fits, Advanced otherwise) and :func:`encode_receipt` guarantees ``MAX_RECEIPT_BYTES`` by dropping
examples (marking those tables ``truncated``, which makes the receipt not clean) — the counts, the
verdict and every table's totals are never dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

VERSION = 1
PAIRS = ("postgres->postgres", "mysql->dynamodb", "mysql->mysql")
KINDS = ("missing", "extra", "changed", "no_primary_key", "schema", "sequence_behind", "gsi_missing", "count")
MAX_EXAMPLES = 5  # per table
MAX_KEY_CHARS = 200
MAX_DETAIL_CHARS = 120
MAX_RECEIPT_BYTES = 8192  # SSM Advanced tier value limit (Standard: 4096)
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class ReceiptError(ValueError):
    """A receipt that does not follow the format; the message names the key path."""


@dataclass(frozen=True)
class Example:
    kind: str
    key: str
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "key": self.key}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class TableResult:
    name: str
    target: str
    source_count: int
    target_count: int
    mismatches: int = 0
    examples: tuple[Example, ...] = ()
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "source": self.source_count,
                "targetCount": self.target_count, "mismatches": self.mismatches,
                "examples": [e.to_json() for e in self.examples], "truncated": self.truncated}


@dataclass(frozen=True)
class Receipt:
    dataset: str
    pair: str
    at: str
    started_at: str
    source_position: str | None
    recheck_seconds: int
    tables: tuple[TableResult, ...] = field(default_factory=tuple)

    @property
    def mismatches(self) -> int:
        return sum(t.mismatches for t in self.tables)

    @property
    def clean(self) -> bool:
        return self.mismatches == 0 and not any(t.truncated for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {"v": VERSION, "dataset": self.dataset, "pair": self.pair, "at": self.at,
                "startedAt": self.started_at, "sourcePosition": self.source_position,
                "recheckSeconds": self.recheck_seconds, "clean": self.clean, "mismatches": self.mismatches,
                "tables": [t.to_json() for t in self.tables]}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def example(kind: str, key: str, detail: str | None = None) -> Example:
    """An example mismatch with its key and detail cut to the format's limits."""
    if kind not in KINDS:
        raise ValueError(f"unknown mismatch kind {kind!r} (allowed: {' | '.join(KINDS)})")
    return Example(kind, key[:MAX_KEY_CHARS], detail[:MAX_DETAIL_CHARS] if detail else None)


def _dump(data: Mapping[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def encode_receipt(receipt: Receipt, limit: int = MAX_RECEIPT_BYTES) -> str:
    """Compact JSON of at most ``limit`` UTF-8 bytes: examples are dropped (table marked truncated) to fit."""
    text = _dump(receipt.to_json())
    if len(text.encode()) <= limit:
        return text
    tables = list(receipt.tables)
    # Drop examples from the tables with the most first, one at a time, until it fits.
    while len(text.encode()) > limit:
        candidates = [i for i, t in enumerate(tables) if t.examples]
        if not candidates:
            raise ReceiptError(f"receipt for {receipt.dataset!r} exceeds {limit} bytes even without examples "
                               f"({len(tables)} tables): split the dataset")
        i = max(candidates, key=lambda j: len(tables[j].examples))
        tables[i] = replace(tables[i], examples=tables[i].examples[:-1], truncated=True)
        text = _dump(replace(receipt, tables=tuple(tables)).to_json())
    return text


# ── parsing (the guards' side) ──────────────────────────────────────────────────────────────────

def _get(obj: Mapping[str, Any], key: str, path: str, kind: type | tuple[type, ...], nullable: bool = False) -> Any:
    if key not in obj:
        raise ReceiptError(f"{path}{key}: missing")
    value = obj[key]
    if value is None and nullable:
        return None
    # bool is an int subclass: an int field must not accept true/false.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " | ".join(k.__name__ for k in kind)
        raise ReceiptError(f"{path}{key}: expected {names}, got {type(value).__name__} {value!r}"[:300])
    return value


def _count(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = int(_get(obj, key, path, int))
    if value < 0:
        raise ReceiptError(f"{path}{key}: must be >= 0, got {value}")
    return value


def _time(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = str(_get(obj, key, path, str))
    if not _TIME.match(value):
        raise ReceiptError(f"{path}{key}: expected UTC time YYYY-MM-DDTHH:MM:SSZ, got {value!r}")
    return value


def _examples(raw: Sequence[Any], path: str) -> tuple[Example, ...]:
    if len(raw) > MAX_EXAMPLES:
        raise ReceiptError(f"{path}: at most {MAX_EXAMPLES} examples, got {len(raw)}")
    out = []
    for i, item in enumerate(raw):
        p = f"{path}[{i}]."
        if not isinstance(item, dict):
            raise ReceiptError(f"{path}[{i}]: expected an object")
        kind = _get(item, "kind", p, str)
        if kind not in KINDS:
            raise ReceiptError(f"{p}kind: unknown value {kind!r} (allowed: {' | '.join(KINDS)})")
        detail = item.get("detail")
        if detail is not None and not isinstance(detail, str):
            raise ReceiptError(f"{p}detail: expected str")
        out.append(Example(kind, _get(item, "key", p, str), detail))
    return tuple(out)


def parse_receipt(text: str | bytes) -> Receipt:
    """Parse and validate a receipt; :class:`ReceiptError` names the first offending key path."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise ReceiptError(f"receipt: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReceiptError("receipt: expected a JSON object")
    version = _get(data, "v", "", int)
    if version != VERSION:
        raise ReceiptError(f"v: unsupported receipt version {version} (allowed: {VERSION})")
    pair = _get(data, "pair", "", str)
    if pair not in PAIRS:
        raise ReceiptError(f"pair: unknown value {pair!r} (allowed: {' | '.join(PAIRS)})")
    raw_tables = _get(data, "tables", "", list)
    tables = []
    for i, t in enumerate(raw_tables):
        p = f"tables[{i}]."
        if not isinstance(t, dict):
            raise ReceiptError(f"tables[{i}]: expected an object")
        examples = _examples(_get(t, "examples", p, list), f"{p}examples")
        mismatches = _count(t, "mismatches", p)
        if len(examples) > mismatches:
            raise ReceiptError(f"{p}examples: {len(examples)} examples but mismatches is {mismatches}")
        tables.append(TableResult(
            name=_get(t, "name", p, str), target=_get(t, "target", p, str), source_count=_count(t, "source", p),
            target_count=_count(t, "targetCount", p), mismatches=mismatches, examples=examples,
            truncated=_get(t, "truncated", p, bool)))
    receipt = Receipt(
        dataset=_get(data, "dataset", "", str), pair=pair, at=_time(data, "at", ""),
        started_at=_time(data, "startedAt", ""), source_position=_get(data, "sourcePosition", "", str, nullable=True),
        recheck_seconds=_count(data, "recheckSeconds", ""), tables=tuple(tables))
    if not receipt.dataset:
        raise ReceiptError("dataset: must not be empty")
    if parse_time(receipt.started_at) > parse_time(receipt.at):
        raise ReceiptError(f"startedAt: {receipt.started_at} is after at {receipt.at}")
    # The verdict is derived, never trusted: a receipt whose stored totals disagree with its tables
    # was edited or corrupted.
    if _count(data, "mismatches", "") != receipt.mismatches:
        raise ReceiptError(f"mismatches: {data['mismatches']} but the tables sum to {receipt.mismatches}")
    if _get(data, "clean", "", bool) != receipt.clean:
        raise ReceiptError(f"clean: {data['clean']} contradicts the tables (mismatches {receipt.mismatches}, "
                           f"truncated {any(t.truncated for t in receipt.tables)})")
    return receipt
