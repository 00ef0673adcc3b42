"""The program reads the rollback record before registering anything: an automatic rollback stays
in force until an operator acknowledges it, for every front door kind."""

from __future__ import annotations

import json

import pytest

from cutover.plan.engine import ProgramError
from cutover.plan.project import load_stack
from tests.conftest import plan_of

RECORD = {"state": "rolled-back", "id": "3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3", "at": "2026-11-23T02:00:00Z",
          "alarm": "yoga-prod-rollback", "reason": "Threshold Crossed", "frontDoor": "alb", "previousGreenShare": 25}
PARAM = {"yoga-serverless": "/yoga/prod/rollback/record", "tracetrack-ecs": "/tracetrack/prod/rollback/record",
         "waiterix-serverless": "/waiterix/prod/rollback/record"}
EXTRA = {"waiterix-serverless": ("overrides.traffic.stableVersions.api=7",)}


def plan(profile: str, *sets: str, record: dict[str, object] | str | None = RECORD) -> object:
    params = {} if record is None else {PARAM[profile]: record if isinstance(record, str) else json.dumps(record)}
    return plan_of(load_stack("prod", sets=[f"profile={profile}", *EXTRA.get(profile, ()), *sets]), params)


@pytest.mark.parametrize("profile", sorted(PARAM))
def test_a_recorded_rollback_refuses_any_green_weight_until_acknowledged(profile: str) -> None:
    with pytest.raises(ProgramError) as err:
        plan(profile, "greenWeight=50")
    message = str(err.value)
    assert "cutover:greenWeight" in message and RECORD["id"] in message
    assert f"pulumi config set cutover:rollbackAck {RECORD['id']}" in message
    plan(profile, "greenWeight=0")  # staying on blue is always allowed
    plan(profile, "greenWeight=50", f"rollbackAck={RECORD['id']}")  # acknowledged: promotion resumes


def test_an_old_acknowledgement_does_not_cover_a_new_rollback() -> None:
    with pytest.raises(ProgramError, match="rollbackAck"):
        plan("yoga-serverless", "greenWeight=5", "rollbackAck=0123456789abcdef0123456789abcdef")


def test_a_clear_record_or_none_allows_promotion() -> None:
    plan("yoga-serverless", "greenWeight=50", record={"state": "clear"})
    plan("yoga-serverless", "greenWeight=50", record=None)  # first deployment: no parameter yet


RESET = """aws ssm put-parameter --overwrite --name /yoga/prod/rollback/record --value '{"state": "clear"}'"""


@pytest.mark.parametrize("value", [
    "not json", "", "[]", '{"state": "rolled-back"}',  # cut short: no id to acknowledge
    json.dumps({**RECORD, "state": "rolling-back"}),
], ids=["not-json", "empty", "not-object", "no-id", "unknown-state"])
def test_an_unreadable_record_counts_as_rolled_back(value: str) -> None:
    """Only a valid clear record allows green traffic: anything else may hide a rollback."""
    with pytest.raises(ProgramError) as err:
        plan("yoga-serverless", "greenWeight=5", record=value)
    message = str(err.value)
    assert "cutover:greenWeight" in message and "/yoga/prod/rollback/record" in message
    assert RESET in message
    plan("yoga-serverless", "greenWeight=0", record=value)  # what the rollback left always deploys


def test_a_damaged_record_with_an_id_can_be_acknowledged() -> None:
    damaged = json.dumps({**RECORD, "previousGreenShare": "lots"})
    with pytest.raises(ProgramError, match=f"rollbackAck {RECORD['id']}"):
        plan("yoga-serverless", "greenWeight=5", record=damaged)
    plan("yoga-serverless", "greenWeight=5", f"rollbackAck={RECORD['id']}", record=damaged)


@pytest.mark.parametrize("outcome", ["started", "partial", "failed"])
def test_an_unfinished_rollback_is_refused_and_says_what_is_left(outcome: str) -> None:
    record = {**RECORD, "outcome": outcome, "previousGreenShare": None if outcome == "started" else 25,
              "rolledBack": ["default"] if outcome == "partial" else [],
              "notRolledBack": [] if outcome == "started" else ["rule 5: AccessDenied: denied"]}
    with pytest.raises(ProgramError) as err:
        plan("yoga-serverless", "greenWeight=25", record=record)
    message = str(err.value)
    assert f"The rollback is {outcome}" in message and RECORD["id"] in message
    if outcome != "started":
        assert "rule 5: AccessDenied" in message
    plan("yoga-serverless", "greenWeight=0", record=record)
    plan("yoga-serverless", "greenWeight=25", f"rollbackAck={RECORD['id']}", record=record)
