"""EcsColor through persona's prod plan: seed 004's current ECS system as blue."""

from __future__ import annotations

from cutover.plan.model import Plan
from tests.conftest import planned

EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def _plan() -> Plan:
    return planned("prod", "profile=persona-serverless")


def test_children_belong_to_the_color() -> None:
    plan = _plan()
    color = plan.one("cutover:ecs:EcsColor", "blue")
    children = {r.name for r in plan if r.parent == color.urn}
    assert {"blue-alb", "blue-web", "blue-api"} <= children
    assert plan.one("aws:lb/loadBalancer:LoadBalancer", "blue-alb").inputs["name"] == "persona-prod-blue"


def test_the_alb_reaches_each_service_port_and_each_service_admits_only_the_alb() -> None:
    plan = _plan()
    alb_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "blue-alb-sg").id
    out = sorted((r.inputs["fromPort"], r.inputs["cidrIpv4"]) for r in plan.of_type(EGRESS)
                 if r.inputs["securityGroupId"] == alb_sg)
    assert out == [(3000, "10.44.0.0/16"), (3001, "10.44.0.0/16")]
    for svc, port in (("web", 3000), ("api", 3001)):
        sg = plan.one("aws:ec2/securityGroup:SecurityGroup", f"blue-{svc}-sg").id
        into = [r.inputs for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == sg]
        assert [(i["fromPort"], i["referencedSecurityGroupId"]) for i in into] == [(port, alb_sg)]
    world = [r.inputs for r in plan.of_type(INGRESS) if r.inputs.get("cidrIpv4") == "0.0.0.0/0"]
    assert {(i["securityGroupId"], i["fromPort"]) for i in world} == {(alb_sg, 80), (alb_sg, 443)}


def test_default_action_serves_web_and_a_rule_serves_the_api() -> None:
    plan = _plan()
    listener = plan.one("aws:lb/listener:Listener", "blue-alb-https")
    web_tg = plan.one("aws:lb/targetGroup:TargetGroup", "blue-alb-blue")
    assert listener.inputs["defaultActions"][0]["targetGroupArn"] == web_tg.outputs["arn"]
    assert listener.inputs["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    rule = plan.one("aws:lb/listenerRule:ListenerRule", "blue-api")
    assert rule.inputs["listenerArn"] == listener.outputs["arn"] and rule.inputs["priority"] == 100
    services = {r.inputs["name"]: r.inputs for r in plan.of_type("aws:ecs/service:Service")}
    api_tg = plan.one("aws:lb/targetGroup:TargetGroup", "blue-alb-blue-api")
    assert services["persona-prod-blue-api"]["loadBalancers"] == [
        {"targetGroupArn": api_tg.outputs["arn"], "containerName": "api", "containerPort": 3001}]
    assert services["persona-prod-blue-web"]["loadBalancers"][0]["targetGroupArn"] == web_tg.outputs["arn"]


def test_blue_alb_has_a_regional_waf_and_no_cloudfront_of_its_own() -> None:
    plan = _plan()
    assoc = [r for r in plan.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") if r.name == "blue-alb-waf"]
    assert len(assoc) == 1
    acl = plan.one("aws:wafv2/webAcl:WebAcl", "regional-waf")
    assert acl.inputs["scope"] == "REGIONAL" and assoc[0].inputs["webAclArn"] == acl.outputs["arn"]
    assert not [r for r in plan.of_type("aws:cloudfront/distribution:Distribution") if r.name.startswith("blue")]


def test_every_blue_service_waits_for_the_shared_clusters_capacity_providers() -> None:
    plan = _plan()
    (cp,) = plan.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    services = plan.of_type("aws:ecs/service:Service")
    assert len(services) == 2 and all(cp.urn in s.dependencies for s in services)


def test_blue_alb_access_logs_are_retained_in_prod_and_expire_by_lifecycle() -> None:
    plan = _plan()
    bucket = plan.one("aws:s3/bucket:Bucket", "blue-alb-logs")
    assert bucket.protect and bucket.retain_on_delete and bucket.inputs["forceDestroy"] is False
    (rule,) = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                       "blue-alb-logs-lifecycle").inputs["rules"]
    assert rule["expiration"]["days"] >= 30


SCALING = "aws:appautoscaling/target:Target"


def test_green_ecs_variant_is_the_same_kind_of_color_with_its_old_names() -> None:
    # tracetrack's green (seed 001): one service, built by EcsColor like persona's blue; physical names
    # stay those of the ECS variant (no color in them), and the moved resources carry aliases to their
    # top-level URNs (tests/profiles/test_physical_identity.py holds the whole plan to that).
    plan = planned("prod", "profile=tracetrack-ecs")
    color = plan.one("cutover:ecs:EcsColor", "green")
    assert {"green-alb", "green-app", "green-cdn"} <= {r.name for r in plan if r.parent == color.urn}
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer", "green-alb")
    assert lb.inputs["name"] == "tracetrack-prod-app"
    assert "urn:pulumi:prod::cutover::cutover:ecs:AppLoadBalancer$aws:lb/loadBalancer:LoadBalancer::alb" in lb.aliases
    service = plan.one("aws:ecs/service:Service", "green-app")
    assert service.inputs["name"] == "tracetrack-prod-app"


def test_a_retired_ecs_color_scales_its_services_to_zero() -> None:
    from tests.profiles.data_states import planned_retired

    live = planned("prod", "profile=tracetrack-ecs")
    assert live.one(SCALING, "green-app-scaling").inputs["maxCapacity"] == 20
    green = planned("prod", "profile=tracetrack-ecs", "retire=green")
    target = green.one(SCALING, "green-app-scaling").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (0, 0)
    blue = planned_retired("prod", "persona-serverless", "greenWeight=100", "retire=blue")
    for svc in ("web", "api"):
        target = blue.one(SCALING, f"blue-{svc}-scaling").inputs
        assert (target["minCapacity"], target["maxCapacity"]) == (0, 0), svc
