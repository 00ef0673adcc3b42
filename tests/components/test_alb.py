"""AppLoadBalancer: TLS 1.3 HTTPS, redirect-only HTTP, 80/443-only ingress, SSE-S3 access logs."""

from __future__ import annotations

import json

import pulumi

from components.alb import AlbArgs, AppLoadBalancer, log_delivery_principal
from cutover.config import AlbConfig
from cutover.config.environment import DEFAULTS, Environment
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components, planned

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LISTENER = "aws:lb/listener:Listener"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000001"


def _sg(plan: Plan, name: str = "green-alb-sg") -> str:
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup", name)
    assert sg.id is not None
    return sg.id


def test_https_listener_uses_tls13_and_http_only_redirects() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    https = plan.one(LISTENER, "green-alb-https").inputs
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificateArn"] == CERT
    # Behind CloudFront: anything without the distribution's secret header is refused ...
    assert https["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "messageBody": "Forbidden", "statusCode": "403"}}]
    # ... and the last rule forwards what carries it, the same secret CloudFront sends as an origin header.
    rule = plan.one("aws:lb/listenerRule:ListenerRule", "green-alb-from-cloudfront").inputs
    assert rule["priority"] == 50000 and rule["listenerArn"] == plan.one(LISTENER, "green-alb-https").outputs["arn"]
    assert rule["actions"] == [{"type": "forward", "targetGroupArn": plan.one("aws:lb/targetGroup:TargetGroup").id}]
    (condition,) = rule["conditions"]
    secret = condition["httpHeader"]["values"][0]
    assert condition["httpHeader"]["httpHeaderName"] == "X-Origin-Verify" and len(secret) == 40
    origin = plan.one("aws:cloudfront/distribution:Distribution", "green-cdn").inputs["origins"][0]
    assert origin["customHeaders"] == [{"name": "X-Origin-Verify", "value": secret}]
    service = plan.one("aws:ecs/service:Service")
    assert plan.one("aws:lb/listenerRule:ListenerRule", "green-alb-from-cloudfront").urn in service.dependencies
    http = plan.one(LISTENER, "green-alb-http").inputs
    assert http["defaultActions"] == [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                                        "statusCode": "HTTP_301"}}]


def test_load_balancer_and_target_group_settings() -> None:
    prod, dev = planned("prod", "profile=tracetrack-ecs"), planned("dev", "profile=tracetrack-ecs")
    lb = prod.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert lb["internal"] is False and lb["dropInvalidHeaderFields"] is True
    assert lb["enableDeletionProtection"] is True
    assert dev.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False
    public = {s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-public-")}
    assert set(lb["subnets"]) == public and len(lb["name"]) <= 32
    assert lb["accessLogs"]["enabled"] is True
    tg = prod.one("aws:lb/targetGroup:TargetGroup").inputs
    assert tg["targetType"] == "ip" and tg["port"] == 5000 and tg["deregistrationDelay"] == 30
    assert tg["healthCheck"]["path"] == "/health" and tg["healthCheck"]["matcher"] == "200-399"
    assert len(tg["name"]) <= 32


def test_behind_cloudfront_only_the_origin_facing_prefix_list_reaches_443() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    sg = _sg(plan)
    rules = [r.inputs for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == sg]
    assert rules == [{"securityGroupId": sg, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                      "prefixListId": "pl-3b927c52",
                      "description": "HTTPS from CloudFront origin-facing servers only"}]
    (egress,) = [r.inputs for r in plan.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                 if r.inputs["securityGroupId"] == sg]
    assert (egress["cidrIpv4"], egress["fromPort"], egress["toPort"]) == ("10.41.0.0/16", 5000, 5000)


def test_access_log_bucket_is_sse_s3_and_grants_elb_delivery() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    enc = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                   "green-alb-logs-encryption").inputs
    assert enc["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    policy = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", "green-alb-logs-policy").inputs["policy"])
    (grant,) = [s for s in policy["Statement"] if s.get("Sid") == "ElbAccessLogDelivery"]
    assert grant["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert grant["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    assert log_delivery_principal("ap-southeast-5") == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


def test_without_cdn_only_80_and_443_are_open_to_the_world() -> None:
    env = DEFAULTS[Environment.DEV]
    cfg = AlbConfig(CERT, None, None, "ELBSecurityPolicy-TLS13-1-2-2021-06", 60, True, 30)

    def program() -> None:
        alb = AppLoadBalancer("alb", AlbArgs(cfg, Namer("demo", "dev"), env, "us-east-1", "123456789012",
                                             "vpc-1", "10.0.0.0/16", ["subnet-a", "subnet-b"], 8080, "/health",
                                             web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/y"))
        pulumi.export("listener", alb.https_listener_arn)

    plan = plan_components(program)
    rules = sorted((r.inputs["fromPort"], r.inputs.get("cidrIpv4") or r.inputs.get("cidrIpv6"))
                   for r in plan.of_type(INGRESS))
    assert rules == [(80, "0.0.0.0/0"), (80, "::/0"), (443, "0.0.0.0/0"), (443, "::/0")]
    assert all(r.inputs["fromPort"] == r.inputs["toPort"] for r in plan.of_type(INGRESS))
    assert len(plan.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")) == 1
    assert plan.stack_outputs["listener"].startswith("arn:aws:elasticloadbalancing:")


def test_access_logs_outlive_the_load_balancer_in_prod_only() -> None:
    prod, dev = planned("prod", "profile=tracetrack-ecs"), planned("dev", "profile=tracetrack-ecs")
    logs = prod.one("aws:s3/bucket:Bucket", "green-alb-logs")
    assert logs.protect and logs.retain_on_delete and logs.inputs["forceDestroy"] is False
    (rule,) = prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                       "green-alb-logs-lifecycle").inputs["rules"]
    assert rule["expiration"] == {"days": 90}  # alb.accessLogDays: max(log retention, 30)
    dev_logs = dev.one("aws:s3/bucket:Bucket", "green-alb-logs")
    assert not dev_logs.protect and not dev_logs.retain_on_delete and dev_logs.inputs["forceDestroy"] is True
