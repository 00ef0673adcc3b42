"""The program reads the rollback record before registering anything: an automatic rollback stays
in force until an operator acknowledges it, for every front door kind."""

from __future__ import annotations

import json

import pytest

from cutover.plan.engine import ProgramError, run_program
from cutover.plan.project import load_stack

RECORD = {"state": "rolled-back", "id": "3f2a9c0d1e2f3a4b5c6d7e8f90a1b2c3", "at": "2026-11-23T02:00:00Z",
          "alarm": "yoga-prod-rollback", "reason": "Threshold Crossed", "frontDoor": "alb", "previousGreenShare": 25}
PARAM = {"yoga-serverless": "/yoga/prod/rollback/record", "tracetrack-ecs": "/tracetrack/prod/rollback/record",
         "waiterix-serverless": "/waiterix/prod/rollback/record"}
EXTRA = {"waiterix-serverless": ("overrides.traffic.stableVersions.api=7",)}


def plan(profile: str, *sets: str, record: dict[str, object] | str | None = RECORD) -> object:
    params = {} if record is None else {PARAM[profile]: record if isinstance(record, str) else json.dumps(record)}
    return run_program(load_stack("prod", sets=[f"profile={profile}", *EXTRA.get(profile, ()), *sets]),
                       ssm_parameters=params)


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


def test_a_corrupt_record_says_how_to_reset_it() -> None:
    with pytest.raises(ProgramError) as err:
        plan("yoga-serverless", "greenWeight=5", record="not json")
    assert "aws ssm put-parameter --overwrite --name /yoga/prod/rollback/record" in str(err.value)
