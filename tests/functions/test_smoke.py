"""functions/smoke: real HTTP requests to a local server on 127.0.0.1, the result recorded in (moto) SSM
per deployed version; the alias kind invokes a function version with an HTTP API 2.0 event."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cutover.config.promotion import SmokeCheck
from functions.smoke import handler as smoke

PARAMETER = "/yoga/prod/promotion/smoke"


class Green(BaseHTTPRequestHandler):
    """/health 200 at once, /slow 200 after 300 ms, /broken 500, anything else 404."""

    seen: list[tuple[str, str]] = []  # noqa: RUF012 (reset by the fixture)

    def _answer(self) -> None:
        Green.seen.append((self.command, self.path))
        status = {"/health": 200, "/slow": 200, "/broken": 500}.get(self.path.split("?")[0], 404)
        if self.path == "/slow":
            time.sleep(0.3)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok")

    do_GET = do_HEAD = do_OPTIONS = _answer  # noqa: N815 (http.server's naming)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def green_server() -> Iterator[str]:
    """One server for the module: one per test cost 0.5 s each at teardown (``shutdown`` waits out
    ``serve_forever``'s poll interval, 0.5 s by default)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Green)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def green(green_server: str) -> str:
    Green.seen = []  # each test sees only its own requests
    return green_server


def check(name: str, path: str, status: int = 200, budget: int = 2000, method: str = "GET") -> dict[str, Any]:
    # The same dict the stack puts in the invocation input (cutover.config.promotion.SmokeCheck.as_dict).
    return SmokeCheck(name, path, method, status, budget).as_dict()


def test_passing_checks_are_recorded_for_the_version(aws_env: None, green: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESULT_PARAMETER", PARAMETER)
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        result = smoke.handler({"version": "blog:7", "baseUrl": green,
                                "checks": [check("health", "/health"), check("head", "/health", method="HEAD")]})
        stored = json.loads(ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"])
    assert result["passed"] is True and stored == result
    assert stored["version"] == "blog:7"
    assert [(c["name"], c["status"], c["passed"]) for c in stored["checks"]] == [("health", 200, True),
                                                                                ("head", 200, True)]
    assert Green.seen == [("GET", "/health"), ("HEAD", "/health")]


@pytest.mark.parametrize(("chk", "problem"), [
    (check("broken", "/broken"), "status 500, expected 200"),
    (check("missing", "/nope"), "status 404, expected 200"),
])
def test_a_wrong_status_fails(aws_env: None, green: str, chk: dict[str, Any], problem: str) -> None:
    result = smoke.run({"version": "v", "baseUrl": green, "checks": [chk]})
    assert result["passed"] is False and result["checks"][0]["problem"] == problem


def test_an_expected_error_status_passes(aws_env: None, green: str) -> None:
    assert smoke.run({"version": "v", "baseUrl": green, "checks": [check("gone", "/nope", status=404)]})["passed"]


def test_over_the_latency_budget_fails(aws_env: None, green: str) -> None:
    result = smoke.run({"version": "v", "baseUrl": green, "checks": [check("slow", "/slow", budget=100),
                                                                    check("ok", "/health")]})
    slow, ok = result["checks"]
    assert not slow["passed"] and slow["ms"] >= 300 and slow["problem"].endswith("budget 100 ms")
    assert ok["passed"] and result["passed"] is False


def test_no_answer_fails_with_the_reason(aws_env: None) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), Green) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens
    result = smoke.run({"version": "v", "baseUrl": f"http://127.0.0.1:{port}", "checks": [check("h", "/health")]})
    assert result["passed"] is False and result["checks"][0]["problem"].startswith("no answer:")
    assert result["checks"][0]["status"] is None


@pytest.mark.parametrize("event", [{"version": "", "baseUrl": "http://x", "checks": [check("a", "/")]},
                                   {"version": "v", "baseUrl": "http://x", "checks": []},
                                   {"version": "v", "baseUrl": "ftp://x", "checks": [check("a", "/")]},
                                   {"version": "v", "baseUrl": "http://x", "checks": [{"name": "a", "path": "x"}]}])
def test_bad_events_raise(event: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        smoke.run(event)


class FakeLambda:
    """Records Invoke calls; answers like the health handler (functions/health) would."""

    def __init__(self, status: int, error: bool = False) -> None:
        self.status, self.error, self.calls = status, error, []  # type: ignore[var-annotated]

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        body = b'{"errorMessage": "boom"}' if self.error else json.dumps({"statusCode": self.status}).encode()
        error = {"FunctionError": "Unhandled"} if self.error else {}
        return {"StatusCode": 200, "Payload": io.BytesIO(body), **error}


def test_alias_kind_invokes_each_new_version_with_an_http_api_event() -> None:
    fake = FakeLambda(200)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:waiterix-prod-api:8"
    result = smoke.run({"version": "api:8", "functions": {"api": arn}, "checks": [check("health", "/health?x=1")]},
                       lambda_client=fake)
    assert result["passed"] and [c["name"] for c in result["checks"]] == ["health@api"]
    (call,) = fake.calls
    assert call["FunctionName"] == arn.rsplit(":", 1)[0] and call["Qualifier"] == "8"
    assert call["InvocationType"] == "RequestResponse"
    event = json.loads(call["Payload"])
    # API Gateway HTTP API payload format 2.0 (what functions/health reads: requestContext.http).
    assert event["version"] == "2.0" and event["rawPath"] == "/health" and event["rawQueryString"] == "x=1"
    assert event["requestContext"]["http"]["method"] == "GET"


def test_alias_kind_function_error_fails() -> None:
    result = smoke.run({"version": "api:8", "functions": {"api": "arn:x:8"}, "checks": [check("h", "/health")]},
                       lambda_client=FakeLambda(200, error=True))
    assert not result["passed"] and result["checks"][0]["problem"].startswith("function error:")


def test_the_health_handler_passes_an_invoked_check() -> None:
    from functions.health import handler as health

    class Local:
        def invoke(self, **kwargs: Any) -> dict[str, Any]:
            answer = health.handler(json.loads(kwargs["Payload"]), None)
            return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}

    assert smoke.run({"version": "1", "functions": {"api": "f:1"}, "checks": [check("h", "/health")]},
                     lambda_client=Local())["passed"]


def test_a_long_result_still_fits_a_standard_parameter() -> None:
    checks = [{"name": f"c{i}", "passed": False, "status": 500, "ms": 1, "problem": "x" * 200} for i in range(40)]
    text = smoke.fit({"version": "v", "passed": False, "at": "t", "checks": checks})
    assert len(text.encode()) <= 4096  # SSM PutParameter: Standard tier values up to 4 KB
    assert json.loads(text)["truncated"] is True
