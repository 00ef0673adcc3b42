"""sqs-encrypted-cmk, sqs-has-dlq, sqs-dlq-alarm: work queues (a consumer reads them) and their dead-letter queues.

Expectations from AWS's rules: a FIFO queue's dead-letter queue must be FIFO (SQS developer guide, "Using
dead-letter queues"), maxReceiveCount is 1..1000 (same page), and the AWS managed key alias/aws/sqs is not a
customer managed key (SQS developer guide, "Encryption at rest").
"""

from __future__ import annotations

import json

import pytest

from tests.policy.conftest import res, run

QUEUE = "aws:sqs/queue:Queue"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
ARN = "arn:aws:sqs:us-east-1:123456789012:"


def queue(name: str, key: str | None = KEY, dlq: str | None = None, receives: int = 5, fifo: bool = False) -> object:
    inputs: dict[str, object] = {"name": name}
    if key is not None:
        inputs["kmsMasterKeyId"] = key
    if dlq is not None:
        inputs["redrivePolicy"] = json.dumps({"deadLetterTargetArn": ARN + dlq, "maxReceiveCount": receives})
    if fifo:
        inputs["fifoQueue"] = True
    return res(QUEUE, name, inputs=inputs, outputs={**inputs, "arn": ARN + name})


def mapping(source: str) -> object:
    return res(ESM, f"esm-{source}", inputs={"eventSourceArn": ARN + source, "functionName": "f"})


def poller(source: str) -> object:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": [ARN + source]}]}
    return res(ROLE_POLICY, "task", inputs={"policy": json.dumps(doc)})


def dlq_alarm(name: str) -> object:
    return res(ALARM, f"alarm-{name}", inputs={"metricName": "ApproximateNumberOfMessagesVisible",
                                               "namespace": "AWS/SQS", "dimensions": {"QueueName": name}})


GOOD = [queue("jobs-dlq"), queue("jobs", dlq="jobs-dlq"), mapping("jobs"), dlq_alarm("jobs-dlq")]


@pytest.mark.parametrize("rule", ["sqs-encrypted-cmk", "sqs-has-dlq", "sqs-dlq-alarm"])
def test_a_consumed_queue_with_a_keyed_dlq_and_its_alarm_passes(rule: str) -> None:
    assert run(rule, GOOD) == []  # type: ignore[arg-type]
    assert run(rule, GOOD, environment="prod") == []  # type: ignore[arg-type]


def test_sqs_managed_or_aws_managed_key_on_a_work_queue_trips() -> None:
    for key in (None, "alias/aws/sqs"):
        (v,) = run("sqs-encrypted-cmk", [queue("jobs-dlq"), queue("jobs", key=key, dlq="jobs-dlq"),  # type: ignore[list-item]
                                         mapping("jobs")])
        assert v.urn.endswith("::jobs") and "customer managed KMS key" in v.message


def test_the_dead_letter_queue_of_a_work_queue_needs_the_key_too() -> None:
    (v,) = run("sqs-encrypted-cmk", [queue("jobs-dlq", key=None), queue("jobs", dlq="jobs-dlq"),  # type: ignore[list-item]
                                     mapping("jobs")])
    assert v.urn.endswith("::jobs-dlq")


def test_a_function_failure_queue_without_consumer_is_not_a_work_queue() -> None:
    # Lambda's asynchronous-invocation failure queue: SQS-managed SSE, nobody reads it through a mapping.
    assert run("sqs-encrypted-cmk", [queue("fn-dlq", key=None)]) == []  # type: ignore[list-item]
    assert run("sqs-has-dlq", [queue("fn-dlq", key=None)]) == []  # type: ignore[list-item]


def test_an_ecs_poller_makes_a_queue_a_work_queue() -> None:
    (v,) = run("sqs-has-dlq", [queue("jobs"), poller("jobs")])  # type: ignore[list-item]
    assert v.urn.endswith("::jobs") and "no redrive policy" in v.message
    (v,) = run("sqs-encrypted-cmk", [queue("jobs", key=None), poller("jobs")])  # type: ignore[list-item]
    assert v.urn.endswith("::jobs")


