"""Monitoring section: alarm thresholds per metric, as the seeds state them.

Each alarm is ``{warning: x, critical: y}`` or a bare number (critical only). Alarms are created
only for metrics the stack actually has (no Lambda alarms on an ECS-only stack): components declare
them (components/alarms.py), some kinds with defaults these thresholds replace.
"""

from __future__ import annotations

from components.specs.monitoring import (
    AlarmThreshold,
    MetricSpec,
    MonitoringConfig,
)
from cutover.config.reader import Reader
from cutover.errors import ConfigError

# The alarm catalogue: name -> what the threshold measures.
METRICS: dict[str, MetricSpec] = {
    "lambdaErrorRatePercent": MetricSpec("%", 100, "Lambda Errors / Invocations per function (default: 5 for 5 min)"),
    "deadLetterQueueDepth": MetricSpec("messages", 1_000_000, "SQS ApproximateNumberOfMessagesVisible per dead-letter "
                                                            "queue (default: above 0 for 1 min)"),
    "api5xxRatePercent": MetricSpec("%", 100, "API Gateway 5xx / Count"),
    "dbConnectionsPercent": MetricSpec("%", 100, "RDS DatabaseConnections / max_connections of the class"),
    "dbCpuPercent": MetricSpec("%", 100, "RDS CPUUtilization"),
    "dbStoragePercent": MetricSpec("%", 100, "RDS storage used / allocated"),
    "responseTimeMs": MetricSpec("ms", 60000, "ALB TargetResponseTime (average)"),
    "errorRatePercent": MetricSpec("%", 100, "ALB HTTPCode_Target_5XX_Count / RequestCount"),
    "cpuPercent": MetricSpec("%", 100, "ECS service CPUUtilization"),
    "dynamodbThrottles": MetricSpec("events", 1_000_000, "DynamoDB ThrottledRequests per table (sum)"),
    "queueDepth": MetricSpec("messages", 1_000_000_000, "SQS ApproximateNumberOfMessagesVisible per queue "
                                                       "(default: the queue's alarms.depth)"),
    "queueOldestMessageSeconds": MetricSpec("s", 1_209_600, "SQS ApproximateAgeOfOldestMessage per queue "
                                                            "(default: the queue's alarms.oldestAgeSeconds)"),
}
LEVELS = ("warning", "critical")


def parse_monitoring(r: Reader) -> MonitoringConfig:
    from cutover.config.schema import default

    alarms: list[AlarmThreshold] = []
    ar = r.section("alarms")
    for name in ar.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        if name not in METRICS:
            ar.raw(name)
            raise ConfigError(ar.key(name), "unknown alarm metric", ", ".join(METRICS))
        spec = METRICS[name]
        raw = ar.raw(name)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            alarms.append(AlarmThreshold(name, "critical", ar.number(name, minimum=0, maximum=spec.maximum), 5))
            continue
        levels = ar.section(name)
        minutes = levels.integer("minutes", default(f"monitoring.alarms.{name}.minutes"), minimum=1, maximum=1440)
        found = False
        for level in LEVELS:
            if levels.has(level):
                found = True
                alarms.append(AlarmThreshold(name, level, levels.number(level, minimum=0, maximum=spec.maximum),
                                             minutes))
        levels.finish()
        if not found:
            raise ConfigError(ar.key(name), "needs a threshold", "a number, or {warning: x, critical: y}")
        pair = [a for a in alarms if a.metric == name]
        if len(pair) == 2 and pair[0].threshold >= pair[1].threshold:
            raise ConfigError(ar.key(f"{name}.warning"), "the warning threshold must be below the critical one",
                              f"< {pair[1].threshold}")
    ar.finish()
    config = MonitoringConfig(alarms=tuple(alarms), dashboard=r.boolean("dashboard", default("monitoring.dashboard")))
    r.finish()
    return config
