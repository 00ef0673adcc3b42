"""The serverless profiles end to end: each seed's services, APIs, least privilege and WAF placement."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan.model import Plan, PlannedResource
from tests.conftest import planned

SERVERLESS = ("pos-serverless", "yoga-serverless", "waiterix-serverless", "persona-serverless")


def _fns(plan: Plan) -> dict[str, PlannedResource]:
    return {r.name.removeprefix("serverless-"): r for r in plan.of_type("aws:lambda/function:Function")
            if r.name.startswith("serverless-")}


def _statements(plan: Plan, svc: str) -> dict[str, dict[str, Any]]:
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", f"serverless-{svc}").inputs["policy"])
    return {s["Sid"]: s for s in doc["Statement"]}


def _routes(plan: Plan, component: str = "http-api") -> dict[str, str]:
    """route key -> service, following route -> integration -> alias."""
    integrations = {i.outputs["id"]: i for i in plan.of_type("aws:apigatewayv2/integration:Integration")
                    if i.name.startswith(component)}
    aliases = {a.outputs["invokeArn"]: a.name.removeprefix("serverless-").removesuffix("-live")
               for a in plan.of_type("aws:lambda/alias:Alias")}
    return {r.inputs["routeKey"]: aliases[integrations[r.inputs["target"].split("/")[1]].inputs["integrationUri"]]
            for r in plan.of_type("aws:apigatewayv2/route:Route") if r.name.startswith(component)}


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("profile", SERVERLESS)
def test_every_function_is_arm64_traced_and_invoked_through_live(profile: str, stack: str) -> None:
    plan = planned(stack, f"profile={profile}")
    fns = _fns(plan)
    assert fns
    retention = 90 if stack == "prod" else 14
    for svc, fn in fns.items():
        assert fn.inputs["architectures"] == ["arm64"] and fn.inputs["tracingConfig"] == {"mode": "Active"}
        assert fn.inputs["publish"] is True
        group = plan.one("aws:cloudwatch/logGroup:LogGroup", f"serverless-{svc}")
        assert group.inputs["retentionInDays"] == retention
        alias = plan.one("aws:lambda/alias:Alias", f"serverless-{svc}-live")
        assert alias.inputs["functionVersion"] == fn.outputs["version"]
        for s in _statements(plan, svc).values():
            assert all(a != "*" and not a.endswith(":*") for a in s["Action"]), (svc, s)
    for perm in plan.of_type("aws:lambda/permission:Permission"):
        if perm.name.startswith(("http-api", "websocket")):
            assert perm.inputs["principal"] == "apigateway.amazonaws.com" and perm.inputs["qualifier"] == "live"
            assert perm.inputs["sourceArn"].endswith("/*/*")
    assert _routes(plan)["GET /health"] in fns
    # AWS cannot associate a web ACL with an HTTP API stage: associations only ever target load balancers
    lbs = {r.outputs["arn"] for r in plan.of_type("aws:lb/loadBalancer:LoadBalancer")}
    assert {a.inputs["resourceArn"] for a in plan.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")} <= lbs


def test_pos_prod_puts_the_waf_on_a_cloudfront_edge_in_front_of_the_http_api() -> None:
    plan = planned("prod", "profile=pos-serverless")
    acl = plan.one("aws:wafv2/webAcl:WebAcl", "edge-waf")
    assert acl.inputs["scope"] == "CLOUDFRONT"
    dist = plan.one("aws:cloudfront/distribution:Distribution", "api-edge")
    assert dist.inputs["webAclId"] == acl.outputs["arn"]
    api = plan.one("aws:apigatewayv2/api:Api", "http-api")
    (origin,) = dist.inputs["origins"]
    assert "https://" + origin["domainName"] == api.outputs["apiEndpoint"]
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origin["customHeaders"][0]["name"] == "X-Origin-Verify"
    behavior = dist.inputs["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert behavior["originRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert set(behavior["allowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
    assert plan.stack_outputs["edgeDomainName"] == dist.outputs["domainName"]
    dev = planned("dev", "profile=pos-serverless")
    assert not dev.of_type("aws:wafv2/webAcl:WebAcl", "aws:cloudfront/distribution:Distribution")


def test_pos_services_routes_workers_and_websocket() -> None:
    plan = planned("dev", "profile=pos-serverless")
    assert set(_fns(plan)) == {"products", "orders", "staff", "auth", "stripe-webhook", "transactions", "sync",
                               "realtime"}
    routes = _routes(plan)
    assert routes == {"GET /health": "products", "GET /products": "products", "ANY /products/{proxy+}": "products",
                      "ANY /orders": "orders", "ANY /orders/{proxy+}": "orders", "ANY /staff": "staff",
                      "ANY /staff/{proxy+}": "staff", "ANY /auth/{proxy+}": "auth",
                      "POST /webhooks/stripe": "stripe-webhook"}
    # The workers' dead-letter queues, and the rollback Lambda's (SNS invokes it asynchronously).
    assert {q.inputs["name"] for q in plan.of_type("aws:sqs/queue:Queue")} == {
        "pos-dev-transactions-dlq", "pos-dev-sync-dlq", "pos-dev-rollback-dlq"}
    assert {r.inputs["scheduleExpression"] for r in plan.of_type("aws:cloudwatch/eventRule:EventRule")} == \
        {"rate(5 minutes)", "rate(15 minutes)"}
    assert _routes(plan, "websocket") == {k: "realtime" for k in ("$connect", "$disconnect", "$default",
                                                                  "subscribe", "unsubscribe")}
    ws = plan.one("aws:apigatewayv2/api:Api", "websocket")
    scoped = [f"{ws.outputs['executionArn']}/dev/POST/@connections/*"]
    assert _statements(plan, "realtime")["UseWebsocketRealtime"]["Resource"] == scoped
    assert _statements(plan, "orders")["UseWebsocketRealtime"]["Resource"] == scoped
    table = plan.one("aws:dynamodb/table:Table", "tables-connections").outputs["arn"]
    assert _statements(plan, "realtime")["UseTableConnections"]["Resource"][0] == table
    assert _statements(plan, "auth")["UseSecretJwtSigningKey"]["Action"] == [
        "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]


YOGA_TABLES = {
    "auth": {"Users"}, "blog": {"BlogPosts"}, "admin": {"Users", "Settings", "Communications", "BlogPosts"},
    "gallery": {"Gallery"}, "booking": {"Classes", "Bookings", "Retreats", "Workshops"}, "payment": {"Bookings"},
}


def test_yoga_services_use_only_their_tables_and_stay_out_of_the_vpc() -> None:
    plan = planned("prod", "profile=yoga-serverless")
    fns = _fns(plan)
    assert set(fns) == set(YOGA_TABLES)
    arns = {t.name.removeprefix("tables-"): t.outputs["arn"] for t in plan.of_type("aws:dynamodb/table:Table")}
    for svc, tables in YOGA_TABLES.items():
        stmts = _statements(plan, svc)
        used = {sid.removeprefix("UseTable") for sid in stmts if sid.startswith("UseTable")}
        assert {t.lower() for t in used} == {t.lower() for t in tables}, svc
        for t in tables:
            (stmt,) = [s for sid, s in stmts.items() if sid.lower() == f"usetable{t.lower()}"]
            assert stmt["Resource"] == [arns[t], f"{arns[t]}/index/*"]
        assert "UseSecretJwtSecret" in stmts and "vpcConfig" not in fns[svc].inputs
    admin = _statements(plan, "admin")
    assert not any(a.startswith("dynamodb:Put") for a in admin["UseTableBlogPosts"]["Action"])
    assert set(_statements(plan, "gallery")) >= {"UseBucketAssets"}
    routes = _routes(plan)
    assert routes["POST /blog/{id}/publish"] == "blog" and routes["POST /classes/{id}/book"] == "booking"
    assert routes["POST /payment/webhook"] == "payment" and routes["POST /auth/login"] == "auth"
    assert not plan.of_type("aws:ec2/securityGroup:SecurityGroup") or all(
        not sg.name.startswith("serverless") for sg in plan.of_type("aws:ec2/securityGroup:SecurityGroup"))
    api = plan.one("aws:apigatewayv2/api:Api", "http-api")
    assert api.inputs["corsConfiguration"]["allowOrigins"] == ["https://gabi.yoga", "https://www.gabi.yoga"]
    dev = planned("dev", "profile=yoga-serverless").one("aws:apigatewayv2/api:Api", "http-api")
    assert dev.inputs["corsConfiguration"]["allowOrigins"] == ["http://localhost:3000", "https://dev.gabi.yoga"]


def test_waiterix_keeps_long_ai_work_off_the_http_api() -> None:
    plan = planned("dev", "profile=waiterix-serverless")
    fns = _fns(plan)
    assert {k: (f.inputs["memorySize"], f.inputs["timeout"]) for k, f in fns.items()} == {
        "api": (1024, 29), "ai": (1024, 60), "realtime": (1024, 29)}
    assert set(_routes(plan).values()) == {"api"}
    assert plan.one("aws:sqs/queue:Queue").inputs["name"] == "waiterix-dev-ai-dlq"
    ai_alias = plan.one("aws:lambda/alias:Alias", "serverless-ai-live").outputs["arn"]
    stmts = _statements(plan, "api")
    assert stmts["UseFunctionAi"]["Resource"] == [ai_alias]
    assert {"UseEmailSes", "UseBucketStorage", "UseBucketTranscribeTemp", "UseWebsocketRealtime"} <= set(stmts)
    assert _statements(plan, "realtime")["UseTableConnections"]


def test_persona_runs_one_api_in_the_vpc_next_to_aurora() -> None:
    for stack, origins in (("dev", ["https://dev01.hibiji.com", "http://localhost:3100"]),
                           ("prod", ["https://hibiji.com"])):
        plan = planned(stack, "profile=persona-serverless")
        (fn,) = _fns(plan).values()
        assert _routes(plan) == {"GET /health": "api", "ANY /{proxy+}": "api"}
        assert plan.one("aws:apigatewayv2/api:Api", "http-api").inputs["corsConfiguration"]["allowOrigins"] == origins
        sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "serverless-api")
        assert fn.inputs["vpcConfig"]["securityGroupIds"] == [sg.outputs["id"]]
        stmts = _statements(plan, "api")
        assert {"UseDatabaseMain", "UseSecretJwtSecret", "UseBucketUploads", "VpcNetworkInterfaces"} <= set(stmts)
        ingress = [r for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                   if r.inputs.get("referencedSecurityGroupId") == sg.outputs["id"]]
        assert len(ingress) == 1 and ingress[0].inputs["fromPort"] == 5432
