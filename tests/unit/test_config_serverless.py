"""Parsing of services, httpApi, websocket, waf and edge: what AWS would reject fails here, by key."""

from __future__ import annotations

from typing import Any

import pytest

from components.errors import ComponentError
from components.specs.serverless import check_uses
from cutover.config import Environment, ServiceKind
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import (
    DEFAULT_CODE,
    ServerlessConfig,
    parse_serverless,
)
from cutover.errors import ConfigError


def parse(doc: dict[str, Any], env: str = "dev", region: str = "us-east-1") -> tuple[Any, Any, Any]:
    r = Reader(doc, "")
    out = parse_serverless(r, DEFAULTS[Environment(env)], region)
    r.finish()
    return out


def api(**service: Any) -> dict[str, Any]:
    return {"services": {"shop": {"routes": ["GET /products"], **service}}, "httpApi": {}}


def error(doc: dict[str, Any], env: str = "dev") -> ConfigError:
    with pytest.raises(ConfigError) as exc:
        parse(doc, env)
    return exc.value


def test_defaults_run_the_shipped_health_handler() -> None:
    sls, waf, edge = parse(api())
    (s,) = sls.services
    assert (s.kind, s.runtime, s.handler, s.code) == (ServiceKind.API, "python3.12", "handler.handler", DEFAULT_CODE)
    assert (s.memory_mb, s.timeout_seconds, s.reserved_concurrency, s.schedule) == (256, 10, None, None)
    assert not waf.enabled and not edge.enabled
    assert [(r.key, svc) for r, svc in sls.http_routes()] == [("GET /health", "shop"), ("GET /products", "shop")]


def test_service_defaults_apply_only_with_code() -> None:
    doc = {"serviceDefaults": {"runtime": "nodejs20.x", "handler": "index.handler", "memoryMb": 1024,
                               "timeoutSeconds": 30},
           "services": {"web": {"routes": ["ANY /{proxy+}"], "code": "functions/health"},
                        "job": {"kind": "worker"}}, "httpApi": {}}
    sls, _, _ = parse(doc)
    web, job = sls.services
    assert (web.runtime, web.handler, web.memory_mb, web.timeout_seconds) == ("nodejs20.x", "index.handler", 1024, 29)
    assert (job.runtime, job.timeout_seconds) == ("python3.12", 30)


@pytest.mark.parametrize(("service", "key"), [
    ({"runtime": "nodejs20.x"}, "services.shop.runtime"),  # no code: the Python health handler would run
    ({"code": "functions/health", "runtime": "nodejs18.x"}, "services.shop.runtime"),  # deprecated
    ({"code": "does/not/exist.zip"}, "services.shop.code"),
    ({"code": "../outside"}, "services.shop.code"),
    ({"memoryMb": 64}, "services.shop.memoryMb"),
    ({"memoryMb": 10241}, "services.shop.memoryMb"),
    ({"timeoutSeconds": 30}, "services.shop.timeoutSeconds"),  # API Gateway gives up first
    ({"reservedConcurrency": 0}, "services.shop.reservedConcurrency"),
    ({"kind": "lambda"}, "services.shop.kind"),
    ({"schedule": "rate(5 minutes)"}, "services.shop.schedule"),  # only workers
    ({"uses": {"tables:Users": "read"}}, "services.shop.uses.tables:Users"),
    ({"uses": {"table:Users": "admin"}}, "services.shop.uses.table:Users"),
    ({"routes": ["FETCH /x"]}, "services.shop.routes[0]"),
    ({"routes": ["GET products"]}, "services.shop.routes[0]"),
    ({"routes": ["GET /a/{proxy+}/b"]}, "services.shop.routes[0]"),
    ({"routes": ["GET /a/"]}, "services.shop.routes[0]"),
    ({"routes": []}, "services.shop.routes"),
])
def test_invalid_services_fail_by_key(service: dict[str, Any], key: str) -> None:
    assert error(api(**service)).key == key


