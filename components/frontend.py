"""Static frontend (seed 004): private S3 bucket behind CloudFront with Origin Access Control.

The bucket has no website hosting and blocks all public access; only this distribution may read
objects (bucket policy: ``cloudfront.amazonaws.com`` with ``AWS:SourceArn`` = the distribution).
Hashed build assets are cached for a year, everything else (HTML, JSON) for an hour; 403/404 fall
back to ``/index.html`` so client-side routes work. Without ``certificate_arn`` the distribution
uses the default ``*.cloudfront.net`` certificate, for which AWS applies TLSv1 as the floor
(the parser refuses that in prod).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.bucket import SecureBucket, SecureBucketArgs
from components.specs.datastores import FrontendConfig
from components.specs.environment import EnvironmentSettings
from components.specs.storage import LifecycleConfig
from cutover.naming import Kind, Namer, fit

ORIGIN_ID = "s3-site"
CLOUDFRONT_REGION = "us-east-1"  # CloudFront's logs, certificates and web ACLs live here
HSTS_SECONDS = 63072000  # two years, the preload list's expectation


@dataclass(frozen=True)
class FrontendArgs:
    config: FrontendConfig
    namer: Namer
    env: EnvironmentSettings
    account_id: str
    web_acl_arn: pulumi.Input[str] | None = None  # a CLOUDFRONT-scope WAFv2 web ACL (us-east-1)


class StaticSite(pulumi.ComponentResource):
    bucket: SecureBucket
    distribution: aws.cloudfront.Distribution
    bucket_name: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]

    def __init__(self, name: str, args: FrontendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:frontend:StaticSite", name, None, opts)
        cfg, namer, env = args.config, args.namer, args.env
        child = pulumi.ResourceOptions(parent=self)

        # The bucket policy names the distribution, and the distribution names the bucket: the
        # policy is its own resource, so resolve the distribution ARN once the distribution exists.
        distribution_arn: pulumi.Output[str]
        resolve_distribution_arn: Callable[[pulumi.Output[str]], None]
        distribution_arn, resolve_distribution_arn = pulumi.deferred_output()
        bucket_name = namer.bucket("web", args.account_id)
        self.bucket = SecureBucket(
            f"{name}-bucket",
            SecureBucketArgs(
                bucket_name=bucket_name, versioning=env.bucket_versioning,
                lifecycle=LifecycleConfig(expire_days=None, glacier_after_days=None,
                                          noncurrent_expire_days=30 if env.bucket_versioning else None,
                                          abort_incomplete_upload_days=1),
                retain=env.protect_stateful,
                policy_statements=[{
                    "Sid": "AllowCloudFrontOriginAccessControl",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudfront.amazonaws.com"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket_name}/*",
                    "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
                }]),
            opts=child)

        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-oac", name=namer.name(Kind.CLOUDFRONT_POLICY, "web-oac"),
            description=f"{namer.prefix} frontend bucket", origin_access_control_origin_type="s3",
            signing_behavior="always", signing_protocol="sigv4", opts=child)
        immutable = _cache_policy(f"{name}-immutable", namer.name(Kind.CLOUDFRONT_POLICY, "web-immutable"),
                                  "Hashed build assets: cached for a year", cfg.asset_ttl_seconds, child)
        html = _cache_policy(f"{name}-html", namer.name(Kind.CLOUDFRONT_POLICY, "web-html"),
                             "HTML and JSON: short cache so deploys show up quickly", cfg.html_ttl_seconds, child)
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers", name=namer.name(Kind.CLOUDFRONT_POLICY, "web-security-headers"),
            comment="HSTS, nosniff, DENY framing, strict referrer, XSS protection",
            security_headers_config={
                "strict_transport_security": {"access_control_max_age_sec": HSTS_SECONDS, "include_subdomains": True,
                                              "preload": True, "override": True},
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
                "xss_protection": {"protection": True, "mode_block": True, "override": True},
            }, opts=child)

        behavior: dict[str, Any] = {
            "target_origin_id": ORIGIN_ID, "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD", "OPTIONS"], "cached_methods": ["GET", "HEAD"], "compress": True,
            "response_headers_policy_id": headers.id,
        }
        viewer_certificate: dict[str, Any] = (
            {"acm_certificate_arn": cfg.certificate_arn, "ssl_support_method": "sni-only",
             "minimum_protocol_version": cfg.minimum_protocol_version}
            if cfg.certificate_arn else
            {"cloudfront_default_certificate": True, "minimum_protocol_version": cfg.minimum_protocol_version})
        self.distribution = aws.cloudfront.Distribution(
            name,
            comment=f"{namer.prefix} static frontend",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=cfg.price_class,
            aliases=list(cfg.aliases) or None,
            default_root_object="index.html",
            origins=[{"origin_id": ORIGIN_ID, "domain_name": self.bucket.regional_domain_name,
                      "origin_access_control_id": oac.id}],
            default_cache_behavior={**behavior, "cache_policy_id": html.id},
            ordered_cache_behaviors=[{**behavior, "path_pattern": p, "cache_policy_id": immutable.id}
                                     for p in cfg.immutable_paths],
            # Single-page app: unknown paths (S3 answers 403 without ListBucket) render the app shell.
            custom_error_responses=[{"error_code": code, "response_code": 200, "response_page_path": "/index.html",
                                     "error_caching_min_ttl": 10} for code in (403, 404)],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=viewer_certificate,
            web_acl_id=args.web_acl_arn,
            opts=child)
        resolve_distribution_arn(self.distribution.arn)

        if cfg.access_logs:
            self._access_logs(name, namer, env)

        self.bucket_name = self.bucket.bucket_name
        self.domain_name = self.distribution.domain_name
        self.distribution_id = self.distribution.id
        self.distribution_arn = self.distribution.arn
        self.register_outputs({"bucket": self.bucket_name, "domainName": self.domain_name,
                               "distributionId": self.distribution_id})

    def _access_logs(self, name: str, namer: Namer, env: EnvironmentSettings) -> None:
        """CloudFront standard logging (v2) to CloudWatch Logs. Legacy logging needs bucket ACLs,
        which every Cutover bucket disables; the delivery resources must be in us-east-1."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs", name=fit(f"/aws/vendedlogs/cloudfront/{namer.prefix}-web", Kind.LOG_GROUP),
            retention_in_days=env.log_retention_days, region=CLOUDFRONT_REGION, opts=child)
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-access-logs", name=namer.name(Kind.GENERIC, "web-access-logs"), log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn, region=CLOUDFRONT_REGION, opts=child)
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-access-logs", name=namer.name(Kind.GENERIC, "web-access-logs"), output_format="json",
            delivery_destination_configuration={"destination_resource_arn": group.arn},
            region=CLOUDFRONT_REGION, opts=child)
        aws.cloudwatch.LogDelivery(
            f"{name}-access-logs", delivery_source_name=source.name, delivery_destination_arn=destination.arn,
            region=CLOUDFRONT_REGION, opts=child)


def _cache_policy(logical: str, physical: str, comment: str, ttl: int,
                  opts: pulumi.ResourceOptions) -> aws.cloudfront.CachePolicy:
    """No cookies, headers or query strings in the key (static files); compressed variants cached."""
    return aws.cloudfront.CachePolicy(
        logical, name=physical, comment=comment, min_ttl=0, default_ttl=ttl, max_ttl=ttl,
        parameters_in_cache_key_and_forwarded_to_origin={
            "cookies_config": {"cookie_behavior": "none"},
            "headers_config": {"header_behavior": "none"},
            "query_strings_config": {"query_string_behavior": "none"},
            "enable_accept_encoding_gzip": True,
            "enable_accept_encoding_brotli": True,
        }, opts=opts)
