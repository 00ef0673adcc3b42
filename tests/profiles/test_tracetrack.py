"""tracetrack-ecs end to end: the seed 001 architecture in both environments."""

from __future__ import annotations

import json

import pytest

from tests.conftest import planned

COUNTS = {
    "aws:ecs/service:Service": 1, "aws:ecs/taskDefinition:TaskDefinition": 1, "aws:ecr/repository:Repository": 1,
    "aws:lb/loadBalancer:LoadBalancer": 1, "aws:lb/listener:Listener": 2, "aws:lb/targetGroup:TargetGroup": 1,
    "aws:cloudfront/distribution:Distribution": 1, "aws:wafv2/webAcl:WebAcl": 1,
    "aws:rds/instance:Instance": 1, "aws:rds/proxy:Proxy": 0,
    "aws:elasticache/replicationGroup:ReplicationGroup": 1, "aws:iot/topicRule:TopicRule": 1,
    "aws:appautoscaling/policy:Policy": 2,
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_resource_counts(stack: str) -> None:
    plan = planned(stack, "profile=tracetrack-ecs")
    assert {t: len(plan.of_type(t)) for t in COUNTS} == COUNTS


def test_only_the_alb_faces_the_internet() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    open_rules = [r for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                  if r.inputs.get("cidrIpv4") in ("0.0.0.0/0",) or r.inputs.get("cidrIpv6") == "::/0"]
    assert open_rules == []  # behind CloudFront: even the ALB only admits the CloudFront prefix list


def test_outputs_are_identifiers_only() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    out = plan.stack_outputs
    assert set(out["app"]) >= {"cluster", "service", "httpsListenerArn", "targetGroupArn", "albDnsName"}
    assert out["postgres"]["instanceIdentifier"] == "tracetrack-prod-postgres" and out["postgres"]["proxyName"] is None
    secrets = {r.outputs["result"] for r in plan.of_type("random:index/randomPassword:RandomPassword")}
    text = json.dumps(out)
    assert not any(s in text for s in secrets)
