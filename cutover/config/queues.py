"""``queues:`` section: SQS queues keyed by name, each with its dead-letter queue and a consumer's batching.

    queues:
      jobs:
        fifo: false
        visibilityTimeoutSeconds: 180      # >= the consuming function's timeout (AWS recommends 6x)
        maxReceiveCount: 5                 # receives before a message moves to the dead-letter queue
        consumer: {batchSize: 10, batchWindowSeconds: 0, maxConcurrency: 5}
        alarms: {depth: 1000, oldestAgeSeconds: 900}

Services use a queue as ``queue:<name>`` with ``send`` (producers) or ``consume`` (workers). Limits are AWS's
(components/specs/queues.py cites them); errors name the full key path, e.g. ``queues.jobs.maxReceiveCount``.
"""

from __future__ import annotations

import re
from typing import Any

from components.specs.queues import (
    BATCH_RANGE,
    BATCH_WINDOW_RANGE,
    DELAY_RANGE,
    FIFO_BATCH_MAX,
    MAX_CONCURRENCY_RANGE,
    MAX_RECEIVE_RANGE,
    RETENTION_RANGE,
    VISIBILITY_RANGE,
    QueueConfig,
    QueueConsumer,
)
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError

__all__ = ["QueueConfig", "QueueConsumer", "parse_queues"]

# The logical name becomes part of the physical name (<app>-<stack>-<name>[-dlq][.fifo], at most 80 characters).
_QUEUE_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_ENV_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]{0,30}$")


def _default(path: str, env: EnvironmentSettings) -> Any:
    """The schema's declared default of ``path`` (cutover/config/schema/profile.py)."""
    from cutover.config.schema import default

    return default(path, env.name.value)


def parse_queues(doc: Reader, env: EnvironmentSettings) -> tuple[QueueConfig, ...]:
    queues = doc.mapping_of("queues", lambda key, r: _queue(key, r, env))
    prefixes: dict[str, str] = {}
    for q in queues:
        if q.env_prefix in prefixes:
            other = prefixes[q.env_prefix]
            raise ConfigError(f"queues.{q.name}.envPrefix", f"{q.env_prefix} is also queue {other!r}'s prefix;"
                              " a service using both would get one <PREFIX>_QUEUE_URL", "a distinct envPrefix")
        prefixes[q.env_prefix] = q.name
    return queues


def _queue(name: str, r: Reader, env: EnvironmentSettings) -> QueueConfig:
    if not _QUEUE_KEY.match(name):
        raise ConfigError(r.path, f"queue name {name!r} is not valid",
                          "lowercase letters, digits and -, starting with a letter; at most 40")

    def d(key: str) -> Any:
        return _default(f"queues.{name}.{key}", env)

    fifo = r.boolean("fifo", d("fifo"))
    visibility = r.integer("visibilityTimeoutSeconds", d("visibilityTimeoutSeconds"),
                           minimum=VISIBILITY_RANGE[0], maximum=VISIBILITY_RANGE[1])
    retention = r.integer("messageRetentionSeconds", d("messageRetentionSeconds"),
                          minimum=RETENTION_RANGE[0], maximum=RETENTION_RANGE[1])
    delay = r.integer("delaySeconds", d("delaySeconds"), minimum=DELAY_RANGE[0], maximum=DELAY_RANGE[1])
    max_receive = r.integer("maxReceiveCount", d("maxReceiveCount"),
                            minimum=MAX_RECEIVE_RANGE[0], maximum=MAX_RECEIVE_RANGE[1])
    dedup = r.boolean("contentBasedDeduplication", d("contentBasedDeduplication"))
    if dedup and not fifo:
        raise ConfigError(r.key("contentBasedDeduplication"), "only FIFO queues deduplicate messages "
                          "(SQS: ContentBasedDeduplication is a FIFO queue attribute)", "false, or fifo: true")
    # Derived from the name, cut to the 31 characters the pattern allows (a 40-character name would not fit).
    prefix = r.string("envPrefix", re.sub(r"[^A-Z0-9]+", "_", name.upper())[:31].rstrip("_"),
                      pattern=lambda v: bool(_ENV_PREFIX.match(v)), describe="UPPER_SNAKE_CASE, e.g. JOBS")
    consumer = _consumer(r.section("consumer"), fifo, name, env)
    alarms = r.section("alarms")
    # Every queue alarms on its backlog and on late work (issue 15): a message an hour old means the consumers
    # are not keeping up; with a shorter retention, half of it, so the alarm fires before messages expire.
    depth = alarms.integer("depth", d("alarms.depth"), minimum=1, maximum=1_000_000_000)
    # (A retention under two minutes leaves no room for the 60 s minimum: no default age alarm there.)
    default_age = min(3600, retention // 2) if retention // 2 >= 60 else None
    age = alarms.integer("oldestAgeSeconds", default_age, minimum=60, maximum=RETENTION_RANGE[1]) \
        if alarms.has("oldestAgeSeconds") or default_age is not None else None
    alarms.finish()
    if age is not None and age >= retention:
        raise ConfigError(alarms.key("oldestAgeSeconds"), f"{age} s is not below the queue's retention "
                          f"({retention} s): messages expire before the alarm could fire", f"60..{retention - 1}")
    return QueueConfig(
        name=name, fifo=fifo, visibility_timeout_seconds=visibility, message_retention_seconds=retention,
        delay_seconds=delay, max_receive_count=max_receive, content_based_deduplication=dedup, env_prefix=prefix,
        consumer=consumer, depth_alarm=depth, age_alarm_seconds=age, suppress=r.suppressions())


def _consumer(r: Reader, fifo: bool, name: str, env: EnvironmentSettings) -> QueueConsumer:
    def d(key: str) -> Any:
        return _default(f"queues.{name}.consumer.{key}", env)

    # Lambda API reference, CreateEventSourceMapping: BatchSize for SQS is at most 10 on a FIFO queue and 10,000
    # on a standard queue, where more than 10 needs MaximumBatchingWindowInSeconds of at least 1.
    batch = r.integer("batchSize", d("batchSize"), minimum=BATCH_RANGE[0],
                      maximum=FIFO_BATCH_MAX if fifo else BATCH_RANGE[1])
    window = r.integer("batchWindowSeconds", d("batchWindowSeconds"),
                       minimum=BATCH_WINDOW_RANGE[0], maximum=BATCH_WINDOW_RANGE[1])
    if batch > FIFO_BATCH_MAX and window < 1:
        raise ConfigError(r.key("batchWindowSeconds"), f"a batch of {batch} needs a batching window (Lambda: more "
                          "than 10 messages per batch requires MaximumBatchingWindowInSeconds >= 1)",
                          f"1..{BATCH_WINDOW_RANGE[1]}, or batchSize <= {FIFO_BATCH_MAX}")
    concurrency = r.integer("maxConcurrency", None, minimum=MAX_CONCURRENCY_RANGE[0],
                            maximum=MAX_CONCURRENCY_RANGE[1]) if r.has("maxConcurrency") else None
    r.finish()
    return QueueConsumer(batch_size=batch, batch_window_seconds=window, max_concurrency=concurrency)
