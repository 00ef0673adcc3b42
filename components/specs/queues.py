"""Argument types for queues: plain frozen values, parsed from a profile by cutover.config.queues.

Limits are AWS's (botocore ``sqs`` CreateQueue attribute documentation and ``lambda``
CreateEventSourceMapping shapes), kept here so the parser, the schema and the component share them.
"""

from __future__ import annotations

from dataclasses import dataclass

# SQS CreateQueue attributes (botocore sqs model, CreateQueueRequest.Attributes):
VISIBILITY_RANGE = (0, 43_200)  # VisibilityTimeout: 0..43,200 s (12 hours), default 30
RETENTION_RANGE = (60, 1_209_600)  # MessageRetentionPeriod: 60 s..14 days, default 345,600 (4 days)
DELAY_RANGE = (0, 900)  # DelaySeconds: 0..900 s, default 0
# RedrivePolicy.maxReceiveCount: SQS developer guide, "Using dead-letter queues": 1..1000.
MAX_RECEIVE_RANGE = (1, 1000)
# A queue name: up to 80 characters of letters, digits, - and _; a FIFO queue's ends with ".fifo".
QUEUE_NAME_MAX = 80
FIFO_SUFFIX = ".fifo"
# The dead-letter queue keeps a message for the SQS maximum: a standard queue's message keeps its original
# enqueue timestamp when it moves, so a DLQ retention shorter than the source's could drop it at once
# (SQS developer guide, "Using dead-letter queues").
DLQ_RETENTION_SECONDS = RETENTION_RANGE[1]

# Lambda CreateEventSourceMapping (botocore lambda model): BatchSize 1..10000 (SQS: default 10, at most 10
# for a FIFO queue, more than 10 needs a batching window), MaximumBatchingWindowInSeconds 0..300,
# ScalingConfig.MaximumConcurrency 2..1000.
BATCH_RANGE = (1, 10_000)
FIFO_BATCH_MAX = 10
BATCH_WINDOW_RANGE = (0, 300)
MAX_CONCURRENCY_RANGE = (2, 1000)
# "Using Lambda with Amazon SQS": set the queue's visibility timeout to at least six times the function's
# timeout, so a batch being retried after throttling does not reappear while it is still processed.
VISIBILITY_TO_TIMEOUT_FACTOR = 6


@dataclass(frozen=True)
class QueueConsumer:
    """How a serverless consumer reads the queue (its event source mapping)."""

    batch_size: int = 10
    batch_window_seconds: int = 0
    max_concurrency: int | None = None  # None: Lambda's default scaling (no cap)


@dataclass(frozen=True)
class QueueConfig:
    name: str  # logical key: services use it as queue:<name>
    fifo: bool
    visibility_timeout_seconds: int
    message_retention_seconds: int
    delay_seconds: int
    max_receive_count: int
    content_based_deduplication: bool  # FIFO only
    env_prefix: str  # consumers get <PREFIX>_QUEUE_URL
    consumer: QueueConsumer
    depth_alarm: int | None  # messages visible; None: no alarm threshold of its own (monitoring may set one)
    age_alarm_seconds: int | None  # age of the oldest message
    suppress: tuple[tuple[str, str], ...] = ()

    @property
    def ref_key(self) -> str:
        return f"queue:{self.name}"
