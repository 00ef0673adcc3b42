"""Rollback: the seeds' rollback triggers on green's metrics, one composite alarm, and a Lambda that
sends all traffic back to blue within a minute of the alarm, recording what it did.

alarms (60 s periods, N of N minutes, missing data not breaching) -> composite alarm
  (``ALARM("a") OR ALARM("b")``) -> SNS topic (customer-managed KMS key CloudWatch may use)
  -> rollback Lambda (``functions/rollback``; reserved concurrency 1 only with
  ``traffic.rollback.reserveConcurrency``) -> front door at 0 % green
  -> SSM parameter ``/<app>/<stack>/rollback/record`` (the next ``pulumi up`` refuses green > 0
  until ``cutover:rollbackAck`` names the recorded id).

The Lambda's role may change only this stack's front door: the listener and its rules (alb), the
weighted names' records (route53: per hosted zone, exactly the names and types weighted there, UPSERT
only) or the services' aliases (alias), and read and write only the record. Its policy grants
exactly the calls ``functions/rollback/handler.py`` makes (see its docstring), no more.

alb kind: green is one Lambda target group per routed service; each gets its own error-rate and
latency alarms (``error-rate-<service>``, ``latency-<service>``; the default action's service keeps
the unsuffixed ``error-rate``/``latency``), so a failing service rolls everything back.

For the alias kind, blue is each pinned service's stable version (the ``live`` alias's primary)
and green the newly published version (its additional version): the alarms read green's own
errors (``Resource=<function>:live``, ``ExecutedVersion=<new version>``), and the rollback clears
the additional version weights.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm
from components.alert_topic import CLOUDWATCH, AlertTopic, AlertTopicArgs
from components.front_door import RollbackTarget, WeightedRecordSet
from components.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.specs.environment import EnvironmentSettings
from components.specs.traffic import FrontDoorKind, RollbackConfig
from cutover import iam
from cutover.naming import Kind, Namer

PERIOD = 60
RUNTIME = "python3.12"
CODE_PATH = "functions/rollback"
CLEAR_VALUE = json.dumps({"state": "clear"})  # functions/rollback/record.py CLEAR_VALUE
MAX_METRICS = 10  # CloudWatch: a metric math alarm reads at most 10 metrics (hard limit)


@dataclass(frozen=True)
class AlbMetrics:
    """Green behind a load balancer: ``AWS/ApplicationELB`` with LoadBalancer (+ TargetGroup)."""

    load_balancer_suffix: pulumi.Input[str]  # app/<name>/<id>
    target_group_suffix: pulumi.Input[str] | None = None  # targetgroup/<name>/<id>; None: the whole LB
    lambda_target: bool = False  # a Lambda target group: failed invocations count as errors too
    # More green target groups on the same load balancer (alb front door: one per routed service,
    # besides target_group_suffix), by service: each gets its own alarms.
    service_target_groups: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LambdaMetrics:
    """Green's functions: ``AWS/Lambda`` Errors / Invocations."""

    function_names: Mapping[str, pulumi.Input[str]]  # service -> function name
    alias: str | None = None  # adds Resource=<function>:<alias>
    executed_versions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # alias kind: new version


@dataclass(frozen=True)
class RollbackArgs:
    config: RollbackConfig
    target: RollbackTarget
    namer: Namer
    env: EnvironmentSettings
    region: str
    account_id: str
    alb: AlbMetrics | None = None
    lambdas: LambdaMetrics | None = None
    http_api_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # key -> ApiId
    alert_email: str = ""  # also told, by email, when a rollback fires
    code_path: str = CODE_PATH


