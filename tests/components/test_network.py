"""Network component: subnets per AZ and tier, NAT by mode, endpoints, flow logs, closed SGs."""

from __future__ import annotations

import json
from dataclasses import replace

import pulumi
import pytest

from components.network import Network, NetworkArgs
from cutover.config import NatMode, parse_stack_config
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components

BASE = parse_stack_config({"profile": "pos-serverless"}, project="cutover", stack="dev").network
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def build(nat: NatMode, az_count: int = 2, **changes: object) -> Plan:
    cfg = replace(BASE, nat_mode=nat, az_count=az_count, **changes)  # type: ignore[arg-type]
    return plan_components(lambda: Network("net", NetworkArgs(cfg, Namer("pos", "dev"), "us-east-1", AZS)))


@pytest.mark.parametrize(("nat", "azs", "instances", "gateways"), [
    (NatMode.NONE, 2, 0, 0), (NatMode.INSTANCE, 2, 1, 0), (NatMode.GATEWAY, 3, 0, 1),
    (NatMode.GATEWAY_PER_AZ, 3, 0, 3),
])
def test_nat_modes(nat: NatMode, azs: int, instances: int, gateways: int) -> None:
    plan = build(nat, azs)
    assert len(plan.of_type("aws:ec2/instance:Instance")) == instances
    assert len(plan.of_type("aws:ec2/natGateway:NatGateway")) == gateways
    assert len(plan.of_type("aws:ec2/subnet:Subnet")) == 3 * azs
    private_rts = [r for r in plan.of_type("aws:ec2/routeTable:RouteTable") if "-private-" in r.name]
    assert len(private_rts) == azs
    for rt in private_rts:
        defaults = [r for r in rt.inputs.get("routes", []) if r.get("cidrBlock") == "0.0.0.0/0"]
        assert len(defaults) == (0 if nat is NatMode.NONE else 1)
    isolated = plan.one("aws:ec2/routeTable:RouteTable", "net-isolated")
    assert isolated.inputs.get("routes", []) == []  # isolated subnets never reach the internet


def test_gateway_per_az_routes_each_az_to_its_own_gateway() -> None:
    plan = build(NatMode.GATEWAY_PER_AZ, 3)
    gw_ids = {g.name: g.id for g in plan.of_type("aws:ec2/natGateway:NatGateway")}
    for letter in "abc":
        rt = plan.one("aws:ec2/routeTable:RouteTable", f"net-private-{letter}")
        assert rt.inputs["routes"][0]["natGatewayId"] == gw_ids[f"net-nat-{letter}"]


def test_nat_instance_is_hardened() -> None:
    plan = build(NatMode.INSTANCE)
    nat = plan.one("aws:ec2/instance:Instance").inputs
    assert nat["instanceType"] == "t4g.nano"
    assert nat["sourceDestCheck"] is False
    assert nat["metadataOptions"]["httpTokens"] == "required"
    assert nat["rootBlockDevice"]["encrypted"] is True
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "net-nat").inputs
    assert [rule["cidrBlocks"] for rule in sg["ingress"]] == [["10.40.0.0/16"]]  # VPC only, never the world
    assert plan.one("aws:ec2/eip:Eip").inputs["instance"] == plan.one("aws:ec2/instance:Instance").id


def test_subnets_are_keyed_by_az_letter_and_never_public_ip() -> None:
    plan = build(NatMode.NONE, 3)
    names = sorted(s.name for s in plan.of_type("aws:ec2/subnet:Subnet"))
    assert names == sorted(f"net-{t}-{a}" for t in ("public", "private", "isolated") for a in "abc")
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in plan.of_type("aws:ec2/subnet:Subnet"))
    cidrs = {s.name: s.inputs["cidrBlock"] for s in plan.of_type("aws:ec2/subnet:Subnet")}
    assert cidrs["net-public-a"] == "10.40.0.0/20" and cidrs["net-private-b"] == "10.40.80.0/20"


def test_gateway_endpoints_serve_private_and_isolated_route_tables() -> None:
    plan = build(NatMode.NONE, 2)
    endpoints = plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert sorted(e.inputs["serviceName"] for e in endpoints) == ["com.amazonaws.us-east-1.dynamodb",
                                                                  "com.amazonaws.us-east-1.s3"]
    rts = {r.id for r in plan.of_type("aws:ec2/routeTable:RouteTable") if "public" not in r.name}
    for e in endpoints:
        assert e.inputs["vpcEndpointType"] == "Gateway"
        assert set(e.inputs["routeTableIds"]) == rts


