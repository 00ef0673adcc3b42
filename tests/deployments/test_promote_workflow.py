""".github/workflows/promote.yml: scheduled, keyless, opens a pull request only when every gate passed,
and the pull request can change nothing but the stack file's weight."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from tests.deployments.test_workflow import PINNED, makefile_targets_and_vars, uses

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "promote.yml"
GO = "steps.gates.outcome == 'success'"


def load() -> dict[str, Any]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1: `on` parses as True
    return doc  # type: ignore[no-any-return]


def job() -> dict[str, Any]:
    jobs = load()["jobs"]
    assert set(jobs) == {"gates"}
    return jobs["gates"]  # type: ignore[no-any-return]


def test_runs_on_a_schedule_and_on_demand_only() -> None:
    doc = load()
    assert doc["on"] == {"schedule": [{"cron": "17 */6 * * *"}], "workflow_dispatch": {}}
    (cron,) = [c["cron"] for c in doc["on"]["schedule"]]
    assert len(cron.split()) == 5  # GitHub schedules use POSIX cron, 5 fields, UTC
    assert doc["permissions"] == {"contents": "read"}
    assert doc["concurrency"]["cancel-in-progress"] is False


def test_job_permissions_are_exactly_what_a_pull_request_needs() -> None:
    j = job()
    assert j["permissions"] == {"contents": "write", "pull-requests": "write", "id-token": "write"}
    assert j["strategy"]["matrix"]["stack"] == ["dev", "prod"]


def test_steps_in_order() -> None:
    steps = job()["steps"]
    names = [str(s.get("uses", s.get("run"))).split("@")[0] for s in steps]
    assert names == ["actions/checkout", "actions/setup-python", "make .venv/.installed",
                     "aws-actions/configure-aws-credentials",
                     "make promote-check STACK=${{ matrix.stack }} REPORT=promotion-evidence.md",
                     "make promote STACK=${{ matrix.stack }} ARGS=--no-plan", "peter-evans/create-pull-request"]
    gates = steps[4]
    assert gates["id"] == "gates" and gates["continue-on-error"] is True  # no-go is a report, not a red run
    assert "if" not in gates
    assert [s.get("if") for s in steps[5:]] == [GO, GO]  # nothing is edited or opened unless every gate passed


def test_pull_request_holds_only_the_stack_file_and_the_evidence() -> None:
    (pr,) = uses(job(), "peter-evans/create-pull-request")
    w = pr["with"]
    assert w["add-paths"] == "Pulumi.${{ matrix.stack }}.yaml"  # never promotions/ or anything else
    assert w["body-path"] == "promotion-evidence.md"  # the --report file of the gates step
    assert w["branch"] == "promote/${{ matrix.stack }}"


def test_reads_aws_with_a_read_only_oidc_role_and_no_keys() -> None:
    (aws,) = uses(job(), "aws-actions/configure-aws-credentials")
    assert set(aws["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
    assert aws["with"]["role-to-assume"] == (
        "${{ matrix.stack == 'prod' && vars.AWS_GATE_ROLE_ARN_PROD || vars.AWS_GATE_ROLE_ARN_DEV }}")
    text = WORKFLOW.read_text()
    for forbidden in ("aws-access-key-id", "AWS_SECRET_ACCESS_KEY", "AKIA", "PULUMI_ACCESS_TOKEN"):
        assert forbidden not in text


def test_actions_pinned_and_runs_are_makefile_targets() -> None:
    targets, variables = makefile_targets_and_vars()
    for step in job()["steps"]:
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
        if "run" in step:
            words = shlex.split(re.sub(r"\$\{\{[^}]*\}\}", "X", step["run"]))
            assert words[0] == "make"
            assert {w for w in words[1:] if "=" not in w} <= targets
            assert {w.split("=", 1)[0] for w in words[1:] if "=" in w} <= variables
