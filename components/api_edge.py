"""CloudFront in front of the HTTP API, so a WAF web ACL can protect it.

AWS WAF cannot be associated with an API Gateway HTTP API, but it can with CloudFront. This
distribution proxies everything (all methods, caching disabled, all viewer headers but Host, so the
``Authorization`` header, query strings and cookies reach the API) over HTTPS only, and carries the
CLOUDFRONT-scope web ACL through ``web_acl_id``. The origin request carries a random
``X-Origin-Verify`` header: the API's handlers (or a Lambda authorizer) can reject requests without
it, which closes the direct ``execute-api`` path around the WAF. See docs/waf-placement.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.specs.serverless import EdgeConfig
from cutover.naming import Namer

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # managed cache policy "CachingDisabled"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # managed origin request policy
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]


@dataclass(frozen=True)
class ApiEdgeArgs:
    config: EdgeConfig
    namer: Namer
    api_endpoint: pulumi.Input[str]  # HttpApi.api_endpoint: https://<id>.execute-api.<region>.amazonaws.com
    web_acl_arn: pulumi.Input[str] | None  # a CLOUDFRONT-scope WebAcl.arn (created in us-east-1)


class ApiEdge(pulumi.ComponentResource):
    distribution: aws.cloudfront.Distribution
    domain_name: pulumi.Output[str]  # dxxxx.cloudfront.net
    hosted_zone_id: pulumi.Output[str]  # Z2FDTNDATAQYW2 for every distribution
    origin_verify_header: str

    def __init__(self, name: str, args: ApiEdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:serverless:ApiEdge", name, None, opts)
        cfg = args.config
        origin_host = pulumi.Output.from_input(args.api_endpoint).apply(
            lambda url: url.removeprefix("https://").split("/")[0])
        verify = random.RandomPassword(f"{name}-origin-verify", length=40, special=False,
                                       opts=pulumi.ResourceOptions(parent=self))
        viewer_cert: dict[str, str | bool]
        if cfg.domain_name and cfg.certificate_arn:
            aliases = [cfg.domain_name]
            viewer_cert = {"acm_certificate_arn": cfg.certificate_arn, "ssl_support_method": "sni-only",
                           "minimum_protocol_version": "TLSv1.2_2021"}
        else:  # *.cloudfront.net certificate: CloudFront fixes its TLS policy (TLSv1) and ignores a minimum
            aliases = []
            viewer_cert = {"cloudfront_default_certificate": True}
        self.distribution = aws.cloudfront.Distribution(
            name, enabled=True, comment=f"{args.namer.prefix} HTTP API edge (WAF)", aliases=aliases,
            http_version="http2and3", is_ipv6_enabled=True, price_class=cfg.price_class,
            web_acl_id=args.web_acl_arn,
            origins=[{
                "origin_id": "http-api", "domain_name": origin_host,
                "custom_origin_config": {"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
                                         "origin_ssl_protocols": ["TLSv1.2"], "origin_read_timeout": 30},
                "custom_headers": [{"name": ORIGIN_VERIFY_HEADER, "value": verify.result}],
            }],
            default_cache_behavior={
                "target_origin_id": "http-api", "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ALL_METHODS, "cached_methods": ["GET", "HEAD"], "compress": True,
                "cache_policy_id": CACHING_DISABLED, "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=viewer_cert,
            opts=pulumi.ResourceOptions(parent=self))
        self.domain_name = self.distribution.domain_name
        self.hosted_zone_id = self.distribution.hosted_zone_id
        self.origin_verify_header = ORIGIN_VERIFY_HEADER
        self.register_outputs({"domainName": self.domain_name, "distributionId": self.distribution.id})
