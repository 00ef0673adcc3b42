"""SQS work queues: a customer managed key, a dead-letter queue for every consumed queue, alarms on the DLQs.

A *work queue* is one a consumer reads: a Lambda event source mapping's ``eventSourceArn``, or a queue an IAM
role policy grants ``sqs:ReceiveMessage`` on (an ECS poller). Work queues and the dead-letter queues their
redrive policies name carry application messages, so they are encrypted with a customer managed key (SQS
developer guide, "Encryption at rest": the AWS managed key ``alias/aws/sqs`` cannot be shared or have its
policy restricted). A Lambda function's own failure queue (asynchronous invocation records, SQS-managed SSE,
no consumer) is not a work queue and stays with ``sqs-encrypted``.
"""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from cutover_guard._util import (
    as_number,
    as_str,
    get,
    is_unknown,
    items,
    of_type,
    parse_document,
    refers_to,
    stack_policy,
    statements,
)

SQS_QUEUE: Final = "aws:sqs/queue:Queue"
EVENT_SOURCE_MAPPING: Final = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
# RedrivePolicy.maxReceiveCount: 1..1000 (SQS developer guide, "Using dead-letter queues").
MAX_RECEIVE: Final = (1, 1000)


def _arn(q: PolicyResource) -> str:
    return as_str(get(q.props, "arn")) or ""


def _name(q: PolicyResource) -> str:
    return as_str(get(q.props, "name")) or ""


def _is(q: PolicyResource, arn: Any) -> bool:
    """Whether an ARN value (a string, maybe unknown in a preview) names queue ``q``."""
    text = as_str(arn) if not is_unknown(arn) else None
    if not text:
        return False
    return text == _arn(q) or (bool(_name(q)) and text.endswith(f":{_name(q)}"))


def _redrive(q: PolicyResource) -> dict[str, Any] | None:
    return parse_document(get(q.props, "redrivePolicy"))  # the same JSON-string-or-object rules


def _received_arns(policy: Any) -> list[Any]:
    """Resources a role policy document grants sqs:ReceiveMessage on."""
    out: list[Any] = []
    for st in statements(parse_document(policy)):
        actions = {str(a).lower() for a in items(st.get("Action"))}
        if st.get("Effect") == "Allow" and actions & {"sqs:receivemessage", "sqs:*", "*"}:
            out += items(st.get("Resource"))
    return out


def consumed_queues(resources: list[PolicyResource]) -> list[PolicyResource]:
    """Queues a Lambda event source mapping or an IAM role policy's sqs:ReceiveMessage reads."""
    queues = of_type(resources, SQS_QUEUE)
    mappings = of_type(resources, EVENT_SOURCE_MAPPING)
    received = [a for p in of_type(resources, ROLE_POLICY) for a in _received_arns(get(p.props, "policy"))]
    return [q for q in queues
            if any(_is(q, get(m.props, "eventSourceArn")) or refers_to(m, q, "eventSourceArn", ("arn",))
                   for m in mappings)
            or any(_is(q, a) for a in received)]


def _dead_letter_of(q: PolicyResource, queues: list[PolicyResource]) -> PolicyResource | None:
    redrive = _redrive(q)
    target = redrive.get("deadLetterTargetArn") if redrive else None
    return next((d for d in queues if d is not q and _is(d, target)), None)


def _customer_managed(q: PolicyResource) -> bool | None:
    key = get(q.props, "kmsMasterKeyId")
    if is_unknown(key):
        return None  # a key created in the same update: its ARN is known only after it exists
    text = as_str(key) or ""
    return bool(text) and not text.startswith("alias/aws/")


def _cmk(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    queues = of_type(resources, SQS_QUEUE)
    work = consumed_queues(resources)
    dlqs = [d for q in work if (d := _dead_letter_of(q, queues)) is not None]
    for q in [*work, *(d for d in dlqs if d not in work)]:
        if _customer_managed(q) is False:
            report(f"SQS queue '{q.name}' carries work messages: encrypt it with a customer managed KMS key "
                   "(kmsMasterKeyId), not SQS-managed SSE or alias/aws/sqs.", q.urn)


sqs_encrypted_cmk = stack_policy(
    "sqs-encrypted-cmk", "Queues a consumer reads, and their dead-letter queues, use a customer managed KMS key.",
    _cmk)


def _has_dlq(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    queues = of_type(resources, SQS_QUEUE)
    for q in consumed_queues(resources):
        if get(q.props, "redrivePolicy") is not None and is_unknown(get(q.props, "redrivePolicy")):
            continue  # the DLQ's ARN is known after it exists: a preview cannot check it yet
        redrive = _redrive(q)
        if redrive is None:
            report(f"SQS queue '{q.name}' has a consumer but no redrive policy: a message that always fails is "
                   "received again until it expires. Give it a dead-letter queue.", q.urn)
            continue
        n = as_number(redrive.get("maxReceiveCount"))
        if n is None or not MAX_RECEIVE[0] <= n <= MAX_RECEIVE[1]:
            report(f"SQS queue '{q.name}': maxReceiveCount {redrive.get('maxReceiveCount')!r} is outside "
                   f"{MAX_RECEIVE[0]}..{MAX_RECEIVE[1]}.", q.urn)
        dlq = _dead_letter_of(q, queues)
        fifo = get(q.props, "fifoQueue") is True
        if dlq is not None and (get(dlq.props, "fifoQueue") is True) != fifo:
            # SQS developer guide: a FIFO queue's dead-letter queue must be FIFO, a standard queue's standard.
            report(f"SQS queue '{q.name}' and its dead-letter queue '{dlq.name}' are not the same type "
                   "(FIFO and standard).", q.urn)


sqs_has_dlq = stack_policy(
    "sqs-has-dlq", "Every queue with a consumer has a dead-letter queue of its own type (maxReceiveCount 1..1000).",
    _has_dlq)


def _dlq_alarm(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    queues = of_type(resources, SQS_QUEUE)
    alarmed = {as_str(get(a.props, "dimensions", "QueueName")) for a in of_type(resources, METRIC_ALARM)
               if get(a.props, "metricName") == "ApproximateNumberOfMessagesVisible"}
    for q in consumed_queues(resources):
        dlq = _dead_letter_of(q, queues)
        if dlq is not None and _name(dlq) and _name(dlq) not in alarmed:
            report(f"Dead-letter queue '{dlq.name}' has no alarm on ApproximateNumberOfMessagesVisible: failed "
                   "messages would wait there unseen until they expire.", dlq.urn)


sqs_dlq_alarm = stack_policy(
    "sqs-dlq-alarm", "The dead-letter queue of every consumed queue has a depth alarm.", _dlq_alarm)

POLICIES: Final = [sqs_encrypted_cmk, sqs_has_dlq, sqs_dlq_alarm]
