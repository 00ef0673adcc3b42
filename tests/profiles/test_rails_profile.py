"""Issue 15's Rails system (profiles/rails-ecs.yaml): web and a Sidekiq-style worker on ECS, RDS MySQL and a queue
the web service sends to and only the worker consumes; plans in dev and prod with no mandatory violation.

IAM expectations from AWS: a producer of an SSE-KMS queue needs sqs:SendMessage with kms:GenerateDataKey and
kms:Decrypt on the key (SQS developer guide, "Key management"); a poller receives, deletes, reads the queue's
attributes and extends a message's visibility (ChangeMessageVisibility, "Visibility timeout"), and decrypts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan import guard
from tests.conftest import planned, verdicts_of

PROFILE = "profile=rails-ecs"
SERVICE = "aws:ecs/service:Service"


@pytest.fixture(scope="module", params=["dev", "prod"])
def plan(request: pytest.FixtureRequest) -> Any:
    return request.param, planned(request.param, PROFILE)


def _grant(p: Any, role: str) -> dict[str, Any]:
    doc = json.loads(p.one("aws:iam/rolePolicy:RolePolicy", role).inputs["policy"])
    (st,) = [s for s in doc["Statement"] if s.get("Sid") == "UseQueueJobs"]
    return st


def test_no_mandatory_violation_and_within_budget(plan: Any) -> None:
    stack, p = plan
    assert [(v.policy, v.urn) for v in verdicts_of(p, stack).mandatory] == []
    assert guard.estimate(p).total_usd <= p.one("cutover:index:StackProfile").inputs["budgetMonthlyUsd"]


def test_web_sends_and_only_the_worker_receives(plan: Any) -> None:
    _, p = plan
    queue = p.one("aws:sqs/queue:Queue", "queues-jobs")
    key = p.one("aws:kms/key:Key", "queues-jobs-key").outputs["arn"]
    assert _grant(p, "green-web-task")["Action"] == ["kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage"]
    assert _grant(p, "green-sidekiq-task")["Action"] == [
        "kms:Decrypt", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage"]
    assert _grant(p, "green-web-task")["Resource"] == [queue.outputs["arn"], key]
    receivers = sorted(r.name for r in p.of_type("aws:iam/rolePolicy:RolePolicy")
                       if "sqs:ReceiveMessage" in r.inputs["policy"])
    assert receivers == ["green-sidekiq-task"]
    assert p.of_type("aws:lambda/eventSourceMapping:EventSourceMapping") == []  # ECS polls by itself
    worker_env = {e["name"]: e["value"] for e in json.loads(
        p.one("aws:ecs/taskDefinition:TaskDefinition", "green-sidekiq").inputs["containerDefinitions"])[0][
        "environment"]}
    assert worker_env["JOBS_QUEUE_URL"] == queue.outputs["url"] and worker_env["DB_PORT"] == "3306"


def test_the_worker_runs_beside_the_web_service_without_a_load_balancer(plan: Any) -> None:
    stack, p = plan
    web, worker = p.one(SERVICE, "green-web").inputs, p.one(SERVICE, "green-sidekiq").inputs
    assert web["loadBalancers"] and "loadBalancers" not in worker and "healthCheckGracePeriodSeconds" not in worker
    assert worker["cluster"] == web["cluster"]  # one cluster: the worker shares the web service's
    assert worker["name"] == f"storefront-{stack}-sidekiq"
    assert len(p.of_type("aws:ecr/repository:Repository")) == 1  # one image, two commands
    ingress = [r for r in p.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.name.startswith("green-sidekiq-from")]
    assert ingress == []
    scaling = sorted(r.name for r in p.of_type("aws:appautoscaling/policy:Policy")
                     if r.name.startswith("green-sidekiq"))
    assert scaling == ["green-sidekiq-cpu"]  # no requests to count
    definition = json.loads(p.one("aws:ecs/taskDefinition:TaskDefinition", "green-sidekiq").inputs[
        "containerDefinitions"])[0]
    assert definition["command"] == ["bundle", "exec", "shoryuken", "-R", "-C", "config/shoryuken.yml"]
    assert definition["healthCheck"]["command"] == ["CMD-SHELL", "pgrep -f shoryuken || exit 1"]


def test_mysql_queue_and_its_dead_letter_queue(plan: Any) -> None:
    stack, p = plan
    (db,) = p.of_type("aws:rds/instance:Instance")
    assert db.inputs["engine"] == "mysql" and db.inputs["multiAz"] is (stack == "prod")
    q = p.one("aws:sqs/queue:Queue", "queues-jobs")
    assert q.inputs["visibilityTimeoutSeconds"] == 900
    assert json.loads(q.inputs["redrivePolicy"])["maxReceiveCount"] == 5
    assert q.protect is (stack == "prod")
    alarms = {a.inputs["name"] for a in p.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {f"storefront-{stack}-queueDepth-queue-jobs-warning",
            f"storefront-{stack}-queueOldestMessageSeconds-queue-jobs-critical",
            f"storefront-{stack}-deadLetterQueueDepth-queue-jobs-dlq-critical"} <= alarms


def test_db_migrate_runs_before_traffic() -> None:
    p = planned("dev", PROFILE)
    assert any("db:migrate" in json.dumps(r.inputs) for r in p.of_type("aws:lambda/invocation:Invocation"))
