"""The pre-traffic promotion gate against moto's SSM: with ``promotion.gates.preTraffic: required`` a promotion
goes only when the pre-traffic record says the command succeeded for the deployed green version.

The record is what functions/pre_traffic writes (``{"version", "status", "exitCode", "command", ...}``), read
through the stage record's ``preTrafficParameter`` exactly as ``make promote`` reads it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest

from cutover.gates import Parameters, Verdict, evaluate, pre_traffic_gate, read_evidence
from cutover.naming import Namer
from tests.unit import test_gates
from tests.unit.test_gates import CFG, STAGES, VERSION, Aws

NAMER = Namer("yoga", "prod")
RECORD = NAMER.path("promotion", "pretraffic")
REQUIRED = replace(CFG, pre_traffic_required=True)
MIGRATE = ["python", "manage.py", "migrate"]
aws = test_gates.aws  # the same moto fixture: credentials for the region, mock_aws around the test


def deploy_with_task(aws: Aws, record: dict[str, Any] | None) -> Any:
    """Stage 0 deployed (only the first-stage gates apply), its targets naming the pre-traffic record."""
    start = aws.deploy(0)
    name = NAMER.path("promotion", "targets")
    targets = json.loads(aws.ssm.get_parameter(Name=name)["Parameter"]["Value"])
    targets |= {"preTrafficParameter": RECORD, "preTrafficRequired": True}
    aws.ssm.put_parameter(Name=name, Value=json.dumps(targets), Type="String", Overwrite=True)
    if record is not None:
        aws.ssm.put_parameter(Name=RECORD, Value=json.dumps(record), Type="String", Overwrite=True)
    return start + timedelta(minutes=5)


def gates_of(report: Any) -> dict[str, Any]:
    return {g.name: g for g in report.gates}


def test_a_successful_run_for_the_deployed_version_passes(aws: Aws) -> None:
    now = deploy_with_task(aws, {"version": VERSION, "status": "succeeded", "exitCode": 0, "command": MIGRATE,
                                 "finishedAt": "2026-01-01T00:00:00Z"})
    report = evaluate(REQUIRED, STAGES, 0, "", read_evidence(aws.ssm, Parameters.of(NAMER)), aws.cw, now)
    gate = gates_of(report)["pre-traffic"]
    assert gate.verdict is Verdict.PASS
    assert gate.detail == f"python manage.py migrate succeeded for {VERSION} at 2026-01-01T00:00:00Z"
    assert report.go


@pytest.mark.parametrize(("record", "expected"), [
    (None, f"no pre-traffic run recorded for {VERSION}"),
    ({"version": "", "status": "pending"}, f"no pre-traffic run recorded for {VERSION}"),
    ({"version": "blog:6,auth:3", "status": "succeeded", "exitCode": 0, "command": MIGRATE},
     f"the last pre-traffic run was for blog:6,auth:3, not the deployed version {VERSION}"),
    ({"version": VERSION, "status": "failed", "exitCode": 1, "command": MIGRATE, "finishedAt": "t",
      "detail": "no such table"}, "pre-traffic python manage.py migrate failed (exit code 1) at t: no such table"),
    ({"version": VERSION, "status": "timed-out", "exitCode": None, "command": MIGRATE, "finishedAt": "t"},
     "timed-out"),
])
def test_missing_failed_or_stale_runs_refuse(aws: Aws, record: dict[str, Any] | None, expected: str) -> None:
    now = deploy_with_task(aws, record)
    report = evaluate(REQUIRED, STAGES, 0, "", read_evidence(aws.ssm, Parameters.of(NAMER)), aws.cw, now)
    gate = gates_of(report)["pre-traffic"]
    assert gate.verdict is Verdict.FAIL and expected in gate.detail
    assert not report.go


def test_not_required_means_no_gate(aws: Aws) -> None:
    now = deploy_with_task(aws, {"version": "old", "status": "failed", "command": MIGRATE})
    report = evaluate(CFG, STAGES, 0, "", read_evidence(aws.ssm, Parameters.of(NAMER)), aws.cw, now)
    assert "pre-traffic" not in gates_of(report)
    assert report.go


def test_required_but_the_stack_records_no_task_refuses() -> None:
    gate = pre_traffic_gate(None, VERSION, required=True, declared=False)
    assert gate is not None and gate.verdict is Verdict.FAIL
    assert "records no pre-traffic task" in gate.detail
    assert pre_traffic_gate(None, VERSION, required=False, declared=True) is None


def test_the_record_is_read_only_when_the_targets_name_it(aws: Aws) -> None:
    aws.deploy(0)
    boto3.client("ssm").put_parameter(Name=RECORD, Value=json.dumps({"version": VERSION, "status": "succeeded"}),
                                      Type="String")
    assert read_evidence(aws.ssm, Parameters.of(NAMER)).pre_traffic is None  # targets without preTrafficParameter