def test_workers_may_run_fifteen_minutes_on_a_schedule() -> None:
    sls, _, _ = parse({"services": {"job": {"kind": "worker", "timeoutSeconds": 900, "schedule": "cron(0 3 * * ? *)",
                                            "reservedConcurrency": 2}}})
    (job,) = sls.services
    assert (job.timeout_seconds, job.schedule, job.reserved_concurrency) == (900, "cron(0 3 * * ? *)", 2)
    for bad in ("rate(1 minutes)", "rate(0 hours)", "every 5 minutes", "cron(0 3 * * ?)"):
        assert error({"services": {"job": {"kind": "worker", "schedule": bad}}}).key == "services.job.schedule"
    assert error({"services": {"job": {"kind": "worker", "timeoutSeconds": 901}}}).key == \
        "services.job.timeoutSeconds"


@pytest.mark.parametrize(("name", "value"), [
    ("STRIPE_SECRET_KEY", "x"), ("DB_PASSWORD", "hunter2"), ("API_KEY", "abc"), ("GITHUB_TOKEN", "x"),
    ("STRIPE", "sk_live_abcdef"), ("AWS_KEY", "AKIAABCDEFGHIJKLMNOP"), ("DATABASE_URL", "postgresql://u:p@h:5432/d"),
    ("CERT", "-----BEGIN PRIVATE KEY-----"),
])
def test_secrets_in_plain_environment_are_rejected(name: str, value: str) -> None:
    err = error(api(environment={name: value}))
    assert err.key == f"services.shop.environment.{name}" and "secret:<name>" in str(err.allowed)


def test_plain_environment_and_arn_pointers_are_allowed() -> None:
    sls, _, _ = parse(api(environment={"NODE_ENV": "production", "JWT_SECRET_ARN": "arn:aws:secretsmanager:x",
                                       "PORT": 8080}))
    assert dict(sls.services[0].environment) == {"NODE_ENV": "production", "JWT_SECRET_ARN": "arn:aws:secretsmanager:x",
                                                 "PORT": "8080"}
    assert error(api(environment={"AWS_REGION": "us-east-1"})).key == "services.shop.environment.AWS_REGION"
    assert error(api(environment={"1BAD": "x"})).key == "services.shop.environment.1BAD"


def test_routes_are_unique_and_health_is_always_served() -> None:
    doc = {"services": {"a": {"routes": ["GET /x"]}, "b": {"routes": ["GET /x"]}}, "httpApi": {}}
    assert "also served by 'a'" in error(doc).problem
    sls, _, _ = parse({"services": {"a": {"routes": ["GET /x"]}, "b": {"routes": ["GET /health"]}}, "httpApi": {}})
    assert [(r.key, s) for r, s in sls.http_routes()] == [("GET /x", "a"), ("GET /health", "b")]
    sls, _, _ = parse({"services": {"a": {"routes": ["GET /x"]}, "b": {"routes": ["GET /y"]}},
                       "httpApi": {"healthService": "b"}})
    assert sls.http_routes()[0][1] == "b"


def test_jwt_routes_need_an_authorizer() -> None:
    doc = api(routes=["GET /open", {"route": "POST /orders", "auth": "jwt"}])
    assert "jwtAuthorizer" in error(doc).problem
    doc["httpApi"] = {"jwtAuthorizer": {"issuer": "https://issuer.example.com", "audience": "pos"}}
    sls, _, _ = parse(doc)
    assert [(r.key, r.auth) for r in sls.services[0].routes] == [("GET /open", "none"), ("POST /orders", "jwt")]
    assert sls.http_api.jwt.audience == ("pos",)
    assert [r.auth for r, _ in sls.http_routes() if r.key == "GET /health"] == ["none"]
    doc["httpApi"] = {"jwtAuthorizer": {"issuer": "http://insecure", "audience": ["a"]}}
    assert error(doc).key == "httpApi.jwtAuthorizer.issuer"


def test_cors_star_is_dev_only_and_origins_are_checked() -> None:
    doc = api()
    doc["httpApi"] = {"corsOrigins": ["*"]}
    assert parse(doc)[0].http_api.cors_origins == ("*",)
    assert error(doc, "prod").key == "httpApi.corsOrigins"
    doc["httpApi"] = {"corsOrigins": ["http://localhost:3000"]}
    assert error(doc, "prod").key == "httpApi.corsOrigins"
    doc["httpApi"] = {"corsOrigins": ["https://shop.example.com/"]}
    assert error(doc).key == "httpApi.corsOrigins"


