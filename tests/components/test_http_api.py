"""HttpApi: routes -> integrations -> the live alias, scoped invoke permissions, CORS, stage, JWT, domain."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.http_api import HttpApi, HttpApiArgs
from components.serverless import ServerlessApp, ServerlessAppArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
DOC: dict[str, Any] = {
    "services": {
        "products": {"routes": ["GET /products", "ANY /products/{proxy+}"]},
        "orders": {"routes": [{"route": "POST /orders", "auth": "jwt"}, "GET /orders/{id}"]},
    },
    "httpApi": {"corsOrigins": ["https://pos.example.com"], "throttling": {"burstLimit": 50, "rateLimit": 20},
                "jwtAuthorizer": {"issuer": "https://issuer.example.com", "audience": ["pos"]},
                "domainName": "api.pos.example.com", "certificateArn": CERT},
}


def _plan(doc: dict[str, Any] = DOC, env: str = "dev") -> Plan:
    sls, _, _ = parse_serverless(Reader(doc, ""), DEFAULTS[Environment(env)], "us-east-1")
    assert sls.http_api is not None
    http = sls.http_api

    def program() -> None:
        app = ServerlessApp("app", ServerlessAppArgs(sls, Namer("pos", env), DEFAULTS[Environment(env)], {}))
        api = HttpApi("http", HttpApiArgs(http, sls.http_routes(), app.targets, Namer("pos", env), 14))
        pulumi.export("endpoint", api.api_endpoint)
        pulumi.export("domain", api.domain_target is not None)

    return plan_components(program, stack=env)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _plan()


def test_api_is_http_with_cors(plan: Plan) -> None:
    api = plan.one("aws:apigatewayv2/api:Api")
    assert api.inputs["protocolType"] == "HTTP" and api.inputs["name"] == "pos-dev-http"
    assert api.inputs["corsConfiguration"] == {
        "allowOrigins": ["https://pos.example.com"],
        "allowMethods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        "allowHeaders": ["authorization", "content-type"], "maxAge": 300}
    assert plan.stack_outputs["endpoint"] == api.outputs["apiEndpoint"]


def test_routes_go_through_integrations_to_the_live_alias(plan: Plan) -> None:
    routes = {r.inputs["routeKey"]: r for r in plan.of_type("aws:apigatewayv2/route:Route")}
    assert set(routes) == {"GET /health", "GET /products", "ANY /products/{proxy+}", "POST /orders",
                           "GET /orders/{id}"}
    integrations = {i.name: i for i in plan.of_type("aws:apigatewayv2/integration:Integration")}
    assert set(integrations) == {"http-products", "http-orders"}
    for svc, integ in (("products", integrations["http-products"]), ("orders", integrations["http-orders"])):
        alias = plan.one("aws:lambda/alias:Alias", f"app-{svc}-live")
        assert integ.inputs["integrationUri"] == alias.outputs["invokeArn"]
        assert alias.outputs["invokeArn"].endswith(":live/invocations")
        assert (integ.inputs["integrationType"], integ.inputs["payloadFormatVersion"]) == ("AWS_PROXY", "2.0")
    assert routes["GET /health"].inputs["target"] == f"integrations/{integrations['http-products'].outputs['id']}"
    assert routes["GET /orders/{id}"].inputs["target"] == f"integrations/{integrations['http-orders'].outputs['id']}"
    assert routes["ANY /products/{proxy+}"].name == "http-any-products-proxy"


def test_jwt_authorizer_guards_only_marked_routes(plan: Plan) -> None:
    auth = plan.one("aws:apigatewayv2/authorizer:Authorizer")
    assert auth.inputs["authorizerType"] == "JWT"
    assert auth.inputs["jwtConfiguration"] == {"issuer": "https://issuer.example.com", "audiences": ["pos"]}
    assert auth.inputs["identitySources"] == ["$request.header.Authorization"]
    kinds = {r.inputs["routeKey"]: (r.inputs["authorizationType"], r.inputs.get("authorizerId"))
             for r in plan.of_type("aws:apigatewayv2/route:Route")}
    assert kinds.pop("POST /orders") == ("JWT", auth.outputs["id"])
    assert set(kinds.values()) == {("NONE", None)}


def test_invoke_permissions_are_per_alias_and_scoped_to_this_api(plan: Plan) -> None:
    api = plan.one("aws:apigatewayv2/api:Api")
    perms = plan.of_type("aws:lambda/permission:Permission")
    assert len(perms) == 2
    for p in perms:
        assert p.inputs["principal"] == "apigateway.amazonaws.com"
        assert p.inputs["qualifier"] == "live"
        assert p.inputs["sourceArn"] == f"{api.outputs['executionArn']}/*/*"
        assert p.inputs["action"] == "lambda:InvokeFunction"


def test_default_stage_auto_deploys_throttles_and_logs_json(plan: Plan) -> None:
    stage = plan.one("aws:apigatewayv2/stage:Stage")
    group = plan.one("aws:cloudwatch/logGroup:LogGroup", "http-access")
    assert (stage.inputs["name"], stage.inputs["autoDeploy"]) == ("$default", True)
    assert stage.inputs["defaultRouteSettings"] == {"throttlingBurstLimit": 50, "throttlingRateLimit": 20}
    assert stage.inputs["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    assert json.loads(stage.inputs["accessLogSettings"]["format"])["requestId"] == "$context.requestId"
    assert group.inputs["retentionInDays"] == 14


def test_custom_domain_is_regional_tls12_and_mapped(plan: Plan) -> None:
    domain = plan.one("aws:apigatewayv2/domainName:DomainName")
    assert domain.inputs["domainName"] == "api.pos.example.com"
    assert domain.inputs["domainNameConfiguration"] == {"certificateArn": CERT, "endpointType": "REGIONAL",
                                                        "securityPolicy": "TLS_1_2"}
    mapping = plan.one("aws:apigatewayv2/apiMapping:ApiMapping")
    assert mapping.inputs["apiId"] == plan.one("aws:apigatewayv2/api:Api").outputs["id"]
    assert plan.stack_outputs["domain"] is True


def test_minimal_api_has_no_cors_authorizer_or_domain() -> None:
    plan = _plan({"services": {"api": {"routes": ["ANY /{proxy+}"]}}, "httpApi": {}}, env="prod")
    assert "corsConfiguration" not in plan.one("aws:apigatewayv2/api:Api").inputs
    assert not plan.of_type("aws:apigatewayv2/authorizer:Authorizer", "aws:apigatewayv2/domainName:DomainName")
    assert plan.one("aws:apigatewayv2/stage:Stage").inputs["defaultRouteSettings"] == {
        "throttlingBurstLimit": 2000, "throttlingRateLimit": 1000}
    assert {r.inputs["routeKey"] for r in plan.of_type("aws:apigatewayv2/route:Route")} == {"GET /health",
                                                                                             "ANY /{proxy+}"}
