"""Pre-traffic smoke test: green answers the profile's declared checks, recorded per deployed version.

Python 3.12, stdlib + boto3, handler ``handler.handler``. The stack invokes it once per deployment
of green (an ``aws.lambda_.Invocation`` whose input carries green's version, so a new version is a
new invocation). The event:

    {"version": "<green's version id>",
     "baseUrl": "https://<green's own endpoint>",                # HTTP checks, or
     "functions": {"api": "arn:aws:lambda:...:function:f:7"},    # alias kind: invoke these versions
     "checks": [{"name": "health", "path": "/health", "method": "GET", "expectStatus": 200,
                 "latencyBudgetMs": 2000}]}

Each check passes when the status is the expected one and the answer took at most its latency
budget. With ``functions`` (alias kind: the new version is not reachable by its own URL) each check
invokes each function version with an API Gateway HTTP API payload 2.0 event and reads its
``statusCode``. The result goes to the SSM parameter ``RESULT_PARAMETER`` as JSON
``{"version", "passed", "at", "checks": [...]}``, which ``cutover/gates.py`` compares with the
version now deployed; the same JSON is the invocation's result. A failed check does not raise: the
deployment completes and promotion is refused until a deployment's checks pass.

AWS calls (the role allows exactly these): ``ssm:PutParameter`` on RESULT_PARAMETER, and with
``functions`` ``lambda:InvokeFunction`` on those versions.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

MAX_PROBLEM_CHARS = 200
SSM_STANDARD_LIMIT = 4096  # bytes of a Standard-tier parameter value (SSM PutParameter)
TIMEOUT_SECONDS = 10.0
METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Check:
    name: str
    path: str
    method: str
    expect_status: int
    latency_budget_ms: int

    @classmethod
    def parse(cls, raw: Any) -> Check:
        if not isinstance(raw, dict):
            raise ValueError(f"a check must be an object, got {raw!r}")
        c = cls(name=str(raw.get("name", "")), path=str(raw.get("path", "")), method=str(raw.get("method", "GET")),
                expect_status=int(raw.get("expectStatus", 200)), latency_budget_ms=int(raw.get("latencyBudgetMs", 0)))
        if not c.name or not c.path.startswith("/") or c.method not in METHODS or c.latency_budget_ms <= 0:
            raise ValueError(f"invalid check {raw!r}: needs name, path starting with /, method in {METHODS}, "
                             "latencyBudgetMs > 0")
        return c


@dataclass(frozen=True)
class Outcome:
    name: str
    passed: bool
    status: int | None
    ms: int
    problem: str = ""


def http_check(base_url: str, check: Check) -> Outcome:
    url = base_url.rstrip("/") + check.path
    request = urllib.request.Request(url, method=check.method, headers={"User-Agent": "cutover-smoke/1"})
    started = time.perf_counter()
    status: int | None = None
    problem = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            status = response.status
    except urllib.error.HTTPError as exc:  # a 4xx/5xx answer is still an answer: compare its status
        status = exc.code
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        problem = f"no answer: {getattr(exc, 'reason', exc)}"
    return _judge(check, status, int((time.perf_counter() - started) * 1000), problem)


def invoke_check(lambda_client: Any, function: str, check: Check) -> Outcome:
    """API Gateway HTTP API payload format 2.0, the shape the platform's HTTP APIs send."""
    event = {"version": "2.0", "routeKey": "$default", "rawPath": check.path.split("?", 1)[0],
             "rawQueryString": check.path.split("?", 1)[1] if "?" in check.path else "",
             "headers": {"user-agent": "cutover-smoke/1"}, "isBase64Encoded": False,
             "requestContext": {"http": {"method": check.method, "path": check.path.split("?", 1)[0],
                                         "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                         "userAgent": "cutover-smoke/1"}, "stage": "$default"}}
    started = time.perf_counter()
    status: int | None = None
    problem = ""
    # A qualified ARN (function:NAME:VERSION) as FunctionName + Qualifier: Lambda authorizes the
    # qualified ARN either way; the explicit Qualifier says which version in the request itself.
    parts = function.split(":")
    target = {"FunctionName": ":".join(parts[:7]), "Qualifier": parts[7]} if len(parts) == 8 else \
        {"FunctionName": function}
    response = lambda_client.invoke(**target, InvocationType="RequestResponse", Payload=json.dumps(event).encode())
    elapsed = int((time.perf_counter() - started) * 1000)
    body = response["Payload"].read()
    if response.get("FunctionError"):
        problem = f"function error: {body[:MAX_PROBLEM_CHARS].decode(errors='replace')}"
    else:
        try:
            status = int(json.loads(body or b"{}").get("statusCode"))
        except (ValueError, TypeError, AttributeError):
            problem = "the answer has no statusCode"
    return _judge(check, status, elapsed, problem)


def _judge(check: Check, status: int | None, ms: int, problem: str) -> Outcome:
    if not problem and status != check.expect_status:
        problem = f"status {status}, expected {check.expect_status}"
    if not problem and ms > check.latency_budget_ms:
        problem = f"{ms} ms, budget {check.latency_budget_ms} ms"
    return Outcome(check.name, not problem, status, ms, problem[:MAX_PROBLEM_CHARS])


def run(event: dict[str, Any], lambda_client: Any = None) -> dict[str, Any]:
    version = str(event.get("version") or "")
    checks = [Check.parse(c) for c in event.get("checks") or []]
    if not version or not checks:
        raise ValueError("the event needs a version and at least one check")
    outcomes: list[Outcome] = []
    functions = event.get("functions") or {}
    if functions:
        client = lambda_client or boto3.client("lambda")
        for svc, arn in sorted(functions.items()):
            outcomes += [_renamed(invoke_check(client, arn, c), f"{c.name}@{svc}") for c in checks]
    else:
        base_url = str(event.get("baseUrl") or "")
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"baseUrl must be an http(s) URL, got {base_url!r}")
        outcomes = [http_check(base_url, c) for c in checks]
    return {"version": version, "passed": all(o.passed for o in outcomes),
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "checks": [asdict(o) for o in outcomes]}


def _renamed(o: Outcome, name: str) -> Outcome:
    return Outcome(name, o.passed, o.status, o.ms, o.problem)


def fit(result: dict[str, Any]) -> str:
    """The JSON, shortened to a Standard parameter: problems first, then the per-check list."""
    text = json.dumps(result, separators=(",", ":"))
    if len(text.encode()) <= SSM_STANDARD_LIMIT:
        return text
    slim = {**result, "checks": [c for c in result["checks"] if not c["passed"]][:10], "truncated": True}
    return json.dumps(slim, separators=(",", ":"))[:SSM_STANDARD_LIMIT]


def handler(event: dict[str, Any], context: Any = None, ssm: Any = None) -> dict[str, Any]:
    parameter = os.environ["RESULT_PARAMETER"]
    result = run(event)
    (ssm or boto3.client("ssm")).put_parameter(Name=parameter, Value=fit(result), Type="String", Overwrite=True)
    print(json.dumps({"action": "smoke-test", "parameter": parameter, **result}))
    return result
