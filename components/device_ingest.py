"""IoT Core ingest for seed 001's QR scanners: device -> IoT Core -> Lambda -> the app's scan API.

* ``aws.iot.ThingType`` for the scanners; each scanner is a thing with its own X.509 certificate
  (provisioned by operations, not by this stack) and this least-privilege policy attached: connect
  only as its own thing name, publish only to ``<app>/<stage>/scans/<its thing name>``.
* A topic rule (``SELECT *, topic(4) AS thingName FROM '<app>/<stage>/scans/+'``) invokes the
  ingest Lambda; rule failures go to an encrypted SQS dead-letter queue (error action), and so do
  events the (asynchronously invoked) function fails on after its retries.
* The Lambda (python3.12, arm64, X-Ray) POSTs each scan to the app's API path through the public
  URL (CloudFront) with the device API key it reads from Secrets Manager at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.refs import StoreRef
from cutover import iam
from cutover.config import DevicesConfig, EnvironmentSettings
from cutover.naming import Kind, Namer

CODE_DIR = "functions/device_ingest"
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
THING = "${iot:Connection.Thing.ThingName}"


@dataclass(frozen=True)
class DeviceIngestArgs:
    config: DevicesConfig
    namer: Namer
    env: EnvironmentSettings
    region: str
    account_id: str
    api_base_url: pulumi.Input[str]  # https://<cdn alias> (or the ALB's name without a CDN)
    api_key: StoreRef  # secret:<devices.apiKeySecret>


class DeviceIngest(pulumi.ComponentResource):
    function: aws.lambda_.Function
    topic_rule: aws.iot.TopicRule
    thing_type: aws.iot.ThingType
    device_policy: aws.iot.Policy
    dead_letter_queue: aws.sqs.Queue
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

        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq", name=namer.name(Kind.SQS_QUEUE, "device-ingest-dlq"), sqs_managed_sse_enabled=True,
            message_retention_seconds=DLQ_RETENTION_SECONDS, opts=child)
        fn_name = namer.name(Kind.LAMBDA_FUNCTION, "device-ingest")
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{fn_name}",
                                       retention_in_days=args.env.log_retention_days, opts=child)
        role = aws.iam.Role(f"{name}-fn", name=namer.name(Kind.IAM_ROLE, "device-ingest"),
                            assume_role_policy=iam.assume_role("lambda.amazonaws.com"),
                            description="device ingest: its logs, X-Ray, the device API key, its DLQ", opts=child)
        policy = aws.iam.RolePolicy(
            f"{name}-fn", role=role.id, name="least-privilege",
            policy=pulumi.Output.all(logs.arn, self.dead_letter_queue.arn, *args.api_key.resource_arns).apply(
                lambda v: iam.document(
                    iam.statement(["logs:CreateLogStream", "logs:PutLogEvents"], [v[0], f"{v[0]}:*"], sid="Logs"),
                    iam.statement(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*", sid="XRay"),
                    iam.statement(["sqs:SendMessage"], v[1], sid="DeadLetterQueue"),
                    iam.statement(list(args.api_key.read_actions), [str(a) for a in v[2:]], sid="DeviceApiKey"))),
            opts=child)
        api_url = pulumi.Output.from_input(args.api_base_url).apply(lambda u: u.rstrip("/") + cfg.api_path)
        self.function = aws.lambda_.Function(
            f"{name}-fn", name=fn_name, role=role.arn, runtime="python3.12", handler="handler.handler",
            code=pulumi.FileArchive(CODE_DIR), architectures=["arm64"], memory_size=cfg.memory_mb,
            timeout=cfg.timeout_seconds, tracing_config={"mode": "Active"},
            logging_config={"log_format": "JSON", "log_group": logs.name, "application_log_level": "INFO",
                            "system_log_level": "WARN"},
            environment={"variables": {"API_URL": api_url, "API_KEY_SECRET_ARN": args.api_key.resource_arns[0],
                                       "HTTP_TIMEOUT_SECONDS": str(max(1, cfg.timeout_seconds - 2))}},
            description=f"{namer.prefix} IoT scans -> {cfg.api_path}",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, logs]))
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-fn", function_name=self.function.name, maximum_retry_attempts=2,
            maximum_event_age_in_seconds=3600,
            destination_config={"on_failure": {"destination": self.dead_letter_queue.arn}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))

        rule_role = aws.iam.Role(f"{name}-rule", name=namer.name(Kind.IAM_ROLE, "device-ingest-rule"),
                                 assume_role_policy=iam.assume_role("iot.amazonaws.com", condition={
                                     "StringEquals": {"aws:SourceAccount": args.account_id}}),
                                 description="IoT rule error action: the dead-letter queue only", opts=child)
        aws.iam.RolePolicy(f"{name}-rule", role=rule_role.id, name="error-action",
                           policy=self.dead_letter_queue.arn.apply(lambda q: iam.document(
                               iam.statement(["sqs:SendMessage"], q, sid="DeadLetterQueue"))), opts=child)
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
        self.register_outputs({"functionName": self.function.name, "topicFilter": self.topic_filter,
                               "ruleName": self.topic_rule.name, "devicePolicy": self.device_policy.name,
                               "thingType": self.thing_type.name})
