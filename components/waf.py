"""A WAFv2 web ACL: AWS managed rule groups, a per-IP rate limit, metrics and logging.

Where it can attach: ALBs, CloudFront distributions, API Gateway REST API stages, AppSync, Cognito
user pools, App Runner and Verified Access. Not API Gateway HTTP APIs (v2): those get CloudFront in
front (``components/api_edge.py``, docs/waf-placement.md).

``scope="CLOUDFRONT"`` web ACLs (and their log group) must be created in us-east-1: pass
``opts=pulumi.ResourceOptions(provider=<us-east-1 provider>)``; children inherit it through
``parent=self``. ``REGIONAL`` web ACLs live in the region of the resource they protect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from cutover.naming import Kind, Namer, fit

SCOPES = ("REGIONAL", "CLOUDFRONT")
MIN_RATE_LIMIT = 10  # AWS minimum for a rate-based rule (requests per 5-minute window)
# (rule name, priority): the baseline AWS recommends; each costs $1/month plus the web ACL's $5.
MANAGED_RULE_GROUPS = (
    ("AWSManagedRulesAmazonIpReputationList", 10),
    ("AWSManagedRulesCommonRuleSet", 20),
    ("AWSManagedRulesKnownBadInputsRuleSet", 30),
)
RATE_RULE = "rate-limit-per-ip"
LOG_GROUP_PREFIX = "aws-waf-logs-"  # WAF only delivers to log groups whose name starts with this


@dataclass(frozen=True)
class WebAclArgs:
    namer: Namer
    purpose: str  # "api-edge", "alb": part of the web ACL's name and metric names
    scope: str  # "REGIONAL" | "CLOUDFRONT"
    rate_limit: int  # requests per 5 minutes per client IP; AWS minimum 10
    log_retention_days: int


class WebAcl(pulumi.ComponentResource):
    acl: aws.wafv2.WebAcl
    arn: pulumi.Output[str]  # what CloudFront's web_acl_id and WebAclAssociation take
    id: pulumi.Output[str]
    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: WebAclArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:waf:WebAcl", name, None, opts)
        if args.scope not in SCOPES:
            raise ValueError(f"WAF scope must be one of {SCOPES}, got {args.scope!r}")
        if args.rate_limit < MIN_RATE_LIMIT:
            raise ValueError(f"WAF rate limit must be at least {MIN_RATE_LIMIT} requests per 5 minutes")
        child = pulumi.ResourceOptions(parent=self)
        acl_name = args.namer.name(Kind.WAF, args.purpose)

        rules: list[dict[str, Any]] = [
            {"name": group, "priority": priority, "override_action": {"none": {}},
             "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
             "visibility_config": _visibility(f"{acl_name}-{group}")}
            for group, priority in MANAGED_RULE_GROUPS
        ]
        rules.append({
            "name": RATE_RULE, "priority": 1, "action": {"block": {}},
            "statement": {"rate_based_statement": {"limit": args.rate_limit, "aggregate_key_type": "IP",
                                                   "evaluation_window_sec": 300}},
            "visibility_config": _visibility(f"{acl_name}-{RATE_RULE}"),
        })
        self.acl = aws.wafv2.WebAcl(
            name, name=acl_name, scope=args.scope, description=f"{args.namer.prefix} {args.purpose}",
            default_action={"allow": {}}, rules=sorted(rules, key=lambda r: int(r["priority"])),
            visibility_config=_visibility(acl_name), opts=child)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=fit(f"{LOG_GROUP_PREFIX}{args.namer.prefix}-{args.purpose}", Kind.LOG_GROUP),
            retention_in_days=args.log_retention_days, opts=child)
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging", resource_arn=self.acl.arn, log_destination_configs=[self.log_group.arn],
            # Authorization headers and cookies never reach the logs.
            redacted_fields=[{"single_header": {"name": "authorization"}}, {"single_header": {"name": "cookie"}}],
            opts=child)

        self.arn = self.acl.arn
        self.id = self.acl.id
        self.register_outputs({"arn": self.arn, "logGroup": self.log_group.name})


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True,
            "metric_name": fit(metric, Kind.WAF)}


class SharedWebAcls:
    """At most one web ACL per scope and stack: every CloudFront distribution that wants one shares
    the CLOUDFRONT ACL (in us-east-1), every internet-facing load balancer the REGIONAL one. Same
    rules everywhere, and each ACL bills $5 plus $1 per rule a month, so one per scope is enough;
    the per-IP rate limit then counts a client's requests across the stack's entry points."""

    def __init__(self, namer: Namer, rate_limit: int, log_retention_days: int,
                 regional_opts: pulumi.ResourceOptions, cloudfront_opts: pulumi.ResourceOptions) -> None:
        self._namer, self._rate, self._days = namer, rate_limit, log_retention_days
        self._opts = {"REGIONAL": regional_opts, "CLOUDFRONT": cloudfront_opts}
        self._acls: dict[str, WebAcl] = {}

    def regional(self) -> pulumi.Output[str]:
        return self._get("REGIONAL", "regional-waf", "regional").arn

    def cloudfront(self) -> pulumi.Output[str]:
        return self._get("CLOUDFRONT", "edge-waf", "edge").arn

    def _get(self, scope: str, name: str, purpose: str) -> WebAcl:
        if scope not in self._acls:
            self._acls[scope] = WebAcl(name, WebAclArgs(self._namer, purpose, scope, self._rate, self._days),
                                       opts=self._opts[scope])
        return self._acls[scope]
