"""IAM contract of functions/smoke: every AWS call the handler makes vs. the policy SmokeTest plans.

HTTP mode (every front door but alias): one ``ssm:PutParameter`` on the result parameter; the checks
themselves are plain HTTP to a local server. Alias mode also invokes green's new version (the
recorder answers the Invoke with an injected error: moto would need Docker to run a function).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from components.smoke_test import SmokeTest, SmokeTestArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.promotion import SmokeCheck
from cutover.naming import Namer
from cutover.plan.mocks import ACCOUNT_ID
from cutover.plan.model import Plan
from functions.smoke import handler as smoke
from tests.conftest import plan_components
from tests.contract.plan_policy import PlannedFunction, assert_contract, planned_function, summary
from tests.contract.recorder import recording

CHECKS = (SmokeCheck("health", "/health"),)
VERSION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:waiterix-prod-api:8"


class Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def green() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    # A short poll: shutdown() waits out serve_forever's poll interval (0.5 s by default) per test.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _planned(env: str, alias: bool) -> PlannedFunction:
    def program() -> None:
        SmokeTest("smoke", SmokeTestArgs(Namer("waiterix", env), DEFAULTS[Environment(env)], CHECKS, "api:8",
                                         None if alias else "https://green.example.com",
                                         {"api": VERSION_ARN} if alias else {}))

    plan: Plan = plan_components(program, stack=env)
    return planned_function(plan, "smoke-fn")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_http_mode_writes_only_its_result(env: str, green: str, moto_aws: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pf = _planned(env, alias=False)
    for key, value in pf.environment.items():
        monkeypatch.setenv(key, value)
    with recording() as rec:
        assert smoke.handler({"version": "api:8", "baseUrl": green, "checks": [c.as_dict() for c in CHECKS]})["passed"]
    requests = rec.requests()
    param = pf.environment["RESULT_PARAMETER"]
    assert summary(requests) == [f"ssm:PutParameter on arn:aws:ssm:us-east-1:{ACCOUNT_ID}:parameter{param}"]
    assert_contract(pf, requests)


def test_alias_mode_also_invokes_the_new_version(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pf = _planned("prod", alias=True)
    for key, value in pf.environment.items():
        monkeypatch.setenv(key, value)
    with recording() as rec:
        rec.fail("Invoke", "ServiceException")
        with pytest.raises(ClientError):
            smoke.handler({"version": "api:8", "functions": {"api": VERSION_ARN},
                           "checks": [c.as_dict() for c in CHECKS]})
    requests = rec.requests()
    assert summary(requests) == [f"lambda:InvokeFunction on {VERSION_ARN}"]
    param = pf.environment["RESULT_PARAMETER"]
    put = type(requests[0])("ssm:PutParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT_ID}:parameter{param}", "handler")
    assert_contract(pf, [*requests, put])  # a passing run writes the result too (test above)
