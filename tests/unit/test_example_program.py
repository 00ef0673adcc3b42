"""examples/minimal: the components in a program of their own, without profiles, planned offline."""

from __future__ import annotations

from pathlib import Path

from cutover.plan.engine import run_program
from cutover.plan.project import StackSettings
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "minimal"


def test_the_example_builds_a_network_two_colors_and_a_front_door() -> None:
    assert (EXAMPLE / "Pulumi.yaml").is_file()
    plan = run_program(StackSettings("cutover-minimal", "dev", {"aws:region": "us-east-1"}),
                       program=Path(EXAMPLE / "__main__.py"))
    for component in ("cutover:network:Network", "cutover:serverless:ServerlessColor", "cutover:ecs:EcsColor",
                      "cutover:traffic:FrontDoor"):
        assert plan.of_type(component), component
    # green: one Lambda service behind the HTTP API; blue: two Fargate services behind one ALB, /api/* routed
    assert plan.stack_outputs["greenFunctions"] == {"api": "shop-dev-api"}
    assert plan.stack_outputs["blueServices"] == {"web": "shop-dev-blue-web", "api": "shop-dev-blue-api"}
    (rule,) = [r.inputs for r in plan.of_type("aws:lb/listenerRule:ListenerRule") if r.name == "blue-api"]
    assert rule["conditions"][0]["pathPattern"]["values"] == ["/api/*"]
    # the front door: one weighted record per color, 90 % blue and 10 % green (Route 53 weights are relative)
    records = {r.inputs["setIdentifier"]: r.inputs["weightedRoutingPolicies"][0]["weight"]
               for r in plan.of_type("aws:route53/record:Record") if r.inputs.get("name") == "shop.example.com"}
    assert records == {"blue": 90, "green": 10}
