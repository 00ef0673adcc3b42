"""Issue 15's Django + Celery system (profiles/django-serverless.yaml) plans in dev and prod with no mandatory
violation, within its budget, and each new piece is where the profile says: the HTTP API, the worker, the
nightly schedule, Aurora MySQL, the Stripe key by reference and the pre-traffic migrate."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan import guard
from tests.conftest import planned, verdicts_of

PROFILE = "profile=django-serverless"
STRIPE = "arn:aws:secretsmanager:us-east-1:111111111111:secret:tickets/stripe-api-key-AbCdEf"


@pytest.fixture(scope="module", params=["dev", "prod"])
def plan(request: pytest.FixtureRequest) -> Any:
    return request.param, planned(request.param, PROFILE)


def test_no_mandatory_violation_and_within_budget(plan: Any) -> None:
    stack, p = plan
    assert [(v.policy, v.urn) for v in verdicts_of(p, stack).mandatory] == []
    budget = p.one("cutover:index:StackProfile").inputs["budgetMonthlyUsd"]
    assert guard.estimate(p).total_usd <= budget


def test_the_stripe_key_is_granted_by_reference_and_never_created(plan: Any) -> None:
    _, p = plan
    secrets = [r for r in p.of_type("aws:secretsmanager/secret:Secret") if "stripe" in json.dumps(r.inputs)]
    assert secrets == []
    for role in ("serverless-web", "serverless-worker"):
        doc = json.loads(p.one("aws:iam/rolePolicy:RolePolicy", role).inputs["policy"])
        stmt = next(s for s in doc["Statement"] if s.get("Sid") == "UseSecretStripeKey")
        assert stmt["Resource"] == [STRIPE]
    assert p.stack_outputs["existing"]["secret:stripe-key"]["managed"] == "existing"


def test_aurora_mysql_serverless_v2_and_the_nightly_schedule(plan: Any) -> None:
    _, p = plan
    (cluster,) = p.of_type("aws:rds/cluster:Cluster")
    assert cluster.inputs["engine"] == "aurora-mysql"
    assert cluster.inputs["serverlessv2ScalingConfiguration"]["maxCapacity"] == 4
    rule = p.one("aws:cloudwatch/eventRule:EventRule", "serverless-nightly-schedule")
    assert rule.inputs["scheduleExpression"] == "cron(30 2 * * ? *)"
    nightly = next(ln for ln in guard.estimate(p).lines
                   if ln.name == "serverless-nightly" and ln.type == "aws:lambda/function:Function")
    # 30 firings of the cron in a 30-day month x usage.services.nightly.avgDurationMs 60 s x 512 MB
    assert nightly.detail == "30 invocations (schedule cron(30 2 * * ? *)), 900 GB-s arm64"


def test_migrate_runs_before_traffic_and_gates_promotion(plan: Any) -> None:
    _, p = plan
    event = json.loads(p.one("aws:lambda/invocation:Invocation", "pretraffic-run").inputs["input"])
    assert event["command"] == ["python", "manage.py", "migrate", "--noinput"]
    manage = p.one("aws:lambda/function:Function", "serverless-manage")
    assert event["lambda"]["function"] == f"{manage.outputs['arn']}:1"
    targets = json.loads(p.one("aws:ssm/parameter:Parameter", "stage-targets").inputs["value"])
    assert targets["preTrafficRequired"] is True


def test_the_api_sends_and_only_the_worker_consumes_the_task_queue(plan: Any) -> None:
    _, p = plan
    queue = p.one("aws:sqs/queue:Queue", "queues-tasks")
    (esm,) = p.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    worker = p.one("aws:lambda/function:Function", "serverless-worker")
    assert esm.inputs["eventSourceArn"] == queue.outputs["arn"]
    assert esm.inputs["functionName"].startswith(f"{worker.outputs['arn']}:")  # its live alias

    def actions(role: str) -> set[str]:
        doc = json.loads(p.one("aws:iam/rolePolicy:RolePolicy", role).inputs["policy"])
        return {a for s in doc["Statement"] if s.get("Sid") == "UseQueueTasks" for a in s["Action"]}

    assert {a for a in actions("serverless-web") if a.startswith("sqs:")} == {"sqs:SendMessage"}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions("serverless-worker")
    assert actions("serverless-nightly") == set() and actions("serverless-manage") == set()
    # the worker is priced from its queue: queueMessagesPerMonth / batchSize 10
    usage = p.one("cutover:index:StackProfile").inputs["usage"]
    line = next(ln for ln in guard.estimate(p).lines
                if ln.name == "serverless-worker" and ln.type == "aws:lambda/function:Function")
    assert line.detail.startswith(f"{usage['queueMessagesPerMonth'] / 10:g} invocations (queue messages / batch size)")
