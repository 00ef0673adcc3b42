"""The persona profile end to end: S3 + CloudFront frontend, Aurora Serverless v2, WAF in prod."""

from __future__ import annotations

import json

import pytest

from tests.conftest import planned

DIST = "aws:cloudfront/distribution:Distribution"


def test_dev_frontend_is_cheap_and_aurora_pauses() -> None:
    plan = planned("dev", "profile=persona-serverless")
    d = plan.one(DIST, "frontend").inputs
    assert d["priceClass"] == "PriceClass_100"
    assert "webAclId" not in d
    scaling = plan.one("aws:rds/cluster:Cluster").inputs["serverlessv2ScalingConfiguration"]
    assert scaling["minCapacity"] == 0 and scaling["maxCapacity"] == 2
    assert len(plan.of_type("aws:rds/clusterInstance:ClusterInstance")) == 1


def test_prod_frontend_has_certificate_tls12_and_a_cloudfront_waf() -> None:
    plan = planned("prod", "profile=persona-serverless")
    d = plan.one(DIST, "frontend").inputs
    assert d["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert d["aliases"] == ["hibiji.com", "www.hibiji.com"]
    acl = next(a for a in plan.of_type("aws:wafv2/webAcl:WebAcl") if a.inputs["scope"] == "CLOUDFRONT"
               and a.outputs["arn"] == d["webAclId"])
    assert acl.inputs["name"] == "persona-prod-edge"  # one CLOUDFRONT web ACL shared by both distributions
    assert len(plan.of_type("aws:rds/clusterInstance:ClusterInstance")) == 2


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_aurora_in_isolated_subnets_and_frontend_bucket_policy(stack: str) -> None:
    plan = planned(stack, "profile=persona-serverless")
    isolated = {s.id for s in plan.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["cutover:tier"] == "isolated"}
    assert set(plan.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]) == isolated
    dist = plan.one(DIST, "frontend")  # prod also has the API edge
    web = next(p for p in plan.of_type("aws:s3/bucketPolicy:BucketPolicy") if "frontend" in p.name)
    (cf,) = [s for s in json.loads(web.inputs["policy"])["Statement"] if s["Effect"] == "Allow"]
    assert cf["Condition"]["StringEquals"]["AWS:SourceArn"] == dist.outputs["arn"]
    assert plan.stack_outputs["frontend"]["domainName"] == dist.outputs["domainName"]
    assert plan.stack_outputs["aurora"]["endpoint"] == plan.one("aws:rds/cluster:Cluster").outputs["endpoint"]
