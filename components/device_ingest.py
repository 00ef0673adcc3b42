"""IoT Core ingest for seed 001's QR scanners: device -> IoT Core -> Lambda -> the app's scan API.

* ``aws.iot.ThingType`` for the scanners; each scanner is a thing with its own X.509 certificate
  (provisioned by operations, not by this stack) and this least-privilege policy attached: connect
  only as its own thing name, publish only to ``<app>/<stage>/scans/<its thing name>``.
* A topic rule (``SELECT *, topic(4) AS thingName FROM '<app>/<stage>/scans/+'``) invokes the
  ingest Lambda. AWS IoT invokes Lambda actions asynchronously, so a scan the function fails on is
  retried by Lambda (``maximum_retry_attempts``, at most 2, within ``maximum_event_age_in_seconds``)
  and then sent to the function's on-failure destination.
* Every scan is delivered, retried or dead-lettered (``functions/device_ingest/handler.py``): one
  SQS dead-letter queue, encrypted with its own customer-managed KMS key, takes the rule's failed
  actions (error action), the function's exhausted retries (on-failure destination) and the scans
  the app rejects for good (the function sends those itself). Alarms on the queue's depth and on
  Lambda's ``DestinationDeliveryFailures`` notify an encrypted alert topic.
* The Lambda (python3.12, arm64, X-Ray) POSTs each scan to the app's API path through the public
  URL (CloudFront) with the device API key it reads from Secrets Manager at run time. Its role
  grants exactly what the handler and the Lambda service call for it (tests/contract checks both
  ways).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm
from components.alert_topic import CLOUDWATCH, AlertTopic, AlertTopicArgs
from components.lambda_function import QUEUE_KEY_ACTIONS, FailureQueue, LambdaFunction, LambdaFunctionArgs, LambdaNames
from components.refs import StoreRef
from components.specs.container import DevicesConfig
from components.specs.environment import EnvironmentSettings
from cutover import iam
from cutover.naming import Kind, Namer

CODE_DIR = "functions/device_ingest"
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS maximum: time to fix the cause and redrive
THING = "${iot:Connection.Thing.ThingName}"
# The handler reads the key with GetSecretValue and nothing else (the secret ref's DescribeSecret
# would be an unused grant).
SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
ALARM_PERIOD = 60  # SQS and Lambda publish these metrics every minute


@dataclass(frozen=True)
class DeviceIngestArgs:
    config: DevicesConfig
    namer: Namer
    env: EnvironmentSettings
    region: str
    account_id: str
    api_base_url: pulumi.Input[str]  # https://<cdn alias> (or the ALB's name without a CDN)
    api_key: StoreRef  # secret:<devices.apiKeySecret>
    alert_email: str = ""  # told when a scan lands in the dead-letter queue


class DeviceIngest(pulumi.ComponentResource):
    function: aws.lambda_.Function
    topic_rule: aws.iot.TopicRule
    thing_type: aws.iot.ThingType
    device_policy: aws.iot.Policy
    dead_letter_queue: aws.sqs.Queue
    dead_letter_key: aws.kms.Key
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    alert_topic: AlertTopic
    topic_filter: str

    def __init__(self, name: str, args: DeviceIngestArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:ecs:DeviceIngest", name, None, opts)
        cfg, namer = args.config, args.namer
        child = pulumi.ResourceOptions(parent=self)
        base_topic = f"{namer.app}/{namer.stack}/scans"
        self.topic_filter = f"{base_topic}/+"
        arn = f"arn:aws:iot:{args.region}:{args.account_id}"

        self.thing_type = aws.iot.ThingType(
            f"{name}-thing-type", name=namer.name(Kind.IOT, cfg.thing_type),
            properties={"description": f"{namer.prefix} QR scanners", "searchable_attributes": ["site"]},
            opts=child)
        self.device_policy = aws.iot.Policy(f"{name}-device", name=namer.name(Kind.IOT, "scanner"), policy=iam.document(
            iam.statement(["iot:Connect"], f"{arn}:client/{THING}", sid="ConnectAsOwnThing",
                          condition={"Bool": {"iot:Connection.Thing.IsAttached": "true"}}),
            iam.statement(["iot:Publish"], f"{arn}:topic/{base_topic}/{THING}", sid="PublishOwnScans")), opts=child)

        # The scans (parents' QR codes) stay in the queue up to 14 days: encrypted with a key of
        # their own, used only by the two roles below (the account-root statement lets IAM
        # policies grant it, as in the default key policy).
        self.dead_letter_key = aws.kms.Key(
            f"{name}-dlq-key", description=f"{namer.prefix} device ingest dead-letter queue",
            enable_key_rotation=True, deletion_window_in_days=30,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "AccountAdministers", "Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{args.account_id}:root"}, "Action": "kms:*",
                 "Resource": "*"}]}, sort_keys=True), opts=child)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq", name=namer.name(Kind.SQS_QUEUE, "device-ingest-dlq"),
            kms_master_key_id=self.dead_letter_key.arn, message_retention_seconds=DLQ_RETENTION_SECONDS,
            opts=child)
        fn_name = namer.name(Kind.LAMBDA_FUNCTION, "device-ingest")
        dlq = pulumi.Output.all(self.dead_letter_queue.arn, self.dead_letter_key.arn)
        api_url = pulumi.Output.from_input(args.api_base_url).apply(lambda u: u.rstrip("/") + cfg.api_path)
        # AWS IoT invokes Lambda asynchronously: exhausted retries go to the dead-letter queue, which the
        # handler also writes to (rejected scans), so the building block grants SendMessage and the key.
        lam = LambdaFunction(LambdaNames(f"{name}-fn", log_group=f"{name}-logs"), LambdaFunctionArgs(
            function_name=fn_name, role_name=namer.name(Kind.IAM_ROLE, "device-ingest"),
            role_description="device ingest: its logs, X-Ray, the device API key, its DLQ",
            code=pulumi.FileArchive(CODE_DIR), memory_mb=cfg.memory_mb, timeout_seconds=cfg.timeout_seconds,
            log_retention_days=args.env.log_retention_days, application_log_level="INFO",
            environment={"API_URL": api_url, "API_KEY_SECRET_ARN": args.api_key.resource_arns[0],
                         "DEAD_LETTER_QUEUE_URL": self.dead_letter_queue.url,
                         "HTTP_TIMEOUT_SECONDS": str(max(1, cfg.timeout_seconds - 2))},
            statements=pulumi.Output.all(*args.api_key.resource_arns).apply(
                lambda arns: [iam.statement(SECRET_ACTIONS, [str(a) for a in arns], sid="DeviceApiKey")]),
            asynchronous=True, failure_queue=FailureQueue(self.dead_letter_queue.arn, self.dead_letter_key.arn),
            description=f"{namer.prefix} IoT scans -> {cfg.api_path}"), parent=self)
        self.function = lam.function
        # For Monitoring: the function's error rate (its dead-letter queue has the alarms below, on the
        # encrypted topic of its own).
        self._declared: list[DeclaredAlarm] = lam.monitoring_alarms("device-ingest")

        rule_role = aws.iam.Role(f"{name}-rule", name=namer.name(Kind.IAM_ROLE, "device-ingest-rule"),
                                 assume_role_policy=iam.assume_role("iot.amazonaws.com", condition={
                                     "StringEquals": {"aws:SourceAccount": args.account_id}}),
                                 description="IoT rule error action: the dead-letter queue only", opts=child)
        aws.iam.RolePolicy(f"{name}-rule", role=rule_role.id, name="error-action",
                           policy=dlq.apply(lambda q: iam.document(
                               iam.statement(["sqs:SendMessage"], q[0], sid="DeadLetterQueue"),
                               iam.statement(QUEUE_KEY_ACTIONS, q[1], sid="DeadLetterQueueKey"))), opts=child)
        self.topic_rule = aws.iot.TopicRule(
            f"{name}-rule", name=namer.name(Kind.IOT, "scans"), enabled=True, sql_version="2016-03-23",
            sql=f"SELECT *, topic(4) AS thingName FROM '{self.topic_filter}'",
            description="QR scans from scanners -> device ingest Lambda",
            lambdas=[{"function_arn": self.function.arn}],
            error_action={"sqs": {"queue_url": self.dead_letter_queue.url, "role_arn": rule_role.arn,
                                  "use_base64": False}},
            opts=child)
        aws.lambda_.Permission(
            f"{name}-iot", action="lambda:InvokeFunction", function=self.function.name, principal="iot.amazonaws.com",
            source_arn=self.topic_rule.arn, source_account=args.account_id, opts=child)
        self._alarms(name, args)
        self.register_outputs({"functionName": self.function.name, "topicFilter": self.topic_filter,
                               "deadLetterQueue": self.dead_letter_queue.url,
                               "ruleName": self.topic_rule.name, "devicePolicy": self.device_policy.name,
                               "thingType": self.thing_type.name})

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """The function's error-rate alarm (its dead-letter queue's alarms go to its own topic, below)."""
        return list(self._declared)

    def _alarms(self, name: str, args: DeviceIngestArgs) -> None:
        """A scan in the dead-letter queue, or one Lambda could not even put there, pages someone."""
        namer, child = args.namer, pulumi.ResourceOptions(parent=self)
        self.alert_topic = AlertTopic(f"{name}-alerts", AlertTopicArgs(namer, "device-ingest", args.account_id,
                                                                       args.alert_email, region=args.region,
                                                                       publishers=(CLOUDWATCH,)), opts=child)
        common: dict[str, object] = {
            "comparison_operator": "GreaterThanThreshold", "threshold": 0, "evaluation_periods": 1,
            "period": ALARM_PERIOD, "treat_missing_data": "notBreaching", "actions_enabled": True,
            "alarm_actions": [self.alert_topic.arn], "ok_actions": [self.alert_topic.arn]}
        self.alarms = {
            "dlq-depth": aws.cloudwatch.MetricAlarm(
                f"{name}-dlq-depth", name=namer.name(Kind.ALARM, "device-ingest-dlq"),
                alarm_description="scans wait in the device ingest dead-letter queue: read the reason in each "
                                  "message, fix it, redrive (docs/runbooks)",
                namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible", statistic="Maximum",
                dimensions={"QueueName": self.dead_letter_queue.name}, opts=child, **common),  # type: ignore[arg-type]
            "destination-failures": aws.cloudwatch.MetricAlarm(
                f"{name}-destination-failures", name=namer.name(Kind.ALARM, "device-ingest-destination"),
                alarm_description="Lambda could not put a failed scan on the dead-letter queue: the scan is lost "
                                  "unless the queue and its key policy are fixed",
                namespace="AWS/Lambda", metric_name="DestinationDeliveryFailures", statistic="Sum",
                dimensions={"FunctionName": self.function.name}, opts=child, **common),  # type: ignore[arg-type]
        }
