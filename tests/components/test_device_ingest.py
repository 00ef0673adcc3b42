"""DeviceIngest resources (least-privilege IoT policy, rule -> Lambda) and the handler with a fake opener."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from functions.device_ingest import handler as ingest
from tests.conftest import planned


def test_iot_policy_rule_and_permission() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    doc = json.loads(plan.one("aws:iot/policy:Policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    thing = "${iot:Connection.Thing.ThingName}"
    assert by_sid["ConnectAsOwnThing"]["Action"] == ["iot:Connect"]
    assert by_sid["ConnectAsOwnThing"]["Resource"] == [f"arn:aws:iot:us-east-1:123456789012:client/{thing}"]
    assert by_sid["PublishOwnScans"]["Resource"] == [
        f"arn:aws:iot:us-east-1:123456789012:topic/tracetrack/prod/scans/{thing}"]
    assert set(by_sid) == {"ConnectAsOwnThing", "PublishOwnScans"}
    rule = plan.one("aws:iot/topicRule:TopicRule")
    fn = plan.one("aws:lambda/function:Function", "devices-fn")
    assert rule.inputs["sql"] == "SELECT *, topic(4) AS thingName FROM 'tracetrack/prod/scans/+'"
    assert rule.inputs["lambdas"] == [{"functionArn": fn.outputs["arn"]}]
    assert "sqs" in rule.inputs["errorAction"]
    perm = plan.one("aws:lambda/permission:Permission", "devices-iot").inputs
    assert perm["principal"] == "iot.amazonaws.com" and perm["sourceArn"] == rule.outputs["arn"]
    f = fn.inputs
    assert (f["runtime"], f["architectures"], f["tracingConfig"]) == ("python3.12", ["arm64"], {"mode": "Active"})
    assert f["environment"]["variables"]["API_URL"] == "https://app.tracetrack.example.com/api/fast_parent_scan"
    key = plan.one("aws:secretsmanager/secret:Secret", "secrets-device-api-key").id
    assert f["environment"]["variables"]["API_KEY_SECRET_ARN"] == key


class FakeSecrets:
    def __init__(self, *values: str) -> None:
        self.values, self.calls = list(values), 0

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3 name)
        self.calls += 1
        return {"SecretString": self.values[min(self.calls, len(self.values)) - 1]}


class FakeOpener:
    def __init__(self, *statuses: int | Exception) -> None:
        self.statuses, self.requests = list(statuses), []  # type: ignore[var-annotated]

    def __call__(self, request: urllib.request.Request, timeout: float) -> Any:
        self.requests.append(request)
        status = self.statuses.pop(0)
        if isinstance(status, Exception):
            raise status
        if status >= 400:
            raise urllib.error.HTTPError(request.full_url, status, "err", {}, io.BytesIO(b"nope"))  # type: ignore[arg-type]

        class Resp:
            def __init__(self, code: int) -> None:
                self.status = code

            def read(self) -> bytes:
                return b"{}"

        return Resp(status)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_URL", "https://app.example.com/api/fast_parent_scan")
    monkeypatch.setenv("API_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf")
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/dlq")
    monkeypatch.setattr(ingest, "_api_key", None)


def test_delivers_with_key_and_device_id_and_caches_the_key() -> None:
    secrets, opener = FakeSecrets("k1"), FakeOpener(200, 201)
    event = {"qr": "PARENT-123", "thingName": "scanner-7"}
    assert ingest.handler(event, opener=opener, secrets_client=secrets) == {"status": "delivered", "httpStatus": 200}
    assert ingest.handler(event, opener=opener, secrets_client=secrets)["httpStatus"] == 201
    assert secrets.calls == 1
    req = opener.requests[0]
    assert req.get_method() == "POST" and req.full_url.endswith("/api/fast_parent_scan")
    assert req.get_header("X-device-api-key") == "k1" and req.get_header("X-device-id") == "scanner-7"
    assert json.loads(req.data) == {"deviceId": "scanner-7", "scan": {"qr": "PARENT-123"}}


def test_rotated_key_is_refreshed_once() -> None:
    secrets, opener = FakeSecrets("old", "new"), FakeOpener(401, 200)
    assert ingest.handler({"thingName": "s1"}, opener=opener, secrets_client=secrets)["status"] == "delivered"
    assert [r.get_header("X-device-api-key") for r in opener.requests] == ["old", "new"]


def test_server_errors_retry_client_errors_dead_letter() -> None:
    with pytest.raises(ingest.RetryableError):
        ingest.handler({"thingName": "s1"}, opener=FakeOpener(503), secrets_client=FakeSecrets("k"))
    with pytest.raises(ingest.RetryableError):
        ingest.handler({"thingName": "s1"}, opener=FakeOpener(urllib.error.URLError("down")),
                       secrets_client=FakeSecrets("k"))
    queue = FakeQueue()
    assert ingest.handler({"thingName": "s1"}, opener=FakeOpener(422), secrets_client=FakeSecrets("k"),
                          sqs_client=queue) == {"status": "dead-lettered", "httpStatus": 422,
                                                "reason": "the app rejected the scan with 422"}
    opener = FakeOpener()
    assert ingest.handler({"qr": "x"}, opener=opener, secrets_client=FakeSecrets("k"),
                          sqs_client=queue)["status"] == "dead-lettered"
    assert opener.requests == [] and [m["event"] for m in queue.messages] == [{"thingName": "s1"}, {"qr": "x"}]


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, str]:  # noqa: N803 (boto3 names)
        assert QueueUrl == "https://sqs.us-east-1.amazonaws.com/123456789012/dlq"
        self.messages.append(json.loads(MessageBody))
        return {"MessageId": "m"}


def test_every_failed_scan_reaches_an_encrypted_alarmed_dead_letter_queue() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    queue = plan.one("aws:sqs/queue:Queue", "devices-dlq")
    key = plan.one("aws:kms/key:Key", "devices-dlq-key")
    assert queue.inputs["kmsMasterKeyId"] == key.outputs["arn"] and key.inputs["enableKeyRotation"] is True
    assert "sqsManagedSseEnabled" not in queue.inputs
    fn = plan.one("aws:lambda/function:Function", "devices-fn")
    assert fn.inputs["environment"]["variables"]["DEAD_LETTER_QUEUE_URL"] == queue.outputs["url"]
    # IoT invokes Lambda asynchronously: Lambda's retries (at most 2) within the event's maximum
    # age (at most 6 h), then the on-failure destination (Lambda developer guide, async invocation).
    cfg = plan.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "devices-fn").inputs
    assert (cfg["maximumRetryAttempts"], cfg["maximumEventAgeInSeconds"]) == (2, 21600)
    assert cfg["destinationConfig"] == {"onFailure": {"destination": queue.outputs["arn"]}}
    rule = plan.one("aws:iot/topicRule:TopicRule").inputs
    assert rule["errorAction"]["sqs"]["queueUrl"] == queue.outputs["url"]
    # Both producers may use the queue's key (SQS: SendMessage to an SSE-KMS queue needs
    # kms:GenerateDataKey and kms:Decrypt).
    for policy in ("devices-fn", "devices-rule"):
        by_sid = {s["Sid"]: s for s in json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", policy).inputs["policy"])
                  ["Statement"]}
        assert by_sid["DeadLetterQueue"]["Resource"] == [queue.outputs["arn"]]
        assert by_sid["DeadLetterQueueKey"] == {"Sid": "DeadLetterQueueKey", "Effect": "Allow",
                                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                                "Resource": [key.outputs["arn"]]}
    alarms = {a.name: a.inputs for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if a.name.startswith("devices-")}
    topic = plan.one("aws:sns/topic:Topic", "devices-alerts").outputs["arn"]
    depth, delivery = alarms["devices-dlq-depth"], alarms["devices-destination-failures"]
    assert (depth["namespace"], depth["metricName"], depth["dimensions"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue.inputs["name"]})
    assert (delivery["namespace"], delivery["metricName"], delivery["dimensions"]) == (
        "AWS/Lambda", "DestinationDeliveryFailures", {"FunctionName": fn.outputs["name"]})
    for alarm in (depth, delivery):
        assert (alarm["comparisonOperator"], alarm["threshold"], alarm["alarmActions"]) == (
            "GreaterThanThreshold", 0, [topic])
    assert plan.one("aws:sns/topic:Topic", "devices-alerts").inputs["kmsMasterKeyId"]
