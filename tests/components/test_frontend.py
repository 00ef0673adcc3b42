"""Static frontend: private bucket behind CloudFront OAC, TLS 1.2 with a certificate, SPA fallback."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from components.frontend import HSTS_SECONDS, FrontendArgs, StaticSite
from cutover.config import parse_stack_config
from cutover.errors import ConfigError
from cutover.plan.model import Plan
from tests.conftest import plan_components

DIST = "aws:cloudfront/distribution:Distribution"
CERT = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000000"


def _cfg(stack: str, **frontend: Any) -> Any:
    raw: dict[str, Any] = {"profile": "persona-serverless", "environment": stack}
    if frontend:
        raw["overrides"] = {"frontend": frontend}
    return parse_stack_config(raw, project="cutover", stack=stack)


def _plan(stack: str, web_acl_arn: str | None = None, **frontend: Any) -> Plan:
    cfg = _cfg(stack, **frontend)
    assert cfg.frontend is not None
    return plan_components(lambda: StaticSite("frontend", FrontendArgs(
        cfg.frontend, cfg.namer, cfg.environment, "123456789012", web_acl_arn)), stack=stack)


def test_origin_access_control_signs_every_request() -> None:
    plan = _plan("dev")
    oac = plan.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert oac.inputs["originAccessControlOriginType"] == "s3"
    assert oac.inputs["signingBehavior"] == "always" and oac.inputs["signingProtocol"] == "sigv4"
    (origin,) = plan.one(DIST).inputs["origins"]
    bucket = plan.one("aws:s3/bucket:Bucket")
    assert origin["originAccessControlId"] == oac.id
    assert origin["domainName"] == bucket.outputs["bucketRegionalDomainName"]
    assert "customOriginConfig" not in origin and "s3OriginConfig" not in origin
    assert not plan.of_type("aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration")
    pab = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(pab[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"))


def test_bucket_policy_admits_only_this_distribution_over_tls() -> None:
    plan = _plan("dev")
    bucket_arn = plan.one("aws:s3/bucket:Bucket").outputs["arn"]
    dist = plan.one(DIST)
    policy = plan.one("aws:s3/bucketPolicy:BucketPolicy")
    doc = json.loads(policy.inputs["policy"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert set(by_sid) == {"DenyInsecureTransport", "AllowCloudFrontOriginAccessControl"}
    cf = by_sid["AllowCloudFrontOriginAccessControl"]
    assert cf["Effect"] == "Allow"
    assert cf["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert cf["Action"] == "s3:GetObject"
    assert cf["Resource"] == f"{bucket_arn}/*"
    assert cf["Condition"] == {"StringEquals": {"AWS:SourceArn": dist.outputs["arn"]}}
    deny = by_sid["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert dist.urn in policy.dependencies  # created after the distribution it names


def test_certificate_gives_tls12_2021_and_aliases() -> None:
    d = _plan("prod").one(DIST).inputs
    assert d["viewerCertificate"] == {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                      "minimumProtocolVersion": "TLSv1.2_2021"}
    assert d["aliases"] == ["hibiji.com", "www.hibiji.com"]
    assert d["priceClass"] == "PriceClass_All"


def test_dev_without_certificate_uses_the_default_one_and_price_class_100() -> None:
    cfg = _cfg("dev")  # persona dev now has a certificate for its front door name: drop both here
    assert cfg.frontend is not None
    bare = dataclasses.replace(cfg.frontend, certificate_arn=None, aliases=())
    d = plan_components(lambda: StaticSite("frontend", FrontendArgs(
        bare, cfg.namer, cfg.environment, "123456789012", None)), stack="dev").one(DIST).inputs
    assert d["viewerCertificate"] == {"cloudfrontDefaultCertificate": True, "minimumProtocolVersion": "TLSv1"}
    assert d["priceClass"] == "PriceClass_100"
    assert "aliases" not in d


def test_spa_fallback_https_redirect_http3_ipv6() -> None:
    d = _plan("dev").one(DIST).inputs
    assert d["defaultRootObject"] == "index.html"
    assert d["customErrorResponses"] == [
        {"errorCode": c, "responseCode": 200, "responsePagePath": "/index.html", "errorCachingMinTtl": 10}
        for c in (403, 404)]
    assert d["httpVersion"] == "http2and3" and d["isIpv6Enabled"] is True
    behaviors = [d["defaultCacheBehavior"], *d["orderedCacheBehaviors"]]
    assert all(b["viewerProtocolPolicy"] == "redirect-to-https" for b in behaviors)
    assert all(b["allowedMethods"] == ["GET", "HEAD", "OPTIONS"] for b in behaviors)


def test_long_cache_for_hashed_assets_short_for_html() -> None:
    plan = _plan("dev")
    d = plan.one(DIST).inputs
    immutable = plan.one("aws:cloudfront/cachePolicy:CachePolicy", "frontend-immutable")
    html = plan.one("aws:cloudfront/cachePolicy:CachePolicy", "frontend-html")
    assert [b["pathPattern"] for b in d["orderedCacheBehaviors"]] == ["/_next/static/*", "/assets/*"]
    assert all(b["cachePolicyId"] == immutable.id for b in d["orderedCacheBehaviors"])
    assert d["defaultCacheBehavior"]["cachePolicyId"] == html.id
    assert immutable.inputs["defaultTtl"] == immutable.inputs["maxTtl"] == 31536000
    assert html.inputs["defaultTtl"] == html.inputs["maxTtl"] == 3600


def test_security_headers_policy_on_every_behavior() -> None:
    plan = _plan("dev")
    policy = plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    h = policy.inputs["securityHeadersConfig"]
    assert h["strictTransportSecurity"] == {"accessControlMaxAgeSec": HSTS_SECONDS, "includeSubdomains": True,
                                            "preload": True, "override": True}
    assert HSTS_SECONDS == 2 * 365 * 24 * 3600
    assert h["contentTypeOptions"] == {"override": True}
    assert h["frameOptions"] == {"frameOption": "DENY", "override": True}
    assert h["referrerPolicy"] == {"referrerPolicy": "strict-origin-when-cross-origin", "override": True}
    assert h["xssProtection"] == {"protection": True, "modeBlock": True, "override": True}
    d = plan.one(DIST).inputs
    assert all(b["responseHeadersPolicyId"] == policy.id
               for b in [d["defaultCacheBehavior"], *d["orderedCacheBehaviors"]])


def test_web_acl_is_attached_when_given() -> None:
    acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/persona-dev-web/abcd"
    assert _plan("dev", web_acl_arn=acl).one(DIST).inputs["webAclId"] == acl
    assert "webAclId" not in _plan("dev").one(DIST).inputs


def test_access_logs_go_to_cloudwatch_in_us_east_1_with_retention() -> None:
    plan = _plan("dev", accessLogs=True)
    group = plan.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["region"] == "us-east-1" and group["retentionInDays"] == 14
    source = plan.one("aws:cloudwatch/logDeliverySource:LogDeliverySource").inputs
    assert source["logType"] == "ACCESS_LOGS" and source["resourceArn"] == plan.one(DIST).outputs["arn"]
    assert plan.one("aws:cloudwatch/logDelivery:LogDelivery").inputs["region"] == "us-east-1"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_bucket_retained_in_prod_only(stack: str) -> None:
    bucket = _plan(stack).one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == f"persona-{stack}-web-123456789012"
    assert bucket.protect is (stack == "prod")


def test_prod_without_certificate_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        parse_stack_config({"profile": "persona-serverless", "environment": "prod",
                            "overrides": {"frontend": {"certificateArn": "", "aliases": []}}},
                           project="cutover", stack="prod")
    assert err.value.key.endswith("frontend.certificateArn")
