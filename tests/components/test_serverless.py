"""ServerlessApp: arm64, tracing, logs, the live alias, least-privilege roles, VPC only when needed, DLQs."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.errors import ComponentError
from components.refs import StoreRef
from components.serverless import ENI_ACTIONS, ServerlessApp, ServerlessAppArgs, VpcPlacement
from cutover.config import Environment
from cutover.config.environment import DEFAULTS
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.naming import Namer
from cutover.plan.engine import ProgramError
from cutover.plan.model import Plan, PlannedResource
from tests.conftest import plan_components

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/pos-dev-Users"
PROXY_SG = "sg-0123456789abcdef0"
REFS = {
    "table:Users": StoreRef("table:Users", [TABLE, f"{TABLE}/index/*"], ("dynamodb:GetItem", "dynamodb:Query"),
                            ("dynamodb:PutItem",), env={"USERS_TABLE": "pos-dev-Users"}),
    "database:main": StoreRef("database:main", ["arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-1/app"],
                              ("rds-db:connect",), (), env={"DB_HOST": "proxy.example"}, in_vpc=True,
                              security_group_id=PROXY_SG, port=5432),
    "secret:jwt": StoreRef("secret:jwt", ["arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbCdEf"],
                           ("secretsmanager:GetSecretValue",), (), env={"JWT_SECRET_ARN": "arn:secret"}),
}
DOC: dict[str, Any] = {
    "services": {
        "products": {"routes": ["GET /products"], "uses": {"table:Users": "write"}, "reservedConcurrency": 5,
                     "memoryMb": 512, "environment": {"MODE": "shop"}},
        "orders": {"routes": ["ANY /orders"], "uses": {"database:main": "write", "secret:jwt": "read",
                                                       "function:settle": "read"}},
        "settle": {"kind": "worker", "schedule": "rate(5 minutes)", "timeoutSeconds": 300,
                   "uses": {"table:Users": "read"}},
    },
    "httpApi": {},
}


def _plan(doc: dict[str, Any] = DOC, env: str = "dev", **extra: Any) -> Plan:
    sls, _, _ = parse_serverless(Reader(doc, ""), DEFAULTS[Environment(env)], "us-east-1")

    def program() -> None:
        app = ServerlessApp("app", ServerlessAppArgs(
            sls, Namer("pos", env), DEFAULTS[Environment(env)], extra.pop("refs", REFS),
            vpc=VpcPlacement("vpc-1", ["subnet-a", "subnet-b"], True), **extra))
        pulumi.export("targets", {k: t.invoke_arn for k, t in app.targets.items()})

    return plan_components(program, stack=env)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _plan()


def _fn(plan: Plan, svc: str) -> PlannedResource:
    return plan.one("aws:lambda/function:Function", f"app-{svc}")


def _statements(plan: Plan, svc: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", f"app-{svc}").inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


def test_functions_are_arm64_traced_published_and_log_to_their_own_group(plan: Plan) -> None:
    assert len(plan.of_type("aws:lambda/function:Function")) == 3
    fn = _fn(plan, "products")
    group = plan.one("aws:cloudwatch/logGroup:LogGroup", "app-products")
    assert fn.inputs["name"] == "pos-dev-products"
    assert fn.inputs["architectures"] == ["arm64"]
    assert fn.inputs["tracingConfig"] == {"mode": "Active"}
    assert fn.inputs["publish"] is True
    assert (fn.inputs["runtime"], fn.inputs["handler"], fn.inputs["memorySize"], fn.inputs["timeout"]) == \
        ("python3.12", "handler.handler", 512, 10)
    assert fn.inputs["reservedConcurrentExecutions"] == 5
    assert "reservedConcurrentExecutions" not in _fn(plan, "orders").inputs
    assert group.inputs == {"name": "/aws/lambda/pos-dev-products", "retentionInDays": 14}
    assert fn.inputs["loggingConfig"]["logGroup"] == group.outputs["name"]
    assert fn.inputs["loggingConfig"]["logFormat"] == "JSON"
    assert fn.inputs["environment"]["variables"] == {"MODE": "shop", "USERS_TABLE": "pos-dev-Users",
                                                     "SERVICE_NAME": "products"}


def test_live_alias_targets_the_published_version(plan: Plan) -> None:
    fn = _fn(plan, "products")
    alias = plan.one("aws:lambda/alias:Alias", "app-products-live")
    assert alias.inputs["name"] == "live"
    assert alias.inputs["functionName"] == fn.outputs["name"]
    assert alias.inputs["functionVersion"] == fn.outputs["version"]
    assert "routingConfig" not in alias.inputs
    assert plan.stack_outputs["targets"]["products"] == alias.outputs["invokeArn"]


def test_alias_weights_hook_shifts_traffic_without_replacing_the_alias() -> None:
    weighted = _plan(alias_weights={"products": ("7", 0.25)})
    fn, alias = _fn(weighted, "products"), weighted.one("aws:lambda/alias:Alias", "app-products-live")
    assert alias.inputs["functionVersion"] == "7"  # the pinned stable version stays the primary
    assert alias.inputs["routingConfig"] == {"additionalVersionWeights": {fn.outputs["version"]: 0.25}}
    assert alias.urn == _plan().one("aws:lambda/alias:Alias", "app-products-live").urn
    assert "routingConfig" not in weighted.one("aws:lambda/alias:Alias", "app-orders-live").inputs  # not pinned


def test_no_split_when_nothing_new_was_published() -> None:
    """Lambda rejects an additional version equal to the primary: the pinned version alone serves."""
    version = _fn(_plan(), "products").outputs["version"]
    alias = _plan(alias_weights={"products": (version, 0.5)}).one("aws:lambda/alias:Alias", "app-products-live")
    assert alias.inputs["functionVersion"] == version and "routingConfig" not in alias.inputs


def test_roles_are_least_privilege(plan: Plan) -> None:
    role = plan.one("aws:iam/role:Role", "app-products")
    assert role.inputs["name"] == "pos-dev-products"
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]
    assert "managedPolicyArns" not in role.inputs
    assert not plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    group_arn = plan.one("aws:cloudwatch/logGroup:LogGroup", "app-products").outputs["arn"]
    stmts = _statements(plan, "products")
    assert set(stmts) == {"Logs", "XRay", "UseTableUsers"}
    assert stmts["Logs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    # Both actions authorize on the log stream (Service Authorization Reference, CloudWatch Logs:
    # log-group:NAME:log-stream:*): the bare group ARN would grant nothing, so it is not listed.
    assert stmts["Logs"]["Resource"] == [f"{group_arn}:*"]
    assert stmts["XRay"] == {"Sid": "XRay", "Effect": "Allow", "Resource": ["*"],
                             "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]}
    assert stmts["UseTableUsers"]["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    assert stmts["UseTableUsers"]["Resource"] == [TABLE, f"{TABLE}/index/*"]
    for svc in ("products", "orders", "settle"):
        for s in _statements(plan, svc).values():
            assert all(a != "*" and not a.endswith(":*") for a in s["Action"])
            if s["Resource"] == ["*"]:
                assert s["Sid"] in ("XRay", "VpcNetworkInterfaces")


def test_read_access_gets_read_actions_only(plan: Plan) -> None:
    stmts = _statements(plan, "settle")
    assert stmts["UseTableUsers"]["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]


def test_only_functions_using_in_vpc_stores_join_the_vpc(plan: Plan) -> None:
    assert "vpcConfig" not in _fn(plan, "products").inputs
    assert "vpcConfig" not in _fn(plan, "settle").inputs
    (sg,) = plan.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert sg.name == "app-orders" and "ingress" not in sg.inputs and "egress" not in sg.inputs
    assert _fn(plan, "orders").inputs["vpcConfig"] == {"subnetIds": ["subnet-a", "subnet-b"],
                                                       "securityGroupIds": [sg.outputs["id"]]}
    (ingress,) = plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress.inputs["securityGroupId"] == PROXY_SG
    assert ingress.inputs["referencedSecurityGroupId"] == sg.outputs["id"]
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"], ingress.inputs["ipProtocol"]) == (5432, 5432, "tcp")
    assert "cidrIpv4" not in ingress.inputs
    egress = {r.name: r.inputs for r in plan.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")}
    assert egress["app-orders-to-database-main"]["referencedSecurityGroupId"] == PROXY_SG
    assert (egress["app-orders-https"]["fromPort"], egress["app-orders-https"]["cidrIpv4"]) == (443, "0.0.0.0/0")
    stmts = _statements(plan, "orders")
    assert stmts["VpcNetworkInterfaces"]["Action"] == sorted(ENI_ACTIONS)
    assert stmts["VpcNetworkInterfaces"]["Resource"] == ["*"]
    assert "VpcNetworkInterfaces" not in _statements(plan, "products")


def test_workers_get_an_encrypted_dead_letter_queue_and_a_schedule(plan: Plan) -> None:
    (queue,) = plan.of_type("aws:sqs/queue:Queue")
    assert queue.inputs == {"name": "pos-dev-settle-dlq", "sqsManagedSseEnabled": True,
                            "messageRetentionSeconds": 1209600}
    config = plan.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "app-settle")
    assert config.inputs["qualifier"] == "live"
    assert config.inputs["destinationConfig"] == {"onFailure": {"destination": queue.outputs["arn"]}}
    assert _statements(plan, "settle")["DeadLetterQueue"] == {
        "Sid": "DeadLetterQueue", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue.outputs["arn"]]}
    rule = plan.one("aws:cloudwatch/eventRule:EventRule", "app-settle-schedule")
    assert rule.inputs["scheduleExpression"] == "rate(5 minutes)"
    alias = plan.one("aws:lambda/alias:Alias", "app-settle-live")
    assert plan.one("aws:cloudwatch/eventTarget:EventTarget", "app-settle-schedule").inputs["arn"] == \
        alias.outputs["arn"]
    perm = plan.one("aws:lambda/permission:Permission", "app-settle-schedule")
    assert (perm.inputs["principal"], perm.inputs["qualifier"], perm.inputs["sourceArn"]) == \
        ("events.amazonaws.com", "live", rule.outputs["arn"])
    assert len(plan.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")) == 1


def test_callers_may_invoke_a_worker_alias_and_nothing_else(plan: Plan) -> None:
    alias = plan.one("aws:lambda/alias:Alias", "app-settle-live").outputs["arn"]
    assert _statements(plan, "orders")["UseFunctionSettle"] == {
        "Sid": "UseFunctionSettle", "Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [alias]}
    assert _fn(plan, "orders").inputs["environment"]["variables"]["SETTLE_FUNCTION_ARN"] == alias


def test_unknown_refs_fail_with_the_key_and_pending_kinds_are_skipped() -> None:
    refs = {k: v for k, v in REFS.items() if k != "database:main"}
    with pytest.raises((ComponentError, ProgramError), match=r"services\.orders\.uses\.database:main"):
        _plan(refs=refs)
    plan = _plan(refs=refs, pending_kinds=frozenset({"database"}))
    assert "vpcConfig" not in _fn(plan, "orders").inputs
    assert "UseDatabaseMain" not in _statements(plan, "orders")


def test_prod_keeps_logs_longer() -> None:
    plan = _plan(env="prod")
    assert {r.inputs["retentionInDays"] for r in plan.of_type("aws:cloudwatch/logGroup:LogGroup")} == {90}
