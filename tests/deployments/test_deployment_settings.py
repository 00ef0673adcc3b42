"""deployments/: the Deployments-as-code program, run under fresh mocks, checked input by input.

Given the example stack file's configuration, when the program runs, then every registration is
recorded with the engine's (camelCase) property names and compared exactly.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "deployments" / "__main__.py"
EXAMPLE = ROOT / "deployments" / "Pulumi.cutover-deployments.yaml"
NS = "cutover-deployments"
DEV_ROLE = "arn:aws:iam::111111111111:role/cutover-dev-deployer"
PROD_ROLE = "arn:aws:iam::222222222222:role/cutover-prod-deployer"
POLICY = {
    "dev": {"all": "advisory"},
    "prod": {"all": "mandatory", "budget-within-limit": {"enforcementLevel": "mandatory"}},
}
WATCHED = ["__main__.py", "Pulumi.yaml", "requirements.txt",
           "components/**", "cutover/**", "functions/**", "policy/**", "profiles/**"]


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[Registered] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        raise NotImplementedError(f"unplanned invoke {args.token}")


@dataclass
class Run:
    resources: list[Registered]
    outputs: dict[str, Any]

    def one(self, typ: str, name: str) -> dict[str, Any]:
        found = [r for r in self.resources if r.typ == typ and r.name == name]
        assert len(found) == 1, f"{typ} {name}: {len(found)} registrations"
        return found[0].inputs

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]


def example_config() -> dict[str, str]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    return {k: str(v) for k, v in doc["config"].items()}


def run(config: dict[str, str], policy_dir: Path) -> Run:
    mocks = RecordingMocks()
    set_all_config({**config, f"{NS}:policyConfigDir": str(policy_dir)}, [])
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=NS, stack="cutover-deployments", preview=False)

    def program() -> None:
        runpy.run_path(str(PROGRAM), run_name="__main__")

    _sync_await(run_pulumi_func(program))
    root = runtime_settings.get_root_resource()
    outputs = {k: _sync_await(pulumi.Output.from_input(v).future())
               for k, v in (getattr(root, "outputs", None) or {}).items()}
    return Run(mocks.resources, outputs)


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    for stack, doc in POLICY.items():
        (tmp_path / f"{stack}.json").write_text(json.dumps(doc))
    return tmp_path


@pytest.fixture
def planned(policy_dir: Path) -> Iterator[Run]:
    yield run(example_config(), policy_dir)


def settings(r: Run, stack: str) -> dict[str, Any]:
    return r.one("pulumiservice:index:DeploymentSettings", f"settings-{stack}")


def test_exact_resource_inventory(planned: Run) -> None:
    assert sorted((r.typ, r.name) for r in planned.resources) == [
        ("pulumiservice:index:ApprovalRule", "prod-environment-approval"),
        ("pulumiservice:index:DeploymentSettings", "settings-dev"),
        ("pulumiservice:index:DeploymentSettings", "settings-pr"),
        ("pulumiservice:index:DeploymentSettings", "settings-prod"),
        ("pulumiservice:index:DriftSchedule", "drift-dev"),
        ("pulumiservice:index:DriftSchedule", "drift-prod"),
        ("pulumiservice:index:PolicyGroup", "policy-dev"),
        ("pulumiservice:index:PolicyGroup", "policy-prod"),
        ("pulumiservice:index:Stack", "stack-pr"),
    ]


def test_dev_deploys_every_push_to_main(planned: Run) -> None:
    dev = settings(planned, "dev")
    assert (dev["organization"], dev["project"], dev["stack"]) == ("acme", "cutover", "dev")
    assert dev["github"] == {
        "repository": "acme/cutover", "deployCommits": True, "previewPullRequests": True,
        "pullRequestTemplate": False, "paths": [*WATCHED, "Pulumi.dev.yaml"],
    }
    assert dev["sourceContext"] == {"git": {"branch": "refs/heads/main"}}


def test_prod_previews_pull_requests_and_is_never_deployed_by_a_push(planned: Run) -> None:
    prod = settings(planned, "prod")
    assert prod["github"] == {
        "repository": "acme/cutover", "deployCommits": False, "previewPullRequests": True,
        "pullRequestTemplate": False, "paths": [*WATCHED, "Pulumi.prod.yaml"],
    }
    assert prod["sourceContext"] == {"git": {"branch": "refs/heads/main"}}


def test_prod_environment_changes_need_approval_from_someone_else(planned: Run) -> None:
    rule = planned.one("pulumiservice:index:ApprovalRule", "prod-environment-approval")
    assert rule == {
        "name": "cutover-aws-prod-changes",
        "enabled": True,
        "environmentIdentifier": {"organization": "acme", "project": "cutover", "name": "aws-prod"},
        "targetActionTypes": ["update"],
        "approvalRuleConfig": {
            "allowSelfApproval": False,
            "eligibleApprovers": [{"teamName": "cutover-approvers"}],
            "numApprovalsRequired": 2,
            "requireReapprovalOnChange": True,
        },
    }


def test_pr_template_creates_review_stacks_and_deletes_them_after_destroy(planned: Run) -> None:
    assert planned.one("pulumiservice:index:Stack", "stack-pr") == {
        "organizationName": "acme", "projectName": "cutover", "stackName": "pr"}
    pr = settings(planned, "pr")
    assert pr["stack"] == "pr"
    assert pr["github"] == {
        "repository": "acme/cutover", "deployCommits": False, "previewPullRequests": False,
        "pullRequestTemplate": True, "paths": [*WATCHED, "Pulumi.pr.yaml"],
    }
    assert pr["operationContext"]["options"] == {"deleteAfterDestroy": True}
    for stack in ("dev", "prod"):
        assert "options" not in settings(planned, stack)["operationContext"]


@pytest.mark.parametrize(("stack", "role"), [("dev", DEV_ROLE), ("prod", PROD_ROLE), ("pr", DEV_ROLE)])
def test_oidc_role_per_stack_and_no_keys(planned: Run, stack: str, role: str) -> None:
    op = settings(planned, stack)["operationContext"]
    assert op["oidc"] == {"aws": {"roleARN": role, "sessionName": f"pulumi-deployments-cutover-{stack}"}}
    assert op["environmentVariables"] == {"CI": "true"}
    text = json.dumps(settings(planned, stack))
    for forbidden in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AKIA"):
        assert forbidden not in text


@pytest.mark.parametrize(("stack", "policy_stack"), [("dev", "dev"), ("prod", "prod"), ("pr", "dev")])
def test_pre_run_gate_plans_the_commit_with_the_stacks_policy_config(
        planned: Run, stack: str, policy_stack: str) -> None:
    assert settings(planned, stack)["operationContext"]["preRunCommands"] == [
        f'make plan STACK={policy_stack} ARGS="--no-tree --no-cost"']
    makefile = (ROOT / "Makefile").read_text()
    assert "\nplan:" in makefile and "$(ARGS)" in makefile


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_policy_group_enforces_the_pack_with_the_clis_config_file(planned: Run, stack: str) -> None:
    assert planned.one("pulumiservice:index:PolicyGroup", f"policy-{stack}") == {
        "name": f"cutover-{stack}",
        "organizationName": "acme",
        "entityType": "stacks",
        "mode": "preventative",
        "policyPacks": [{"name": "cutover-guard", "config": POLICY[stack]}],
        "stacks": [{"name": stack, "routingProject": "cutover"}],
    }


def test_exports_every_settings_id(planned: Run) -> None:
    assert planned.outputs == {
        "deploymentSettings": {"dev": "settings-dev-id", "prod": "settings-prod-id", "pr": "settings-pr-id"},
        "policyGroups": {"dev": "policy-dev-id", "prod": "policy-prod-id"},
        "prodApprovalRule": "prod-environment-approval-id",
        "reviewStackTemplate": "stack-pr-id",
        "driftSchedules": {"dev": "drift-dev-id", "prod": "drift-prod-id"},
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_drift_detection_reports_and_never_remediates(planned: Run, stack: str) -> None:
    # Remediation would run `pulumi up` and restore a weight the rollback Lambda lowered: report only.
    assert planned.one("pulumiservice:index:DriftSchedule", f"drift-{stack}") == {
        "organization": "acme", "project": "cutover", "stack": stack, "scheduleCron": "0 */4 * * *",
        "autoRemediate": False}


def test_no_drift_schedule_on_review_stacks(planned: Run) -> None:
    assert sorted(r.name for r in planned.of_type("pulumiservice:index:DriftSchedule")) == ["drift-dev", "drift-prod"]


def test_drift_schedule_cron_is_configurable_and_checked(policy_dir: Path) -> None:
    r = run({**example_config(), f"{NS}:driftScheduleCron": "*/30 * * * *"}, policy_dir)
    assert r.one("pulumiservice:index:DriftSchedule", "drift-prod")["scheduleCron"] == "*/30 * * * *"
    with pytest.raises(pulumi.RunError, match=r"driftScheduleCron: 'hourly' is not a 5-field cron expression"):
        run({**example_config(), f"{NS}:driftScheduleCron": "hourly"}, policy_dir)


def test_audit_mode_version_tag_and_branch(policy_dir: Path) -> None:
    cfg = {**example_config(), f"{NS}:policyEnforcement": "audit", f"{NS}:policyPackVersion": "1.4.0",
           f"{NS}:branch": "refs/heads/release"}
    r = run(cfg, policy_dir)
    group = r.one("pulumiservice:index:PolicyGroup", "policy-prod")
    assert group["mode"] == "audit"
    assert group["policyPacks"] == [{"name": "cutover-guard", "versionTag": "1.4.0", "config": POLICY["prod"]}]
    assert settings(r, "dev")["sourceContext"] == {"git": {"branch": "refs/heads/release"}}


@pytest.mark.parametrize(("key", "value", "message"), [
    ("awsRoleArnProd", "AKIAIOSFODNN7EXAMPLE", "awsRoleArnProd: 'AKIAIOSFODNN7EXAMPLE' is not an IAM role ARN"),
    ("repository", "cutover", "repository: 'cutover' is not owner/name"),
    ("policyEnforcement", "block", "policyEnforcement: unknown value 'block' (allowed: preventative | audit)"),
    ("prodApprovals", "0", "prodApprovals: 0 approvals would let prod change unreviewed"),
])
def test_bad_config_names_the_key(policy_dir: Path, key: str, value: str, message: str) -> None:
    with pytest.raises(pulumi.RunError, match=f"cutover-deployments:{message}".replace("(", r"\(")
                       .replace(")", r"\)").replace("|", r"\|")):
        run({**example_config(), f"{NS}:{key}": value}, policy_dir)


def test_missing_policy_config_fails_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(pulumi.RunError, match=r"policyConfigDir: .*dev\.json does not exist"):
        run(example_config(), tmp_path)


def test_config_schema_declares_every_key_the_program_reads() -> None:
    project = yaml.safe_load((ROOT / "deployments" / "Pulumi.yaml").read_text())
    assert project["name"] == NS
    declared = project["config"]
    assert {k for k, v in declared.items() if "default" not in v} == {
        "organization", "repository", "awsRoleArnDev", "awsRoleArnProd"}
    assert declared["branch"]["default"] == "main"
    assert declared["policyEnforcement"]["default"] == "preventative"
    assert all(v["type"] in ("string", "integer") and v["description"] for v in declared.values())
    used = {k.split(":", 1)[1] for k in example_config()}
    assert used <= set(declared)
