"""examples/minimal: the components in a program of their own, without profiles, planned offline."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from cutover.plan.engine import run_program
from cutover.plan.project import StackSettings
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "minimal"


def test_the_example_takes_no_profile_layer() -> None:
    # issue 13 item 6: another program builds the components from components.specs alone
    tree = ast.parse((EXAMPLE / "__main__.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in modules if m.startswith("components.specs.")}, "the example builds specs itself"
    assert not {m for m in modules if m == "cutover.config" or m.startswith(("cutover.config.", "cutover.adapter"))}


def test_the_example_builds_a_network_two_colors_and_a_front_door() -> None:
    assert (EXAMPLE / "Pulumi.yaml").is_file()
    plan = run_program(StackSettings("cutover-minimal", "dev", {"aws:region": "us-east-1"}),
                       program=Path(EXAMPLE / "__main__.py"))
    types = Counter(r.type for r in plan.resources)
    for component in ("cutover:network:Network", "cutover:serverless:ServerlessColor", "cutover:ecs:EcsColor",
                      "cutover:traffic:FrontDoor"):
        assert types[component] == 1, component
    # the network: one VPC, 2 AZs x 3 tiers of subnets, one NAT instance (nat_mode=INSTANCE), no NAT gateway
    assert (types["aws:ec2/vpc:Vpc"], types["aws:ec2/subnet:Subnet"]) == (1, 6)
    assert (types["aws:ec2/instance:Instance"], types["aws:ec2/natGateway:NatGateway"]) == (1, 0)
    # green: one Lambda service behind the HTTP API, on the front door's name (its custom domain)
    assert plan.stack_outputs["greenFunctions"] == {"api": "shop-dev-api"}
    assert (types["aws:lambda/function:Function"], types["aws:apigatewayv2/api:Api"]) == (1, 1)
    assert plan.one("aws:apigatewayv2/domainName:DomainName").inputs["domainName"] == "shop.example.com"
    # blue: two Fargate services behind one ALB, one target group each, /api/* routed by one listener rule
    assert plan.stack_outputs["blueServices"] == {"web": "shop-dev-blue-web", "api": "shop-dev-blue-api"}
    assert (types["aws:ecs/service:Service"], types["aws:lb/loadBalancer:LoadBalancer"],
            types["aws:lb/targetGroup:TargetGroup"], types["aws:lb/listenerRule:ListenerRule"]) == (2, 1, 2, 1)
    (rule,) = [r.inputs for r in plan.of_type("aws:lb/listenerRule:ListenerRule") if r.name == "blue-api"]
    assert rule["conditions"][0]["pathPattern"]["values"] == ["/api/*"]
    # the front door: one health-checked weighted record per color, 90 % blue and 10 % green (Route 53
    # weights are relative), alias A records (an ECS blue is an ALB, a hosted-zone alias target)
    records = [r for r in plan.of_type("aws:route53/record:Record") if r.inputs.get("name") == "shop.example.com"]
    assert {r.inputs["setIdentifier"]: r.inputs["weightedRoutingPolicies"][0]["weight"] for r in records} == \
        {"blue": 90, "green": 10}
    assert {r.inputs["type"] for r in records} == {"A"} and all(r.inputs.get("healthCheckId") for r in records)
    assert types["aws:route53/healthCheck:HealthCheck"] == 2
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer").outputs
    (blue,) = [r.inputs for r in records if r.inputs["setIdentifier"] == "blue"]
    assert (blue["aliases"][0]["name"], blue["aliases"][0]["zoneId"]) == (alb["dnsName"], alb["zoneId"])
