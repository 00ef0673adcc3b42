"""The rollback record: the contract between the rollback Lambda and the Pulumi program.

Stdlib only. The Lambda writes it to the SSM String parameter named by ``RECORD_PARAMETER``; the
program reads it on the next ``pulumi up`` and refuses any green weight above 0 until
``cutover:rollbackAck`` equals the record's ``id``.

Parameter value (JSON object):

* ``{"state": "clear"}`` - the initial value: no automatic rollback recorded (``parse_record`` -> None);
* ``{"state": "rolled-back", "id": "<32 lowercase hex, uuid4>", "at": "<ISO-8601 UTC>",
  "alarm": "<alarm name>", "reason": "<NewStateReason>", "frontDoor": "alb|route53|alias",
  "previousGreenShare": <int 0..100>}``.

Unknown extra keys are ignored (forward compatible); anything else raises ValueError.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

STATE_CLEAR: Final = "clear"
STATE_ROLLED_BACK: Final = "rolled-back"
FRONT_DOOR_KINDS: Final = ("alb", "route53", "alias")
CLEAR_VALUE: Final = json.dumps({"state": STATE_CLEAR})  # what the platform creates the parameter with
MAX_REASON_CHARS: Final = 1024  # keeps the value well under the 4 KB limit of a Standard parameter

_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class RollbackRecord:
    id: str
    at: str
    alarm: str
    reason: str
    front_door: str
    previous_green_share: int

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"rollback record id must be 32 lowercase hex characters, got {self.id!r}")
        parse_timestamp(self.at)
        if self.front_door not in FRONT_DOOR_KINDS:
            raise ValueError(f"rollback record frontDoor must be one of {', '.join(FRONT_DOOR_KINDS)}, "
                             f"got {self.front_door!r}")
        share = self.previous_green_share
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
            raise ValueError(f"rollback record previousGreenShare must be an integer 0..100, got {share!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": STATE_ROLLED_BACK,
            "id": self.id,
            "at": self.at,
            "alarm": self.alarm,
            "reason": self.reason,
            "frontDoor": self.front_door,
            "previousGreenShare": self.previous_green_share,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))


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
    return RollbackRecord(
        id=_field(obj, "id", str),
        at=_field(obj, "at", str),
        alarm=_field(obj, "alarm", str),
        reason=_field(obj, "reason", str),
        front_door=_field(obj, "frontDoor", str),
        previous_green_share=_field(obj, "previousGreenShare", int),
    )
