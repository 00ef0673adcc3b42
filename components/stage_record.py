"""Stage record: when the current green weight took effect, and where its gates read their evidence.

Written by the deployment itself, so it is true whoever runs ``pulumi up`` (a laptop, CI or Pulumi
Deployments):

* ``/<app>/<stack>/promotion/weight`` (SSM String): the weight, e.g. ``"25"``. Its value changes only
  when the weight changes, so SSM's ``LastModifiedDate`` (and ``GetParameterHistory``, one version per
  change) is the moment the stage started. It ``depends_on`` the front door, so it is written only
  after the listener, records or aliases carry the new weight: a failed update leaves the old start.
* ``/<app>/<stack>/promotion/targets`` (SSM String, JSON): green's deployed version, the rollback
  alarms, the CloudWatch metrics of green (and blue, when this stack can measure it), the
  smoke-test result parameter and, when green has one, the pre-traffic task's record parameter.
  ``cutover.gates`` reads only these two, the smoke result and the pre-traffic record, with the
  operator's credentials; no stack output or Pulumi CLI is needed.

The component's own inputs hold the gate plan of the next stage, which the offline plan prints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.specs.promotion import PromotionConfig
from cutover.naming import Namer
from cutover.weights import next_stage

TYPE = "cutover:promotion:StageRecord"


@dataclass(frozen=True)
class MetricSource:
    """One color's traffic in CloudWatch: request count, error counts (summed) and a latency metric."""

    label: str
    namespace: str
    dimensions: Mapping[str, pulumi.Input[str]]
    requests: str
    errors: tuple[str, ...]
    latency: str
    latency_unit: str  # "s" (ALB TargetResponseTime) or "ms" (API Gateway Latency, Lambda Duration)


def alb_source(label: str, load_balancer: pulumi.Input[str], target_group: pulumi.Input[str] | None,
               lambda_target: bool = False) -> MetricSource:
    """AWS/ApplicationELB: RequestCount, target 5xx (+ Lambda target errors), TargetResponseTime (seconds)."""
    dims: dict[str, pulumi.Input[str]] = {"LoadBalancer": load_balancer}
    if target_group is not None:
        dims["TargetGroup"] = target_group
    errors = ("HTTPCode_Target_5XX_Count",) + (("LambdaUserError", "LambdaInternalError") if lambda_target else ())
    return MetricSource(label, "AWS/ApplicationELB", dims, "RequestCount", errors, "TargetResponseTime", "s")


def http_api_source(label: str, api_id: pulumi.Input[str]) -> MetricSource:
    """AWS/ApiGateway for HTTP APIs: Count, 5xx, Latency (milliseconds), by ApiId."""
    return MetricSource(label, "AWS/ApiGateway", {"ApiId": api_id}, "Count", ("5xx",), "Latency", "ms")


def lambda_version_source(label: str, function: pulumi.Input[str], alias: str,
                          version: pulumi.Input[str]) -> MetricSource:
    """AWS/Lambda by FunctionName, Resource (function:alias) and ExecutedVersion (weighted aliases)."""
    return MetricSource(label, "AWS/Lambda", {"FunctionName": function,
                                              "Resource": pulumi.Output.concat(function, ":", alias),
                                              "ExecutedVersion": version},
                        "Invocations", ("Errors",), "Duration", "ms")


@dataclass(frozen=True)
class StageRecordArgs:
    namer: Namer
    green_weight: int
    stages: tuple[int, ...]
    promotion: PromotionConfig
    green_version: pulumi.Input[str]
    smoke_parameter: str | None  # None: this stack ships no smoke test (no green endpoint)
    alarm_names: Sequence[pulumi.Input[str]] = ()  # rollback composite and its children
    green: MetricSource | None = None
    blue: MetricSource | None = None  # None: blue is outside CloudWatch's view of this stack (external)
    front_door: Sequence[pulumi.Resource] = field(default_factory=list)  # written after these
    # The pre-traffic task's record (components/pre_traffic.py); None: green runs no pre-traffic task.
    pre_traffic_parameter: str | None = None


