"""Per-stack monitoring: the alarms the components declared (components/alarms.py), at the seeds'
thresholds or each kind's defaults, all wired to one alert topic; a CloudWatch dashboard of the
targets' metrics, and an AWS Budgets monthly budget. It renders what it is given and nothing else."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import (
    DeclaredAlarm,
    Threshold,
    alb_alarms,
    api_5xx_rate,
    dynamodb_throttles,
    ecs_cpu,
    lambda_error_rate,
    rds_alarms,
)
from components.alert_topic import AlertTopic, AlertTopicArgs
from components.specs.budget import BudgetConfig
from components.specs.monitoring import MonitoringConfig
from cutover.naming import Kind, Namer
from cutover.rds_limits import max_connections


@dataclass(frozen=True)
class RdsTarget:
    identifier: pulumi.Input[str]
    instance_class: str
    allocated_storage_gb: int
    engine: str = "postgres"  # postgres | mysql: their default max_connections differ (cutover/rds_limits.py)


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

    def alarms(self) -> list[DeclaredAlarm]:
        """The default declarations for these targets (components declare their own the same way)."""
        out = [lambda_error_rate(k, fn) for k, fn in self.lambda_functions.items()]
        out += [api_5xx_rate(k, api) for k, api in self.http_apis.items()]
        out += [a for k, alb in self.albs.items() for a in alb_alarms(k, alb.load_balancer_suffix,
                                                                        alb.target_group_suffix)]
        out += [ecs_cpu(k, svc.cluster_name, svc.service_name) for k, svc in self.ecs_services.items()]
        out += [a for k, db in self.rds.items() for a in rds_alarms(
            k, db.identifier, max_connections(db.engine, db.instance_class), db.allocated_storage_gb)]
        out += [dynamodb_throttles(k, t) for k, t in self.dynamodb_tables.items()]
        return out


@dataclass(frozen=True)
class MonitoringArgs:
    config: MonitoringConfig
    namer: Namer
    region: str
    account_id: str
    budget: BudgetConfig
    budget_tag: str  # value of the cutover:stack tag that scopes the budget
    alert_email: str
    targets: MonitoringTargets  # what the dashboard shows
    # What to alarm on, as the components declared it; the seeds' thresholds replace each kind's defaults.
    alarms: Sequence[DeclaredAlarm] = ()


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
        cfg = args.config
        self.render_alarms(args.alarms)

        self.dashboard = self._dashboard() if cfg.dashboard else None
        self.budget = self._budget()
        self.register_outputs({"topicArn": self.topic.arn, "alarmNames": self.alarm_names})

    # --- alarms ------------------------------------------------------------------------------------
    def render_alarms(self, alarms: Sequence[DeclaredAlarm]) -> None:
        """Render declared alarms at the seeds' thresholds (else each kind's defaults). Also called after
        construction for components the program builds later (the data plan's verifier), whose alarms
        notify the topic this component already created."""
        cfg = self._args.config
        configured = {m: tuple(Threshold(a.level, a.threshold, a.minutes) for a in cfg.for_metric(m))
                      for m in {a.metric for a in cfg.alarms}}
        for declared in alarms:
            for level in declared.thresholds(configured):
                self._render(declared, level)

    def _render(self, d: DeclaredAlarm, level: Threshold) -> None:
        logical = f"{self._name}-{d.metric}-{d.key}-{level.level}"
        threshold = d.scale(level.threshold) if d.scale is not None else level.threshold
        common: dict[str, Any] = {
            "name": self._args.namer.name(Kind.ALARM, d.metric, d.key, level.level),
            "evaluation_periods": level.minutes, "threshold": threshold, "comparison_operator": d.comparison}
        if d.kind == "simple":
            (metric,) = d.metrics
            common |= {"namespace": d.namespace, "metric_name": metric, "statistic": d.statistic,
                       "dimensions": dict(d.dimensions), "period": 60, "datapoints_to_alarm": level.minutes,
                       "alarm_description": f"{level.level}: {metric} {d.comparison} {threshold:g} "
                                            f"for {level.minutes} min"}
        elif d.kind == "ratio":
            numerator, denominator = d.metrics
            common |= {"datapoints_to_alarm": level.minutes, "metric_queries": [
                _query("num", d.namespace, numerator, d.dimensions),
                _query("den", d.namespace, denominator, d.dimensions),
                {"id": "rate", "expression": "IF(den > 0, 100 * num / den, 0)", "label": f"{numerator} %",
                 "return_data": True}],
                "alarm_description": f"{level.level}: {numerator}/{denominator} above {threshold:g}% "
                                     f"for {level.minutes} min"}
        elif d.kind == "sum":
            queries = [_query(f"m{i}", d.namespace, m, d.dimensions) for i, m in enumerate(d.metrics)]
            queries.append({"id": "total", "expression": " + ".join(f"m{i}" for i in range(len(d.metrics))),
                            "label": "throttle events", "return_data": True})
            common |= {"datapoints_to_alarm": 1, "metric_queries": queries,
                       "alarm_description": f"{level.level}: throttling above {threshold:g}"}
        else:
            raise ValueError(f"alarm {d.metric}/{d.key}: unknown kind {d.kind!r} (simple, ratio, sum)")
        alarm = aws.cloudwatch.MetricAlarm(
            logical, alarm_actions=[self.topic.arn], ok_actions=[self.topic.arn],
            treat_missing_data="notBreaching", opts=pulumi.ResourceOptions(parent=self), **common)
        self.alarm_names.append(alarm.name)

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
