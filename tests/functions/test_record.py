"""The rollback record is a contract with the Pulumi program: round-trips, clear is None, garbage fails."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.rollback.record import CLEAR_VALUE, RollbackRecord, format_timestamp, parse_record

RECORD = RollbackRecord(id="3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3", at="2026-11-23T02:00:00Z", alarm="pos-prod-rollback",
                        reason="Threshold Crossed", front_door="alb", previous_green_share=25)


def test_clear_is_none() -> None:
    assert parse_record(CLEAR_VALUE) is None
    assert parse_record('{"state": "clear"}') is None


def test_schema() -> None:
    assert json.loads(RECORD.to_json()) == {
        "state": "rolled-back", "id": "3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3", "at": "2026-11-23T02:00:00Z",
        "alarm": "pos-prod-rollback", "reason": "Threshold Crossed", "frontDoor": "alb", "previousGreenShare": 25}


def test_round_trip_and_unknown_keys_are_ignored() -> None:
    assert parse_record(RECORD.to_json()) == RECORD
    assert parse_record(json.dumps({**RECORD.to_dict(), "future": 1})) == RECORD


@given(share=st.integers(0, 100), kind=st.sampled_from(["alb", "route53", "alias"]), alarm=st.text(),
       reason=st.text(), moment=st.datetimes(timezones=st.timezones()))
def test_round_trip_property(share: int, kind: str, alarm: str, reason: str, moment: object) -> None:
    record = RollbackRecord(id=uuid.uuid4().hex, at=format_timestamp(moment),  # type: ignore[arg-type]
                            alarm=alarm, reason=reason, front_door=kind, previous_green_share=share)
    assert parse_record(record.to_json()) == record


@pytest.mark.parametrize(("value", "message"), [
    ("", "not JSON"),
    ("rolled back!", "not JSON"),
    ("[]", "JSON object"),
    ('"clear"', "JSON object"),
    ("{}", "state"),
    ('{"state": "rolling"}', "state"),
    ('{"state": "rolled-back"}', "missing 'id'"),
    (json.dumps({**RECORD.to_dict(), "id": "not-hex"}), "id"),
    (json.dumps({**RECORD.to_dict(), "id": 7}), "'id' must be a str"),
    (json.dumps({**RECORD.to_dict(), "at": "yesterday"}), "ISO-8601"),
    (json.dumps({**RECORD.to_dict(), "at": "2026-11-23T02:00:00"}), "UTC"),
    (json.dumps({**RECORD.to_dict(), "at": "2026-11-23T02:00:00+01:00"}), "UTC"),
    (json.dumps({**RECORD.to_dict(), "frontDoor": "cloudfront"}), "frontDoor"),
    (json.dumps({**RECORD.to_dict(), "previousGreenShare": 101}), "previousGreenShare"),
    (json.dumps({**RECORD.to_dict(), "previousGreenShare": "25"}), "previousGreenShare"),
    (json.dumps({**RECORD.to_dict(), "previousGreenShare": True}), "previousGreenShare"),
    (json.dumps({k: v for k, v in RECORD.to_dict().items() if k != "alarm"}), "missing 'alarm'"),
])
def test_garbage_is_a_clear_value_error(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_record(value)


def test_non_string_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="JSON string"):
        parse_record(None)  # type: ignore[arg-type]
