"""Per-stack monitoring: the seeds' alarms on the metrics the stack has, all wired to one alert
topic, a CloudWatch dashboard of the variant's metrics, and an AWS Budgets monthly budget."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alert_topic import AlertTopic, AlertTopicArgs
from cutover.config import BudgetConfig
from cutover.config.monitoring import AlarmThreshold, MonitoringConfig
from cutover.naming import Kind, Namer
from cutover.rds_limits import postgres_max_connections

GIB = 1024**3


@dataclass(frozen=True)
class RdsTarget:
    identifier: pulumi.Input[str]
    instance_class: str
    allocated_storage_gb: int


@dataclass(frozen=True)
class AlbTarget:
    load_balancer_suffix: pulumi.Input[str]  # "app/<name>/<id>"
    target_group_suffix: pulumi.Input[str] | None = None  # "targetgroup/<name>/<id>"


@dataclass(frozen=True)
class EcsTarget:
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]


@dataclass(frozen=True)
class MonitoringTargets:
    """What the stack runs, keyed by stable config keys (never by position)."""

    lambda_functions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    http_apis: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # API Gateway v2 ApiId
    rds: Mapping[str, RdsTarget] = field(default_factory=dict)
    albs: Mapping[str, AlbTarget] = field(default_factory=dict)
    ecs_services: Mapping[str, EcsTarget] = field(default_factory=dict)
    dynamodb_tables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class MonitoringArgs:
    config: MonitoringConfig
    namer: Namer
    region: str
    account_id: str
    budget: BudgetConfig
    budget_tag: str  # value of the cutover:stack tag that scopes the budget
    alert_email: str
    targets: MonitoringTargets


class Monitoring(pulumi.ComponentResource):
    topic: AlertTopic
    alarm_names: list[pulumi.Output[str]]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:monitoring:Monitoring", name, None, opts)
        self._name, self._args = name, args
        self.topic = AlertTopic(f"{name}-alerts", AlertTopicArgs(args.namer, "alerts", args.account_id,
                                                                 args.alert_email, region=args.region),
                                opts=pulumi.ResourceOptions(parent=self))
        self.alarm_names = []
        t, cfg = args.targets, args.config
        for a in cfg.for_metric("lambdaErrorRatePercent"):
            for key, fn in t.lambda_functions.items():
                self._ratio(a, key, "AWS/Lambda", "Errors", "Invocations", {"FunctionName": fn})
        for a in cfg.for_metric("api5xxRatePercent"):
            for key, api in t.http_apis.items():
                self._ratio(a, key, "AWS/ApiGateway", "5xx", "Count", {"ApiId": api})
        for a in cfg.for_metric("errorRatePercent"):
            for key, alb in t.albs.items():
                self._ratio(a, key, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "RequestCount",
                            _alb_dims(alb))
        for a in cfg.for_metric("responseTimeMs"):
            for key, alb in t.albs.items():
                self._simple(a, key, "AWS/ApplicationELB", "TargetResponseTime", "Average", _alb_dims(alb),
                             a.threshold / 1000.0)
        for a in cfg.for_metric("cpuPercent"):
            for key, svc in t.ecs_services.items():
                self._simple(a, key, "AWS/ECS", "CPUUtilization", "Average",
                             {"ClusterName": svc.cluster_name, "ServiceName": svc.service_name}, a.threshold)
        for key, db in t.rds.items():
            dims = {"DBInstanceIdentifier": db.identifier}
            for a in cfg.for_metric("dbCpuPercent"):
                self._simple(a, key, "AWS/RDS", "CPUUtilization", "Average", dims, a.threshold)
            for a in cfg.for_metric("dbConnectionsPercent"):
                limit = postgres_max_connections(db.instance_class)
                self._simple(a, key, "AWS/RDS", "DatabaseConnections", "Maximum", dims,
                             round(limit * a.threshold / 100.0))
            for a in cfg.for_metric("dbStoragePercent"):
                free_floor = db.allocated_storage_gb * GIB * (100.0 - a.threshold) / 100.0
                self._simple(a, key, "AWS/RDS", "FreeStorageSpace", "Minimum", dims, free_floor,
                             comparison="LessThanThreshold")
        for a in cfg.for_metric("dynamodbThrottles"):
            for key, table in t.dynamodb_tables.items():
                self._sum(a, key, "AWS/DynamoDB", ("ReadThrottleEvents", "WriteThrottleEvents"), {"TableName": table})

        self.dashboard = self._dashboard() if cfg.dashboard else None
        self.budget = self._budget()
        self.register_outputs({"topicArn": self.topic.arn, "alarmNames": self.alarm_names})

    # --- alarms ------------------------------------------------------------------------------------
    def _alarm_name(self, a: AlarmThreshold, key: str) -> tuple[str, str]:
        logical = f"{self._name}-{a.metric}-{key}-{a.level}"
        return logical, self._args.namer.name(Kind.ALARM, a.metric, key, a.level)

    def _register(self, logical: str, **kwargs: Any) -> None:
        alarm = aws.cloudwatch.MetricAlarm(
            logical, alarm_actions=[self.topic.arn], ok_actions=[self.topic.arn],
            treat_missing_data="notBreaching", opts=pulumi.ResourceOptions(parent=self), **kwargs)
        self.alarm_names.append(alarm.name)

    def _simple(self, a: AlarmThreshold, key: str, namespace: str, metric: str, stat: str,
                dims: Mapping[str, pulumi.Input[str]], threshold: float,
                comparison: str = "GreaterThanThreshold") -> None:
        logical, physical = self._alarm_name(a, key)
        self._register(logical, name=physical, namespace=namespace, metric_name=metric, statistic=stat,
                       dimensions=dict(dims), period=60, evaluation_periods=a.minutes,
                       datapoints_to_alarm=a.minutes, threshold=threshold, comparison_operator=comparison,
                       alarm_description=f"{a.level}: {metric} {comparison} {threshold:g} for {a.minutes} min")

    def _ratio(self, a: AlarmThreshold, key: str, namespace: str, numerator: str, denominator: str,
               dims: Mapping[str, pulumi.Input[str]]) -> None:
        logical, physical = self._alarm_name(a, key)
        queries = [
            _query("num", namespace, numerator, dims), _query("den", namespace, denominator, dims),
            {"id": "rate", "expression": "IF(den > 0, 100 * num / den, 0)", "label": f"{numerator} %",
             "return_data": True},
        ]
        self._register(logical, name=physical, metric_queries=queries, evaluation_periods=a.minutes,
                       datapoints_to_alarm=a.minutes, threshold=a.threshold,
                       comparison_operator="GreaterThanThreshold",
                       alarm_description=f"{a.level}: {numerator}/{denominator} above {a.threshold:g}% "
                                         f"for {a.minutes} min")

    def _sum(self, a: AlarmThreshold, key: str, namespace: str, metrics: tuple[str, ...],
             dims: Mapping[str, pulumi.Input[str]]) -> None:
        logical, physical = self._alarm_name(a, key)
        queries = [_query(f"m{i}", namespace, m, dims) for i, m in enumerate(metrics)]
        queries.append({"id": "total", "expression": " + ".join(f"m{i}" for i in range(len(metrics))),
                        "label": "throttle events", "return_data": True})
        self._register(logical, name=physical, metric_queries=queries, evaluation_periods=a.minutes,
                       datapoints_to_alarm=1, threshold=a.threshold, comparison_operator="GreaterThanThreshold",
                       alarm_description=f"{a.level}: throttling above {a.threshold:g}")

    # --- dashboard and budget ------------------------------------------------------------------
    def _dashboard(self) -> aws.cloudwatch.Dashboard:
        t, region = self._args.targets, self._args.region
        widgets: list[pulumi.Output[dict[str, Any]]] = []

        def add(title: str, namespace: str, metrics: list[str], dims: Mapping[str, pulumi.Input[str]],
                stat: str = "Sum") -> None:
            widgets.append(pulumi.Output.all(**dict(dims)).apply(lambda d: {
                "type": "metric", "width": 12, "height": 6,
                "properties": {"title": title, "region": region, "stat": stat, "period": 60,
                               "metrics": [[namespace, m, *[x for kv in d.items() for x in kv]] for m in metrics]},
            }))

        for key, fn in t.lambda_functions.items():
            add(f"Lambda {key}", "AWS/Lambda", ["Invocations", "Errors", "Throttles"], {"FunctionName": fn})
        for key, api in t.http_apis.items():
            add(f"API {key}", "AWS/ApiGateway", ["Count", "4xx", "5xx"], {"ApiId": api})
        for key, db in t.rds.items():
            add(f"RDS {key}", "AWS/RDS", ["CPUUtilization", "DatabaseConnections"],
                {"DBInstanceIdentifier": db.identifier}, "Average")
        for key, alb in t.albs.items():
            add(f"ALB {key}", "AWS/ApplicationELB", ["RequestCount", "HTTPCode_Target_5XX_Count"], _alb_dims(alb))
        for key, svc in t.ecs_services.items():
            add(f"ECS {key}", "AWS/ECS", ["CPUUtilization", "MemoryUtilization"],
                {"ClusterName": svc.cluster_name, "ServiceName": svc.service_name}, "Average")
        for key, table in t.dynamodb_tables.items():
            add(f"DynamoDB {key}", "AWS/DynamoDB", ["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits",
                                                    "ReadThrottleEvents", "WriteThrottleEvents"],
                {"TableName": table})
        body = pulumi.Output.all(*widgets).apply(lambda ws: json.dumps({"widgets": list(ws)}, sort_keys=True))
        return aws.cloudwatch.Dashboard(f"{self._name}-dashboard",
                                        dashboard_name=self._args.namer.name(Kind.GENERIC, "dashboard"),
                                        dashboard_body=body, opts=pulumi.ResourceOptions(parent=self))

    def _budget(self) -> aws.budgets.Budget:
        args = self._args
        b = args.budget
        subscribers: dict[str, Any] = {"subscriber_sns_topic_arns": [self.topic.arn]}
        if args.alert_email:
            subscribers["subscriber_email_addresses"] = [args.alert_email]
        alert_percent = round(100.0 * b.alert_usd / b.monthly_usd, 2)
        return aws.budgets.Budget(
            f"{self._name}-budget", name=args.namer.name(Kind.BUDGET, "monthly"), budget_type="COST",
            limit_amount=f"{b.monthly_usd:.2f}", limit_unit="USD", time_unit="MONTHLY",
            # Needs `cutover:stack` activated as a cost allocation tag (docs/monitoring.md).
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:cutover:stack${args.budget_tag}"]}],
            notifications=[
                {"comparison_operator": "GREATER_THAN", "threshold": alert_percent, "threshold_type": "PERCENTAGE",
                 "notification_type": "ACTUAL", **subscribers},
                {"comparison_operator": "GREATER_THAN", "threshold": 100, "threshold_type": "PERCENTAGE",
                 "notification_type": "FORECASTED", **subscribers},
            ],
            opts=pulumi.ResourceOptions(parent=self))


def _query(qid: str, namespace: str, metric: str, dims: Mapping[str, pulumi.Input[str]]) -> dict[str, Any]:
    return {"id": qid, "return_data": False,
            "metric": {"namespace": namespace, "metric_name": metric, "period": 60, "stat": "Sum",
                       "dimensions": dict(dims)}}


def _alb_dims(alb: AlbTarget) -> dict[str, pulumi.Input[str]]:
    dims: dict[str, pulumi.Input[str]] = {"LoadBalancer": alb.load_balancer_suffix}
    if alb.target_group_suffix is not None:
        dims["TargetGroup"] = alb.target_group_suffix
    return dims
