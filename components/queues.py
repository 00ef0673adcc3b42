"""SQS queues from the ``queues:`` section: each with its dead-letter queue, a customer managed key, alarms.

Per queue:

* a customer managed KMS key (rotation on) that encrypts the queue and its dead-letter queue. The key
  policy lets the account's IAM policies grant it, as the default key policy does, so only the roles
  this stack grants ``send``/``consume`` can use it (SQS developer guide, "Key management": a producer
  needs kms:GenerateDataKey and kms:Decrypt, a consumer kms:Decrypt);
* a dead-letter queue of the same type (AWS requires a FIFO queue's dead-letter queue to be FIFO, and a
  standard queue's to be standard), keeping messages for the SQS maximum, with a redrive-allow policy
  that admits only its source queue;
* the queue, with a redrive policy (``maxReceiveCount`` receives before a message moves to the DLQ);
* ``queue:<name>``: the store ref services use, with two capabilities: ``send`` (a producer) and
  ``consume`` (a worker, through a Lambda event source mapping or an ECS poller);
* declared alarms: depth and age of the oldest message on the queue, depth on the dead-letter queue.

Stateful: protected and retained per the environment's settings, like the other stores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, Threshold, dead_letter_depth
from components.refs import EventSource, StoreRef
from components.specs.environment import EnvironmentSettings
from components.specs.queues import DLQ_RETENTION_SECONDS, FIFO_SUFFIX, QueueConfig
from components.specs.tags import suppression_tags
from cutover.naming import Kind, Namer

# "Using Lambda with Amazon SQS", execution role permissions: sqs:ReceiveMessage, sqs:DeleteMessage and
# sqs:GetQueueAttributes, and kms:Decrypt for a queue encrypted with a customer managed key.
CONSUME_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "kms:Decrypt")
# An ECS worker polls the queue itself: the same, plus ChangeMessageVisibility to extend a message it is still
# processing (SQS developer guide, "Visibility timeout").
POLLER_EXTRA = ("sqs:ChangeMessageVisibility",)
# SQS developer guide, "Key management": SendMessage to an SSE-KMS queue needs kms:GenerateDataKey and
# kms:Decrypt on the key.
SEND_ACTIONS = ("sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt")


@dataclass(frozen=True)
class QueuesArgs:
    queues: tuple[QueueConfig, ...]
    namer: Namer
    env: EnvironmentSettings
    account_id: pulumi.Input[str]


def queue_name(namer: Namer, fifo: bool, *parts: str) -> str:
    """``<app>-<stack>-<parts>``, and ``.fifo`` for a FIFO queue within SQS's 80 characters."""
    if not fifo:
        return namer.name(Kind.SQS_QUEUE, *parts)
    return namer.name(Kind.SQS_FIFO_QUEUE, *parts) + FIFO_SUFFIX


