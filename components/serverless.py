"""ServerlessApp: one Lambda function per declared service, each with its own least-privilege role.

Per service: a log group with retention, an IAM role whose only policy is an inline document
(logs on its own log group, X-Ray, and exactly ``ref.actions(access)`` on ``ref.resource_arns`` per
used store ref), an arm64 function with active tracing that publishes a version on every change,
and an alias ``live`` on that version. Everything that invokes a service (API integrations,
schedules, other services) targets the alias, so the blue/green step can shift traffic between
versions with the alias's ``routing_config`` (``ServerlessAppArgs.alias_weights``) without ever
replacing it. A service with a pinned stable version keeps that version as the alias's primary
and sends only green's fraction to the newly published version (the additional version), so an
automatic rollback is one call: clear the additional version weights.

Functions join the VPC only when they use a store that lives there (``StoreRef.in_vpc``: RDS
Proxy, Redis, Aurora): then they get private subnets, their own security group (egress only), an
ingress rule on the store's security group, and the ENI permissions Lambda needs. Workers (invoked
asynchronously) send failed events to an encrypted SQS dead-letter queue.

A worker that ``consume``s a queue (``uses: {queue:jobs: consume}``) gets an event source mapping on its
alias: the queue's batch size, batching window and maximum concurrency, and partial batch responses
(``ReportBatchItemFailures``: only the failed messages return to the queue). Its role gets exactly the
consume actions of the ref; a producer's ``send`` grants SendMessage and the key, never receive or delete.

Every function (and its version) is published first, then the aliases: with a pre-traffic task
(``ServerlessAppArgs.pre_traffic``, components/pre_traffic.py) the task's invocation is registered in
between and every ``live`` alias depends on it, so no alias moves to a new version before the command
succeeded. A caller learns a worker's alias ARN from the worker's function (``<function ARN>:live``,
the alias's ARN by Lambda's qualified-ARN format), not from the alias, so functions never wait for an alias.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm
from components.errors import ComponentError
from components.lambda_function import ENI_ACTIONS, LambdaFunction, LambdaFunctionArgs, LambdaVpc
from components.pre_traffic import LambdaRun, PreTrafficGate
from components.refs import Access, StoreRef, cidr_egress, policy_statements, ref_specs
from components.specs.environment import EnvironmentSettings
from components.specs.queues import VISIBILITY_TO_TIMEOUT_FACTOR
from components.specs.serverless import ServerlessConfig, ServiceConfig, ServiceKind, check_uses
from cutover.naming import Kind, Namer

ALIAS = "live"
__all__ = ["ENI_ACTIONS", "LambdaTarget", "ServerlessApp", "ServerlessAppArgs", "VpcPlacement"]


@dataclass(frozen=True)
class VpcPlacement:
    """Where in-VPC functions run: the Network's private subnets."""

    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    internet_egress: bool  # False: no NAT, so only gateway endpoints (S3, DynamoDB) are reachable


@dataclass(frozen=True)
class LambdaTarget:
    """What an API integration, schedule or caller needs: always the ``live`` alias."""

    service: str
    function_name: pulumi.Output[str]
    alias_name: str
    alias_arn: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]  # the alias's API Gateway invoke ARN


@dataclass(frozen=True)
class ServerlessAppArgs:
    config: ServerlessConfig
    namer: Namer
    env: EnvironmentSettings
    refs: Mapping[str, StoreRef]  # every ref built in this stack, by key
    vpc: VpcPlacement | None = None  # required when a service uses an in_vpc ref
    # Ref kinds whose producing component is not wired into the program yet: uses of them are
    # skipped with a warning instead of failing (remove a kind once its component is wired).
    pending_kinds: frozenset[str] = frozenset()
    # Blue/green hook: service -> (stable version, weight 0..1). The live alias's primary version is
    # the stable one, and the newly published version gets the weight as its additional version
    # (green's fraction; 1.0 still keeps the stable version as the instant rollback target).
    # Absent: the alias points at the newly published version only.
    alias_weights: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    color: str = ""  # "" or "blue"/"green": becomes part of every physical name when set
    # Green's pre-traffic task: opened after every version is published; every alias depends on it.
    pre_traffic: PreTrafficGate | None = None


