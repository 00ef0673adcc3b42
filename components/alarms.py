"""Declared alarms: components say what deserves an alarm, Monitoring renders it.

The way stores declare refs (components/refs.py), a component declares ``DeclaredAlarm``s for what it
builds: every function an error-rate alarm, every dead-letter queue a depth alarm, every load balancer
its 5xx rate and latency, and so on. A declaration names the catalogue metric (``monitoring.alarms``
keys, cutover/config/monitoring.py) and carries that kind's default thresholds; the seeds' thresholds
for the metric replace the defaults; a metric with neither gets no alarm (opt-in kinds such as RDS
CPU have no default). Monitoring (components/monitoring.py) renders exactly what it is given.

Plain data, no Pulumi resources: any program can build, filter or extend the list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class Threshold:
    """One level of an alarm: ``level`` warning|critical, breached for ``minutes`` 1-minute periods."""

    level: str
    threshold: float
    minutes: int


# Default thresholds per resource kind (overridden by the seeds' monitoring.alarms.<metric>).
# A message in a dead-letter queue is an event that was not processed after Lambda's retries: one is
# enough to page (SQS publishes ApproximateNumberOfMessagesVisible every minute).
DEAD_LETTER_DEFAULT = (Threshold("critical", 0, 1),)
# Lambda errors: 5 % of invocations for 5 minutes, the value four of the five seeds state.
LAMBDA_ERROR_DEFAULT = (Threshold("critical", 5, 5),)


@dataclass(frozen=True)
class DeclaredAlarm:
    """An alarm a component asks for. ``kind``: simple (one metric), ratio (100 * a / b) or sum."""

    metric: str  # catalogue name, e.g. lambdaErrorRatePercent; also part of the alarm's name
    key: str  # what is watched, stable across deployments (a service name, "rollback", "blue-web")
    kind: str
    namespace: str
    metrics: tuple[str, ...]
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str = "Sum"
    comparison: str = "GreaterThanThreshold"
    defaults: tuple[Threshold, ...] = ()
    # The configured threshold in the metric's own unit (ms -> s, % of max_connections -> connections).
    scale: Callable[[float], float] | None = field(default=None, compare=False)

    def thresholds(self, configured: Mapping[str, tuple[Threshold, ...]]) -> tuple[Threshold, ...]:
        """The seeds' thresholds for this metric when they set any, else this kind's defaults."""
        return configured.get(self.metric) or self.defaults


def lambda_error_rate(key: str, function_name: pulumi.Input[str]) -> DeclaredAlarm:
    return DeclaredAlarm("lambdaErrorRatePercent", key, "ratio", "AWS/Lambda", ("Errors", "Invocations"),
                         {"FunctionName": function_name}, defaults=LAMBDA_ERROR_DEFAULT)


def dead_letter_depth(key: str, queue_name: pulumi.Input[str]) -> DeclaredAlarm:
    return DeclaredAlarm("deadLetterQueueDepth", key, "simple", "AWS/SQS", ("ApproximateNumberOfMessagesVisible",),
                         {"QueueName": queue_name}, statistic="Maximum", defaults=DEAD_LETTER_DEFAULT)


def api_5xx_rate(key: str, api_id: pulumi.Input[str]) -> DeclaredAlarm:
    return DeclaredAlarm("api5xxRatePercent", key, "ratio", "AWS/ApiGateway", ("5xx", "Count"), {"ApiId": api_id})


def alb_dimensions(load_balancer_suffix: pulumi.Input[str],
                   target_group_suffix: pulumi.Input[str] | None = None) -> dict[str, pulumi.Input[str]]:
    dims: dict[str, pulumi.Input[str]] = {"LoadBalancer": load_balancer_suffix}
    if target_group_suffix is not None:
        dims["TargetGroup"] = target_group_suffix
    return dims


def alb_alarms(key: str, load_balancer_suffix: pulumi.Input[str],
               target_group_suffix: pulumi.Input[str] | None = None) -> list[DeclaredAlarm]:
    dims = alb_dimensions(load_balancer_suffix, target_group_suffix)
    return [DeclaredAlarm("errorRatePercent", key, "ratio", "AWS/ApplicationELB",
                          ("HTTPCode_Target_5XX_Count", "RequestCount"), dims),
            # TargetResponseTime is in seconds (ELB user guide, CloudWatch metrics); the seeds say ms.
            DeclaredAlarm("responseTimeMs", key, "simple", "AWS/ApplicationELB", ("TargetResponseTime",), dims,
                          statistic="Average", scale=lambda ms: ms / 1000.0)]


def ecs_cpu(key: str, cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]) -> DeclaredAlarm:
    return DeclaredAlarm("cpuPercent", key, "simple", "AWS/ECS", ("CPUUtilization",),
                         {"ClusterName": cluster_name, "ServiceName": service_name}, statistic="Average")


def dynamodb_throttles(key: str, table_name: pulumi.Input[str]) -> DeclaredAlarm:
    return DeclaredAlarm("dynamodbThrottles", key, "sum", "AWS/DynamoDB",
                         ("ReadThrottleEvents", "WriteThrottleEvents"), {"TableName": table_name})


def rds_alarms(key: str, identifier: pulumi.Input[str], max_connections: int,
               allocated_storage_gb: int) -> list[DeclaredAlarm]:
    dims = {"DBInstanceIdentifier": identifier}
    gib = 1024**3
    return [
        DeclaredAlarm("dbCpuPercent", key, "simple", "AWS/RDS", ("CPUUtilization",), dims, statistic="Average"),
        DeclaredAlarm("dbConnectionsPercent", key, "simple", "AWS/RDS", ("DatabaseConnections",), dims,
                      statistic="Maximum", scale=lambda pct: round(max_connections * pct / 100.0)),
        # Used storage is not a metric: alarm when FreeStorageSpace falls below what the percentage leaves.
        DeclaredAlarm("dbStoragePercent", key, "simple", "AWS/RDS", ("FreeStorageSpace",), dims,
                      statistic="Minimum", comparison="LessThanThreshold",
                      scale=lambda pct: allocated_storage_gb * gib * (100.0 - pct) / 100.0),
    ]