def gate_plan(args: StageRecordArgs) -> dict[str, Any]:
    """Which gates the next promotion must pass, and whether each can be checked offline."""
    p, current = args.promotion, args.green_weight
    if current >= 100:
        return {"currentWeight": current, "nextStage": None, "gates": [
            {"gate": "soak", "online": True,
             "detail": f"{p.soak_for(100)} h at 100 % before the cleanup (cutover:retire=blue)"}]}
    target = next_stage(current, args.stages)
    gates = [{"gate": "stage", "online": False, "detail": f"{current} -> {target} (traffic.stages)"}]
    if current > 0:
        gates.append({"gate": "soak", "online": True, "detail": f"{p.soak_for(current)} h at {current} % "
                      "(since promotion/weight's LastModifiedDate)"})
    gates.append({"gate": "rollback-record", "online": True, "detail": "no unacknowledged automatic rollback"})
    if args.alarm_names:
        gates.append({"gate": "alarms", "online": True, "detail": f"{len(args.alarm_names)} rollback alarms OK now "
                      "and never ALARM since the stage started (DescribeAlarmHistory)"})
    else:
        gates.append({"gate": "alarms", "online": False, "detail": "not applicable: this stack has no rollback "
                      "alarms"})
    if current > 0 and args.green is not None:
        against = f"vs blue ({args.blue.label})" if args.blue is not None else "absolute (blue is not measured here)"
        gates.append({"gate": "metrics", "online": True, "detail": (
            f"green ({args.green.label}) error rate <= {p.max_error_rate_percent:g} %, p95 <= "
            f"{p.max_p95_latency_ms} ms, {against}; inconclusive below {p.min_requests} requests")})
    elif current > 0:
        gates.append({"gate": "metrics", "online": False, "detail": "not applicable: no green metrics"})
    if args.promotion.pre_traffic_required:
        gates.append({"gate": "pre-traffic", "online": True, "detail": "green's pre-traffic task succeeded for the "
                      "deployed green version (promotion.gates.preTraffic: required)"})
    if args.smoke_parameter:
        gates.append({"gate": "smoke", "online": True, "detail": f"{len(p.smoke_tests)} checks passed for the "
                      f"deployed green version ({', '.join(c.name for c in p.smoke_tests)})"})
    return {"currentWeight": current, "nextStage": target, "gates": gates}


def _source_json(s: MetricSource | None) -> pulumi.Output[Any]:
    if s is None:
        return pulumi.Output.from_input(None)
    names = sorted(s.dimensions)
    return pulumi.Output.all(*[s.dimensions[n] for n in names]).apply(lambda values: {
        "label": s.label, "namespace": s.namespace, "dimensions": dict(zip(names, values, strict=True)),
        "requests": s.requests, "errors": list(s.errors), "latency": s.latency, "latencyUnit": s.latency_unit})


class StageRecord(pulumi.ComponentResource):
    weight_parameter: aws.ssm.Parameter
    targets_parameter: aws.ssm.Parameter
    weight_parameter_name: str
    targets_parameter_name: str

    def __init__(self, name: str, args: StageRecordArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        plan = gate_plan(args)
        super().__init__(TYPE, name, {"gatePlan": plan}, opts)
        namer = args.namer
        self.weight_parameter_name = namer.path("promotion", "weight")
        self.targets_parameter_name = namer.path("promotion", "targets")
        self.weight_parameter = aws.ssm.Parameter(
            f"{name}-weight", name=self.weight_parameter_name, type="String", value=str(args.green_weight),
            description="cutover:greenWeight in effect; LastModifiedDate is when this stage started",
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.front_door)))
        targets = pulumi.Output.all(
            pulumi.Output.from_input(args.green_version), pulumi.Output.all(*args.alarm_names),
            _source_json(args.green), _source_json(args.blue),
        ).apply(lambda v: json.dumps({
            "greenVersion": v[0], "alarms": sorted(v[1]), "green": v[2], "blue": v[3],
            "smokeParameter": args.smoke_parameter,
            # only when green has a pre-traffic task: every other stack's record stays as it was
            **({"preTrafficParameter": args.pre_traffic_parameter,
                "preTrafficRequired": args.promotion.pre_traffic_required} if args.pre_traffic_parameter else {}),
        }, sort_keys=True, separators=(",", ":")))
        self.targets_parameter = aws.ssm.Parameter(
            f"{name}-targets", name=self.targets_parameter_name, type="String", value=targets,
            description="what the promotion gates read: green's version, rollback alarms, metrics (cutover/gates.py)",
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"gatePlan": plan, "weightParameter": self.weight_parameter_name,
                               "targetsParameter": self.targets_parameter_name})