class Queues(pulumi.ComponentResource):
    """One SQS queue (+ its key and dead-letter queue) per configured queue, keyed by its logical name."""

    queues: dict[str, aws.sqs.Queue]
    dead_letter_queues: dict[str, aws.sqs.Queue]
    keys: dict[str, aws.kms.Key]

    def __init__(self, name: str, args: QueuesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:Queues", name, None, opts)
        keep = args.env.protect_stateful
        stateful = pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep)
        self._args = args
        self.queues, self.dead_letter_queues, self.keys = {}, {}, {}
        for q in args.queues:
            base = f"{name}-{q.name}"
            tags = suppression_tags(q.suppress) or None
            key = aws.kms.Key(
                f"{base}-key", description=f"{args.namer.prefix} queue {q.name} and its dead-letter queue",
                enable_key_rotation=True, deletion_window_in_days=30,
                policy=pulumi.Output.from_input(args.account_id).apply(_key_policy), opts=stateful)
            dlq = aws.sqs.Queue(
                f"{base}-dlq", name=queue_name(args.namer, q.fifo, q.name, "dlq"), fifo_queue=q.fifo or None,
                kms_master_key_id=key.arn, message_retention_seconds=DLQ_RETENTION_SECONDS, tags=tags,
                opts=stateful)
            queue = aws.sqs.Queue(
                base, name=queue_name(args.namer, q.fifo, q.name), fifo_queue=q.fifo or None,
                content_based_deduplication=q.content_based_deduplication if q.fifo else None,
                kms_master_key_id=key.arn,
                # The data key SQS reuses before calling KMS again (SQS default 300 s): fewer KMS requests.
                kms_data_key_reuse_period_seconds=300,
                visibility_timeout_seconds=q.visibility_timeout_seconds,
                message_retention_seconds=q.message_retention_seconds, delay_seconds=q.delay_seconds,
                redrive_policy=dlq.arn.apply(lambda arn, n=q.max_receive_count: json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": n}, sort_keys=True)),
                tags=tags, opts=stateful)
            # Only this queue may use the DLQ as its dead-letter queue (RedriveAllowPolicy, byQueue).
            aws.sqs.RedriveAllowPolicy(
                f"{base}-dlq", queue_url=dlq.url,
                redrive_allow_policy=queue.arn.apply(lambda arn: json.dumps(
                    {"redrivePermission": "byQueue", "sourceQueueArns": [arn]}, sort_keys=True)),
                opts=pulumi.ResourceOptions(parent=self))
            self.queues[q.name], self.dead_letter_queues[q.name], self.keys[q.name] = queue, dlq, key
        self.register_outputs({"urls": {k: q.url for k, q in self.queues.items()},
                               "arns": {k: q.arn for k, q in self.queues.items()}})

    def refs(self) -> dict[str, StoreRef]:
        """``queue:<name>``: ``send`` (producers) and ``consume`` (workers), on the queue and its key only."""
        out: dict[str, StoreRef] = {}
        for q in self._args.queues:
            queue, key = self.queues[q.name], self.keys[q.name]
            out[q.ref_key] = StoreRef(
                key=q.ref_key, resource_arns=[queue.arn, key.arn], read_actions=(), write_actions=(),
                capabilities={"send": SEND_ACTIONS, "consume": CONSUME_ACTIONS},
                env={f"{q.env_prefix}_QUEUE_URL": queue.url},
                event_source=EventSource(
                    arn=queue.arn, fifo=q.fifo, visibility_timeout_seconds=q.visibility_timeout_seconds,
                    batch_size=q.consumer.batch_size, batch_window_seconds=q.consumer.batch_window_seconds,
                    max_concurrency=q.consumer.max_concurrency, poller_actions=POLLER_EXTRA))
        return out

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """Depth and oldest-message age per queue (the profile's thresholds), depth of each dead-letter queue."""
        out: list[DeclaredAlarm] = []
        for q in self._args.queues:
            name = self.queues[q.name].name
            key = f"queue-{q.name}"
            # SQS publishes both every minute (SQS developer guide, "CloudWatch metrics for Amazon SQS").
            if q.depth_alarm is not None:
                out.append(DeclaredAlarm("queueDepth", key, "simple", "AWS/SQS",
                                         ("ApproximateNumberOfMessagesVisible",), {"QueueName": name},
                                         statistic="Maximum", defaults=(Threshold("warning", q.depth_alarm, 5),)))
            if q.age_alarm_seconds is not None:
                out.append(DeclaredAlarm("queueOldestMessageSeconds", key, "simple", "AWS/SQS",
                                         ("ApproximateAgeOfOldestMessage",), {"QueueName": name},
                                         statistic="Maximum",
                                         defaults=(Threshold("critical", q.age_alarm_seconds, 5),)))
            out.append(dead_letter_depth(f"{key}-dlq", self.dead_letter_queues[q.name].name))
        return out


def _key_policy(account_id: str) -> str:
    # The account-root statement lets IAM policies grant the key, as in KMS's default key policy; the roles
    # granted send/consume get it through their own policies, nothing else names it.
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"}]}, sort_keys=True)
