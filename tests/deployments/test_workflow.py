""".github/workflows/cutover.yml: valid, complete, keyless, and every `run:` is a real Makefile target."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "cutover.yml"
PROFILES = ["pos-serverless", "tracetrack-ecs", "yoga-serverless", "waiterix-serverless", "persona-serverless",
            "django-serverless", "rails-ecs"]
STACKS = ["dev", "prod"]
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def load() -> dict[str, Any]:
    # PyYAML follows YAML 1.1, where the key `on` parses as True.
    doc = yaml.safe_load(WORKFLOW.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc  # type: ignore[no-any-return]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).split("@")[0] == action]


def makefile_targets_and_vars() -> tuple[set[str], set[str]]:
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)[ \t]*[?:]?=[ \t]*(.*?)[ \t]*$", text, re.M))
    targets: set[str] = set()
    for line in text.splitlines():
        m = re.match(r"^([^\s#:=][^:=]*):(?!=)", line)
        if m and not line.startswith("."):
            for t in m.group(1).split():
                targets.add(re.sub(r"\$\((\w+)\)", lambda v: variables.get(v.group(1), ""), t))
    return targets, set(variables)


def test_triggers_and_jobs() -> None:
    doc = load()
    assert doc["on"] == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}
    assert set(doc["jobs"]) == {"test", "plan", "preview", "up-dev", "up-prod"}
    assert doc["permissions"] == {"contents": "read"}
    jobs = doc["jobs"]
    assert jobs["preview"]["if"] == "github.event_name == 'pull_request'"
    for job in ("up-dev", "up-prod"):
        assert jobs[job]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
        assert jobs[job]["concurrency"]["cancel-in-progress"] is False
    assert jobs["up-dev"]["needs"] == ["test", "plan"]
    assert jobs["preview"]["needs"] == ["test", "plan"]


def test_plan_matrix_covers_every_profile_and_stack() -> None:
    job = load()["jobs"]["plan"]
    matrix = job["strategy"]["matrix"]
    pairs = {(p, s) for p in matrix["profile"] for s in matrix["stack"]}
    assert pairs == {(p, s) for p in PROFILES for s in STACKS}
    assert len(pairs) == 2 * len(PROFILES)
    assert matrix["profile"] == PROFILES  # the same files as profiles/
    assert sorted(p.stem for p in (ROOT / "profiles").glob("*.yaml")) == sorted(PROFILES)
    assert [s["run"] for s in steps(job) if "run" in s] == [
        "make plan STACK=${{ matrix.stack }} PROFILE=${{ matrix.profile }}"]


def test_prod_up_waits_for_the_production_environment_after_dev() -> None:
    jobs = load()["jobs"]
    prod = jobs["up-prod"]
    assert prod["environment"] == "production"
    assert prod["needs"] == ["up-dev"]
    assert "environment" not in jobs["up-dev"]
    (up,) = uses(prod, "pulumi/actions")
    assert up["with"]["command"] == "up"
    assert up["with"]["stack-name"] == "${{ vars.PULUMI_ORG }}/cutover/prod"


@pytest.mark.parametrize(("job", "stack_expr"), [
    ("preview", "${{ matrix.stack }}"), ("up-dev", "dev"), ("up-prod", "prod")])
def test_pulumi_runs_with_policy_pack_and_oidc(job: str, stack_expr: str) -> None:
    j = load()["jobs"][job]
    assert j["permissions"]["id-token"] == "write"
    (pulumi_step,) = uses(j, "pulumi/actions")
    w = pulumi_step["with"]
    assert w["command"] == ("preview" if job == "preview" else "up")
    assert w["policyPacks"] == "policy"
    assert w["policyPackConfigs"] == f"policy/{stack_expr}.json"
    (aws,) = uses(j, "aws-actions/configure-aws-credentials")
    assert set(aws["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
    assert "AWS_ROLE_ARN" in aws["with"]["role-to-assume"]
    (auth,) = uses(j, "pulumi/auth-actions")
    assert auth["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:organization"
    names = [str(s.get("uses", s.get("run"))).split("@")[0] for s in steps(j)]
    assert names.index("aws-actions/configure-aws-credentials") < names.index("pulumi/actions")
    assert names.index("make .venv/.installed") < names.index("pulumi/actions")


def test_preview_matrix_uses_each_stacks_role() -> None:
    j = load()["jobs"]["preview"]
    assert j["strategy"]["matrix"]["stack"] == STACKS
    (aws,) = uses(j, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == (
        "${{ matrix.stack == 'prod' && vars.AWS_ROLE_ARN_PROD || vars.AWS_ROLE_ARN_DEV }}")
    assert j["permissions"]["pull-requests"] == "write"


def test_no_long_lived_aws_keys_anywhere() -> None:
    text = WORKFLOW.read_text()
    for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID",
                      "AWS_SECRET_ACCESS_KEY", "AKIA", "PULUMI_ACCESS_TOKEN"):
        assert forbidden not in text


def test_every_action_is_pinned() -> None:
    for name, job in load()["jobs"].items():
        for step in steps(job):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{name}: {step['uses']} is not pinned to a version"


def test_every_run_is_a_makefile_target() -> None:
    targets, variables = makefile_targets_and_vars()
    runs = [s["run"] for job in load()["jobs"].values() for s in steps(job) if "run" in s]
    assert runs
    for run in runs:
        for command in re.split(r"\n|&&", run.strip()):
            words = shlex.split(re.sub(r"\$\{\{[^}]*\}\}", "X", command))
            assert words[0] == "make", run
            goals = [w for w in words[1:] if "=" not in w]
            assigned = [w.split("=", 1)[0] for w in words[1:] if "=" in w]
            assert goals and set(goals) <= targets, f"{run}: {goals} not in Makefile targets"
            assert set(assigned) <= variables, f"{run}: {assigned} are not Makefile variables"
