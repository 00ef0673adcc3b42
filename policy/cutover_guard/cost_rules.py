"""Cost guard rails: allowed sizes per environment, caps on counts and capacity, no NAT gateways in dev."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs

from cutover_guard._util import (
    as_number,
    as_str,
    get,
    is_unknown,
    items,
    resource_environment,
    resource_policy,
)

DEFAULT_INSTANCE_TYPES: Final = {
    "dev": ["t4g.nano", "t4g.micro", "t4g.small"],
    "prod": ["t4g.nano", "t4g.micro", "t4g.small", "t4g.medium", "c7g.medium", "m7g.medium", "m7g.large"],
}
DEFAULT_DB_CLASSES: Final = {
    "dev": ["db.serverless", "db.t4g.micro", "db.t4g.small", "db.t4g.medium"],
    "prod": ["db.serverless", "db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large",
             "db.r7g.large", "db.r6g.large"],
}
DEFAULT_CACHE_NODE_TYPES: Final = {
    "dev": ["cache.t4g.micro", "cache.t4g.small"],
    "prod": ["cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium", "cache.m7g.large", "cache.r7g.large"],
}
DEFAULT_FARGATE_MAX: Final = {"dev": {"cpu": 512, "memory": 1024}, "prod": {"cpu": 2048, "memory": 8192}}
DEFAULT_ECS_DESIRED_MAX: Final = {"dev": 2, "prod": 10}
DEFAULT_AUTOSCALING_MAX: Final = {"dev": 2, "prod": 20}
DEFAULT_PROVISIONED_CONCURRENCY_MAX: Final = {"dev": 0, "prod": 10}
DEFAULT_DYNAMODB_CAPACITY_MAX: Final = {"dev": 5, "prod": 100}
DEFAULT_LOG_RETENTION_MAX: Final = {"dev": 14, "prod": 400}


def _per_env(args: ResourceValidationArgs, key: str, default: Mapping[str, Any]) -> Any:
    env = resource_environment(args)
    configured = args.get_config().get(key, default)
    return configured.get(env, default[env]) if isinstance(configured, Mapping) else default[env]


def _env_schema(default: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "object", "default": dict(default), "description": "per environment: dev and prod"}


def _allowed(prop: str, what: str) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        value = get(args.props, prop)
        if value is None or is_unknown(value):
            return
        allowed = list(_per_env(args, "allowed", _DEFAULTS[args.resource_type]))
        if value not in allowed:
            report(f"{what} {value!r} is not allowed in {resource_environment(args)}; allowed: {allowed}.", None)
    return validate


_DEFAULTS: Final[dict[str, Mapping[str, Any]]] = {
    "aws:ec2/instance:Instance": DEFAULT_INSTANCE_TYPES,
    "aws:rds/instance:Instance": DEFAULT_DB_CLASSES,
    "aws:rds/clusterInstance:ClusterInstance": DEFAULT_DB_CLASSES,
    "aws:elasticache/replicationGroup:ReplicationGroup": DEFAULT_CACHE_NODE_TYPES,
    "aws:elasticache/cluster:Cluster": DEFAULT_CACHE_NODE_TYPES,
}

allowed_instance_types = resource_policy(
    "allowed-instance-types", "EC2 instance types must be on the environment's allow-list.",
    ["aws:ec2/instance:Instance"], _allowed("instanceType", "Instance type"),
    config={"allowed": _env_schema(DEFAULT_INSTANCE_TYPES)})

allowed_db_classes = resource_policy(
    "allowed-db-classes", "RDS/Aurora instance classes must be on the environment's allow-list.",
    ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"], _allowed("instanceClass", "DB class"),
    config={"allowed": _env_schema(DEFAULT_DB_CLASSES)})

allowed_cache_node_types = resource_policy(
    "allowed-cache-node-types", "ElastiCache node types must be on the environment's allow-list.",
    ["aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"],
    _allowed("nodeType", "Node type"), config={"allowed": _env_schema(DEFAULT_CACHE_NODE_TYPES)})


def _fargate_size(args: ResourceValidationArgs, report: ReportViolation) -> None:
    compat = [c for c in items(get(args.props, "requiresCompatibilities")) if isinstance(c, str)]
    if "FARGATE" not in compat:
        return
    caps = _per_env(args, "max", DEFAULT_FARGATE_MAX)
    for prop in ("cpu", "memory"):
        value = as_number(get(args.props, prop))
        if value is not None and value > float(caps[prop]):
            report(f"Fargate task {prop} {value:g} exceeds the {resource_environment(args)} cap of {caps[prop]}.", None)


fargate_task_size = resource_policy(
    "fargate-task-size", "Fargate task CPU and memory must stay within the environment's caps.",
    ["aws:ecs/taskDefinition:TaskDefinition"], _fargate_size, config={"max": _env_schema(DEFAULT_FARGATE_MAX)})


def _no_nat_gateway(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if resource_environment(args) == "dev":
        report("NAT gateways cost ~$33/month each plus $0.045/GB; dev uses a NAT instance (t4g.nano).", None)


no_nat_gateway_dev = resource_policy(
    "no-nat-gateway-dev", "Dev stacks must not create NAT gateways (use a NAT instance).",
    ["aws:ec2/natGateway:NatGateway"], _no_nat_gateway)


def _cap(prop_paths: list[tuple[str, ...]], key: str, default: Mapping[str, Any], what: str) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        cap = float(_per_env(args, key, default))
        for path in prop_paths:
            value = as_number(get(args.props, *path))
            if value is not None and value > cap:
                report(f"{what} {'.'.join(path)}={value:g} exceeds the {resource_environment(args)} cap of {cap:g}.",
                       None)
    return validate


ecs_desired_count_cap = resource_policy(
    "ecs-desired-count-cap", "ECS service desiredCount must stay within the environment's cap.",
    ["aws:ecs/service:Service"], _cap([("desiredCount",)], "max", DEFAULT_ECS_DESIRED_MAX, "ECS service"),
    config={"max": _env_schema(DEFAULT_ECS_DESIRED_MAX)})

autoscaling_max_capacity_cap = resource_policy(
    "autoscaling-max-capacity-cap", "Application Auto Scaling maxCapacity must stay within the environment's cap.",
    ["aws:appautoscaling/target:Target"], _cap([("maxCapacity",)], "max", DEFAULT_AUTOSCALING_MAX, "Scaling target"),
    config={"max": _env_schema(DEFAULT_AUTOSCALING_MAX)})

lambda_provisioned_concurrency_cap = resource_policy(
    "lambda-provisioned-concurrency-cap", "Lambda provisioned concurrency must stay within the environment's cap.",
    ["aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"],
    _cap([("provisionedConcurrentExecutions",)], "max", DEFAULT_PROVISIONED_CONCURRENCY_MAX, "Lambda"),
    config={"max": _env_schema(DEFAULT_PROVISIONED_CONCURRENCY_MAX)})


def _dynamodb_capacity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    mode = get(args.props, "billingMode")
    if is_unknown(mode) or (as_str(mode) or "PROVISIONED") != "PROVISIONED":
        return
    cap = float(_per_env(args, "max", DEFAULT_DYNAMODB_CAPACITY_MAX))
    targets = [("table", args.props)] + [(f"index {get(g, 'name')}", g)
                                         for g in items(get(args.props, "globalSecondaryIndexes"))]
    for label, target in targets:
        for prop in ("readCapacity", "writeCapacity"):
            value = as_number(get(target, prop))
            if value is not None and value > cap:
                report(f"DynamoDB {label} {prop}={value:g} exceeds the {resource_environment(args)} cap of {cap:g}; "
                       "consider PAY_PER_REQUEST.", None)


dynamodb_capacity_cap = resource_policy(
    "dynamodb-capacity-cap", "Provisioned DynamoDB capacity must stay within the environment's cap.",
    ["aws:dynamodb/table:Table"], _dynamodb_capacity, config={"max": _env_schema(DEFAULT_DYNAMODB_CAPACITY_MAX)})

log_retention_cap = resource_policy(
    "log-retention-cap", "Log retention must not exceed the environment's cap (14 days in dev).",
    ["aws:cloudwatch/logGroup:LogGroup"],
    _cap([("retentionInDays",)], "maxDays", DEFAULT_LOG_RETENTION_MAX, "Log group"),
    config={"maxDays": _env_schema(DEFAULT_LOG_RETENTION_MAX)})

POLICIES: Final = [
    allowed_instance_types, allowed_db_classes, allowed_cache_node_types, fargate_task_size, no_nat_gateway_dev,
    ecs_desired_count_cap, autoscaling_max_capacity_cap, lambda_provisioned_concurrency_cap, dynamodb_capacity_cap,
    log_retention_cap,
]
