"""LambdaFunction: the one way this project builds a Lambda function.

Every function (ServerlessApp's services, the rollback Lambda, device ingest, the smoke test, the
data verifier) gets the same pieces, so they cannot drift apart:

* a log group with retention, named ``/aws/lambda/<function>`` (where Lambda writes by default);
* an IAM role whose only policy is one inline document: the statements every function needs, built
  here from what the function actually is (logs on its own log group, X-Ray when traced, the ENI
  actions when it runs in a VPC, ``sqs:SendMessage`` on its failure destination), followed by the
  caller's own statements (what its handler calls). Nothing else: no managed policies;
* an arm64 function with JSON logs into that group, active tracing by default, optional VPC
  placement, optional reserved concurrency;
* optionally an alias (what integrations invoke, so blue/green can shift its weights);
* for a function invoked asynchronously (SNS, EventBridge, IoT rules, S3...), a failure destination
  on by default: Lambda retries a failed event at most twice and keeps it at most six hours, then sends
  the invocation record to an SQS dead-letter queue (this block creates an SSE-encrypted one unless
  the caller gives its own). "Capturing records of Lambda asynchronous invocations", Lambda developer
  guide: the execution role needs permission to send to the destination, hence the statement above.

It is not a ComponentResource on purpose: its resources are children of the component that owns the
function and keep the logical names they had before this block existed (``LambdaNames``), so deployed
functions, roles and log groups keep their URNs and nothing is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, dead_letter_depth, lambda_error_rate
from cutover import iam

# Lambda creates, describes and deletes the ENIs of a VPC function with the execution role. EC2's
# Describe* actions do not support resource-level permissions, and the ENI ARNs do not exist
# before Lambda creates them, so these five actions need Resource "*" (as in AWS's own
# AWSLambdaVPCAccessExecutionRole). Lambda validates them when the function is created.
ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
               "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")  # X-Ray requires Resource "*"
# Both authorize on the log stream (log-group:NAME:log-stream:*), so the bare log group ARN would
# grant nothing (Service Authorization Reference, CloudWatch Logs).
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# A producer of an SSE-KMS queue needs these on the queue's key (SQS developer guide, "Key
# management": kms:GenerateDataKey and kms:Decrypt for SendMessage to an encrypted queue).
QUEUE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS maximum: time to inspect and redrive failed events
# Lambda retries a failed asynchronous invocation at most twice, and keeps an event for at most six
# hours (both maxima, "Configuring error handling for asynchronous invocation", Lambda developer guide).
MAX_RETRY_ATTEMPTS = 2
MAX_EVENT_AGE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class LambdaVpc:
    """Where an in-VPC function runs: subnets and the security groups its ENIs get."""

    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]


@dataclass(frozen=True)
class FailureQueue:
    """An existing queue to use as the failure destination (e.g. one the handler also writes to)."""

    arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str] | None = None  # SSE-KMS queues: the role needs the key too


@dataclass(frozen=True)
class LambdaNames:
    """Logical names of the pieces (physical names are in LambdaFunctionArgs). Defaults: all ``base``."""

    base: str
    log_group: str | None = None
    dead_letter_queue: str | None = None  # default "<base>-dlq"
    alias: str | None = None  # default "<base>-<alias name>"

    def of(self, piece: str) -> str:
        explicit = {"log_group": self.log_group, "dead_letter_queue": self.dead_letter_queue,
                    "alias": self.alias}.get(piece)
        return explicit or self.base


@dataclass(frozen=True)
class LambdaFunctionArgs:
    function_name: str  # physical names, from the naming helper
    role_name: str
    code: pulumi.Archive
    description: str
    role_description: str
    log_retention_days: int
    handler: str = "handler.handler"
    runtime: str = "python3.12"
    memory_mb: int = 128
    timeout_seconds: int = 30
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # The handler's own permissions: IAM statement dicts (cutover.iam.statement), resolved at apply time.
    statements: pulumi.Input[Sequence[Mapping[str, Any]]] = ()
    tracing: bool = True
    application_log_level: str | None = None  # with system_log_level WARN when set
    vpc: LambdaVpc | None = None
    reserved_concurrency: int | None = None
    publish: bool = False
    # Asynchronous invocation (SNS, EventBridge, IoT, S3): a failure destination unless turned off.
    asynchronous: bool = False
    failure_destination: bool = True
    failure_queue: FailureQueue | None = None  # None: this block creates an encrypted SQS queue
    dead_letter_queue_name: str | None = None  # physical name of the queue this block creates
    # The alias integrations invoke (and its version/routing, for blue/green); None: no alias.
    alias_name: str | None = None
    alias_description: str = ""
    # Blue/green: (stable version, weight 0..1) -> the stable version stays the alias's primary and the
    # newly published version gets the weight (alias_routing). None: the published version only.
    alias_split: tuple[str, float] | None = None
    # True: the owner builds the alias (and the invoke config on it) later with ``attach_alias``, so the alias
    # can depend on what must happen between publishing a version and sending it traffic (a pre-traffic task).
    defer_alias: bool = False
    tags: Mapping[str, str] | None = None
    depends_on: Sequence[pulumi.Resource] = ()  # what must exist before the function (e.g. its ENI rules)


class LambdaFunction:
    """The pieces of one function, registered as children of ``parent``."""

    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    function: aws.lambda_.Function
    alias: aws.lambda_.Alias | None
    dead_letter_queue: aws.sqs.Queue | None  # the queue this block created, if any
    failure_queue_arn: pulumi.Input[str] | None  # where exhausted asynchronous events go
    invoke_config: aws.lambda_.FunctionEventInvokeConfig | None

    def __init__(self, names: LambdaNames | str, args: LambdaFunctionArgs, parent: pulumi.Resource) -> None:
        if isinstance(names, str):
            names = LambdaNames(names)
        if args.asynchronous and args.failure_destination and args.failure_queue is None \
                and not args.dead_letter_queue_name:
            raise ValueError(f"{args.function_name}: an asynchronous function needs a failure queue or the "
                             "name of the one to create (or failure_destination=False)")
        child = pulumi.ResourceOptions(parent=parent)
        base = names.base
        tags = dict(args.tags) if args.tags else None

        self.log_group = aws.cloudwatch.LogGroup(
            names.of("log_group"), name=f"/aws/lambda/{args.function_name}",
            retention_in_days=args.log_retention_days, tags=tags, opts=child)
        self.role = aws.iam.Role(base, name=args.role_name, description=args.role_description,
                                 assume_role_policy=iam.assume_role("lambda.amazonaws.com"), tags=tags, opts=child)

        self.dead_letter_queue, self.failure_queue_arn = None, None
        key_arn: pulumi.Input[str] | None = None
        if args.asynchronous and args.failure_destination:
            if args.failure_queue is not None:
                self.failure_queue_arn, key_arn = args.failure_queue.arn, args.failure_queue.kms_key_arn
            else:
                self.dead_letter_queue = aws.sqs.Queue(
                    names.dead_letter_queue or f"{base}-dlq", name=args.dead_letter_queue_name,
                    sqs_managed_sse_enabled=True, message_retention_seconds=DLQ_RETENTION_SECONDS, tags=tags,
                    opts=child)
                self.failure_queue_arn = self.dead_letter_queue.arn

        self.policy = aws.iam.RolePolicy(
            base, role=self.role.id, name="least-privilege",
            policy=pulumi.Output.all(self.log_group.arn, self.failure_queue_arn or "", key_arn or "",
                                     args.statements).apply(
                lambda v: iam.document(*self.statements(args, str(v[0]), str(v[1]), str(v[2]), list(v[3])))),
            opts=child)

        logging: dict[str, Any] = {"log_format": "JSON", "log_group": self.log_group.name}
        if args.application_log_level:
            logging |= {"application_log_level": args.application_log_level, "system_log_level": "WARN"}
        vpc_config = ({"subnet_ids": list(args.vpc.subnet_ids), "security_group_ids": list(args.vpc.security_group_ids)}
                      if args.vpc is not None else None)
        self.function = aws.lambda_.Function(
            base, name=args.function_name, role=self.role.arn, runtime=args.runtime, handler=args.handler,
            code=args.code, architectures=["arm64"], memory_size=args.memory_mb, timeout=args.timeout_seconds,
            publish=args.publish or None, tracing_config={"mode": "Active"} if args.tracing else None,
            logging_config=logging, environment={"variables": dict(args.environment)} if args.environment else None,
            vpc_config=vpc_config, reserved_concurrent_executions=args.reserved_concurrency,
            description=args.description, tags=tags,
            # The role's permissions must exist first: Lambda checks the ENI actions at creation.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[self.policy, self.log_group,
                                                                   *args.depends_on]))

        self.alias, self.invoke_config = None, None
        self._names, self._args, self._parent = names, args, parent
        if not args.defer_alias:
            self.attach_alias()

    def attach_alias(self, depends_on: Sequence[pulumi.Resource] = ()) -> None:
        """The alias (when ``alias_name`` is set) on the newly published version, then the asynchronous invoke
        config (on the alias when there is one). ``depends_on``: what must complete before the alias moves."""
        names, args, parent, base = self._names, self._args, self._parent, self._names.base
        if self.alias is not None or self.invoke_config is not None:
            raise ValueError(f"{args.function_name}: the alias is already attached")
        if args.alias_name is not None:
            version, routing = alias_routing(self.function.version, args.alias_split)
            self.alias = aws.lambda_.Alias(
                names.alias or f"{base}-{args.alias_name}", name=args.alias_name, function_name=self.function.name,
                function_version=version, description=args.alias_description, routing_config=routing,
                opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on) or None))

        if self.failure_queue_arn is not None:
            self.invoke_config = aws.lambda_.FunctionEventInvokeConfig(
                base, function_name=self.function.name,
                qualifier=self.alias.name if self.alias is not None else None,
                maximum_retry_attempts=MAX_RETRY_ATTEMPTS, maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                destination_config={"on_failure": {"destination": self.failure_queue_arn}},
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[self.policy]))

    def monitoring_alarms(self, key: str, errors: bool = True) -> list[DeclaredAlarm]:
        """An error-rate alarm (unless the owner surfaces the function's failures otherwise, errors=False);
        the dead-letter queue this block created, a depth alarm."""
        out = [lambda_error_rate(key, self.function.name)] if errors else []
        if self.dead_letter_queue is not None:
            out.append(dead_letter_depth(key, self.dead_letter_queue.name))
        return out

    @staticmethod
    def statements(args: LambdaFunctionArgs, log_group_arn: str, queue_arn: str, key_arn: str,
                   own: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The role's statements: what the Lambda service does with the role, then the handler's own."""
        out = [iam.statement(LOG_ACTIONS, f"{log_group_arn}:*", sid="Logs")]
        if args.tracing:
            out.append(iam.statement(XRAY_ACTIONS, "*", sid="XRay"))
        if args.vpc is not None:
            out.append(iam.statement(ENI_ACTIONS, "*", sid="VpcNetworkInterfaces"))
        if queue_arn:
            out.append(iam.statement(["sqs:SendMessage"], queue_arn, sid="DeadLetterQueue"))
            if key_arn:
                out.append(iam.statement(QUEUE_KEY_ACTIONS, key_arn, sid="DeadLetterQueueKey"))
        return out + [dict(s) for s in own]


def alias_routing(new_version: pulumi.Output[str], split: tuple[str, float] | None
                   ) -> tuple[pulumi.Input[str], pulumi.Output[dict[str, Any] | None] | None]:
    """The ``live`` alias's primary version and routing config.

    No split (no pinned version, or blue retired): the newly published version only. A split
    ``(stable, weight)``: the stable version is the primary and the new version the additional
    version at ``weight``, so clearing the additional weights (the rollback Lambda) sends
    everything back to the stable version. The new version is known only after publishing, so the
    routing config is an Output; when it equals the stable version (nothing new was published)
    there is nothing to split, and Lambda rejects an additional version equal to the primary.
    """
    if split is None:
        return new_version, None
    stable, weight = split
    return stable, new_version.apply(
        lambda new: None if new == stable else {"additional_version_weights": {new: weight}})
