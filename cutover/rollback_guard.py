"""The next ``pulumi up`` must not silently undo an automatic rollback.

The rollback Lambda records what it did in an SSM parameter (``/<app>/<stack>/rollback/record``).
The program reads it before building the front door: while a rollback is recorded and not
acknowledged (``cutover:rollbackAck`` equals its id), any green weight above 0 is refused.
"""

from __future__ import annotations

from typing import Protocol

from cutover.errors import ConfigError


class RecordLike(Protocol):
    id: str
    at: str
    alarm: str
    reason: str


class PromotionRefusedError(ConfigError):
    pass


def check_promotion(green_weight: int, acknowledged: str, record: RecordLike | None, stack: str) -> None:
    """Raise PromotionRefusedError when an unacknowledged rollback forbids ``green_weight``."""
    if record is None or green_weight == 0 or acknowledged == record.id:
        return
    raise PromotionRefusedError(
        "cutover:greenWeight",
        f"automatic rollback {record.id} at {record.at} (alarm {record.alarm}: {record.reason}) sent all "
        f"traffic to blue, and greenWeight={green_weight} would undo it. Investigate, then acknowledge with "
        f"`pulumi config set cutover:rollbackAck {record.id}` (or `make ack STACK={stack} ID={record.id}`) "
        "and run `pulumi up` again",
        "0 until the rollback is acknowledged")
