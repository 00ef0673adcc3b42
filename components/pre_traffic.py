"""Pre-traffic task: a one-off command (schema migrations) green runs before it takes traffic, once per
deployed version, run by the deployment and recorded in ``/<app>/<stack>/promotion/pretraffic``.

"Once per deployed version" is an ``aws.lambda_.Invocation`` of the runner (``functions/pre_traffic``) with
lifecycle scope ``CREATE_ONLY`` (it invokes on creation and replacement) whose ``triggers`` hold green's
version id: a new version, or a new command, replaces the invocation and runs the command again; a weight
change alone does not. The runner records the result, then fails the invocation (and so the deployment) when
the command did not succeed.

* Serverless green: the runner invokes the named service's new version (``LambdaRun.function_arn``, a
  qualified ARN) with ``{"cutover": "pre-traffic", "command": [...]}``: the service's own code, role,
  network and environment run it.
* ECS green: the runner starts one Fargate task of the named service's task definition (its image, roles,
  subnets and security group) with the command as the container override, and waits for its exit code.

The runner's role allows exactly the calls its handler makes (functions/pre_traffic/handler.py docstring):
``ssm:PutParameter`` on the record; serverless ``lambda:InvokeFunction`` on the version; ECS ``ecs:RunTask``
on the task definition in that cluster, ``iam:PassRole`` of the task's two roles to ECS tasks only, and
``ecs:DescribeTasks``/``ecs:StopTask`` on the cluster's tasks (ECS resource-level permissions: the task ARN
is ``arn:<partition>:ecs:<region>:<account>:task/<cluster name>/<id>``).

Order (``PreTrafficGate``): no traffic reaches green's new code before the command succeeded. The color opens
the gate once the new code exists and before anything that sends it traffic: ServerlessApp after publishing
every function's version and before any ``live`` alias; ContainerApp after the task definition and before its
ECS service (and the color's later services). Each alias / service lists the invocation in ``depends_on``, so
the engine runs version -> invocation (and its record) -> alias / service, and a failed command fails
``pulumi up`` before an alias moves or a service rolls. The invocation itself depends only on the version or
task definition it runs (never on an alias or service), so there is no cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from components.errors import ComponentError
from components.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.specs.environment import EnvironmentSettings
from components.specs.existing import partition_of
from components.specs.pre_traffic import MAX_TIMEOUT_SECONDS, PreTrafficConfig
from cutover import iam
from cutover.naming import Kind, Namer

TYPE = "cutover:promotion:PreTraffic"
RUNTIME = "python3.12"
CODE_PATH = "functions/pre_traffic"
PENDING_VALUE = json.dumps({"version": "", "status": "pending"})  # before the first run
RUNNER_MARGIN_SECONDS = 60  # recording and one last poll after the command's own timeout


@dataclass(frozen=True)
class LambdaRun:
    function_arn: pulumi.Input[str]  # the service's newly published version (qualified ARN)


@dataclass(frozen=True)
class EcsRun:
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    container: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    role_arns: Sequence[pulumi.Input[str]]  # the task role and the execution role (RunTask passes both)


@dataclass(frozen=True)
class PreTrafficArgs:
    namer: Namer
    env: EnvironmentSettings
    config: PreTrafficConfig
    green_version: pulumi.Input[str]
    region: str
    account_id: pulumi.Input[str]
    target: LambdaRun | EcsRun
    code_path: str = CODE_PATH


class PreTraffic(pulumi.ComponentResource):
    function: aws.lambda_.Function
    role: aws.iam.Role
    record_parameter: aws.ssm.Parameter
    record_parameter_name: str
    invocation: aws.lambda_.Invocation

    def __init__(self, name: str, args: PreTrafficArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, {"service": args.config.service, "command": list(args.config.command),
                                      "timeoutSeconds": args.config.timeout_seconds}, opts)
        if not 1 <= args.config.timeout_seconds <= MAX_TIMEOUT_SECONDS:
            raise ValueError(f"pre-traffic timeout {args.config.timeout_seconds} s is outside 1..{MAX_TIMEOUT_SECONDS}")
        namer = args.namer
        self.record_parameter_name = namer.path("promotion", "pretraffic")
        # The runner owns the value after creation (as the smoke result): the program never resets it.
        self.record_parameter = aws.ssm.Parameter(
            f"{name}-record", name=self.record_parameter_name, type="String", value=PENDING_VALUE,
            description="last pre-traffic task of green, per deployed version (functions/pre_traffic)",
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"]))
        fn_name = namer.name(Kind.LAMBDA_FUNCTION, "pretraffic")
        statements = pulumi.Output.all(self.record_parameter.arn, pulumi.Output.from_input(args.account_id),
                                       *_target_inputs(args.target)).apply(
            lambda v: pre_traffic_statements(v[0], args.target, args.region, v[1], v[2:]))
        # Invoked synchronously by the deployment (aws.lambda_.Invocation): no failure destination.
        lam = LambdaFunction(f"{name}-fn", LambdaFunctionArgs(
            function_name=fn_name, role_name=namer.name(Kind.IAM_ROLE, "pretraffic"),
            role_description=f"Lambda {fn_name}: run green's pre-traffic command, record the result",
            code=pulumi.FileArchive(args.code_path), runtime=RUNTIME, memory_mb=128,
            timeout_seconds=args.config.timeout_seconds + RUNNER_MARGIN_SECONDS,
            log_retention_days=args.env.log_retention_days,
            environment={"RECORD_PARAMETER": self.record_parameter_name}, statements=statements,
            description=f"{namer.prefix} pre-traffic task of green ({args.config.service})"), parent=self)
        self.function, self.role = lam.function, lam.role
        payload = pulumi.Output.all(pulumi.Output.from_input(args.green_version),
                                    *_target_inputs(args.target)).apply(
            lambda v: json.dumps({"version": v[0], "command": list(args.config.command),
                                  "timeoutSeconds": args.config.timeout_seconds,
                                  **_target_event(args.target, v[1:])}, sort_keys=True))
        self.invocation = aws.lambda_.Invocation(
            f"{name}-run", function_name=self.function.name, input=payload, lifecycle_scope="CREATE_ONLY",
            triggers={"version": pulumi.Output.from_input(args.green_version),
                      "command": json.dumps(list(args.config.command))},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.record_parameter]))
        self.register_outputs({"function": self.function.name, "recordParameter": self.record_parameter_name})


if TYPE_CHECKING:  # a type for the checker only: evaluated, it imported the provider's ECS task definition
    # module into every program, ECS or not (about 80 ms where it is imported the ordinary way, as a first plan does)
    # (target, green's functions when the color is serverless, green's task definition when ECS) -> the component
    GateBuilder = Callable[[LambdaRun | EcsRun, Mapping[str, aws.lambda_.Function] | None,
                            aws.ecs.TaskDefinition | None], PreTraffic]


class PreTrafficGate:
    """Green's traffic handles wait for the pre-traffic command: opened by the color between its new code and
    its aliases / services, which then depend on ``resources`` (the invocation)."""

    def __init__(self, service: str, build: GateBuilder) -> None:
        self.service = service  # preTraffic.service: whose new code runs the command
        self._build = build
        self.pre_traffic: PreTraffic | None = None

    def open(self, target: LambdaRun | EcsRun, functions: Mapping[str, aws.lambda_.Function] | None = None,
             task_definition: aws.ecs.TaskDefinition | None = None) -> None:
        """Register the task (once): the color calls it when every version the record names exists."""
        if self.pre_traffic is not None:
            raise ValueError(f"the pre-traffic gate of {self.service!r} was opened twice")
        self.pre_traffic = self._build(target, functions, task_definition)

    @property
    def resources(self) -> list[pulumi.Resource]:
        """What an alias or a service that takes green's traffic depends on."""
        if self.pre_traffic is None:
            # A handle built before the command's target would take traffic before the command ran.
            raise ComponentError("preTraffic.service", f"green's traffic handles are built before {self.service!r}, "
                                 "the service the pre-traffic command runs in", "the color builds that service first")
        return [self.pre_traffic.invocation]


