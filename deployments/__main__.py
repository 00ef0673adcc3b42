"""Pulumi Deployments for project `cutover`, as code (pulumi-pulumiservice 1.5.0).

One small program, separate from the platform, run by whoever administers the Pulumi organization:

- ``DeploymentSettings`` for ``dev`` (``pulumi up`` on every push to the branch, previews on pull
  requests), ``prod`` (previews on pull requests; never deployed by a push: a person starts the
  deployment from the branch, see docs/deployment.md) and ``pr`` (the review-stack template: every
  pull request gets a ``pr-*`` stack, destroyed and deleted when the pull request closes).
  Every stack reaches AWS through OIDC (a role per stack, no keys) and runs the offline
  cutover-guard gate of the commit being deployed before the Pulumi operation starts.
- ``PolicyGroup`` per long-lived stack: Pulumi Cloud enforces the published cutover-guard pack, with
  the same ``policy/<stack>.json`` the CLI's ``--policy-pack-config`` reads, on every preview and
  update of dev and prod, whoever starts it (Deployments, GitHub Actions or a laptop).
- ``ApprovalRule`` on the prod ESC environment ``cutover/aws-prod``: in 1.5.0 approval rules govern
  ESC environment changes (``targetActionTypes: [update]``), not stack deployments, so prod's
  credentials and ``pulumiConfig`` cannot change without a second person.
- ``Stack`` ``pr``: the template must exist before review stacks can copy it.
- ``DriftSchedule`` for dev and prod (``driftScheduleCron``): a refresh-preview through the stack's
  deployment settings, so a weight changed outside the stack (by hand, or by the rollback Lambda)
  is reported. Never ``autoRemediate``: remediating would run ``pulumi up`` and put back a weight the
  rollback Lambda took away (the program's rollback guard refuses that update anyway).

ESC: ``DeploymentSettings`` has no environment field in 1.5.0. The stack files import
``cutover/aws-<stack>`` (``environment:`` in Pulumi.<stack>.yaml), and the CLI inside the deployment
opens it for the Pulumi operation (not for pre-run commands).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_pulumiservice as ps

PROJECT = "cutover"  # the platform project whose stacks these settings drive
HERE = Path(__file__).resolve().parent
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
REPOSITORY = re.compile(r"^[\w.-]+/[\w.-]+$")
ENFORCEMENT = ("preventative", "audit")
# Standard 5-field cron (minute hour day-of-month month day-of-week), what Pulumi Cloud schedules take.
CRON = re.compile(r"^\s*(\S+\s+){4}\S+\s*$")
DRIFT_STACKS = ("dev", "prod")
# What can change what a stack deploys. Docs, tests and deployments/ never trigger a deployment.
WATCHED = ("__main__.py", "Pulumi.yaml", "requirements.txt",
           "components/**", "cutover/**", "functions/**", "policy/**", "profiles/**")


@dataclass(frozen=True)
class Settings:
    organization: str
    repository: str
    branch: str
    role_arn_dev: str
    role_arn_prod: str
    policy_pack: str
    policy_pack_version: str
    enforcement: str
    policy_config_dir: Path
    approver_team: str
    prod_approvals: int
    drift_schedule_cron: str = "0 */4 * * *"


@dataclass(frozen=True)
class StackPlan:
    stack: str
    deploy_commits: bool          # `pulumi up` on every push to the branch
    preview_pull_requests: bool   # `pulumi preview` on every pull request into the branch
    pull_request_template: bool   # review stacks copy this stack's settings and config
    role_arn: str
    policy_stack: str             # Pulumi.<x>.yaml and policy/<x>.json the pre-run gate plans with
    delete_after_destroy: bool    # remove the stack itself once destroyed (review stacks)


def _fail(key: str, problem: str) -> pulumi.RunError:
    return pulumi.RunError(f"configuration error: cutover-deployments:{key}: {problem}")


def load_settings(config: pulumi.Config) -> Settings:
    """Read and validate every key once; a bad value names the key and what is allowed."""
    repository = config.require("repository")
    if not REPOSITORY.match(repository):
        raise _fail("repository", f"{repository!r} is not owner/name")
    branch = (config.get("branch") or "main").removeprefix("refs/heads/")
    roles = {key: config.require(key) for key in ("awsRoleArnDev", "awsRoleArnProd")}
    for key, arn in roles.items():
        if not ROLE_ARN.match(arn):
            raise _fail(key, f"{arn!r} is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)")
    enforcement = config.get("policyEnforcement") or "preventative"
    if enforcement not in ENFORCEMENT:
        raise _fail("policyEnforcement", f"unknown value {enforcement!r} (allowed: {' | '.join(ENFORCEMENT)})")
    approvals = config.get_int("prodApprovals")
    approvals = 1 if approvals is None else approvals
    if approvals < 1:
        raise _fail("prodApprovals", f"{approvals} approvals would let prod change unreviewed (allowed: 1 or more)")
    drift_cron = config.get("driftScheduleCron") or "0 */4 * * *"
    if not CRON.match(drift_cron):
        raise _fail("driftScheduleCron", f"{drift_cron!r} is not a 5-field cron expression (e.g. 0 */4 * * *)")
    return Settings(
        drift_schedule_cron=drift_cron,
        organization=config.require("organization"),
        repository=repository,
        branch=branch,
        role_arn_dev=roles["awsRoleArnDev"],
        role_arn_prod=roles["awsRoleArnProd"],
        policy_pack=config.get("policyPack") or "cutover-guard",
        policy_pack_version=config.get("policyPackVersion") or "",
        enforcement=enforcement,
        policy_config_dir=(HERE / (config.get("policyConfigDir") or "../policy")).resolve(),
        approver_team=config.get("approverTeam") or "cutover-approvers",
        prod_approvals=approvals,
    )


def stack_plans(s: Settings) -> dict[str, StackPlan]:
    return {
        "dev": StackPlan("dev", deploy_commits=True, preview_pull_requests=True, pull_request_template=False,
                         role_arn=s.role_arn_dev, policy_stack="dev", delete_after_destroy=False),
        "prod": StackPlan("prod", deploy_commits=False, preview_pull_requests=True, pull_request_template=False,
                          role_arn=s.role_arn_prod, policy_stack="prod", delete_after_destroy=False),
        # Review stacks get the dev shape (Pulumi.yaml defaults: environment dev) and dev's role.
        "pr": StackPlan("pr", deploy_commits=False, preview_pull_requests=False, pull_request_template=True,
                        role_arn=s.role_arn_dev, policy_stack="dev", delete_after_destroy=True),
    }


def pre_run_commands(plan: StackPlan) -> list[str]:
    """The offline cutover-guard gate on the commit being deployed: exit 1 on a mandatory violation
    stops the deployment before any credentials are used. ESC is not open during pre-run commands,
    so the gate is the credential-free offline plan; the policy group enforces the published pack on
    the Pulumi operation itself."""
    return [f'make plan STACK={plan.policy_stack} ARGS="--no-tree --no-cost"']


def settings_args(s: Settings, plan: StackPlan) -> dict[str, Any]:
    """Keyword arguments of the stack's ``ps.DeploymentSettings`` (pure: no resource is created)."""
    options = ps.OperationContextOptionsArgs(delete_after_destroy=True) if plan.delete_after_destroy else None
    return {
        "organization": s.organization,
        "project": PROJECT,
        "stack": plan.stack,
        "github": ps.DeploymentSettingsGithubArgs(
            repository=s.repository,
            deploy_commits=plan.deploy_commits,
            preview_pull_requests=plan.preview_pull_requests,
            pull_request_template=plan.pull_request_template,
            paths=[*WATCHED, f"Pulumi.{plan.stack}.yaml"],
        ),
        "source_context": ps.DeploymentSettingsSourceContextArgs(
            git=ps.DeploymentSettingsGitSourceArgs(branch=f"refs/heads/{s.branch}"),
        ),
        "operation_context": ps.DeploymentSettingsOperationContextArgs(
            environment_variables={"CI": "true"},
            oidc=ps.OperationContextOIDCArgs(aws=ps.AWSOIDCConfigurationArgs(
                role_arn=plan.role_arn,
                session_name=f"pulumi-deployments-{PROJECT}-{plan.stack}",
            )),
            options=options,
            pre_run_commands=pre_run_commands(plan),
        ),
    }


