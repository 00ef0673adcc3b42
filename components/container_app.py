"""ContainerApp: one Fargate service behind an ALB target group (seed 001's TraceTrack, seed 004's ECS side).

Children: an ECR repository (scan on push, immutable tags, lifecycle keeping the last N images),
an ECS cluster with Container Insights and FARGATE / FARGATE_SPOT capacity providers, a task
definition (awsvpc, non-root user, read-only root filesystem with a writable scratch volume,
awslogs to its own log group, secrets injected from Secrets Manager by ARN, health check, optional
X-Ray daemon sidecar), an execution role (pull from this repository, write its log group, read only
the referenced secrets), a task role (one statement per used StoreRef, like serverless
functions), the service in private subnets (no public IP, own security group admitting only the
load balancer's group on the container port, circuit breaker with rollback) and Application Auto
Scaling on CPU and on ALB requests per target.

Blue/green: build one ``ContainerApp`` per color with ``color="blue"`` (names get the color) and
``parse_container(Reader(blue.container, "traffic.blue.container"), env)`` as its config, attached
to its own target group (``AppLoadBalancer.new_target_group("blue")``); share the repository and
cluster with ``repository`` / ``cluster``.

Green's pre-traffic task (``ContainerAppArgs.pre_traffic``, components/pre_traffic.py): the app whose
container runs the command opens the gate after its task definition and before its service; every
service of the color depends on the task's invocation, so no service rolls to the new task definition
before the command (a schema migration) succeeded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, ecs_cpu
from components.errors import ComponentError
from components.pre_traffic import EcsRun, PreTrafficGate
from components.refs import Access, PolicySpec, StoreRef, cidr_egress, policy_document, ref_specs
from components.specs.container import XRAY_IMAGE, ContainerConfig
from components.specs.environment import EnvironmentSettings
from cutover import iam
from cutover.errors import suggest
from cutover.naming import Kind, Namer

XRAY_CONTAINER = "xray-daemon"
XRAY_PORT = 2000
# The daemon only uploads; without the sampling-rule reads the SDKs use their local default rule.
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
ECR_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
EXEC_ACTIONS = ("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel")
TMP_VOLUME = "scratch"


@dataclass(frozen=True)
class LoadBalancerAttachment:
    """Where the service registers its tasks, and what its security group admits."""

    security_group_id: pulumi.Input[str]  # the ALB's group: the only source admitted
    target_group_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]  # app/<name>/<id>
    target_group_arn_suffix: pulumi.Input[str]  # targetgroup/<name>/<id>
    listeners: Sequence[pulumi.Resource] = ()  # the target group must be on a listener before the service


@dataclass(frozen=True)
class ContainerAppArgs:
    config: ContainerConfig
    namer: Namer
    env: EnvironmentSettings
    region: str
    account_id: str
    refs: Mapping[str, StoreRef]  # every ref built in this stack, by key
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private subnets
    # None: a worker (a Sidekiq-style queue consumer): no target group, no ingress, CPU scaling only.
    load_balancer: LoadBalancerAttachment | None
    color: str = ""  # "" or "blue"/"green": part of every physical name when set
    config_path: str = "container"  # where the config came from, for error messages
    repository: tuple[pulumi.Input[str], pulumi.Input[str]] | None = None  # shared ECR (url, arn)
    cluster: aws.ecs.Cluster | None = None  # shared cluster (its capacity providers already set)
    capacity_providers: aws.ecs.ClusterCapacityProviders | None = None  # the shared cluster's association
    # The color no longer gets traffic: zero tasks. Application Auto Scaling scales a target in to its
    # maximum when the current capacity is above it, and ECS services accept 0 as the minimum
    # (Application Auto Scaling API reference, RegisterScalableTarget / ScalableTargetAction).
    retired: bool = False
    # Green's pre-traffic task: this app opens it when it is the command's service; its service waits for it.
    pre_traffic: PreTrafficGate | None = None


class ContainerApp(pulumi.ComponentResource):
    repository_url: pulumi.Output[str] | None
    repository_arn: pulumi.Output[str] | None
    cluster: aws.ecs.Cluster
    capacity_providers: aws.ecs.ClusterCapacityProviders
    cluster_name: pulumi.Output[str]
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service
    service_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_group: aws.cloudwatch.LogGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    scaling_target: aws.appautoscaling.Target
    image: pulumi.Output[str]

    def __init__(self, name: str, args: ContainerAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:ecs:ContainerApp", name, None, opts)
        self._name, self._args = name, args
        cfg, namer = args.config, args.namer
        child = pulumi.ResourceOptions(parent=self)
        parts = (args.color, cfg.name) if args.color else (cfg.name,)
        uses = self._resolve_uses()
        secrets = self._resolve_secrets()

        # --- image ------------------------------------------------------------------------------
        self.repository_url = self.repository_arn = None
        repo_arn: pulumi.Input[str] | None = None
        if cfg.image.uses_ecr:
            if args.repository is not None:
                repo_url, repo_arn = args.repository
                self.repository_url = pulumi.Output.from_input(repo_url)
            else:
                repo = self._repository(parts)
                self.repository_url, repo_arn = repo.repository_url, repo.arn
            self.repository_arn = pulumi.Output.from_input(repo_arn)
            self.image = self.repository_url.apply(cfg.image.reference)
        else:
            self.image = pulumi.Output.from_input(cfg.image.reference(""))

        # --- cluster ----------------------------------------------------------------------------
        if args.cluster is not None:
            if args.capacity_providers is None:
                raise ValueError("a shared cluster comes with its ClusterCapacityProviders (the service waits for it)")
            self.cluster, self.capacity_providers = args.cluster, args.capacity_providers
        else:
            self.cluster = aws.ecs.Cluster(
                name, name=namer.name(Kind.ECS, *parts), settings=[{"name": "containerInsights", "value": "enabled"}],
                opts=child)
            self.capacity_providers = aws.ecs.ClusterCapacityProviders(
                f"{name}-capacity", cluster_name=self.cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"],
                default_capacity_provider_strategies=_strategy(cfg), opts=child)
        self.cluster_name = self.cluster.name

        # --- logs and roles ---------------------------------------------------------------------
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=namer.path("ecs", *parts), retention_in_days=cfg.log_retention_days, opts=child)
        self.execution_role = aws.iam.Role(
            f"{name}-execution", name=namer.name(Kind.IAM_ROLE, *parts, "execution"),
            description="ECS agent: pull the image, write the log group, read the task's secrets",
            assume_role_policy=_ecs_trust(args), opts=child)
        execution_policy = aws.iam.RolePolicy(
            f"{name}-execution", role=self.execution_role.id, name="least-privilege",
            policy=_execution_policy(self.log_group.arn, repo_arn, [arn for _, arn in secrets]), opts=child)
        self.task_role = aws.iam.Role(
            f"{name}-task", name=namer.name(Kind.IAM_ROLE, *parts, "task"),
            description="The app's own permissions: exactly its declared store refs",
            assume_role_policy=_ecs_trust(args), opts=child)
        task_policy = aws.iam.RolePolicy(
            f"{name}-task", role=self.task_role.id, name="least-privilege",
            policy=_task_policy(uses, cfg.xray, cfg.execute_command), opts=child)

        # --- task definition --------------------------------------------------------------------
        environment = _environment(cfg, uses, args.config_path)
        definitions = pulumi.Output.all(
            image=self.image, log_group=self.log_group.name, env=environment,
            secrets=pulumi.Output.all(*[pulumi.Output.from_input(a) for _, a in secrets]),
        ).apply(lambda v: _container_definitions(cfg, args.region, v["image"], v["log_group"], v["env"],
                                                 [(n, a) for (n, _), a in zip(secrets, v["secrets"], strict=True)]))
        self.task_definition = aws.ecs.TaskDefinition(
            name, family=namer.name(Kind.ECS, *parts), network_mode="awsvpc", requires_compatibilities=["FARGATE"],
            cpu=str(cfg.cpu), memory=str(cfg.memory),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": cfg.architecture.value},
            execution_role_arn=self.execution_role.arn, task_role_arn=self.task_role.arn,
            container_definitions=definitions, volumes=[{"name": TMP_VOLUME}] if cfg.tmp_volume else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[execution_policy, task_policy]))

        # --- service ----------------------------------------------------------------------------
        sg_name = namer.name(Kind.SECURITY_GROUP, "ecs", *parts)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=sg_name, vpc_id=args.vpc_id, tags={"Name": sg_name},
            description=f"ECS {cfg.name}: only the load balancer in; HTTPS and its stores out" if args.load_balancer
            else f"ECS worker {cfg.name}: nothing in; HTTPS and its stores out", opts=child)
        lb = args.load_balancer
        if lb is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-from-alb", security_group_id=sg.id, ip_protocol="tcp", from_port=cfg.port, to_port=cfg.port,
                referenced_security_group_id=lb.security_group_id, description="from the load balancer only",
                opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-https", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
            cidr_ipv4="0.0.0.0/0", description="ECR, Secrets Manager, X-Ray, CloudWatch (through NAT or endpoints)",
            opts=child)
        for ref, _ in uses:
            if not ref.in_vpc:
                continue
            if ref.cidr_blocks:  # a database outside this stack (migrations shared): egress by CIDR only
                cidr_egress(name, sg.id, ref, f"ECS {cfg.name}", child)
                continue
            if ref.security_group_id is None or ref.port is None:
                raise ValueError(f"{ref.key} is in_vpc but has no security_group_id/port")
            key = re.sub(r"[^a-z0-9-]+", "-", ref.key.lower())
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-to-{key}", security_group_id=sg.id, ip_protocol="tcp", from_port=ref.port,
                to_port=ref.port, referenced_security_group_id=ref.security_group_id, description=f"to {ref.key}",
                opts=child)
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-into-{key}", security_group_id=ref.security_group_id, ip_protocol="tcp", from_port=ref.port,
                to_port=ref.port, referenced_security_group_id=sg.id, description=f"from ECS {cfg.name}",
                opts=child)
        self.security_group_id = sg.id

        gate = args.pre_traffic
        if gate is not None and gate.pre_traffic is None and gate.service == cfg.name:
            # The command runs as a one-off task of this new task definition, before any service rolls to it.
            gate.open(EcsRun(self.cluster.arn, self.cluster_name, self.task_definition.arn, cfg.name,
                             list(args.subnet_ids), [sg.id], [self.task_role.arn, self.execution_role.arn]),
                      task_definition=self.task_definition)
        self.service = aws.ecs.Service(
            name, name=namer.name(Kind.ECS, *parts), cluster=self.cluster.arn, task_definition=self.task_definition.arn,
            desired_count=cfg.scaling.min_tasks, capacity_provider_strategies=_strategy(cfg), platform_version="LATEST",
            network_configuration={"subnets": list(args.subnet_ids), "security_groups": [sg.id],
                                   "assign_public_ip": False},
            load_balancers=[{"target_group_arn": lb.target_group_arn, "container_name": cfg.name,
                             "container_port": cfg.port}] if lb is not None else None,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=200,
            # ECS accepts a grace period only for a service with a load balancer (CreateService).
            health_check_grace_period_seconds=cfg.health_check_grace_seconds if lb is not None else None,
            enable_execute_command=cfg.execute_command, enable_ecs_managed_tags=True, propagate_tags="SERVICE",
            wait_for_steady_state=False,
            # Application Auto Scaling owns the running count between min and max; without this every
            # `pulumi up` would reset the service to min_tasks in the middle of a traffic peak.
            # The service's strategy names FARGATE / FARGATE_SPOT: CreateService fails while they are
            # not yet associated with the cluster (PutClusterCapacityProviders), and nothing else
            # orders the two, since the service references only the cluster's ARN.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desired_count"],
                                        depends_on=[*(lb.listeners if lb else []), self.capacity_providers,
                                                    *(gate.resources if gate is not None else [])]))
        self.service_name = self.service.name
        self._autoscaling(name, parts)
        self.register_outputs({"clusterName": self.cluster_name, "serviceName": self.service_name,
                               "repositoryUrl": self.repository_url, "image": self.image,
                               "securityGroupId": self.security_group_id})

    # --- pieces ------------------------------------------------------------------------------------
    def _resolve_uses(self) -> list[tuple[StoreRef, Access]]:
        args = self._args
        out = []
        for key, access in args.config.uses:
            if key not in args.refs:
                raise ComponentError(f"{args.config_path}.uses.{key}", f"no store ref {key!r} exists in this stack"
                                     f"{suggest(key, list(args.refs))}", ", ".join(sorted(args.refs)) or "none")
            ref, capability = args.refs[key], Access(access.value)
            if not ref.allows(capability):  # e.g. consume on a queue outside the stack: send only
                raise ComponentError(f"{args.config_path}.uses.{key}", f"{key} has no {capability.value!r} capability",
                                     " | ".join(ref.capability_actions()))
            if capability is Access.CONSUME and ref.event_source is None:
                raise ComponentError(f"{args.config_path}.uses.{key}", f"{key} is not a queue this stack owns")
            out.append((ref, capability))
        return out

    def _resolve_secrets(self) -> list[tuple[str, pulumi.Input[str]]]:
        """(VAR, Secrets Manager ARN or ARN:json-key::) for the task definition's ``secrets``."""
        args = self._args
        out: list[tuple[str, pulumi.Input[str]]] = []
        for var, source in args.config.secrets:
            if source.startswith("arn:"):
                out.append((var, source))
                continue
            ref = args.refs.get(source)
            if ref is None or not ref.key.startswith("secret:") or not ref.resource_arns:
                known = [k for k in args.refs if k.startswith("secret:")]
                raise ComponentError(f"{args.config_path}.secrets.{var}", f"no generated secret {source!r}"
                                     f"{suggest(source, known)}", ", ".join(sorted(known)) or "none")
            out.append((var, ref.resource_arns[0]))
        return out

    def _repository(self, parts: tuple[str, ...]) -> aws.ecr.Repository:
        cfg, name = self._args.config, self._name
        keep = self._args.env.protect_stateful
        repo = aws.ecr.Repository(
            name, name=self._args.namer.name(Kind.ECR_REPOSITORY, *parts), image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS" if cfg.ecr_kms else "AES256"}],
            force_delete=not keep,  # dev: images go with the stack; prod keeps them for rollback
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep))
        aws.ecr.LifecyclePolicy(f"{name}-lifecycle", repository=repo.name, policy=json.dumps({"rules": [
            {"rulePriority": 1, "description": "untagged layers: a day",
             "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                           "countNumber": 1},
             "action": {"type": "expire"}},
            {"rulePriority": 2, "description": f"keep the last {cfg.ecr_keep_images} images (rollback targets)",
             "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": cfg.ecr_keep_images},
             "action": {"type": "expire"}},
        ]}, sort_keys=True), opts=pulumi.ResourceOptions(parent=self))
        return repo

    def _autoscaling(self, name: str, parts: tuple[str, ...]) -> None:
        cfg, lb, namer = self._args.config, self._args.load_balancer, self._args.namer
        child = pulumi.ResourceOptions(parent=self)
        resource_id = pulumi.Output.concat("service/", self.cluster.name, "/", self.service.name)
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling", service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=resource_id, min_capacity=0 if self._args.retired else cfg.scaling.min_tasks,
            max_capacity=0 if self._args.retired else cfg.scaling.max_tasks,
            opts=child)
        common = {"resource_id": self.scaling_target.resource_id,
                  "scalable_dimension": self.scaling_target.scalable_dimension,
                  "service_namespace": self.scaling_target.service_namespace, "policy_type": "TargetTrackingScaling"}
        cooldowns = {"scale_in_cooldown": cfg.scaling.scale_in_cooldown,
                     "scale_out_cooldown": cfg.scaling.scale_out_cooldown}
        aws.appautoscaling.Policy(
            f"{name}-cpu", name=namer.name(Kind.GENERIC, *parts, "cpu"),
            target_tracking_scaling_policy_configuration={
                "target_value": float(cfg.scaling.cpu_target_percent),
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
                **cooldowns}, opts=child, **common)
        if lb is None:  # a worker: no requests to count
            return
        aws.appautoscaling.Policy(
            f"{name}-requests", name=namer.name(Kind.GENERIC, *parts, "requests"),
            target_tracking_scaling_policy_configuration={
                "target_value": float(cfg.scaling.requests_per_target),
                "predefined_metric_specification": {
                    "predefined_metric_type": "ALBRequestCountPerTarget",
                    "resource_label": pulumi.Output.concat(lb.load_balancer_arn_suffix, "/",
                                                           lb.target_group_arn_suffix)},
                **cooldowns}, opts=child, **common)

    def monitoring_alarms(self, key: str) -> list[DeclaredAlarm]:
        """The service's CPU (no default threshold: only when the profile sets cpuPercent)."""
        return [ecs_cpu(key, self.cluster_name, self.service_name)]


