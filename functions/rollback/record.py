"""The rollback record: the contract between the rollback Lambda and the Pulumi program.

Stdlib only. The Lambda writes it to the SSM String parameter named by ``RECORD_PARAMETER``; the
program reads it on the next ``pulumi up`` and refuses any green weight above 0 until
``cutover:rollbackAck`` equals the record's ``id`` (``cutover/rollback_guard.py``).

Parameter value (JSON object):

* ``{"state": "clear"}`` - the initial value: no automatic rollback recorded (``parse_record`` -> None);
* ``{"state": "rolled-back", "id": "<32 lowercase hex>", "at": "<ISO-8601 UTC>",
  "alarm": "<alarm name>", "reason": "<NewStateReason>", "frontDoor": "alb|route53|alias",
  "previousGreenShare": <int 0..100, or null before it was measured>,
  "outcome": "started|complete|partial|failed", "rolledBack": [...], "notRolledBack": [...],
  "truncated": <bool>}``.

``outcome`` says how far the Lambda got: ``started`` is written *before* any traffic moves (so a
Lambda that dies half-way still leaves a record), ``complete`` when every part of the front door is
on blue, ``partial`` when some parts are and others failed (``rolledBack``/``notRolledBack`` name
them), ``failed`` when nothing could be moved. Records written before ``outcome`` existed parse as
``complete``. Every outcome forbids green traffic until acknowledged: an alarm fired either way.

The id is derived from the alarm notification (``handler.rollback_id``), so a redelivery of the
same notification writes the same id; it is not random.

The value always fits a Standard-tier parameter: :meth:`RollbackRecord.fitted` caps and truncates
every free-text field (marking ``truncated``) so the JSON is at most :data:`MAX_VALUE_CHARS`.

Unknown extra keys are ignored (forward compatible); anything else raises ValueError.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

STATE_CLEAR: Final = "clear"
STATE_ROLLED_BACK: Final = "rolled-back"
FRONT_DOOR_KINDS: Final = ("alb", "route53", "alias")
OUTCOME_STARTED: Final = "started"
OUTCOME_COMPLETE: Final = "complete"
OUTCOME_PARTIAL: Final = "partial"
OUTCOME_FAILED: Final = "failed"
OUTCOMES: Final = (OUTCOME_STARTED, OUTCOME_COMPLETE, OUTCOME_PARTIAL, OUTCOME_FAILED)
CLEAR_VALUE: Final = json.dumps({"state": STATE_CLEAR})  # what the platform creates the parameter with

# SSM PutParameter: "Standard parameters have a value limit of 4 KB" (botocore ssm model,
# PutParameterRequest.Value). Values are serialized with ensure_ascii, so characters == bytes.
MAX_VALUE_CHARS: Final = 4096
# First caps, before measuring: CloudWatch alarm names are at most 255 characters (PutMetricAlarm
# AlarmName), reasons are free text; list items name a function, a rule or an error.
MAX_ALARM_CHARS: Final = 255
MAX_REASON_CHARS: Final = 1024
MAX_ITEM_CHARS: Final = 200
MAX_ITEMS: Final = 20
ELLIPSIS: Final = "..."

ID_PATTERN: Final = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class RollbackRecord:
    id: str
    at: str
    alarm: str
    reason: str
    front_door: str
    previous_green_share: int | None
    outcome: str = OUTCOME_COMPLETE
    rolled_back: tuple[str, ...] = ()
    not_rolled_back: tuple[str, ...] = ()
    truncated: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_PATTERN.match(self.id):
            raise ValueError(f"rollback record id must be 32 lowercase hex characters, got {self.id!r}")
        parse_timestamp(self.at)
        if self.front_door not in FRONT_DOOR_KINDS:
            raise ValueError(f"rollback record frontDoor must be one of {', '.join(FRONT_DOOR_KINDS)}, "
                             f"got {self.front_door!r}")
        share = self.previous_green_share
        if share is not None and (isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100):
            raise ValueError(f"rollback record previousGreenShare must be an integer 0..100 or null, got {share!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"rollback record outcome must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}")
        for key, items in (("rolledBack", self.rolled_back), ("notRolledBack", self.not_rolled_back)):
            if not isinstance(items, tuple) or not all(isinstance(i, str) for i in items):
                raise ValueError(f"rollback record {key} must be a list of strings, got {items!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": STATE_ROLLED_BACK,
            "id": self.id,
            "at": self.at,
            "alarm": self.alarm,
            "reason": self.reason,
            "frontDoor": self.front_door,
            "previousGreenShare": self.previous_green_share,
            "outcome": self.outcome,
            "rolledBack": list(self.rolled_back),
            "notRolledBack": list(self.not_rolled_back),
            "truncated": self.truncated,
        }

    def to_json(self) -> str:
        """The parameter value; at most MAX_VALUE_CHARS (the record is fitted first)."""
        return _dump(self.fitted().to_dict())

    def fitted(self, limit: int = MAX_VALUE_CHARS) -> RollbackRecord:
        """This record as stored: SSM-safe text, capped so its JSON is at most ``limit`` characters.

        Fixed fields (id, at, kind, outcome, share) are short; everything else is free text from
        the alarm or from AWS errors and is cut (ending in ``...``, ``truncated`` set) until it fits.
        """
        rec = replace(self, alarm=_ssm_safe(self.alarm), reason=_ssm_safe(self.reason),
                      rolled_back=tuple(_ssm_safe(i) for i in self.rolled_back),
                      not_rolled_back=tuple(_ssm_safe(i) for i in self.not_rolled_back))
        capped = replace(rec, alarm=_cut(rec.alarm, MAX_ALARM_CHARS), reason=_cut(rec.reason, MAX_REASON_CHARS),
                         rolled_back=_cap_items(rec.rolled_back), not_rolled_back=_cap_items(rec.not_rolled_back))
        if capped != rec:
            capped = replace(capped, truncated=True)
        # Escapes (\uXXXX for non-ASCII and control characters) can still make the JSON longer than
        # the limit: shrink the longest free-text part until it fits. Terminates: with every text
        # empty the record is a few hundred characters.
        while len(_dump(capped.to_dict())) > limit:
            capped = _shrink(replace(capped, truncated=True))
        return capped


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


def _ssm_safe(text: str) -> str:
    # SSM rejects values containing {{ ... }} (parameter references; botocore ssm model,
    # PutParameterRequest.Value): an alarm reason must never make the record unwritable.
    while "{{" in text or "}}" in text:
        text = text.replace("{{", "{ {").replace("}}", "} }")
    return text


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:max(0, limit - len(ELLIPSIS))] + ELLIPSIS if limit >= len(ELLIPSIS) else ""


_MORE = re.compile(r"^\.\.\. and ([0-9]+) more$")


def _with_more(kept: tuple[str, ...], dropped: tuple[str, ...]) -> tuple[str, ...]:
    """``kept`` plus one ``... and N more`` item counting everything dropped (and earlier counts)."""
    hidden = 0
    for item in dropped:
        m = _MORE.match(item)
        hidden += int(m.group(1)) if m else 1
    return (*kept, f"... and {hidden} more") if hidden else kept


def _cap_items(items: tuple[str, ...]) -> tuple[str, ...]:
    cut = tuple(_cut(i, MAX_ITEM_CHARS) for i in items)
    if len(cut) <= MAX_ITEMS:
        return cut
    return _with_more(cut[:MAX_ITEMS - 1], cut[MAX_ITEMS - 1:])


def _encoded_len(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=True))


def _set(rec: RollbackRecord, name: str, value: Any) -> RollbackRecord:
    changes: dict[str, Any] = {name: value}
    return replace(rec, **changes)


def _shrink(rec: RollbackRecord) -> RollbackRecord:
    """Halve the free-text part that costs the most characters once encoded; raise when nothing
    is left to cut (only possible with a limit below the size of an empty record)."""
    lists = {"rolled_back": rec.rolled_back, "not_rolled_back": rec.not_rolled_back}
    costs: dict[str, int] = {"alarm": len(rec.alarm) and _encoded_len(rec.alarm),
                             "reason": len(rec.reason) and _encoded_len(rec.reason)}
    for name, items in lists.items():
        costs[name] = sum(_encoded_len(i) + 1 for i in items)
    biggest = max(costs, key=lambda k: costs[k])
    if costs[biggest] == 0:
        raise ValueError("rollback record cannot be made to fit: the limit is below an empty record's size")
    if biggest in lists:
        items = lists[biggest]
        if len(items) > 2:  # keep half the items, counting the rest in one "... and N more"
            keep = len(items) // 2
            return _set(rec, biggest, _with_more(items[:keep], items[keep:]))
        longest = max(range(len(items)), key=lambda i: len(items[i]))
        shorter = list(items)
        if len(items[longest]) > len(ELLIPSIS):
            shorter[longest] = _cut(items[longest], len(items[longest]) // 2 + 1)
        else:  # nothing left to cut in that item: drop it
            del shorter[longest]
        return _set(rec, biggest, tuple(shorter))
    text: str = getattr(rec, biggest)
    return _set(rec, biggest, _cut(text, len(text) // 2) if len(text) > len(ELLIPSIS) else "")


def parse_timestamp(value: str) -> datetime:
    """An ISO-8601 timestamp with a UTC offset (``Z`` or ``+00:00``), as an aware datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"rollback record 'at' must be an ISO-8601 UTC timestamp, got {value!r}") from None
    if parsed.utcoffset() != timedelta(0):
        raise ValueError(f"rollback record 'at' must be in UTC, got {value!r}")
    return parsed


