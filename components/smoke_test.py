"""Pre-traffic smoke test: after every deployment of green, a Lambda (``functions/smoke``) runs the
profile's ``promotion.smokeTests`` against green's own endpoint and records the result for that
version in ``/<app>/<stack>/promotion/smoke``.

"After every deployment" is an ``aws.lambda_.Invocation`` (lifecycle scope ``CREATE_ONLY``: it
invokes on creation and replacement) whose ``input`` holds green's version id and the checks; the
provider replaces an invocation whose input changes, so each new green version, and each change of
the checks, runs the Lambda once more. A weight change alone does not: the version did not change.

The role allows exactly what the handler calls: ``ssm:PutParameter`` on the result parameter and,
for the alias kind (the new version has no URL of its own), ``lambda:InvokeFunction`` on green's
published versions; plus, from the Lambda building block, its own log stream and X-Ray.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.specs.environment import EnvironmentSettings
from components.specs.promotion import SmokeCheck
from cutover import iam
from cutover.naming import Kind, Namer

RUNTIME = "python3.12"
CODE_PATH = "functions/smoke"
PENDING_VALUE = json.dumps({"version": "", "passed": False, "checks": []})  # before the first run
TIMEOUT_SECONDS = 120  # 10 checks of at most 10 s each (functions/smoke TIMEOUT_SECONDS), per function


@dataclass(frozen=True)
class SmokeTestArgs:
    namer: Namer
    env: EnvironmentSettings
    checks: tuple[SmokeCheck, ...]
    green_version: pulumi.Input[str]
    base_url: pulumi.Input[str] | None = None  # green's own endpoint, or
    functions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # service -> qualified version ARN
    code_path: str = CODE_PATH


class SmokeTest(pulumi.ComponentResource):
    function: aws.lambda_.Function
    role: aws.iam.Role
    result_parameter: aws.ssm.Parameter
    result_parameter_name: str
    invocation: aws.lambda_.Invocation

    def __init__(self, name: str, args: SmokeTestArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:promotion:SmokeTest", name, None, opts)
        if (args.base_url is None) == (not args.functions):
            raise ValueError("smoke test: give green's base URL or (alias kind) its function versions, not both")
        namer = args.namer
        self.result_parameter_name = namer.path("promotion", "smoke")
        # The Lambda owns the value after creation (as the rollback record): the program never resets it.
        self.result_parameter = aws.ssm.Parameter(
            f"{name}-result", name=self.result_parameter_name, type="String", value=PENDING_VALUE,
            description="last pre-traffic smoke test of green, per deployed version (functions/smoke)",
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"]))
        fn_name = namer.name(Kind.LAMBDA_FUNCTION, "smoke")
        versions = [pulumi.Output.from_input(args.functions[k]) for k in sorted(args.functions)]
        # Invoked synchronously by the deployment (aws.lambda_.Invocation): no failure destination.
        lam = LambdaFunction(f"{name}-fn", LambdaFunctionArgs(
            function_name=fn_name, role_name=namer.name(Kind.IAM_ROLE, "smoke"),
            role_description=f"Lambda {fn_name}: pre-traffic checks of green, record the result",
            code=pulumi.FileArchive(args.code_path), runtime=RUNTIME, memory_mb=128, timeout_seconds=TIMEOUT_SECONDS,
            log_retention_days=args.env.log_retention_days,
            environment={"RESULT_PARAMETER": self.result_parameter_name},
            statements=pulumi.Output.all(self.result_parameter.arn, *versions).apply(
                lambda v: smoke_statements(v[0], v[1:])),
            description=f"{namer.prefix} pre-traffic smoke test of green"), parent=self)
        self.function, self.role = lam.function, lam.role
        # No alarm of its own: a failing run fails the deployment (the Invocation) and the gate reads its
        # recorded result (cutover/gates.py).
        checks = [c.as_dict() for c in args.checks]
        payload = pulumi.Output.all(
            pulumi.Output.from_input(args.green_version), pulumi.Output.from_input(args.base_url),
            *versions).apply(lambda v: json.dumps({
                "version": v[0], **({"baseUrl": v[1]} if v[1] is not None else {}),
                **({"functions": dict(zip(sorted(args.functions), v[2:], strict=True))} if args.functions else {}),
                "checks": checks}, sort_keys=True))
        self.invocation = aws.lambda_.Invocation(
            f"{name}-run", function_name=self.function.name, input=payload, lifecycle_scope="CREATE_ONLY",
            triggers={"version": pulumi.Output.from_input(args.green_version)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.result_parameter]))
        self.register_outputs({"function": self.function.name, "resultParameter": self.result_parameter_name})



def smoke_statements(parameter_arn: str, versions: list[str]) -> list[dict[str, Any]]:
    """Exactly the handler's calls (functions/smoke/handler.py docstring); logs and X-Ray: LambdaFunction."""
    stmts = [iam.statement(["ssm:PutParameter"], parameter_arn, sid="WriteSmokeResult")]
    if versions:
        # Invoke authorizes against the qualified ARN when FunctionName carries the version.
        stmts.append(iam.statement(["lambda:InvokeFunction"], sorted(versions), sid="InvokeGreenVersions"))
    return stmts