class Rollback(pulumi.ComponentResource):
    alarms: dict[str, aws.cloudwatch.MetricAlarm]  # by trigger key
    alarm_names: list[str]
    composite: aws.cloudwatch.CompositeAlarm
    topic: AlertTopic
    function: aws.lambda_.Function
    role: aws.iam.Role
    dead_letter_queue: aws.sqs.Queue | None  # notifications the Lambda failed on, after its retries
    record_parameter: aws.ssm.Parameter
    record_parameter_name: str
    _alarm_names: dict[str, str]

    def __init__(self, name: str, args: RollbackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:traffic:Rollback", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        namer = args.namer
        if args.target.kind not in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53, FrontDoorKind.ALIAS):
            raise ValueError(f"no automatic rollback for front door kind {args.target.kind.value}")

        self.alarms, self._alarm_names = {}, {}
        self._build_alarms()
        if not self.alarms:
            raise ValueError("rollback: no trigger has both a threshold and green metrics to watch")
        self.alarm_names = list(self._alarm_names.values())

        self.topic = AlertTopic(f"{name}-topic", AlertTopicArgs(namer, "rollback", args.account_id, args.alert_email,
                                                                  region=args.region, publishers=(CLOUDWATCH,)),
                                opts=child)
        rule = " OR ".join(f'ALARM("{n}")' for n in self.alarm_names)
        self.composite = aws.cloudwatch.CompositeAlarm(
            name, alarm_name=namer.name(Kind.ALARM, "rollback"), alarm_rule=rule,
            alarm_description="green breached a rollback trigger: the rollback Lambda sends all traffic to blue",
            actions_enabled=True, alarm_actions=[self.topic.arn],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.alarms.values())))

        self.record_parameter_name = namer.path("rollback", "record")
        # The Lambda owns the value after creation; the program only reads it (rollback guard).
        self.record_parameter = aws.ssm.Parameter(
            f"{name}-record", name=self.record_parameter_name, type="String", value=CLEAR_VALUE,
            description="last automatic rollback (functions/rollback/record.py); cleared by the operator",
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"]))

        fn_name = namer.name(Kind.LAMBDA_FUNCTION, "rollback")
        lam = LambdaFunction(f"{name}-fn", LambdaFunctionArgs(
            function_name=fn_name, role_name=namer.name(Kind.IAM_ROLE, "rollback"),
            role_description=f"Lambda {fn_name}: shift the front door back to blue, record it",
            # 120 s: one ModifyRule per routed service, each with botocore's retries, then the record
            # write with its own retries (functions/rollback/handler.py).
            code=pulumi.FileArchive(args.code_path), runtime=RUNTIME, memory_mb=256, timeout_seconds=120,
            log_retention_days=args.env.log_retention_days,
            # Optional (traffic.rollback.reserveConcurrency): Lambda refuses a reservation that would
            # leave fewer than 100 unreserved executions ("Configuring reserved concurrency", Lambda
            # developer guide), and new accounts may have a concurrency quota of 10.
            reserved_concurrency=1 if args.config.reserve_concurrency else None,
            environment=self._environment(),
            statements=pulumi.Output.all(self.record_parameter.arn, self._front_door_resources()).apply(
                lambda v: self._statements(v[0], v[1])),
            # SNS invokes it asynchronously: an alarm notification it could not act on (after Lambda's
            # retries) lands in a dead-letter queue, whose depth alarm tells the operator.
            asynchronous=True, dead_letter_queue_name=namer.name(Kind.SQS_QUEUE, "rollback", "dlq"),
            description=f"{namer.prefix} automatic rollback ({args.target.kind.value})"), parent=self)
        self.function, self.role, self.dead_letter_queue = lam.function, lam.role, lam.dead_letter_queue
        # For Monitoring: a notification the Lambda gave up on (its dead-letter queue's depth) pages. No
        # error-rate alarm: the composite alarm that invokes it already notifies the rollback topic, and
        # the record it writes says started/partial/failed (functions/rollback/record.py).
        self._alarms: list[DeclaredAlarm] = lam.monitoring_alarms("rollback", errors=False)
        permission = aws.lambda_.Permission(
            f"{name}-fn-sns", action="lambda:InvokeFunction", function=self.function.name,
            principal="sns.amazonaws.com", source_arn=self.topic.arn, opts=child)
        aws.sns.TopicSubscription(f"{name}-fn", topic=self.topic.arn, protocol="lambda",
                                  endpoint=self.function.arn,
                                  opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]))
        self.register_outputs({"alarms": self.alarm_names, "composite": self.composite.alarm_name,
                               "topicArn": self.topic.arn, "function": self.function.name,
                               "recordParameter": self.record_parameter_name})

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """The depth of the rollback Lambda's dead-letter queue."""
        return list(self._alarms)

    # --- alarms ----------------------------------------------------------------------------------
    def _build_alarms(self) -> None:
        args, cfg = self._args, self._args.config
        if args.alb is not None:
            groups: list[tuple[str, AlbMetrics]] = [("", args.alb)]
            groups += [(f"-{svc}", replace(args.alb, target_group_suffix=suffix, service_target_groups={}))
                       for svc, suffix in sorted(args.alb.service_target_groups.items())]
            for suffix, alb in groups:
                if cfg.error_rate_percent is not None:
                    self._alb_error_rate(alb, cfg.error_rate_percent, cfg.error_rate_minutes, suffix)
                if cfg.latency_ms is not None:
                    self._alb_latency(alb, cfg.latency_ms, cfg.latency_minutes, suffix)
        if args.lambdas is not None and cfg.lambda_error_percent is not None:
            services = sorted(args.lambdas.function_names)
            per_alarm = MAX_METRICS // 2  # Errors + Invocations per function
            chunks = [services[i:i + per_alarm] for i in range(0, len(services), per_alarm)]
            for n, chunk in enumerate(chunks, start=1):
                key = "lambda-errors" if len(chunks) == 1 else f"lambda-errors-{n}"
                self._lambda_errors(key, args.lambdas, chunk, cfg.lambda_error_percent, cfg.lambda_error_minutes)
        if cfg.api5xx_percent is not None:
            for api_key, api_id in sorted(args.http_api_ids.items()):
                key = "api-5xx" if len(args.http_api_ids) == 1 else f"api-5xx-{api_key}"
                self._api_5xx(key, api_id, cfg.api5xx_percent, cfg.api5xx_minutes)

    def _alarm(self, key: str, description: str, threshold: float, minutes: int, **metric: Any) -> None:
        name = self._args.namer.name(Kind.ALARM, "rollback", key)
        self._alarm_names[key] = name
        self.alarms[key] = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}", name=name, alarm_description=description,
            comparison_operator="GreaterThanThreshold", threshold=threshold,
            evaluation_periods=minutes, datapoints_to_alarm=minutes, treat_missing_data="notBreaching",
            actions_enabled=False,  # the composite alarm notifies
            **metric, opts=pulumi.ResourceOptions(parent=self))

    def _alb_dimensions(self, alb: AlbMetrics) -> dict[str, pulumi.Input[str]]:
        dims: dict[str, pulumi.Input[str]] = {"LoadBalancer": alb.load_balancer_suffix}
        if alb.target_group_suffix is not None:
            dims["TargetGroup"] = alb.target_group_suffix
        return dims

    def _alb_error_rate(self, alb: AlbMetrics, percent: float, minutes: int, suffix: str = "") -> None:
        dims = self._alb_dimensions(alb)
        names = ["HTTPCode_Target_5XX_Count"] + (["LambdaUserError", "LambdaInternalError"] if alb.lambda_target
                                                 else [])
        ids = ["target5xx", "lambdauser", "lambdainternal"][:len(names)]
        queries = [_metric_query(i, "AWS/ApplicationELB", m, "Sum", dims) for i, m in zip(ids, names, strict=True)]
        queries.append(_metric_query("requests", "AWS/ApplicationELB", "RequestCount", "Sum", dims))
        errors = " + ".join(f"FILL({i}, 0)" for i in ids)
        queries.append({"id": "errorrate", "expression": f"100 * ({errors}) / requests",
                        "label": "green error rate (%)", "return_data": True})
        self._alarm(f"error-rate{suffix}", f"green{suffix.replace('-', ' ')} 5xx > {percent:g}% for {minutes} "
                    "consecutive minutes", percent, minutes, metric_queries=queries)

    def _alb_latency(self, alb: AlbMetrics, latency_ms: int, minutes: int, suffix: str = "") -> None:
        self._alarm(f"latency{suffix}",
                    f"green{suffix.replace('-', ' ')} average response time > {latency_ms} ms for {minutes} minutes",
                    latency_ms / 1000.0, minutes, namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
                    statistic="Average", period=PERIOD, dimensions=self._alb_dimensions(alb))

    def _lambda_errors(self, key: str, lm: LambdaMetrics, services: Sequence[str], percent: float,
                       minutes: int) -> None:
        queries = []
        for n, svc in enumerate(services):
            fn = lm.function_names[svc]
            dims: dict[str, pulumi.Input[str]] = {"FunctionName": fn}
            if lm.alias:
                dims["Resource"] = pulumi.Output.concat(fn, ":", lm.alias)
            if svc in lm.executed_versions:
                dims["ExecutedVersion"] = lm.executed_versions[svc]
            queries.append(_metric_query(f"errors{n}", "AWS/Lambda", "Errors", "Sum", dims))
            queries.append(_metric_query(f"invocations{n}", "AWS/Lambda", "Invocations", "Sum", dims))
        queries.append({"id": "errorrate", "expression": '100 * SUM(METRICS("errors")) / SUM(METRICS("invocations"))',
                        "label": "green Lambda error rate (%)", "return_data": True})
        self._alarm(key, f"green Lambda errors > {percent:g}% of invocations for {minutes} minutes "
                    f"({', '.join(services)})", percent, minutes, metric_queries=queries)

    def _api_5xx(self, key: str, api_id: pulumi.Input[str], percent: float, minutes: int) -> None:
        dims = {"ApiId": api_id}
        queries = [_metric_query("errors", "AWS/ApiGateway", "5xx", "Sum", dims),
                   _metric_query("requests", "AWS/ApiGateway", "Count", "Sum", dims),
                   {"id": "errorrate", "expression": "100 * FILL(errors, 0) / requests",
                    "label": "green API 5xx rate (%)", "return_data": True}]
        self._alarm(key, f"green HTTP API 5xx > {percent:g}% of requests for {minutes} minutes", percent, minutes,
                    metric_queries=queries)

    # --- the Lambda's environment and permissions ------------------------------------------------
    def _environment(self) -> dict[str, pulumi.Input[str]]:
        t = self._args.target
        env: dict[str, pulumi.Input[str]] = {"FRONT_DOOR_KIND": t.kind.value,
                                              "RECORD_PARAMETER": self.record_parameter_name}
        if t.kind is FrontDoorKind.ALB:
            # Green's target groups need no variable: the Lambda sets every target group but blue's
            # to 0 in the default action and in every forward rule of the listener.
            if t.green_target_group_arn is None:
                raise ValueError("alb rollback needs green's target group: both colors must be registered")
            for key, value in (("LISTENER_ARN", t.listener_arn), ("BLUE_TARGET_GROUP_ARN", t.blue_target_group_arn)):
                if value is None:
                    raise ValueError(f"alb rollback needs {key}: both colors must be registered")
                env[key] = value
        elif t.kind is FrontDoorKind.ROUTE53:
            if not (t.zone_id and t.record_name and t.record_type):
                raise ValueError("route53 rollback needs the zone, record name and type")
            env |= {"HOSTED_ZONE_ID": t.zone_id, "RECORD_NAME": t.record_name, "RECORD_TYPE": t.record_type,
                    "BLUE_SET_IDENTIFIER": t.blue_set_identifier, "GREEN_SET_IDENTIFIER": t.green_set_identifier}
            if t.extra_record_sets:  # every weighted name, the first being the one above (handler.py RECORD_SETS)
                env["RECORD_SETS"] = json.dumps([
                    {"zone": s.zone_id, "name": s.record_name, "type": s.record_type,
                     "blueSetId": s.blue_set_identifier, "greenSetId": s.green_set_identifier}
                    for s in _record_sets(t)], separators=(",", ":"))
        else:
            if not t.function_names:
                raise ValueError("alias rollback needs the functions whose alias it resets")
            names = [pulumi.Output.from_input(t.function_names[k]) for k in sorted(t.function_names)]
            env |= {"FUNCTION_NAMES": pulumi.Output.all(*names).apply(lambda n: ",".join(n)),
                    "ALIAS_NAME": t.alias_name}
        return env

    def _front_door_resources(self) -> pulumi.Output[list[str]]:
        t, a = self._args.target, self._args
        if t.kind is FrontDoorKind.ALB:
            # [listener ARN, its rules' ARN pattern]: a rule ARN is the listener's with "listener-rule"
            # for "listener" plus "/<rule id>" (arn:...:listener-rule/app/<lb>/<lb id>/<listener id>/<rule id>).
            return pulumi.Output.all(t.listener_arn).apply(
                lambda v: [str(v[0]), str(v[0]).replace(":listener/", ":listener-rule/", 1) + "/*"])
        if t.kind is FrontDoorKind.ROUTE53:  # every hosted zone holding a weighted name, the first name's first
            zones = dict.fromkeys(s.zone_id for s in _record_sets(t))
            return pulumi.Output.from_input([f"arn:aws:route53:::hostedzone/{z}" for z in zones])
        names = [pulumi.Output.from_input(t.function_names[k]) for k in sorted(t.function_names)]
        return pulumi.Output.all(*names).apply(
            lambda n: [f"arn:aws:lambda:{a.region}:{a.account_id}:function:{x}" for x in n])

    def _statements(self, parameter_arn: str, resources: list[str]) -> list[dict[str, Any]]:
        """The handler's own calls (the building block adds logs, X-Ray and the dead-letter queue)."""
        t = self._args.target
        # GetParameter: the best-effort read that keeps previousGreenShare across redeliveries
        # (the write never depends on it); PutParameter: the record itself.
        stmts = [iam.statement(["ssm:GetParameter", "ssm:PutParameter"], parameter_arn, sid="RollbackRecord")]
        if t.kind is FrontDoorKind.ALB:
            listener_arn, rules_arn = resources
            # Service Authorization Reference, Elastic Load Balancing V2: ModifyListener authorizes
            # on the listener (listener/app/...), ModifyRule on the rule (listener-rule/app/...);
            # DescribeListeners and DescribeRules support no resource-level permissions ("*").
            stmts += [iam.statement(["elasticloadbalancing:ModifyListener"], [listener_arn], sid="ShiftListener"),
                      iam.statement(["elasticloadbalancing:ModifyRule"], [rules_arn], sid="ShiftRules"),
                      iam.statement(["elasticloadbalancing:DescribeListeners",
                                     "elasticloadbalancing:DescribeRules"], "*", sid="ReadListener")]
        elif t.kind is FrontDoorKind.ROUTE53:
            assert t.record_name is not None
            # Service Authorization Reference, Amazon Route 53: ChangeResourceRecordSets authorizes on the
            # hostedzone resource with the condition keys ...NormalizedRecordNames (lowercase, no trailing
            # dot: Route 53 developer guide, "Normalizing Route 53 condition key values"), ...RecordTypes
            # and ...Actions. One statement per zone, naming exactly the names and types weighted there;
            # the handler changes one name per batch. Sids are unique within a policy (IAM JSON reference).
            sets = _record_sets(t)
            for n, zone_arn in enumerate(resources):
                zone = zone_arn.rsplit("/", 1)[1]
                here = [s for s in sets if s.zone_id == zone]
                stmts.append(iam.statement(
                    ["route53:ChangeResourceRecordSets"], [zone_arn], sid="ShiftRecords" + (str(n + 1) if n else ""),
                    condition={"ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": list(
                            dict.fromkeys(s.record_name.rstrip(".").lower() for s in here)),
                        "route53:ChangeResourceRecordSetsRecordTypes": list(dict.fromkeys(s.record_type for s in here)),
                        "route53:ChangeResourceRecordSetsActions": ["UPSERT"]}}))
            stmts.append(iam.statement(["route53:ListResourceRecordSets"], resources, sid="ReadRecords"))
        else:
            # GetAlias/UpdateAlias authorize against the unqualified function ARN (resource type
            # "function"; the alias is a request parameter, not a qualifier), so an alias ARN here
            # would deny them. No condition key names the alias: these functions' ARNs, nothing more.
            stmts.append(iam.statement(["lambda:GetAlias", "lambda:UpdateAlias"], resources, sid="ResetAliases"))
        return stmts


def _record_sets(t: RollbackTarget) -> list[WeightedRecordSet]:
    """Every weighted name of a route53 front door: the first (zone_id/record_name/...), then the extra ones."""
    assert t.zone_id is not None and t.record_name is not None and t.record_type is not None
    first = WeightedRecordSet(t.zone_id, t.record_name, t.record_type, t.blue_set_identifier, t.green_set_identifier)
    return [first, *t.extra_record_sets]


def _metric_query(qid: str, namespace: str, metric: str, stat: str,
                  dims: Mapping[str, pulumi.Input[str]]) -> dict[str, Any]:
    return {"id": qid, "return_data": False,
            "metric": {"namespace": namespace, "metric_name": metric, "stat": stat, "period": PERIOD,
                       "dimensions": dict(dims)}}
