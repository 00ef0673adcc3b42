"""CloudFront in front of the container app's ALB (seed 001: "CloudFront CDN -> ALB -> ECS Fargate").

Viewers: HTTPS only (HTTP redirects), TLSv1.2_2021 with an ACM certificate from us-east-1 and the
profile's aliases. Origin: the ALB over HTTPS only (TLSv1.2), addressed by a name its certificate
covers (``alb.domainName``); the Host header is not forwarded, so CloudFront validates the ALB's
certificate against that origin name. API paths (``/api/*``) and the default behavior are dynamic
(managed ``CachingDisabled``, every method, all viewer headers but Host); static paths use the
managed ``CachingOptimized`` policy. A CLOUDFRONT-scope WAF web ACL (created in us-east-1) attaches
through ``web_acl_id``. The ALB admits only CloudFront's origin-facing prefix list
(``AlbArgs.cloudfront_only``) and forwards only requests carrying the secret ``X-Origin-Verify``
header this distribution adds (``CdnArgs.origin_verify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alb import ORIGIN_VERIFY_HEADER
from components.specs.container import CdnConfig
from cutover.naming import Namer

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # managed cache policy "CachingDisabled"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # managed cache policy "CachingOptimized"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # managed origin request policy
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
ORIGIN_ID = "alb"
HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"  # every distribution's alias zone


@dataclass(frozen=True)
class CdnArgs:
    config: CdnConfig
    namer: Namer
    origin_domain: str  # the ALB's name covered by its certificate (alb.domainName)
    web_acl_arn: pulumi.Input[str] | None  # a CLOUDFRONT-scope WebAcl.arn
    origin_verify: pulumi.Input[str] | None = None  # secret X-Origin-Verify value the ALB requires


class AppCdn(pulumi.ComponentResource):
    distribution: aws.cloudfront.Distribution
    domain_name: pulumi.Output[str]  # dxxxx.cloudfront.net
    hosted_zone_id: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    url: str  # https://<first alias>: what devices and users call

    def __init__(self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:ecs:AppCdn", name, None, opts)
        cfg = args.config

        def dynamic(path: str | None) -> dict[str, Any]:
            b: dict[str, Any] = {
                "target_origin_id": ORIGIN_ID, "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ALL_METHODS, "cached_methods": ["GET", "HEAD"], "compress": True,
                "cache_policy_id": CACHING_DISABLED, "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST}
            if path:
                b["path_pattern"] = path
            return b

        ordered = [dynamic(p) for p in cfg.api_paths] + [
            {"path_pattern": p, "target_origin_id": ORIGIN_ID, "viewer_protocol_policy": "redirect-to-https",
             "allowed_methods": ["GET", "HEAD", "OPTIONS"], "cached_methods": ["GET", "HEAD"], "compress": True,
             "cache_policy_id": CACHING_OPTIMIZED} for p in cfg.static_paths]
        self.distribution = aws.cloudfront.Distribution(
            name, enabled=True, comment=f"{args.namer.prefix} app (ALB origin, WAF)", aliases=list(cfg.aliases),
            http_version="http2and3", is_ipv6_enabled=True, price_class=cfg.price_class,
            web_acl_id=args.web_acl_arn,
            origins=[{
                "origin_id": ORIGIN_ID, "domain_name": args.origin_domain,
                "custom_headers": [{"name": ORIGIN_VERIFY_HEADER, "value": args.origin_verify}]
                if args.origin_verify is not None else [],
                "custom_origin_config": {"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
                                         "origin_ssl_protocols": ["TLSv1.2"],
                                         "origin_read_timeout": cfg.origin_read_timeout,
                                         "origin_keepalive_timeout": 5},
            }],
            default_cache_behavior=dynamic(None),
            ordered_cache_behaviors=ordered,
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"acm_certificate_arn": cfg.certificate_arn, "ssl_support_method": "sni-only",
                                "minimum_protocol_version": "TLSv1.2_2021"},
            opts=pulumi.ResourceOptions(parent=self))
        self.domain_name = self.distribution.domain_name
        self.hosted_zone_id = self.distribution.hosted_zone_id
        self.distribution_id = self.distribution.id
        self.url = f"https://{cfg.aliases[0]}"
        self.register_outputs({"domainName": self.domain_name, "distributionId": self.distribution_id})
