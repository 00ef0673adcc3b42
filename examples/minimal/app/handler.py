"""Default service handler: every profile deploys it so a fresh stack answers ``GET /health``.

Stdlib only (Python 3.12 runtime, handler ``handler.handler``). It answers the three event shapes
the platform routes to a service:

* API Gateway HTTP API, payload format 2.0 (``requestContext.http.method`` / ``.path``);
* an ALB Lambda target (``requestContext.elb``): the ALB needs ``statusDescription`` and
  ``isBase64Encoded``, and ``multiValueHeaders`` instead of ``headers`` when the target group has
  multi-value headers enabled;
* API Gateway WebSocket (``requestContext.routeKey`` ``$connect`` / ``$disconnect`` / ``$default``),
  answered with a bare ``{"statusCode": 200}``.

``GET``/``HEAD /health`` -> 200 with ``{"status", "service", "version", "color"}`` taken from
``SERVICE_NAME``, ``AWS_LAMBDA_FUNCTION_VERSION`` and ``COLOR`` only; any other path -> 404; another
method on ``/health`` -> 405. No other environment variable or request data is echoed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

HEALTH_PATH = "/health"
ALLOWED_METHODS = ("GET", "HEAD")
WEBSOCKET_ROUTES = ("$connect", "$disconnect", "$default")


def health_payload(env: Mapping[str, str]) -> dict[str, str | None]:
    return {
        "status": "ok",
        "service": env.get("SERVICE_NAME") or "unknown",
        "version": env.get("AWS_LAMBDA_FUNCTION_VERSION") or "$LATEST",
        "color": env.get("COLOR") or None,
    }


def _route(method: str, path: str, env: Mapping[str, str]) -> tuple[HTTPStatus, dict[str, Any], dict[str, str]]:
    """(status, JSON body, extra headers) for one HTTP request."""
    normalized = path.rstrip("/") or "/"
    if normalized != HEALTH_PATH:
        return HTTPStatus.NOT_FOUND, {"status": "not-found"}, {}
    if method.upper() not in ALLOWED_METHODS:
        return HTTPStatus.METHOD_NOT_ALLOWED, {"status": "method-not-allowed"}, {"allow": ", ".join(ALLOWED_METHODS)}
    return HTTPStatus.OK, dict(health_payload(env)), {}


def _http_response(event: Mapping[str, Any], method: str, path: str, *, alb: bool) -> dict[str, Any]:
    status, body, extra = _route(method, path, os.environ)
    headers = {"content-type": "application/json", "cache-control": "no-store", **extra}
    response: dict[str, Any] = {
        "statusCode": int(status),
        "body": "" if method.upper() == "HEAD" else json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
    if alb:
        response["statusDescription"] = f"{int(status)} {status.phrase}"
        if "multiValueHeaders" in event:  # the target group has multi-value headers enabled
            response["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
            return response
    response["headers"] = headers
    return response


def _strip_stage(path: str, stage: object) -> str:
    """HTTP API paths carry the stage name unless it is ``$default``."""
    if isinstance(stage, str) and stage and stage != "$default":
        prefix = f"/{stage}"
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix):] or "/"
    return path


def handler(event: Mapping[str, Any] | None, context: object = None) -> dict[str, Any]:
    event = event if isinstance(event, Mapping) else {}
    ctx = event.get("requestContext")
    ctx = ctx if isinstance(ctx, Mapping) else {}

    if "elb" in ctx:  # ALB Lambda target
        return _http_response(event, str(event.get("httpMethod") or "GET"), str(event.get("path") or "/"), alb=True)

    http = ctx.get("http")
    if isinstance(http, Mapping):  # HTTP API payload 2.0
        path = _strip_stage(str(http.get("path") or event.get("rawPath") or "/"), ctx.get("stage"))
        return _http_response(event, str(http.get("method") or "GET"), path, alb=False)

    if "connectionId" in ctx or ctx.get("routeKey") in WEBSOCKET_ROUTES:  # WebSocket API
        return {"statusCode": 200}

    if "httpMethod" in event:  # REST API / payload 1.0, should a service be wired that way
        return _http_response(event, str(event["httpMethod"]), str(event.get("path") or "/"), alb=False)

    # A direct invoke (`aws lambda invoke`, a smoke test): report health in the HTTP API shape.
    return _http_response(event, "GET", HEALTH_PATH, alb=False)
