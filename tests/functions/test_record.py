"""The rollback record is a contract with the Pulumi program: round-trips, clear is None, garbage fails."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.rollback.record import CLEAR_VALUE, RollbackRecord, format_timestamp, parse_record, salvage_id

RECORD = RollbackRecord(id="3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3", at="2026-11-23T02:00:00Z", alarm="pos-prod-rollback",
                        reason="Threshold Crossed", front_door="alb", previous_green_share=25)


def test_clear_is_none() -> None:
    assert parse_record(CLEAR_VALUE) is None
    assert parse_record('{"state": "clear"}') is None


def test_schema() -> None:
    assert json.loads(RECORD.to_json()) == {
        "state": "rolled-back", "id": "3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3", "at": "2026-11-23T02:00:00Z",
        "alarm": "pos-prod-rollback", "reason": "Threshold Crossed", "frontDoor": "alb", "previousGreenShare": 25,
        "outcome": "complete", "rolledBack": [], "notRolledBack": [], "truncated": False}


def test_a_record_from_before_outcomes_parses_as_complete() -> None:
    old = {"state": "rolled-back", "id": RECORD.id, "at": RECORD.at, "alarm": RECORD.alarm, "reason": RECORD.reason,
           "frontDoor": "alb", "previousGreenShare": 25}
    assert parse_record(json.dumps(old)) == RECORD


def test_a_started_record_has_no_share_yet() -> None:
    started = replace(RECORD, previous_green_share=None, outcome="started")
    assert parse_record(started.to_json()) == started


# SSM PutParameter (botocore ssm model, PutParameterRequest.Value): a Standard value is at most 4 KB
# and may not contain {{ }} parameter references.
SSM_STANDARD_LIMIT = 4096


def assert_storable(value: str) -> None:
    assert len(value.encode("utf-8")) <= SSM_STANDARD_LIMIT
    assert "{{" not in value and "}}" not in value


def test_megabyte_inputs_are_capped_and_truncated() -> None:
    huge = RollbackRecord(
        id=RECORD.id, at=RECORD.at, alarm="\u00e9{{x}}" * 200_000, reason="\x00\"\\\u2603" * 300_000,
        front_door="alias", previous_green_share=40, outcome="partial",
        rolled_back=tuple(f"fn-{i}-" + "r" * 5000 for i in range(400)),
        not_rolled_back=tuple(f"fn-x{i}: AccessDenied " + "\u0394" * 20_000 for i in range(300)))
    value = huge.to_json()
    assert_storable(value)
    stored = parse_record(value)
    assert stored is not None and stored == huge.fitted() and stored.truncated
    assert (stored.id, stored.outcome, stored.previous_green_share) == (RECORD.id, "partial", 40)
    assert stored.rolled_back and stored.not_rolled_back  # both lists still say something
    more = [i for i in stored.rolled_back + stored.not_rolled_back if i.startswith("... and ")]
    hidden = sum(int(i.split()[2]) for i in more)
    shown = len(stored.rolled_back) + len(stored.not_rolled_back) - len(more)
    assert shown + hidden == 700  # every item is either shown (perhaps cut) or counted


def test_a_small_record_is_stored_as_is() -> None:
    assert RECORD.fitted() == RECORD and not RECORD.fitted().truncated


@settings(max_examples=40, deadline=None)
@given(alarm=st.text(max_size=3000), reason=st.text(max_size=20_000),
       items=st.lists(st.text(max_size=400), max_size=60), kind=st.sampled_from(["alb", "route53", "alias"]))
def test_any_record_fits_and_round_trips(alarm: str, reason: str, items: list[str], kind: str) -> None:
    record = RollbackRecord(id=RECORD.id, at=RECORD.at, alarm=alarm, reason=reason, front_door=kind,
                            previous_green_share=7, outcome="partial", rolled_back=tuple(items),
                            not_rolled_back=tuple(items[::-1]))
    value = record.to_json()
    assert_storable(value)
    assert parse_record(value) == record.fitted()
    assert record.fitted().truncated == (record.fitted() != record)


def test_salvage_id() -> None:
    assert salvage_id(json.dumps({"state": "rolled-back", "id": RECORD.id})) == RECORD.id
    assert salvage_id(json.dumps({"state": "rolled-back", "id": "NOT-HEX"})) is None
    assert salvage_id("garbage") is None and salvage_id("[]") is None


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
    (json.dumps({k: v for k, v in RECORD.to_dict().items() if k != "previousGreenShare"}), "previousGreenShare"),
    (json.dumps({**RECORD.to_dict(), "outcome": "rolled-forward"}), "outcome"),
    (json.dumps({**RECORD.to_dict(), "rolledBack": "default"}), "rolledBack"),
    (json.dumps({**RECORD.to_dict(), "truncated": "yes"}), "truncated"),
    (json.dumps({k: v for k, v in RECORD.to_dict().items() if k != "alarm"}), "missing 'alarm'"),
])
def test_garbage_is_a_clear_value_error(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_record(value)


def test_non_string_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="JSON string"):
        parse_record(None)  # type: ignore[arg-type]