def test_custom_domain_needs_a_certificate_in_the_api_region() -> None:
    doc = api()
    doc["httpApi"] = {"domainName": "api.example.com"}
    assert error(doc).key == "httpApi.certificateArn"
    doc["httpApi"]["certificateArn"] = "arn:aws:acm:eu-west-1:111111111111:certificate/abc"
    assert error(doc).key == "httpApi.certificateArn"
    doc["httpApi"]["certificateArn"] = "arn:aws:acm:us-east-1:111111111111:certificate/abc"
    assert parse(doc)[0].http_api.domain_name == "api.example.com"


def test_waf_in_front_of_an_http_api_needs_the_edge() -> None:
    doc = {**api(), "waf": {"enabled": True}}
    err = error(doc)
    assert err.key == "waf.enabled" and "edge.enabled" in str(err.allowed)
    _, waf, edge = parse({**doc, "edge": "enabled"})
    assert waf.enabled and waf.rate_limit == 2000 and edge.enabled and edge.price_class == "PriceClass_100"
    assert error({**doc, "edge": {"enabled": True, "domainName": "api.example.com",
                                  "certificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/a"}}).key \
        == "edge.certificateArn"  # CloudFront reads certificates from us-east-1 only
    assert error({**doc, "edge": "enabled", "waf": {"enabled": True, "rateLimit": 9}}).key == "waf.rateLimit"
    assert error({"services": {}, "edge": {"enabled": True}}).key == "edge.enabled"
    # Without an HTTP API (an ECS profile) the web ACL goes on its ALB or CloudFront: no edge needed.
    assert parse({"waf": {"enabled": True}})[1].enabled


def test_websocket_handler_gets_its_api_and_connections_table() -> None:
    doc = {"services": {"rt": {"kind": "websocket", "uses": {"table:Users": "read"}}},
           "websocket": {"connectionsTable": "connections", "actions": ["subscribe"]}}
    sls, _, _ = parse(doc)
    assert dict(sls.services[0].uses) == {"table:Users": "read", "websocket:realtime": "write",
                                          "table:connections": "write"}
    assert sls.websocket.route_keys == ("$connect", "$disconnect", "$default", "subscribe")
    assert sls.websocket.stage == "dev"
    assert error({"services": {"rt": {"kind": "websocket", "timeoutSeconds": 60}}, "websocket": {}}).key == \
        "services.rt.timeoutSeconds"
    assert error({"services": {"rt": {"kind": "websocket"}}}).key == "services.rt.kind"
    assert error({"services": {"a": {"kind": "worker"}}, "websocket": {}}).key == "websocket"


def test_function_refs_target_workers_only() -> None:
    doc = {"services": {"web": {"routes": ["GET /"], "uses": {"function:ai": "read"}}, "ai": {"kind": "worker"}},
           "httpApi": {}}
    assert parse(doc)[0].service("web").uses == {"function:ai": "read"}
    doc["services"]["web"]["uses"] = {"function:nope": "read"}
    assert error(doc).key == "services.web.uses.function:nope"
    doc["services"]["web"]["uses"] = {"function:web": "read"}
    assert error(doc).key == "services.web.uses.function:web"


def test_check_uses_names_the_key_and_lists_what_exists() -> None:
    sls, _, _ = parse(api(uses={"table:Userz": "read", "database:main": "write"}))
    with pytest.raises(ComponentError) as exc:
        check_uses(sls, {"table:Users": object(), "bucket:assets": object()}, frozenset({"database"}))
    assert exc.value.key == "services.shop.uses.table:Userz"
    assert "did you mean 'table:Users'" in exc.value.problem and "bucket:assets" in str(exc.value.allowed)
    sls, _, _ = parse(api(uses={"table:Users": "read", "database:main": "write"}))
    assert check_uses(sls, {"table:Users": object()}, frozenset({"database"})) == {"shop": ["database:main"]}


def test_no_services_means_no_apis() -> None:
    assert parse({}) [0] == ServerlessConfig((), None, None)
    assert error({"services": {"shop": {"routes": ["GET /x"]}}}).key == "services"
