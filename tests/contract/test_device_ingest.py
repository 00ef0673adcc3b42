"""IAM contract of functions/device_ingest: every AWS call the handler makes vs. the policy DeviceIngest plans.

The plan is tracetrack's (the profile with IoT scanners), dev and prod. moto holds the secret and
the dead-letter queue under the plan's names; the secret's ARN differs (moto draws its own suffix)
and is mapped back to the plan's before the check. The app is a precise fake opener: the calls to
AWS, not HTTP, are what this test is about (tests/functions/test_device_ingest.py covers HTTP).
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from functions.device_ingest import handler as ingest
from tests.conftest import planned
from tests.contract.conftest import REGION
from tests.contract.iam_rules import AuthzRequest
from tests.contract.plan_policy import PlannedFunction, assert_contract, planned_function, summary, translated
from tests.contract.recorder import Recorder, recording


class App:
    """The app's scan API: answers the statuses given, in order."""

    def __init__(self, *statuses: int | Exception) -> None:
        self.statuses = list(statuses)

    def __call__(self, request: urllib.request.Request, timeout: float) -> Any:
        status = self.statuses.pop(0)
        if isinstance(status, Exception):
            raise status
        if status >= 300:
            raise urllib.error.HTTPError(request.full_url, status, "err", {}, io.BytesIO(b"{}"))  # type: ignore[arg-type]
        return type("Resp", (), {"status": status, "read": lambda self: b"{}"})()


SCAN = {"qr": "PARENT-123", "ts": 1767225600, "thingName": "scanner-7"}

# (name, app answers, faults to inject, expected outcome: a result status or an exception type)
SCENARIOS: list[tuple[str, tuple[int | Exception, ...], tuple[tuple[str, str], ...], str | type[BaseException]]] = [
    ("delivered", (200,), (), "delivered"),
    ("key rotated: refreshed once", (401, 200), (), "delivered"),
    ("rejected: dead-lettered", (422,), (), "dead-lettered"),
    ("app down: retried", (503,), (), ingest.RetryableError),
    ("network down: retried", (urllib.error.URLError("reset"),), (), ingest.RetryableError),
    ("dead-letter send fails: retried", (400,), (("SendMessage", "KMS.AccessDeniedException"),),
     ingest.RetryableError),
    ("secret unreadable: retried by Lambda", (), (("GetSecretValue", "AccessDeniedException"),), Exception),
]


@pytest.fixture(params=["dev", "prod"])
def device_ingest(request: pytest.FixtureRequest) -> PlannedFunction:
    return planned_function(planned(request.param, "profile=tracetrack-ecs"), "devices-fn")


def run_scenarios(pf: PlannedFunction, monkeypatch: pytest.MonkeyPatch) -> list[AuthzRequest]:
    """Every scenario against moto; the recorded requests in the plan's names."""
    assert pf.region == REGION
    env = pf.environment
    secret_name = next(r.inputs["name"] for r in pf.plan.of_type("aws:secretsmanager/secret:Secret")
                       if r.outputs["arn"] == env["API_KEY_SECRET_ARN"])
    moto_secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=secret_name, SecretString="device-key")["ARN"]
    queue_name = env["DEAD_LETTER_QUEUE_URL"].rsplit("/", 1)[1]
    queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName=queue_name)["QueueUrl"]
    assert queue_url == env["DEAD_LETTER_QUEUE_URL"], "moto and the plan must agree on the queue URL"
    for key, value in {**env, "API_KEY_SECRET_ARN": moto_secret}.items():
        monkeypatch.setenv(key, str(value))

    requests: list[AuthzRequest] = []
    for name, answers, faults, expected in SCENARIOS:
        monkeypatch.setattr(ingest, "_api_key", None)  # a fresh container
        with recording() as rec:
            for operation, code in faults:
                rec.fail(operation, code)
            app = App(*answers)
            outcome = _outcome(lambda: ingest.handler(dict(SCAN), opener=app))  # noqa: B023 (called at once)
        assert outcome == expected or (isinstance(expected, type) and isinstance(outcome, expected)), \
            (name, outcome)
        requests += _in_plan_names(rec, {moto_secret: env["API_KEY_SECRET_ARN"]})
    with recording() as rec:  # not a scan at all: dead-lettered, no secret read
        assert ingest.handler([1, 2], opener=App())["status"] == "dead-lettered"  # type: ignore[arg-type]
    requests += _in_plan_names(rec, {})
    return requests


def _outcome(call: Callable[..., dict[str, Any]]) -> str | BaseException:
    try:
        return str(call()["status"])
    except Exception as exc:  # the scenario's expected exception
        return exc


def _in_plan_names(rec: Recorder, names: dict[str, str]) -> list[AuthzRequest]:
    return translated(rec.requests(), names)


def test_every_call_is_allowed_and_every_grant_is_used(device_ingest: PlannedFunction,
                                                      moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    requests = run_scenarios(device_ingest, monkeypatch)
    env = device_ingest.environment
    queue = next(q.outputs["arn"] for q in device_ingest.plan.of_type("aws:sqs/queue:Queue")
                 if q.outputs["url"] == env["DEAD_LETTER_QUEUE_URL"])
    # What the handler calls, derived from the scenarios above (not from the policy):
    assert summary(requests) == sorted({f"secretsmanager:GetSecretValue on {env['API_KEY_SECRET_ARN']}",
                                        f"sqs:SendMessage on {queue}"})
    assert_contract(device_ingest, requests)


def test_a_call_outside_the_policy_fails_the_contract(device_ingest: PlannedFunction, moto_aws: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: another secret, or a missing call, is reported by name."""
    requests = run_scenarios(device_ingest, monkeypatch)
    other = AuthzRequest("secretsmanager:GetSecretValue",
                         f"arn:aws:secretsmanager:{REGION}:{device_ingest.account}:secret:other-AbCdEf", "handler")
    with pytest.raises(AssertionError, match=r"secretsmanager:GetSecretValue on arn:aws:secretsmanager:.*other"):
        assert_contract(device_ingest, [*requests, other])
    without_dlq = [r for r in requests if r.action != "sqs:SendMessage"]
    # Lambda's on-failure destination still sends with the role, so SendMessage stays used ...
    assert_contract(device_ingest, without_dlq)
    # ... but no GetSecretValue at all leaves DeviceApiKey unused.
    with pytest.raises(AssertionError, match="DeviceApiKey: secretsmanager:GetSecretValue"):
        assert_contract(device_ingest, [r for r in requests if r.action != "secretsmanager:GetSecretValue"])
