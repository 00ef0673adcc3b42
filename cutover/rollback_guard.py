"""The next ``pulumi up`` must not silently undo an automatic rollback.

The rollback Lambda records what it did in an SSM parameter (``/<app>/<stack>/rollback/record``,
``functions/rollback/record.py``). The program reads it before building the front door: while a
rollback is recorded and not acknowledged (``cutover:rollbackAck`` equals its id), any green
weight above 0 is refused.

Fail safe: only a valid ``{"state": "clear"}`` (or no parameter at all: the first deployment)
means "no rollback". A record in any outcome (``started``, ``partial``, ``failed``) and a value
that does not parse at all both mean "traffic may have been rolled back": greenWeight > 0 is
refused with the reason and the way out; greenWeight 0 (what the rollback left) always deploys.
"""

from __future__ import annotations

from typing import Protocol

from cutover.errors import ConfigError
from functions.rollback.record import CLEAR_VALUE, parse_record, salvage_id


class RecordLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def alarm(self) -> str: ...
    @property
    def reason(self) -> str: ...


class PromotionRefusedError(ConfigError):
    pass


def reset_command(parameter: str) -> str:
    """The AWS CLI line that clears the record (after the operator has checked the front door)."""
    return f"aws ssm put-parameter --overwrite --name {parameter} --value '{CLEAR_VALUE}'"


def _ack_hint(rid: str, stack: str) -> str:
    return (f"`pulumi config set cutover:rollbackAck {rid}` (or `make ack STACK={stack} ID={rid}`) "
            "and run `pulumi up` again")


def check_promotion(green_weight: int, acknowledged: str, record: RecordLike | None, stack: str) -> None:
    """Raise PromotionRefusedError when an unacknowledged rollback forbids ``green_weight``."""
    if record is None or green_weight == 0 or acknowledged == record.id:
        return
    outcome = getattr(record, "outcome", "complete")
    detail = ""
    if outcome != "complete":
        missing = "; ".join(getattr(record, "not_rolled_back", ()) or ()) or "unknown"
        done = ", ".join(getattr(record, "rolled_back", ()) or ()) or "nothing recorded"
        detail = (f" The rollback is {outcome}: rolled back {done}; not rolled back: {missing}. Check the front "
                  "door and finish the rollback by hand if needed (docs/runbooks/rollback.md).")
    raise PromotionRefusedError(
        "cutover:greenWeight",
        f"automatic rollback {record.id} at {record.at} (alarm {record.alarm}: {record.reason}) "
        f"{'sent all traffic to blue' if outcome == 'complete' else 'was triggered'}, and "
        f"greenWeight={green_weight} would undo it.{detail} Investigate, then acknowledge "
        f"with {_ack_hint(record.id, stack)}",
        "0 until the rollback is acknowledged")


def check_record_value(green_weight: int, acknowledged: str, parameter: str, value: str | None,
                       stack: str) -> str | None:
    """Check the raw parameter value (None: no parameter yet). Returns a warning to print when the
    value is unreadable but greenWeight is 0; raises PromotionRefusedError when promotion must wait.
    """
    if value is None:
        return None
    try:
        record = parse_record(value)
    except ValueError as exc:
        rid = salvage_id(value)
        if green_weight == 0 or (rid is not None and acknowledged == rid):
            return (f"{parameter} does not hold a valid rollback record ({exc}); treated as rolled back. "
                    f"After checking the front door, reset it with `{reset_command(parameter)}`")
        ack = f"acknowledge rollback {rid} with {_ack_hint(rid, stack)}, or " if rid else ""
        raise PromotionRefusedError(
            "cutover:greenWeight",
            f"{parameter} does not hold a valid rollback record ({exc}). An automatic rollback may have sent all "
            f"traffic to blue, so greenWeight={green_weight} is refused. Check the front door "
            f"(docs/runbooks/rollback.md), then {ack}reset the record with `{reset_command(parameter)}`",
            "0 until the record is acknowledged or reset") from None
    check_promotion(green_weight, acknowledged, record, stack)
    return None