def _target_inputs(t: LambdaRun | EcsRun) -> list[pulumi.Input[Any]]:
    if isinstance(t, LambdaRun):
        return [t.function_arn]
    return [t.cluster_arn, t.cluster_name, t.task_definition_arn, pulumi.Output.all(*t.subnet_ids),
            pulumi.Output.all(*t.security_group_ids), pulumi.Output.all(*t.role_arns)]


def _target_event(t: LambdaRun | EcsRun, v: Sequence[Any]) -> dict[str, Any]:
    if isinstance(t, LambdaRun):
        return {"lambda": {"function": v[0]}}
    return {"ecs": {"cluster": v[0], "taskDefinition": v[2], "container": t.container, "subnets": list(v[3]),
                    "securityGroups": list(v[4])}}


def pre_traffic_statements(parameter_arn: str, target: LambdaRun | EcsRun, region: str, account_id: str,
                           v: Sequence[Any]) -> list[dict[str, Any]]:
    """Exactly the runner's calls (functions/pre_traffic/handler.py); logs and X-Ray: LambdaFunction."""
    stmts = [iam.statement(["ssm:PutParameter"], parameter_arn, sid="WritePreTrafficRecord")]
    if isinstance(target, LambdaRun):
        # Invoke authorizes against the qualified ARN when FunctionName carries the version.
        stmts.append(iam.statement(["lambda:InvokeFunction"], str(v[0]), sid="InvokeGreenVersion"))
        return stmts
    cluster_arn, cluster_name, task_definition, _, _, roles = v
    stmts.append(iam.statement(["ecs:RunTask"], str(task_definition), sid="RunPreTrafficTask",
                               condition={"ArnEquals": {"ecs:cluster": str(cluster_arn)}}))
    stmts.append(iam.statement(["iam:PassRole"], sorted(str(r) for r in roles), sid="PassTaskRoles",
                               condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}))
    stmts.append(iam.statement(["ecs:DescribeTasks", "ecs:StopTask"],
                               f"arn:{partition_of(region)}:ecs:{region}:{account_id}:task/{cluster_name}/*",
                               sid="WatchPreTrafficTask"))
    return stmts
