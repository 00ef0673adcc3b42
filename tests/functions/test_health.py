"""The default health handler answers HTTP API v2.0, ALB and WebSocket events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.health.handler import handler


def http_v2(method: str, path: str, stage: str = "$default") -> dict[str, Any]:
    return {
        "version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {"accountId": "123456789012", "apiId": "abc", "stage": stage, "routeKey": f"{method} {path}",
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"}},
        "isBase64Encoded": False,
    }


def alb(method: str, path: str, multi_value: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                                                     "targetgroup/blue/0123456789abcdef"}},
        "httpMethod": method, "path": path, "body": "", "isBase64Encoded": False,
    }
    if multi_value:
        event["multiValueHeaders"] = {"host": ["example.com"]}
        event["multiValueQueryStringParameters"] = {}
    else:
        event["headers"] = {"host": "example.com"}
        event["queryStringParameters"] = {}
    return event


def websocket(route: str) -> dict[str, Any]:
    return {"requestContext": {"routeKey": route, "eventType": route.strip("$").upper(), "connectionId": "abc=",
                               "domainName": "ws.example.com", "stage": "prod", "apiId": "ws"},
            "isBase64Encoded": False}


@pytest.fixture(autouse=True)
def service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_NAME", "api")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    monkeypatch.setenv("COLOR", "green")
    monkeypatch.setenv("DATABASE_PASSWORD", "hunter2")


def test_http_api_get_health() -> None:
    response = handler(http_v2("GET", "/health"), None)
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert response["headers"]["cache-control"] == "no-store"
    assert response["isBase64Encoded"] is False
    assert json.loads(response["body"]) == {"status": "ok", "service": "api", "version": "7", "color": "green"}
    assert "hunter2" not in json.dumps(response)


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("SERVICE_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "COLOR"):
        monkeypatch.delenv(key)
    body = json.loads(handler(http_v2("GET", "/health"), None)["body"])
    assert body == {"status": "ok", "service": "unknown", "version": "$LATEST", "color": None}


def test_http_api_head_has_no_body() -> None:
    response = handler(http_v2("HEAD", "/health"), None)
    assert response["statusCode"] == 200
    assert response["body"] == ""
    assert response["headers"]["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/healthz", "/health/deep", "/api/health"])
def test_http_api_other_paths_are_404(path: str) -> None:
    response = handler(http_v2("GET", path), None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"status": "not-found"}
    assert response["headers"] == {"content-type": "application/json", "cache-control": "no-store"}


def test_http_api_named_stage_prefix_and_trailing_slash() -> None:
    assert handler(http_v2("GET", "/prod/health", stage="prod"), None)["statusCode"] == 200
    assert handler(http_v2("GET", "/health/"), None)["statusCode"] == 200


def test_other_methods_on_health_are_405() -> None:
    response = handler(http_v2("POST", "/health"), None)
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET, HEAD"


def test_alb_get_health() -> None:
    response = handler(alb("GET", "/health"), None)
    assert response["statusCode"] == 200
    assert response["statusDescription"] == "200 OK"
    assert response["isBase64Encoded"] is False
    assert response["headers"] == {"content-type": "application/json", "cache-control": "no-store"}
    assert json.loads(response["body"])["status"] == "ok"


def test_alb_404() -> None:
    response = handler(alb("GET", "/nope"), None)
    assert response["statusCode"] == 404
    assert response["statusDescription"] == "404 Not Found"
    assert response["isBase64Encoded"] is False
    assert response["headers"]["content-type"] == "application/json"


def test_alb_multi_value_headers() -> None:
    response = handler(alb("HEAD", "/health", multi_value=True), None)
    assert response["statusCode"] == 200
    assert response["statusDescription"] == "200 OK"
    assert "headers" not in response
    assert response["multiValueHeaders"] == {"content-type": ["application/json"], "cache-control": ["no-store"]}
    assert response["body"] == ""


@pytest.mark.parametrize("route", ["$connect", "$disconnect", "$default"])
def test_websocket_routes(route: str) -> None:
    assert handler(websocket(route), None) == {"statusCode": 200}


def test_direct_invoke_reports_health() -> None:
    response = handler({}, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"