def format_timestamp(moment: datetime) -> str:
    """``2026-11-23T02:00:00Z`` (seconds precision, UTC)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _field(obj: dict[str, Any], key: str, kind: type) -> Any:
    if key not in obj:
        raise ValueError(f"rollback record is missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"rollback record {key!r} must be a {kind.__name__}, got {value!r}")
    return value


def _items(obj: dict[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise ValueError(f"rollback record {key!r} must be a list of strings, got {value!r}")
    return tuple(value)


def salvage_id(value: object) -> str | None:
    """The ``id`` of a value that is not a valid record but still names one (e.g. a field is
    damaged): lets an operator acknowledge it. None when there is no well-formed id."""
    if not isinstance(value, str):
        return None
    try:
        obj = json.loads(value)
    except json.JSONDecodeError:
        return None
    rid = obj.get("id") if isinstance(obj, dict) else None
    return rid if isinstance(rid, str) and ID_PATTERN.match(rid) else None


def parse_record(value: str) -> RollbackRecord | None:
    """The recorded rollback, or None when the parameter holds the initial ``{"state": "clear"}``.

    Raises ValueError, naming what is wrong, for anything that is not a valid record.
    """
    if not isinstance(value, str):
        raise ValueError(f"rollback record must be a JSON string, got {type(value).__name__}")
    try:
        obj = json.loads(value)
    except json.JSONDecodeError as err:
        raise ValueError(f"rollback record is not JSON ({err.msg}): {value[:80]!r}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"rollback record must be a JSON object, got {value[:80]!r}")
    state = obj.get("state")
    if state == STATE_CLEAR:
        return None
    if state != STATE_ROLLED_BACK:
        raise ValueError(f"rollback record state must be {STATE_CLEAR!r} or {STATE_ROLLED_BACK!r}, got {state!r}")
    rid, at, alarm, reason, front_door = (_field(obj, "id", str), _field(obj, "at", str), _field(obj, "alarm", str),
                                          _field(obj, "reason", str), _field(obj, "frontDoor", str))
    if "previousGreenShare" not in obj:
        raise ValueError("rollback record is missing 'previousGreenShare'")
    share = obj["previousGreenShare"]
    if share is not None and (isinstance(share, bool) or not isinstance(share, int)):
        raise ValueError(f"rollback record 'previousGreenShare' must be an int or null, got {share!r}")
    truncated = obj.get("truncated", False)
    if not isinstance(truncated, bool):
        raise ValueError(f"rollback record 'truncated' must be a boolean, got {truncated!r}")
    outcome = obj.get("outcome", OUTCOME_COMPLETE)  # records from before outcomes existed were complete
    if not isinstance(outcome, str):
        raise ValueError(f"rollback record 'outcome' must be a str, got {outcome!r}")
    return RollbackRecord(
        id=rid,
        at=at,
        alarm=alarm,
        reason=reason,
        front_door=front_door,
        previous_green_share=share,
        outcome=outcome,
        rolled_back=_items(obj, "rolledBack"),
        not_rolled_back=_items(obj, "notRolledBack"),
        truncated=truncated,
    )
