"""Preflight findings: what a migration would lose or mangle, found before it starts (stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Each kind and the AWS rule behind it:
# - no_primary_key: DMS CDC applies UPDATE and DELETE by key; for a table without a primary key (or
#   unique index) they are ignored (DMS user guide, source limitations for PostgreSQL and MySQL).
# - lob_truncated: in limited LOB mode DMS truncates LOB values longer than LobMaxSize (KB; 32 by
#   default) (DMS task settings, "Setting LOB support").
# - item_too_large: a DynamoDB item is at most 400 KB, attribute names included (DynamoDB quotas).
# - null_dropped: a NULL column becomes an absent attribute in the DynamoDB item; readers must treat
#   "absent" as NULL (DynamoDB has no column schema to keep the NULL in).
# - sequence_reset: DMS does not migrate sequence values; a PostgreSQL target's sequences must be set
#   past the source's before it takes writes (DMS PostgreSQL source limitations).
FINDING_KINDS = ("no_primary_key", "lob_truncated", "item_too_large", "null_dropped", "sequence_reset")
MAX_FINDING_EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    kind: str
    table: str
    column: str | None = None
    count: int = 1  # rows (or objects) affected
    examples: tuple[str, ...] = ()  # primary keys as text
    detail: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FINDING_KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r} (allowed: {' | '.join(FINDING_KINDS)})")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "table": self.table, "count": self.count}
        if self.column is not None:
            out["column"] = self.column
        if self.examples:
            out["examples"] = list(self.examples[:MAX_FINDING_EXAMPLES])
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class PreflightReport:
    dataset: str
    pair: str
    at: str
    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "pair": self.pair, "at": self.at, "clean": self.clean,
                "findings": [f.to_json() for f in self.findings]}