class ServerlessApp(pulumi.ComponentResource):
    functions: dict[str, aws.lambda_.Function]
    aliases: dict[str, aws.lambda_.Alias]  # the blue/green step's handle: one "live" alias per service
    roles: dict[str, aws.iam.Role]
    log_groups: dict[str, aws.cloudwatch.LogGroup]
    security_groups: dict[str, aws.ec2.SecurityGroup]  # in-VPC services only
    dead_letter_queues: dict[str, aws.sqs.Queue]  # workers only
    targets: dict[str, LambdaTarget]
    # service -> store refs its role can change (the data plan reads it: who can write which copy)
    write_grants: dict[str, tuple[str, ...]]

    def __init__(self, name: str, args: ServerlessAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:serverless:ServerlessApp", name, None, opts)
        self._name, self._args = name, args
        skipped = check_uses(args.config, args.refs, args.pending_kinds)
        for svc, keys in skipped.items():
            pulumi.log.warn(f"services.{svc}.uses: {', '.join(keys)} not granted: no component in this program "
                            "builds that kind of store yet", resource=self)
        _check_capabilities(args.config, args.refs)
        for svc, (_, weight) in args.alias_weights.items():
            if svc not in {s.name for s in args.config.services} or not 0.0 <= weight <= 1.0:
                raise ValueError(f"alias_weights[{svc!r}]: unknown service or weight outside 0..1")
        self.functions, self.aliases, self.roles, self.log_groups = {}, {}, {}, {}
        self.security_groups, self.dead_letter_queues, self.targets = {}, {}, {}
        self.write_grants = {}
        self._alarms: list[DeclaredAlarm] = []
        own_refs: dict[str, StoreRef] = {}
        built: list[tuple[ServiceConfig, list[tuple[StoreRef, Access]], LambdaFunction]] = []
        for s in _build_order(args.config.services):
            uses = [(own_refs.get(k) or args.refs[k], Access(a)) for k, a in s.uses.items()
                    if k in own_refs or k in args.refs]
            built.append((s, uses, self._service(s, uses)))
            self.write_grants[s.name] = tuple(sorted(ref.key for ref, access in uses if ref.grants_write(access)))
            if s.kind is ServiceKind.WORKER:
                own_refs[f"function:{s.name}"] = self._invoke_ref(s.name)
        gate = args.pre_traffic
        if gate is not None:  # every version exists: the command runs in the named service's new one
            if gate.service not in self.functions:
                raise ComponentError("preTraffic.service", f"{gate.service!r} is not a service of this app",
                                     ", ".join(sorted(self.functions)))
            gate.open(LambdaRun(self.functions[gate.service].qualified_arn), functions=self.functions)
        for s, uses, fn in built:
            self._route(s, uses, fn, gate.resources if gate is not None else [])
        self.register_outputs({
            "functionNames": {k: f.name for k, f in self.functions.items()},
            "aliasArns": {k: a.arn for k, a in self.aliases.items()},
        })

    # --- one service -----------------------------------------------------------------------------
    def _service(self, s: ServiceConfig, uses: list[tuple[StoreRef, Access]]) -> LambdaFunction:
        """The function and its published version; the alias comes later (``_route``)."""
        args, svc = self._args, s.name
        base = f"{self._name}-{svc}"
        parts = (args.color, svc) if args.color else (svc,)
        fn_name = args.namer.name(Kind.LAMBDA_FUNCTION, *parts)

        in_vpc = [ref for ref, _ in uses if ref.in_vpc]
        vpc = self._vpc(s, parts, in_vpc) if in_vpc else None
        fn = LambdaFunction(base, LambdaFunctionArgs(
            function_name=fn_name, role_name=args.namer.name(Kind.IAM_ROLE, *parts),
            code=pulumi.FileArchive(s.code), handler=s.handler, runtime=s.runtime, memory_mb=s.memory_mb,
            timeout_seconds=s.timeout_seconds, log_retention_days=args.env.log_retention_days,
            description=f"{args.namer.prefix} {svc} ({s.kind.value})",
            role_description=f"Lambda {fn_name}: least privilege, no managed policies",
            environment=_environment(s, uses), statements=policy_statements(ref_specs(uses)),
            application_log_level="INFO", vpc=vpc, reserved_concurrency=s.reserved_concurrency, publish=True,
            # Workers and scheduled services are invoked asynchronously: failed events go to a
            # dead-letter queue instead of being dropped after Lambda's retries.
            asynchronous=s.kind is ServiceKind.WORKER or bool(s.schedule),
            dead_letter_queue_name=args.namer.name(Kind.SQS_QUEUE, *parts, "dlq"),
            alias_name=ALIAS, alias_description="what every integration invokes; blue/green shifts its routing weights",
            alias_split=args.alias_weights.get(svc), defer_alias=True), parent=self)
        if fn.dead_letter_queue is not None:
            self.dead_letter_queues[svc] = fn.dead_letter_queue
        self._alarms += fn.monitoring_alarms("-".join(parts))
        self.functions[svc], self.roles[svc], self.log_groups[svc] = fn.function, fn.role, fn.log_group
        return fn

    def _route(self, s: ServiceConfig, uses: list[tuple[StoreRef, Access]], fn: LambdaFunction,
               gate: Sequence[pulumi.Resource]) -> None:
        """The ``live`` alias (after ``gate``: the pre-traffic invocation) and what invokes it."""
        svc = s.name
        parts = (self._args.color, svc) if self._args.color else (svc,)
        # A caller's alias also waits for its workers' aliases: its new code invokes them by alias ARN.
        callees = [self.aliases[k.partition(":")[2]] for k in s.uses
                   if k.startswith("function:") and k.partition(":")[2] in self.aliases]
        fn.attach_alias(depends_on=[*gate, *callees])
        assert fn.alias is not None
        target = LambdaTarget(service=svc, function_name=fn.function.name, alias_name=ALIAS, alias_arn=fn.alias.arn,
                              invoke_arn=fn.alias.invoke_arn)
        if s.schedule:
            self._schedule(s, parts, target)
        for ref, access in uses:
            if access is Access.CONSUME:
                self._event_source(s, ref, target, fn.policy)
        self.aliases[svc], self.targets[svc] = fn.alias, target

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """What Monitoring alarms on: each function's error rate, each dead-letter queue's depth."""
        return list(self._alarms)

    def _vpc(self, s: ServiceConfig, parts: tuple[str, ...], stores: list[StoreRef]) -> LambdaVpc:
        args, base = self._args, f"{self._name}-{s.name}"
        child = pulumi.ResourceOptions(parent=self)
        if args.vpc is None:
            raise ValueError(f"service {s.name!r} uses {stores[0].key}, which lives in the VPC, but the app has "
                             "no VpcPlacement")
        if not args.vpc.internet_egress:
            # Reached over public AWS endpoints: without NAT only interface endpoints would reach them.
            public = ("secret", "email", "websocket", "function", "queue")
            outside = [k for k in s.uses if k.partition(":")[0] in public]
            if outside:
                pulumi.log.warn(f"services.{s.name}: runs in the VPC (for {stores[0].key}) without NAT, so these "
                                f"are unreachable unless interface endpoints exist: {', '.join(outside)}",
                                resource=self)
        sg_name = args.namer.name(Kind.SECURITY_GROUP, "fn", *parts)
        sg = aws.ec2.SecurityGroup(
            base, vpc_id=args.vpc.vpc_id, name=sg_name, tags={"Name": sg_name},
            description=f"Lambda {s.name}: no ingress; egress to its stores and HTTPS", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{base}-https", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
            cidr_ipv4="0.0.0.0/0", description="AWS APIs and external HTTPS (through NAT or endpoints)", opts=child)
        seen: set[tuple[Any, ...]] = set()  # several refs to one database (shared tables): one rule each way
        for ref in stores:
            if ref.cidr_blocks:  # outside this stack (a shared database): egress only, nothing to admit us
                if ("cidr", ref.cidr_blocks, ref.port) not in seen:
                    cidr_egress(base, sg.id, ref, f"Lambda {s.name}", child)
                seen.add(("cidr", ref.cidr_blocks, ref.port))
                continue
            if ref.security_group_id is None or ref.port is None:
                raise ValueError(f"{ref.key} is in_vpc but has no security_group_id/port")
            if isinstance(ref.security_group_id, str):
                if ("sg", ref.security_group_id, ref.port) in seen:
                    continue
                seen.add(("sg", ref.security_group_id, ref.port))
            key = re.sub(r"[^a-z0-9-]+", "-", ref.key.lower())
            aws.vpc.SecurityGroupEgressRule(
                f"{base}-to-{key}", security_group_id=sg.id, ip_protocol="tcp", from_port=ref.port,
                to_port=ref.port, referenced_security_group_id=ref.security_group_id,
                description=f"to {ref.key}", opts=child)
            aws.vpc.SecurityGroupIngressRule(
                f"{base}-into-{key}", security_group_id=ref.security_group_id, ip_protocol="tcp",
                from_port=ref.port, to_port=ref.port, referenced_security_group_id=sg.id,
                description=f"from Lambda {s.name}", opts=child)
        self.security_groups[s.name] = sg
        return LambdaVpc(args.vpc.subnet_ids, [sg.id])

    def _schedule(self, s: ServiceConfig, parts: tuple[str, ...], target: LambdaTarget) -> None:
        base, child = f"{self._name}-{s.name}", pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(
            f"{base}-schedule", name=self._args.namer.name(Kind.LAMBDA_FUNCTION, *parts, "schedule"),
            schedule_expression=s.schedule, description=f"runs {s.name}", opts=child)
        aws.cloudwatch.EventTarget(f"{base}-schedule", rule=rule.name, arn=target.alias_arn, opts=child)
        aws.lambda_.Permission(
            f"{base}-schedule", action="lambda:InvokeFunction", function=target.function_name,
            qualifier=target.alias_name, principal="events.amazonaws.com", source_arn=rule.arn, opts=child)

    def _event_source(self, s: ServiceConfig, ref: StoreRef, target: LambdaTarget,
                      policy: aws.iam.RolePolicy) -> None:
        """The worker reads ``ref``'s queue through an event source mapping on its live alias."""
        where = f"services.{s.name}.uses.{ref.key}"
        es = ref.event_source
        if es is None:
            raise ComponentError(where, f"{ref.key} is not a queue this stack owns, so nothing here can consume it")
        # "Using Lambda with Amazon SQS": Lambda refuses a mapping whose queue's visibility timeout is below the
        # function's timeout, and recommends at least six times the timeout (so retries of a throttled batch
        # do not make messages visible again while they are still being processed).
        recommended = VISIBILITY_TO_TIMEOUT_FACTOR * s.timeout_seconds
        if es.visibility_timeout_seconds < s.timeout_seconds:
            raise ComponentError(where, f"the queue's visibilityTimeoutSeconds ({es.visibility_timeout_seconds}) is "
                                 f"below the function's timeout ({s.timeout_seconds} s): Lambda refuses the mapping",
                                 f"queues.{ref.key.partition(':')[2]}.visibilityTimeoutSeconds >= {recommended} "
                                 f"(AWS recommends 6x the timeout)")
        if es.visibility_timeout_seconds < recommended:
            pulumi.log.warn(f"{where}: the queue's visibilityTimeoutSeconds ({es.visibility_timeout_seconds}) is "
                            f"under 6x the function's timeout ({recommended} s recommended by AWS)", resource=self)
        slug = re.sub(r"[^a-z0-9-]+", "-", ref.key.lower())
        aws.lambda_.EventSourceMapping(
            f"{self._name}-{s.name}-{slug}", event_source_arn=es.arn, function_name=target.alias_arn,
            batch_size=es.batch_size, maximum_batching_window_in_seconds=es.batch_window_seconds or None,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": es.max_concurrency} if es.max_concurrency else None,
            # Lambda checks the role's sqs:ReceiveMessage etc. when the mapping is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))

    def _invoke_ref(self, svc: str) -> StoreRef:
        """``function:<worker>``: lets another service invoke this worker's alias, nothing more. The alias ARN is
        ``<function ARN>:<alias>`` (Lambda's qualified ARN): taken from the function, so the caller's function
        does not wait for the alias, which is built after every version (and after a pre-traffic task)."""
        alias_arn = pulumi.Output.concat(self.functions[svc].arn, ":", ALIAS)
        return StoreRef(key=f"function:{svc}", resource_arns=[alias_arn], read_actions=("lambda:InvokeFunction",),
                        write_actions=(), env={f"{_env_name(svc)}_FUNCTION_ARN": alias_arn})


def _check_capabilities(config: ServerlessConfig, refs: Mapping[str, StoreRef]) -> None:
    """Each ``uses`` capability must be one the built ref has (a queue: send | consume; an existing queue:
    send); only a worker consumes a queue (an API or WebSocket handler would race the event source)."""
    for s in config.services:
        for key, capability in s.uses.items():
            ref = refs.get(key)
            if ref is None:
                continue
            where = f"services.{s.name}.uses.{key}"
            if not ref.allows(Access(capability)):
                raise ComponentError(where, f"{key} has no {capability!r} capability",
                                     " | ".join(ref.capability_actions()))
            if Access(capability) is Access.CONSUME and s.kind is not ServiceKind.WORKER:
                raise ComponentError(where, f"only kind: worker services consume a queue (this one is {s.kind.value})",
                                     "send, or move the consumer to a kind: worker service")


def _build_order(services: Sequence[ServiceConfig]) -> list[ServiceConfig]:
    """Invoked workers before their callers (their alias ARN goes into the caller's policy)."""
    by_name = {s.name: s for s in services}
    order: list[ServiceConfig] = []
    state: dict[str, str] = {}

    def visit(s: ServiceConfig, path: tuple[str, ...]) -> None:
        if state.get(s.name) == "done":
            return
        if state.get(s.name) == "visiting":
            raise ComponentError(f"services.{s.name}.uses", f"services invoke each other in a cycle: "
                                 f"{' -> '.join((*path, s.name))}")
        state[s.name] = "visiting"
        for key in s.uses:
            kind, _, target = key.partition(":")
            if kind == "function" and target in by_name:
                visit(by_name[target], (*path, s.name))
        state[s.name] = "done"
        order.append(s)

    for s in services:
        visit(s, ())
    return order


def _environment(s: ServiceConfig, uses: list[tuple[StoreRef, Access]]) -> dict[str, pulumi.Input[str]]:
    env: dict[str, pulumi.Input[str]] = dict(s.environment)
    origin = {k: f"services.{s.name}.environment" for k in env}
    for ref, _ in uses:
        for key, value in ref.env.items():
            if key in env:
                raise ValueError(f"services.{s.name}: environment variable {key} comes from both {origin[key]} "
                                 f"and {ref.key}")
            env[key] = value
            origin[key] = ref.key
    env.setdefault("SERVICE_NAME", s.name)
    return env


def _env_name(key: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", key.upper())