def _strategy(cfg: ContainerConfig) -> list[dict[str, Any]]:
    """Base tasks on FARGATE, the rest split FARGATE : FARGATE_SPOT by weight (seed 001: Spot for the surplus)."""
    strategy: list[dict[str, Any]] = [{"capacity_provider": "FARGATE", "base": cfg.capacity.base,
                                       "weight": cfg.capacity.on_demand_weight}]
    if cfg.capacity.spot_weight:
        strategy.append({"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": cfg.capacity.spot_weight})
    return strategy


def _ecs_trust(args: ContainerAppArgs) -> str:
    # Confused-deputy guard: only ECS tasks of this account may assume the roles.
    return iam.assume_role("ecs-tasks.amazonaws.com", condition={
        "StringEquals": {"aws:SourceAccount": args.account_id},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{args.region}:{args.account_id}:*"}})


def _secret_resource(arn: str) -> str:
    """``arn:...:secret:name-AbCdEf:password::`` -> the secret's ARN (IAM resource)."""
    head = arn.split(":secret:", 1)
    return f"{head[0]}:secret:{head[1].split(':', 1)[0]}" if len(head) == 2 else arn


def _execution_policy(log_group_arn: pulumi.Output[str], repo_arn: pulumi.Input[str] | None,
                      secret_arns: list[pulumi.Input[str]]) -> pulumi.Output[str]:
    def build(v: dict[str, Any]) -> str:
        statements = [
            # GetAuthorizationToken has no resource-level permissions.
            iam.statement(["ecr:GetAuthorizationToken"], "*", sid="EcrLogin"),
            iam.statement(["logs:CreateLogStream", "logs:PutLogEvents"], [v["logs"], f"{v['logs']}:*"], sid="Logs"),
        ]
        if v["repo"]:
            statements.append(iam.statement(ECR_PULL_ACTIONS, v["repo"], sid="PullImage"))
        if v["secrets"]:
            resources = sorted({_secret_resource(a) for a in v["secrets"]})
            statements.append(iam.statement(["secretsmanager:GetSecretValue"], resources, sid="InjectSecrets"))
        return iam.document(*statements)

    return pulumi.Output.all(logs=log_group_arn, repo=repo_arn, secrets=pulumi.Output.all(*secret_arns)).apply(build)


def _task_policy(uses: list[tuple[StoreRef, Access]], xray: bool, execute_command: bool) -> pulumi.Output[str]:
    specs: list[PolicySpec] = []
    if xray:
        specs.append(("XRay", XRAY_ACTIONS, ["*"]))  # X-Ray has no resource-level permissions
    if execute_command:
        specs.append(("EcsExec", EXEC_ACTIONS, ["*"]))
    # The task polls its queues itself (a Sidekiq-style worker): consume adds ChangeMessageVisibility.
    specs += ref_specs(uses, poller=True)
    if not specs:  # a role policy needs a statement: deny nothing-in-particular explicitly
        specs.append(("NoPermissions", ("sts:GetCallerIdentity",), ["*"]))
    return policy_document(specs)


def _environment(cfg: ContainerConfig, uses: list[tuple[StoreRef, Access]], path: str) -> dict[str, pulumi.Input[str]]:
    env: dict[str, pulumi.Input[str]] = dict(cfg.environment)
    origin = {k: f"{path}.environment" for k in env}
    for var, _ in cfg.secrets:
        origin[var] = f"{path}.secrets"
    for ref, _ in uses:
        for key, value in ref.env.items():
            if key in origin:
                raise ComponentError(f"{path}.uses.{ref.key}", f"environment variable {key} comes from both "
                                     f"{origin[key]} and {ref.key}")
            env[key] = value
            origin[key] = ref.key
    env.setdefault("SERVICE_NAME", cfg.name)
    env.setdefault("PORT", str(cfg.port))
    if cfg.xray:
        env.setdefault("AWS_XRAY_DAEMON_ADDRESS", f"127.0.0.1:{XRAY_PORT}")
    return env


def _container_definitions(cfg: ContainerConfig, region: str, image: str, log_group: str,
                           env: Mapping[str, str], secrets: list[tuple[str, str]]) -> str:
    def logs(prefix: str) -> dict[str, Any]:
        return {"logDriver": "awslogs", "options": {"awslogs-group": log_group, "awslogs-region": region,
                                                    "awslogs-stream-prefix": prefix, "mode": "non-blocking"}}

    app: dict[str, Any] = {
        "name": cfg.name, "image": image, "essential": True, "user": cfg.user, "privileged": False,
        "readonlyRootFilesystem": cfg.readonly_root_filesystem,
        "portMappings": [{"containerPort": cfg.port, "hostPort": cfg.port, "protocol": "tcp", "name": "http"}],
        "environment": [{"name": k, "value": str(v)} for k, v in sorted(env.items())],
        "secrets": [{"name": n, "valueFrom": a} for n, a in sorted(secrets)],
        "logConfiguration": logs(cfg.name),
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "stopTimeout": 30,
    }
    if cfg.command:
        app["command"] = list(cfg.command)
    if cfg.tmp_volume:
        app["mountPoints"] = [{"sourceVolume": TMP_VOLUME, "containerPath": cfg.tmp_volume, "readOnly": False}]
    if cfg.health_check is not None:
        hc = cfg.health_check
        app["healthCheck"] = {"command": list(hc.command), "interval": hc.interval, "timeout": hc.timeout,
                              "retries": hc.retries, "startPeriod": hc.start_period}
    definitions = [app]
    if cfg.xray:
        app["dependsOn"] = [{"containerName": XRAY_CONTAINER, "condition": "START"}]
        definitions.append({
            # The image runs as its own non-root user (xray); it needs no writable filesystem.
            "name": XRAY_CONTAINER, "image": XRAY_IMAGE, "essential": False, "cpu": 32, "memoryReservation": 64,
            "readonlyRootFilesystem": True, "privileged": False,
            "portMappings": [{"containerPort": XRAY_PORT, "hostPort": XRAY_PORT, "protocol": "udp"}],
            "logConfiguration": logs("xray"),
        })
    return json.dumps(definitions, sort_keys=True)