def test_consumed_queue_without_dlq_trips_and_with_one_passes() -> None:
    (v,) = run("sqs-has-dlq", [queue("jobs"), mapping("jobs")])  # type: ignore[list-item]
    assert v.urn.endswith("::jobs")
    assert run("sqs-has-dlq", [queue("jobs-dlq"), queue("jobs", dlq="jobs-dlq"), mapping("jobs")]) == []  # type: ignore[list-item]


@pytest.mark.parametrize("receives", [0, 1001])
def test_max_receive_count_outside_1_to_1000_trips(receives: int) -> None:
    (v,) = run("sqs-has-dlq", [queue("jobs-dlq"), queue("jobs", dlq="jobs-dlq", receives=receives),  # type: ignore[list-item]
                               mapping("jobs")])
    assert "1..1000" in v.message


def test_fifo_queue_with_a_standard_dlq_trips() -> None:
    resources = [queue("jobs-dlq"), queue("jobs.fifo", dlq="jobs-dlq", fifo=True), mapping("jobs.fifo")]
    (v,) = run("sqs-has-dlq", resources)  # type: ignore[arg-type]
    assert "same type" in v.message
    ok = [queue("jobs-dlq.fifo", fifo=True), queue("jobs.fifo", dlq="jobs-dlq.fifo", fifo=True), mapping("jobs.fifo")]
    assert run("sqs-has-dlq", ok) == []  # type: ignore[arg-type]


def test_dead_letter_queue_without_a_depth_alarm_trips() -> None:
    (v,) = run("sqs-dlq-alarm", GOOD[:3])  # type: ignore[arg-type]
    assert v.urn.endswith("::jobs-dlq")
    other = res(ALARM, "a", inputs={"metricName": "ApproximateAgeOfOldestMessage",
                                    "dimensions": {"QueueName": "jobs-dlq"}})
    assert len(run("sqs-dlq-alarm", [*GOOD[:3], other])) == 1  # type: ignore[list-item]


# --- cost: work queues priced from queueMessagesPerMonth ----------------------------------------------
# aws.amazon.com/sqs/pricing: $0.40 per million standard requests, $0.50 FIFO, first 1M requests a month free.

def _sqs_costs(resources: list[object], messages: float) -> dict[str, float]:
    from cutover_guard import cost

    report = cost.estimate(resources, {"queueMessagesPerMonth": messages})  # type: ignore[arg-type]
    return {line.name: line.monthly_usd for line in report.lines if line.type == QUEUE}


def test_work_queues_are_priced_at_three_requests_a_message_after_the_free_tier() -> None:
    # 2M messages -> 6M requests, 1M free: 5M x $0.40 = $2.00; the DLQ and a failure queue cost nothing here.
    costs = _sqs_costs([queue("jobs-dlq"), queue("jobs", dlq="jobs-dlq"), queue("fn-dlq", key=None)], 2_000_000)
    assert costs["jobs"] == pytest.approx(2.00) and costs["jobs-dlq"] == 0 and costs["fn-dlq"] == 0


def test_fifo_requests_cost_more_and_the_free_tier_is_shared() -> None:
    # 4M messages over two work queues: 6M requests each, the 1M free split 0.5M each.
    costs = _sqs_costs([queue("a-dlq"), queue("a", dlq="a-dlq"), queue("b-dlq.fifo", fifo=True),
                        queue("b.fifo", dlq="b-dlq.fifo", fifo=True)], 4_000_000)
    assert costs["a"] == pytest.approx(5.5 * 0.40) and costs["b.fifo"] == pytest.approx(5.5 * 0.50)
    assert _sqs_costs([queue("a-dlq"), queue("a", dlq="a-dlq")], 300_000)["a"] == 0  # 900k requests: all free