# --- what __main__ wires in: green's version, its own endpoint, and both colors' metrics ---------------
def green_version_id(functions: Mapping[str, Any] | None, task_definition: Any | None) -> pulumi.Output[str]:
    """Green's version id: ``<service>:<version>`` of every published function, then the task definition's ARN
    (the stage record's ``greenVersion``, and the version the pre-traffic task records)."""
    parts: list[pulumi.Output[str]] = []
    if functions is not None:
        parts += [pulumi.Output.concat(svc, ":", fn.version) for svc, fn in sorted(functions.items())]
    if task_definition is not None:
        parts.append(task_definition.arn)
    return pulumi.Output.all(*parts).apply(lambda v: ",".join(v)) if parts else pulumi.Output.from_input("static")


def promotion_inputs(cfg: Any, serverless: Any, container_app: Any, http_api: Any, api_edge: Any, frontend: Any,
                     cdn: Any, alb: Any) -> tuple[pulumi.Output[str], pulumi.Output[str] | None,
                                                  dict[str, pulumi.Output[str]]]:
    """(green's version id, green's own base URL, alias kind: service -> new version's qualified ARN).

    The version id changes with every deployment of green: the published Lambda versions (every code
    or configuration change publishes one) and the ECS task definition revision.
    """
    from components.specs.traffic import FrontDoorKind, GreenEndpoint

    version = green_version_id(serverless.functions if serverless is not None else None,
                               container_app.task_definition if container_app is not None else None)
    t = cfg.traffic
    if t.kind is FrontDoorKind.ALIAS and serverless is not None:
        return version, None, {s: serverless.functions[s].qualified_arn for s in sorted(t.stable_versions)}
    url: pulumi.Output[str] | None = None
    endpoint = t.green.endpoint
    if endpoint is GreenEndpoint.EDGE and api_edge is not None:
        url = pulumi.Output.concat("https://", api_edge.domain_name)
    elif endpoint in (GreenEndpoint.HTTP_API, GreenEndpoint.LAMBDA) and http_api is not None:
        url = http_api.api_endpoint  # the execute-api URL: green itself, never the weighted name
    elif endpoint is GreenEndpoint.FRONTEND and frontend is not None:
        url = pulumi.Output.concat("https://", frontend.domain_name)
    elif endpoint is GreenEndpoint.CDN and cdn is not None:
        url = pulumi.Output.concat("https://", cdn.domain_name)  # the distribution's own name, not the alias
    elif endpoint is GreenEndpoint.ALB and alb is not None:
        url = pulumi.Output.concat("https://", alb.public_name)
    return version, url, {}


def metric_sources(cfg: Any, front_door: Any, serverless: Any, http_api: Any, alb: Any,
                   blue_ecs: Any, blue_http_api: Any = None) -> tuple[MetricSource | None, MetricSource | None]:
    """Green's and (when this stack can see it in CloudWatch) blue's traffic metrics."""
    from components.specs.traffic import BlueVariant, FrontDoorKind, GreenVariant

    t = cfg.traffic
    if t.kind is FrontDoorKind.ALB and front_door.load_balancer_arn_suffix is not None:
        lb, tgs = front_door.load_balancer_arn_suffix, front_door.target_group_arn_suffixes
        green = alb_source("front door ALB, green target group", lb, tgs.get("green"),
                           lambda_target=t.green.variant is GreenVariant.SERVERLESS)
        blue = alb_source("front door ALB, blue target group", lb, tgs["blue"],
                          lambda_target=t.blue.variant is BlueVariant.SERVERLESS) if "blue" in tgs else None
        return green, blue
    if t.kind is FrontDoorKind.ALIAS and serverless is not None and t.stable_versions:
        svc = sorted(t.stable_versions)[0]
        fn = serverless.functions[svc]
        alias = front_door.rollback_target.alias_name
        return (lambda_version_source(f"{svc} new version", fn.name, alias, fn.version),
                lambda_version_source(f"{svc} stable version", fn.name, alias, t.stable_versions[svc]))
    blue = alb_source("blue's ECS load balancer", blue_ecs.alb.arn_suffix, None) if blue_ecs is not None else None
    if blue_http_api is not None:  # a serverless blue: its own HTTP API's requests, 5xx and latency
        blue = http_api_source("blue's HTTP API", blue_http_api.api_id)
    if t.green.variant is GreenVariant.ECS and alb is not None:
        return alb_source("green's ECS load balancer", alb.arn_suffix, alb.target_group_arn_suffix), blue
    if http_api is not None:
        return http_api_source("green's HTTP API", http_api.api_id), blue
    return None, blue