def test_flow_logs_have_retention_and_a_scoped_role() -> None:
    plan = build(NatMode.NONE)
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 14
    assert group.inputs["name"] == "/pos/dev/vpc-flow-logs"
    flow = plan.one("aws:ec2/flowLog:FlowLog").inputs
    assert flow["trafficType"] == "ALL" and flow["logDestination"] == group.outputs["arn"]
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    (stmt,) = doc["Statement"]
    assert stmt["Resource"] == [group.outputs["arn"], group.outputs["arn"] + ":*"]
    assert all(a.startswith("logs:") and "*" not in a for a in stmt["Action"])


def test_default_security_group_is_emptied() -> None:
    sg = build(NatMode.NONE).one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs
    assert sg.get("ingress", []) == [] and sg.get("egress", []) == []


def test_no_security_group_is_open_to_the_world_for_ingress() -> None:
    for nat in NatMode:
        for sg in build(nat, 2).of_type("aws:ec2/securityGroup:SecurityGroup"):
            for rule in sg.inputs.get("ingress", []):
                assert "0.0.0.0/0" not in rule.get("cidrBlocks", [])


def test_every_child_is_parented_to_the_component() -> None:
    plan = build(NatMode.INSTANCE)
    component = plan.one("cutover:network:Network")
    assert all(r.parent == component.urn for r in plan if r.custom)


def test_too_few_availability_zones_fail_clearly() -> None:
    cfg = replace(BASE, az_count=3)

    def program() -> None:
        Network("net", NetworkArgs(cfg, Namer("pos", "dev"), "us-east-1", AZS[:2]))

    with pytest.raises(Exception, match="offers 2 AZs"):
        plan_components(program)


def test_outputs_are_exposed() -> None:
    holder: dict[str, Network] = {}

    def program() -> None:
        holder["n"] = Network("net", NetworkArgs(BASE, Namer("pos", "dev"), "us-east-1", AZS))
        pulumi.export("private", holder["n"].private_subnet_ids)

    plan = plan_components(program)
    assert len(plan.stack_outputs["private"]) == 2
    assert holder["n"].has_internet_egress


def test_nat_instance_boot_outlasts_the_eip_association_and_forwards() -> None:
    plan = build(NatMode.INSTANCE)
    nat = plan.one("aws:ec2/instance:Instance").inputs
    # A NAT forwards traffic neither from nor to itself: EC2's source/destination check must be off.
    assert nat["sourceDestCheck"] is False
    script = nat["userData"]
    # The package install retries instead of ending the boot under `set -e` while the instance
    # has no route out yet (the Elastic IP is associated only after the instance runs).
    loop = script[script.index("for attempt"):script.index("done")]
    assert "dnf install -y iptables-services && break" in loop and "sleep" in loop
    assert script.count("dnf install") == 1
    assert script.index("done") < script.index("systemctl enable --now iptables")


def test_nat_instance_status_checks_recover_and_reboot_it() -> None:
    plan = build(NatMode.INSTANCE)
    instance_id = plan.one("aws:ec2/instance:Instance").id
    alarms = {a.inputs["metricName"]: a.inputs for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert set(alarms) == {"StatusCheckFailed_System", "StatusCheckFailed_Instance"}
    # EC2 alarm actions as the CloudWatch API lists them (PutMetricAlarm AlarmActions).
    expected = {"StatusCheckFailed_System": "arn:aws:automate:us-east-1:ec2:recover",
                "StatusCheckFailed_Instance": "arn:aws:automate:us-east-1:ec2:reboot"}
    for metric, alarm in alarms.items():
        assert alarm["namespace"] == "AWS/EC2" and alarm["dimensions"] == {"InstanceId": instance_id}
        assert alarm["alarmActions"] == [expected[metric]]
        assert (alarm["statistic"], alarm["threshold"], alarm["comparisonOperator"]) == (
            "Maximum", 1, "GreaterThanOrEqualToThreshold")
    assert not build(NatMode.GATEWAY).of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
