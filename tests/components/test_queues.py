"""Queues: SQS work queues with a customer managed key, a same-type dead-letter queue, redrive, alarms; the
``send`` / ``consume`` capabilities; a worker's event source mapping.

Expectations come from AWS: queue names <= 80 characters, a FIFO queue's ends in ``.fifo`` and its dead-letter
queue is FIFO too (SQS developer guide, "Using dead-letter queues"); retention 60..1,209,600 s, visibility
0..43,200 s, delay 0..900 s (botocore sqs CreateQueue attributes); maxReceiveCount 1..1000; Lambda's SQS
batch size 1..10 on FIFO and up to 10,000 on standard with a window, MaximumConcurrency 2..1000 (botocore lambda
model); the consumer's role needs ReceiveMessage, DeleteMessage, GetQueueAttributes and kms:Decrypt, a producer
SendMessage with kms:GenerateDataKey and kms:Decrypt ("Using Lambda with Amazon SQS"; SQS "Key management").
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.queues import Queues, QueuesArgs
from components.refs import Access
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.queues import parse_queues
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.errors import ConfigError
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components, planned

QUEUE = "aws:sqs/queue:Queue"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
KEY = "aws:kms/key:Key"
POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCOUNT = "123456789012"
# waiterix: `api` (an HTTP handler, 29 s) produces, `ai` (a worker, 60 s) consumes queue:jobs.
JOBS = ("profile=waiterix-serverless", "overrides.queues.jobs.visibilityTimeoutSeconds=360",
        'overrides.services.ai.uses["queue:jobs"]=consume', 'overrides.services.api.uses["queue:jobs"]=send')


def parse(queues: dict[str, Any], env: str = "dev") -> Any:
    r = Reader({"queues": queues}, "")
    out = parse_queues(r, DEFAULTS[Environment(env)])
    r.finish()
    return out


def error(queues: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as exc:
        parse(queues)
    return exc.value


def _plan(queues: dict[str, Any], stack: str = "dev") -> Plan:
    configs = parse(queues, stack)

    def program() -> None:
        q = Queues("queues", QueuesArgs(configs, Namer("shop", stack), DEFAULTS[Environment(stack)], ACCOUNT))
        pulumi.export("refs", {k: {"caps": {c: list(a) for c, a in r.capability_actions().items()}, "env": dict(r.env)}
                               for k, r in q.refs().items()})
        pulumi.export("alarms", [[a.metric, a.key, a.metrics[0], [[t.level, t.threshold, t.minutes]
                                                                  for t in a.defaults]] for a in q.monitoring_alarms()])

    return plan_components(program, stack=stack)


def test_standard_queue_key_dlq_redrive_and_allow_policy() -> None:
    plan = _plan({"jobs": {"maxReceiveCount": 3, "visibilityTimeoutSeconds": 120}})
    key = plan.one(KEY, "queues-jobs-key")
    q, dlq = plan.one(QUEUE, "queues-jobs").inputs, plan.one(QUEUE, "queues-jobs-dlq").inputs
    assert (q["name"], dlq["name"]) == ("shop-dev-jobs", "shop-dev-jobs-dlq")
    assert q["kmsMasterKeyId"] == dlq["kmsMasterKeyId"] == key.outputs["arn"] and key.inputs["enableKeyRotation"]
    assert "fifoQueue" not in q and "fifoQueue" not in dlq and "contentBasedDeduplication" not in q
    dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shop-dev-jobs-dlq"
    assert json.loads(q["redrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}
    # SQS defaults: 4 days retention, no delay; the DLQ keeps a message for the 14-day maximum.
    assert (q["visibilityTimeoutSeconds"], q["messageRetentionSeconds"], q["delaySeconds"]) == (120, 345_600, 0)
    assert dlq["messageRetentionSeconds"] == 1_209_600
    allow = plan.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "queues-jobs-dlq").inputs
    assert allow["queueUrl"] == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/shop-dev-jobs-dlq"
    assert json.loads(allow["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue", "sourceQueueArns": [f"arn:aws:sqs:us-east-1:{ACCOUNT}:shop-dev-jobs"]}
    # Stateful: protected and retained in prod only (environment settings), like the other stores.
    assert not plan.one(QUEUE, "queues-jobs").protect
    prod = _plan({"jobs": {}}, "prod")
    assert all(prod.one(t, n).protect and prod.one(t, n).retain_on_delete
               for t, n in ((QUEUE, "queues-jobs"), (QUEUE, "queues-jobs-dlq"), (KEY, "queues-jobs-key")))


def test_fifo_queue_and_its_dlq_are_fifo_and_fit_80_characters() -> None:
    long = "j" + "x" * 39  # the longest logical name
    plan = _plan({long: {"fifo": True, "contentBasedDeduplication": True}})
    q, dlq = plan.one(QUEUE, f"queues-{long}").inputs, plan.one(QUEUE, f"queues-{long}-dlq").inputs
    assert q["fifoQueue"] is True and dlq["fifoQueue"] is True and q["contentBasedDeduplication"] is True
    assert q["name"].endswith(".fifo") and dlq["name"].endswith(".fifo")
    assert q["name"] == f"shop-dev-{long}.fifo" and len(q["name"]) <= 80
    assert len(dlq["name"]) <= 80  # "shop-dev-<40>-dlq" (57) + ".fifo"
    # A longer app and stack push the name past 80: the naming helper cuts it with a hash, then adds .fifo.
    (cfg,) = parse({long: {"fifo": True}})

    def program() -> None:
        Queues("queues", QueuesArgs((cfg,), Namer("a" * 12, "s" * 30), DEFAULTS[Environment.DEV],
                                    ACCOUNT))

    names = [r.inputs["name"] for r in plan_components(program).of_type(QUEUE)]
    assert len(names) == 2 and all(len(n) <= 80 and n.endswith(".fifo") for n in names)
    assert all(len(n) == 80 for n in names) and names[0] != names[1]


def test_refs_have_send_and_consume_only_and_alarms_are_declared() -> None:
    plan = _plan({"jobs": {"alarms": {"depth": 500, "oldestAgeSeconds": 900}}})
    key_arn = plan.one(KEY, "queues-jobs-key").outputs["arn"]
    ref = plan.stack_outputs["refs"]["queue:jobs"]
    assert ref["caps"] == {"send": ["sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"],
                           "consume": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                       "kms:Decrypt"]}
    assert ref["env"] == {"JOBS_QUEUE_URL": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/shop-dev-jobs"}
    assert key_arn.startswith("arn:aws:kms:")
    assert plan.stack_outputs["alarms"] == [
        ["queueDepth", "queue-jobs", "ApproximateNumberOfMessagesVisible", [["warning", 500, 5]]],
        ["queueOldestMessageSeconds", "queue-jobs", "ApproximateAgeOfOldestMessage", [["critical", 900, 5]]],
        ["deadLetterQueueDepth", "queue-jobs-dlq", "ApproximateNumberOfMessagesVisible", [["critical", 0, 1]]],
    ]


@pytest.mark.parametrize(("queues", "key", "allowed"), [
    ({"jobs": {"messageRetentionSeconds": 59}}, "queues.jobs.messageRetentionSeconds", "60..1209600"),
    ({"jobs": {"messageRetentionSeconds": 1_209_601}}, "queues.jobs.messageRetentionSeconds", "60..1209600"),
    ({"jobs": {"visibilityTimeoutSeconds": 43_201}}, "queues.jobs.visibilityTimeoutSeconds", "0..43200"),
    ({"jobs": {"delaySeconds": 901}}, "queues.jobs.delaySeconds", "0..900"),
    ({"jobs": {"maxReceiveCount": 0}}, "queues.jobs.maxReceiveCount", "1..1000"),
    ({"jobs": {"maxReceiveCount": 1001}}, "queues.jobs.maxReceiveCount", "1..1000"),
    ({"jobs": {"fifo": True, "consumer": {"batchSize": 11}}}, "queues.jobs.consumer.batchSize", "1..10"),
    ({"jobs": {"consumer": {"batchSize": 10_001}}}, "queues.jobs.consumer.batchSize", "1..10000"),
    ({"jobs": {"consumer": {"batchSize": 100}}}, "queues.jobs.consumer.batchWindowSeconds", "1..300"),
    ({"jobs": {"consumer": {"maxConcurrency": 1}}}, "queues.jobs.consumer.maxConcurrency", "2..1000"),
    ({"jobs": {"contentBasedDeduplication": True}}, "queues.jobs.contentBasedDeduplication", "fifo: true"),
    ({"Jobs": {}}, "queues.Jobs", "lowercase"),
])
def test_aws_limits_are_config_errors_naming_the_key(queues: dict[str, Any], key: str, allowed: str) -> None:
    e = error(queues)
    assert e.key == key and e.allowed is not None and allowed in e.allowed


def test_a_large_standard_batch_with_a_window_parses() -> None:
    (q,) = parse({"jobs": {"consumer": {"batchSize": 10_000, "batchWindowSeconds": 5, "maxConcurrency": 1000}}})
    assert (q.consumer.batch_size, q.consumer.batch_window_seconds, q.consumer.max_concurrency) == (10_000, 5, 1000)


def _services(uses: dict[str, str], kind: str = "worker") -> Any:
    r = Reader({"services": {"w": {"kind": kind, "uses": uses}}}, "")
    return parse_serverless(r, DEFAULTS[Environment.DEV], "us-east-1")


@pytest.mark.parametrize(("uses", "allowed"), [({"queue:jobs": "read"}, "send | consume"),
                                               ({"queue:jobs": "write"}, "send | consume"),
                                               ({"table:Users": "consume"}, "read | write"),
                                               ({"bucket:b": "send"}, "read | write")])
def test_uses_capabilities_come_from_the_store_kind(uses: dict[str, str], allowed: str) -> None:
    with pytest.raises(ConfigError) as exc:
        _services(uses)
    assert exc.value.key == f"services.w.uses.{next(iter(uses))}" and exc.value.allowed == allowed


def test_producer_gets_send_and_the_key_consumer_gets_exactly_the_consume_actions() -> None:
    plan = planned("dev", *JOBS)
    queue = plan.one(QUEUE, "queues-jobs").outputs["arn"]
    key = plan.one(KEY, "queues-jobs-key").outputs["arn"]

    def grant(role: str) -> dict[str, Any]:
        (st,) = [s for s in json.loads(plan.one(POLICY, role).inputs["policy"])["Statement"]
                 if s["Sid"] == "UseQueueJobs"]
        return st

    assert grant("serverless-api")["Action"] == ["kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage"]
    assert grant("serverless-ai")["Action"] == ["kms:Decrypt", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                                "sqs:ReceiveMessage"]
    assert grant("serverless-ai")["Resource"] == grant("serverless-api")["Resource"] == [queue, key]
    # Nobody else can receive or delete: only the consumer's role names those actions on any queue.
    receivers = sorted(p.name for p in plan.of_type(POLICY)
                       if any(a in json.dumps(json.loads(p.inputs["policy"])) for a in ("sqs:ReceiveMessage",
                                                                                        "sqs:DeleteMessage")))
    assert receivers == ["serverless-ai"]


def test_the_worker_consumes_through_an_event_source_mapping_on_its_alias() -> None:
    plan = planned("dev", *JOBS)
    (esm,) = plan.of_type(ESM)
    alias = plan.one("aws:lambda/alias:Alias", "serverless-ai-live").outputs["arn"]
    assert esm.inputs["eventSourceArn"] == plan.one(QUEUE, "queues-jobs").outputs["arn"]
    assert esm.inputs["functionName"] == alias
    assert esm.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"] and esm.inputs["batchSize"] == 10
    assert "scalingConfig" not in esm.inputs and "maximumBatchingWindowInSeconds" not in esm.inputs
    env = plan.one("aws:lambda/function:Function", "serverless-api").inputs["environment"]["variables"]
    assert env["JOBS_QUEUE_URL"] == plan.one(QUEUE, "queues-jobs").outputs["url"]


def _program_error(*sets: str) -> str:
    from cutover.plan.engine import ProgramError, run_program
    from cutover.plan.project import load_stack

    # The program maps a component's error to a configuration error: no traceback, the key path (CLI exit 2).
    with pytest.raises(ProgramError) as exc:
        run_program(load_stack("dev", sets=["profile=waiterix-serverless", *sets]))
    return str(exc.value)


def test_visibility_below_the_consumer_timeout_is_refused_with_the_key() -> None:
    text = _program_error("overrides.queues.jobs.visibilityTimeoutSeconds=59",
                          'overrides.services.ai.uses["queue:jobs"]=consume')
    assert text.startswith("configuration error: services.ai.uses.queue:jobs:")
    assert "queues.jobs.visibilityTimeoutSeconds >= 360" in text  # 6 x the worker's 60 s


def test_only_a_worker_consumes() -> None:
    text = _program_error("overrides.queues.jobs.visibilityTimeoutSeconds=360",
                          'overrides.services.api.uses["queue:jobs"]=consume')
    assert text.startswith("configuration error: services.api.uses.queue:jobs: only kind: worker services consume")


def test_access_enum_names_every_capability() -> None:
    assert [a.value for a in Access] == ["read", "write", "send", "consume"]


# --- ECS: workers and capabilities ------------------------------------------------------------------------

def _rails_error(*sets: str) -> str:
    from cutover.plan.engine import ProgramError, run_program
    from cutover.plan.project import load_stack

    with pytest.raises(ProgramError) as exc:
        run_program(load_stack("dev", sets=["profile=rails-ecs", *sets]))
    return str(exc.value)


def test_an_ecs_service_cannot_consume_a_queue_outside_the_stack() -> None:
    # An existing queue's ref has the send capability only (components/existing.py): its consumer is elsewhere.
    text = _rails_error("overrides.existing.queues.legacy.name=legacy-jobs",
                        'overrides.workers.sidekiq.uses["queue:legacy"]=consume')
    assert "workers.sidekiq.uses.queue:legacy: queue:legacy has no 'consume' capability (allowed: send)" in text


def test_a_container_names_a_capability_of_the_kind() -> None:
    text = _rails_error('overrides.container.uses["queue:jobs"]=write')
    assert "container.uses.queue:jobs: 'write' is not a capability of queue refs" in text
    assert "(allowed: send | consume)" in text


def test_workers_need_the_container_and_keep_their_key_as_name() -> None:
    from cutover.config.container import parse_workers

    worker = {"image": {"tag": "1.0.0"}}
    with pytest.raises(ConfigError) as exc:
        parse_workers(Reader({"workers": {"sidekiq": worker}}, ""), DEFAULTS[Environment.DEV])
    assert exc.value.key == "workers" and "container" in (exc.value.allowed or "")
    with pytest.raises(ConfigError) as exc:
        parse_workers(Reader({"container": {}, "workers": {"sidekiq": {**worker, "name": "jobs"}}}, ""),
                      DEFAULTS[Environment.DEV])
    assert exc.value.key == "workers.sidekiq.name" and exc.value.allowed == "sidekiq"
    (w,) = parse_workers(Reader({"container": {}, "workers": {"sidekiq": worker}}, ""), DEFAULTS[Environment.DEV])
    assert w.name == "sidekiq" and w.image.tag == "1.0.0"


def test_batching_window_and_maximum_concurrency_reach_the_mapping() -> None:
    plan = planned("dev", *JOBS, "overrides.queues.jobs.consumer.batchSize=100",
                   "overrides.queues.jobs.consumer.batchWindowSeconds=5",
                   "overrides.queues.jobs.consumer.maxConcurrency=5")
    (esm,) = plan.of_type(ESM)
    assert (esm.inputs["batchSize"], esm.inputs["maximumBatchingWindowInSeconds"]) == (100, 5)
    assert esm.inputs["scalingConfig"] == {"maximumConcurrency": 5}