def policy_config(s: Settings, stack: str) -> dict[str, Any]:
    """``policy/<stack>.json``: the enforcement levels ``--policy-pack-config`` gives the CLI."""
    path = s.policy_config_dir / f"{stack}.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise _fail("policyConfigDir", f"{path} does not exist (expected policy/<stack>.json)") from None
    except json.JSONDecodeError as exc:
        raise _fail("policyConfigDir", f"{path} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _fail("policyConfigDir", f"{path} must hold a JSON object")
    return doc


def main() -> None:
    s = load_settings(pulumi.Config())
    plans = stack_plans(s)

    # The review-stack template must exist before its settings; dev and prod are created by
    # `pulumi stack init` (docs/infrastructure-setup.md) and hold real infrastructure.
    template = ps.Stack("stack-pr", organization_name=s.organization, project_name=PROJECT, stack_name="pr")

    settings: dict[str, ps.DeploymentSettings] = {}
    for name, plan in plans.items():
        opts = pulumi.ResourceOptions(depends_on=[template]) if plan.pull_request_template else None
        settings[name] = ps.DeploymentSettings(f"settings-{name}", opts=opts, **settings_args(s, plan))

    groups: dict[str, ps.PolicyGroup] = {}
    for name in ("dev", "prod"):
        groups[name] = ps.PolicyGroup(
            f"policy-{name}",
            name=f"{PROJECT}-{name}",
            organization_name=s.organization,
            entity_type="stacks",
            mode=s.enforcement,
            policy_packs=[ps.PolicyGroupPolicyPackReferenceInputArgs(
                name=s.policy_pack,
                version_tag=s.policy_pack_version or None,
                config=policy_config(s, name),
            )],
            stacks=[ps.PolicyGroupStackReferenceArgs(name=name, routing_project=PROJECT)],
        )

    approval = ps.ApprovalRule(
        "prod-environment-approval",
        name=f"{PROJECT}-aws-prod-changes",
        enabled=True,
        environment_identifier=ps.EnvironmentIdentifierArgs(
            organization=s.organization, project=PROJECT, name="aws-prod"),
        target_action_types=[ps.TargetActionType.UPDATE],
        approval_rule_config=ps.ApprovalRuleConfigArgs(
            allow_self_approval=False,
            eligible_approvers=[ps.EligibleApproverArgs(team_name=s.approver_team)],
            num_approvals_required=s.prod_approvals,
            require_reapproval_on_change=True,
        ),
    )

    # Drift runs use the stack's deployment settings (source, OIDC role): created after them.
    drift = {name: ps.DriftSchedule(f"drift-{name}", organization=s.organization, project=PROJECT, stack=name,
                                    schedule_cron=s.drift_schedule_cron, auto_remediate=False,
                                    opts=pulumi.ResourceOptions(depends_on=[settings[name]]))
             for name in DRIFT_STACKS}

    pulumi.export("deploymentSettings", {name: ds.id for name, ds in settings.items()})
    pulumi.export("policyGroups", {name: g.id for name, g in groups.items()})
    pulumi.export("prodApprovalRule", approval.id)
    pulumi.export("reviewStackTemplate", template.id)
    pulumi.export("driftSchedules", {name: d.id for name, d in drift.items()})


main()
