"""WebSocketApi: $connect/$disconnect/$default + actions to the handler alias, ManageConnections on this API only."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.refs import StoreRef
from components.serverless import ServerlessApp, ServerlessAppArgs
from components.websocket_api import WebSocketApi, WebSocketApiArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/pos-dev-connections"
DOC: dict[str, Any] = {
    "services": {"rt": {"kind": "websocket"}, "orders": {"kind": "worker", "uses": {"websocket:realtime": "write"}}},
    "websocket": {"connectionsTable": "connections", "actions": ["subscribe"],
                  "throttling": {"burstLimit": 100, "rateLimit": 50}},
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    env = DEFAULTS[Environment.DEV]
    sls, _, _ = parse_serverless(Reader(DOC, ""), env, "us-east-1")
    assert sls.websocket is not None
    wsc = sls.websocket

    def program() -> None:
        ws = WebSocketApi("ws", WebSocketApiArgs(wsc, Namer("pos", "dev"), "us-east-1", 14))
        table = StoreRef("table:connections", [TABLE], ("dynamodb:GetItem",), ("dynamodb:PutItem",
                                                                               "dynamodb:DeleteItem"),
                         env={"CONNECTIONS_TABLE": "pos-dev-connections"})
        app = ServerlessApp("app", ServerlessAppArgs(sls, Namer("pos", "dev"), env,
                                                     {ws.ref.key: ws.ref, table.key: table}))
        ws.attach(app.targets["rt"])
        pulumi.export("endpoint", ws.api_endpoint)

    return plan_components(program, stack="dev")


def _statements(plan: Plan, svc: str) -> dict[str, Any]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", f"app-{svc}").inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


def test_api_routes_by_action(plan: Plan) -> None:
    api = plan.one("aws:apigatewayv2/api:Api")
    assert (api.inputs["protocolType"], api.inputs["routeSelectionExpression"]) == ("WEBSOCKET",
                                                                                   "$request.body.action")
    assert plan.stack_outputs["endpoint"].startswith("wss://")


def test_routes_go_to_the_handler_alias(plan: Plan) -> None:
    integration = plan.one("aws:apigatewayv2/integration:Integration")
    alias = plan.one("aws:lambda/alias:Alias", "app-rt-live")
    assert integration.inputs["integrationUri"] == alias.outputs["invokeArn"]
    assert integration.inputs["integrationType"] == "AWS_PROXY"
    routes = {r.inputs["routeKey"]: r.inputs["target"] for r in plan.of_type("aws:apigatewayv2/route:Route")}
    assert routes == {k: f"integrations/{integration.outputs['id']}"
                      for k in ("$connect", "$disconnect", "$default", "subscribe")}
    perm = plan.one("aws:lambda/permission:Permission")
    api = plan.one("aws:apigatewayv2/api:Api")
    assert (perm.inputs["principal"], perm.inputs["qualifier"], perm.inputs["sourceArn"]) == \
        ("apigateway.amazonaws.com", "live", f"{api.outputs['executionArn']}/*/*")


def test_manage_connections_is_scoped_to_this_api_and_stage(plan: Plan) -> None:
    api = plan.one("aws:apigatewayv2/api:Api")
    expected = {"Sid": "UseWebsocketRealtime", "Effect": "Allow", "Action": ["execute-api:ManageConnections"],
                "Resource": [f"{api.outputs['executionArn']}/dev/POST/@connections/*"]}
    assert _statements(plan, "rt")["UseWebsocketRealtime"] == expected
    assert _statements(plan, "orders")["UseWebsocketRealtime"] == expected
    assert _statements(plan, "rt")["UseTableConnections"]["Resource"] == [TABLE]
    env = plan.one("aws:lambda/function:Function", "app-rt").inputs["environment"]["variables"]
    assert env["WEBSOCKET_ENDPOINT"] == f"https://{api.outputs['id']}.execute-api.us-east-1.amazonaws.com/dev"
    assert env["CONNECTIONS_TABLE"] == "pos-dev-connections"


def test_stage_logs_and_throttles(plan: Plan) -> None:
    stage = plan.one("aws:apigatewayv2/stage:Stage")
    group = plan.one("aws:cloudwatch/logGroup:LogGroup", "ws-access")
    assert (stage.inputs["name"], stage.inputs["autoDeploy"]) == ("dev", True)
    assert stage.inputs["defaultRouteSettings"] == {"throttlingBurstLimit": 100, "throttlingRateLimit": 50}
    assert stage.inputs["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    assert "connectionId" in json.loads(stage.inputs["accessLogSettings"]["format"])
    assert group.inputs["retentionInDays"] == 14
