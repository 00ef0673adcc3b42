"""ServerlessColor as blue, without a profile: the same component as green, every name carrying the color.

Expectations come from AWS's rules, not from the code: Lambda function names are at most 64 characters of
``[a-zA-Z0-9-_]`` (Lambda API reference, CreateFunction ``FunctionName``), and Pulumi URNs hold the parent's
type but not its name, so two colors' children of the same type need different logical names.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi

from components.color import AppColor, lambda_endpoint_key
from components.refs import StoreRef
from components.serverless import VpcPlacement
from components.serverless_color import ServerlessColor, ServerlessColorArgs
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import parse_services
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/shop-prod-Orders"
REFS = {"table:Orders": StoreRef("table:Orders", [TABLE], ("dynamodb:GetItem",), ("dynamodb:PutItem",),
                                 env={"ORDERS_TABLE": "shop-prod-Orders"})}
DOC: dict[str, Any] = {
    "services": {
        "catalog": {"routes": ["GET /items"], "uses": {"table:Orders": "read"}},
        "orders": {"routes": ["ANY /orders"], "uses": {"table:Orders": "write"}},
        "nightly": {"kind": "worker", "schedule": "rate(1 day)", "uses": {"table:Orders": "write"}},
    },
    "httpApi": {"domainName": "api.shop.example.net",
                "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-4a6b-8c7d"},
}
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # Lambda CreateFunction FunctionName (name form)
built: dict[str, AppColor] = {}


def _color(name: str, color: str, namer: Namer, doc: dict[str, Any] = DOC) -> ServerlessColor:
    env = DEFAULTS[Environment.PROD]
    return ServerlessColor(name, ServerlessColorArgs(
        parse_services(Reader(doc, ""), env, "us-east-1"), namer, env, "us-east-1", dict(REFS),
        vpc=VpcPlacement("vpc-1", ["subnet-a", "subnet-b"], True), color=color))


def _both() -> Plan:
    namer = Namer("shop", "prod")

    def program() -> None:
        built["green"] = _color("green", "", namer)
        built["blue"] = _color("blue", "blue", namer)
        pulumi.export("blue", built["blue"].exports())

    return plan_components(program, stack="prod")


def test_blue_and_green_side_by_side_never_share_a_name() -> None:
    plan = _both()
    fns = {r.name: r.inputs["name"] for r in plan.of_type("aws:lambda/function:Function")}
    assert fns == {"serverless-catalog": "shop-prod-catalog", "serverless-orders": "shop-prod-orders",
                   "serverless-nightly": "shop-prod-nightly", "blue-serverless-catalog": "shop-prod-blue-catalog",
                   "blue-serverless-orders": "shop-prod-blue-orders",
                   "blue-serverless-nightly": "shop-prod-blue-nightly"}
    apis = {r.name: r.inputs["name"] for r in plan.of_type("aws:apigatewayv2/api:Api")}
    assert apis == {"http-api": "shop-prod-http", "blue-http-api": "shop-prod-blue-http"}
    roles = {r.inputs["name"] for r in plan.of_type("aws:iam/role:Role")}
    assert {"shop-prod-blue-catalog", "shop-prod-catalog"} <= roles
    queues = {r.inputs["name"] for r in plan.of_type("aws:sqs/queue:Queue")}
    assert queues == {"shop-prod-nightly-dlq", "shop-prod-blue-nightly-dlq"}
    # Physical names of every kind are unique across the two colors (a collision would fail at deploy time).
    for typ in ("aws:lambda/function:Function", "aws:iam/role:Role", "aws:cloudwatch/logGroup:LogGroup",
                "aws:cloudwatch/eventRule:EventRule", "aws:apigatewayv2/api:Api"):
        names = [r.inputs["name"] for r in plan.of_type(typ)]
        assert len(names) == len(set(names)), typ
    # Each color's children hang under that color's component, prefixed by it (blue) or unchanged (green).
    blue = plan.one("cutover:serverless:ServerlessColor", "blue")
    assert {r.name for r in plan.children(blue.urn)} == {"blue-serverless", "blue-http-api"}
    assert all(r.name.startswith("blue-") for r in plan.descendants(blue.urn))


def test_blue_offers_its_api_domain_and_each_alias_as_endpoints() -> None:
    _both()
    blue = built["blue"]
    assert blue.entry == "httpApi"
    offered = blue.endpoints()
    assert set(offered) == {"httpApi", *(lambda_endpoint_key(s) for s in ("catalog", "orders", "nightly"))}
    assert offered["httpApi"].zone_id is not None  # the custom domain: an alias target, not a CNAME
    # What the rest of the stack reads carries the color: widgets, alarms, writes.
    targets = blue.monitoring_targets()
    assert set(targets.lambda_functions) == {"blue-catalog", "blue-orders", "blue-nightly"}
    assert set(targets.http_apis) == {"blue-http"}
    assert {a.key for a in blue.monitoring_alarms()} >= {"blue-catalog", "blue-orders", "blue-nightly", "blue-http"}
    assert blue.writes == frozenset({"table:Orders"})  # orders and nightly write; catalog only reads
    assert set(built["green"].monitoring_targets().lambda_functions) == {"catalog", "orders", "nightly"}


def test_long_names_are_fitted_to_lambdas_64_characters() -> None:
    # The longest labels the parsers allow: app 12, stack 16, service 24 characters (+ "blue" and separators).
    doc = {"services": {"long-service-name-for-v1": {"kind": "worker", "schedule": "rate(1 hour)"},
                        "long-service-name-for-v2": {"kind": "worker", "schedule": "rate(1 hour)"}}}
    namer = Namer("longappname1", "s-feature-branch")

    def program() -> None:
        _color("blue", "blue", namer, doc)

    plan = plan_components(program, stack="prod")
    names = [r.inputs["name"] for r in plan.of_type("aws:lambda/function:Function")]
    assert len(names) == 2 and len(set(names)) == 2
    assert all(FUNCTION_NAME.match(n) for n in names), names
    assert all(n.startswith("longappname1-s-feature-branch-blue-") for n in names)
    roles = [r.inputs["name"] for r in plan.of_type("aws:iam/role:Role")]  # IAM role names: at most 64
    assert len(roles) == 2 and all(len(n) <= 64 for n in roles) and len(set(roles)) == 2
    rules = [r.inputs["name"] for r in plan.of_type("aws:cloudwatch/eventRule:EventRule")]  # EventBridge: 64
    assert len(rules) == 2 and all(len(n) <= 64 for n in rules) and len(set(rules)) == 2
