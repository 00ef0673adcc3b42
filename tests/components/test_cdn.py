"""AppCdn: HTTPS-only viewers and origin, WAF attached, dynamic API and cached static paths."""

from __future__ import annotations

from tests.conftest import planned

DIST = "aws:cloudfront/distribution:Distribution"


def test_distribution_in_front_of_the_alb() -> None:
    plan = planned("prod", "profile=tracetrack-ecs")
    d = plan.one(DIST).inputs
    assert d["aliases"] == ["app.tracetrack.example.com"]
    assert d["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert d["viewerCertificate"]["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    (origin,) = d["origins"]
    assert origin["domainName"] == "origin.tracetrack.example.com"
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origin["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    behaviors = {b["pathPattern"]: b for b in d["orderedCacheBehaviors"]}
    assert behaviors["/api/*"]["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert behaviors["/static/*"]["cachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assert all(b["viewerProtocolPolicy"] == "redirect-to-https"
               for b in [*behaviors.values(), d["defaultCacheBehavior"]])
    acl = plan.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "CLOUDFRONT" and d["webAclId"] == acl.outputs["arn"]
    assert plan.stack_outputs["cdn"]["zoneId"] == "Z2FDTNDATAQYW2"
