"""Edge: CloudFront TLS/logging/origin access, API Gateway stages and routes, WAF on public entry points."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from cutover_guard._util import (
    as_bool,
    as_str,
    get,
    is_unknown,
    items,
    of_type,
    refers_to,
    resource_policy,
    stack_environment,
    stack_policy,
)

DISTRIBUTION: Final = "aws:cloudfront/distribution:Distribution"
LOG_DELIVERY_SOURCE: Final = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LB_TYPES: Final = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
WAF_ASSOCIATION: Final = "aws:wafv2/webAclAssociation:WebAclAssociation"
REST_STAGE: Final = "aws:apigateway/stage:Stage"
HTTP_API: Final = "aws:apigatewayv2/api:Api"
V2_STAGE: Final = "aws:apigatewayv2/stage:Stage"
V2_ROUTE: Final = "aws:apigatewayv2/route:Route"
SG_TYPE: Final = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE_TYPE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_TYPE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

HTTPS_VIEWER_POLICIES: Final = frozenset({"redirect-to-https", "https-only"})
DEFAULT_MIN_TLS: Final = ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"]


def _cloudfront_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    behaviors = [("defaultCacheBehavior", get(props, "defaultCacheBehavior"))]
    behaviors += [(f"orderedCacheBehaviors[{get(b, 'pathPattern')}]", b)
                  for b in items(get(props, "orderedCacheBehaviors"))]
    for label, behavior in behaviors:
        policy = get(behavior, "viewerProtocolPolicy")
        if behavior is not None and not is_unknown(policy) and policy not in HTTPS_VIEWER_POLICIES:
            report(f"{label} viewerProtocolPolicy is {policy!r}; use redirect-to-https or https-only.", None)
    cert = get(props, "viewerCertificate")
    if is_unknown(cert):
        return
    allowed = list(args.get_config().get("allowedMinimumProtocolVersions", DEFAULT_MIN_TLS))
    if as_bool(get(cert, "cloudfrontDefaultCertificate")) is True:
        report("The default *.cloudfront.net certificate pins the viewer TLS floor at TLSv1; use an ACM "
               f"certificate with minimumProtocolVersion in {allowed}.", None)
        return
    version = get(cert, "minimumProtocolVersion")
    if not is_unknown(version) and version not in allowed:
        report(f"viewerCertificate.minimumProtocolVersion is {version!r}; use one of {allowed}.", None)


cloudfront_tls = resource_policy(
    "cloudfront-tls", "CloudFront must redirect viewers to HTTPS and require TLSv1.2_2021 or newer.",
    [DISTRIBUTION], _cloudfront_tls,
    config={"allowedMinimumProtocolVersions": {"type": "array", "items": {"type": "string"},
                                               "default": DEFAULT_MIN_TLS}})


def _s3_origin(domain: str) -> bool:
    return ".s3." in domain or domain.endswith(".s3.amazonaws.com")


def _cloudfront_oac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for origin in items(get(args.props, "origins")):
        domain = get(origin, "domainName")
        if not isinstance(domain, str) or is_unknown(domain) or not _s3_origin(domain):
            continue
        oac, oai = get(origin, "originAccessControlId"), get(origin, "s3OriginConfig", "originAccessIdentity")
        if is_unknown(oac) or is_unknown(oai) or as_str(oac) or as_str(oai):
            continue
        report(f"S3 origin {get(origin, 'originId')!r} has no origin access control; the bucket would have to "
               "be public.", None)


cloudfront_s3_oac = resource_policy(
    "cloudfront-s3-origin-access", "CloudFront S3 origins must use origin access control.", [DISTRIBUTION],
    _cloudfront_oac)


def _cloudfront_logging(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    sources = of_type(resources, LOG_DELIVERY_SOURCE)
    for dist in of_type(resources, DISTRIBUTION):
        bucket = get(dist.props, "loggingConfig", "bucket")
        if is_unknown(bucket) or as_str(bucket):
            continue
        if any(refers_to(s, dist, "resourceArn", ("arn",)) for s in sources):
            continue
        report(f"Distribution '{dist.name}' has no access logging (loggingConfig or a CloudWatch log delivery).",
               dist.urn)


cloudfront_logging = stack_policy(
    "cloudfront-logging", "CloudFront distributions should log requests (standard logs v1 or v2).",
    _cloudfront_logging)


def _stage_access_logs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    dest = get(args.props, "accessLogSettings", "destinationArn")
    if not is_unknown(dest) and not as_str(dest):
        report("API stage must write access logs (accessLogSettings.destinationArn).", None)


apigw_access_logs = resource_policy(
    "apigw-access-logs", "API Gateway stages must have access logging.", [V2_STAGE, REST_STAGE], _stage_access_logs)


def _route_authorization(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = get(args.props, "routeKey")
    if not isinstance(key, str) or is_unknown(key):
        return
    if " " not in key and key not in ("$default", "$connect"):
        return  # WebSocket message routes cannot take an authorizer
    auth = get(args.props, "authorizationType")
    if is_unknown(auth):
        return
    if (as_str(auth) or "NONE") == "NONE":
        report(f"Route {key!r} has no authorizer (authorizationType NONE).", None)


apigw_route_authorization = resource_policy(
    "apigw-route-authorization", "API Gateway routes should use an authorizer.", [V2_ROUTE], _route_authorization)


# --- WAF on public entry points (prod) ------------------------------------------------------------

def _is_internet_facing(lb: PolicyResource) -> bool:
    internal = get(lb.props, "internal")
    return not is_unknown(internal) and as_bool(internal) is not True


def _http_api_fronted(api: PolicyResource, distributions: list[PolicyResource]) -> bool:
    endpoint = as_str(get(api.props, "apiEndpoint")) or ""
    host = endpoint.removeprefix("https://").split("/")[0]
    api_id = as_str(get(api.props, "id"))
    for dist in distributions:
        if any(d.urn == api.urn for d in dist.dependencies):
            return True
        for origin in items(get(dist.props, "origins")):
            domain = as_str(get(origin, "domainName"))
            if domain and ((host and domain == host) or (api_id and domain.startswith(f"{api_id}.execute-api."))):
                return True
    return False


def _sg_ids(lb: PolicyResource, groups: list[PolicyResource]) -> list[PolicyResource]:
    """The security groups of ``lb`` (by id, else by the engine's dependency graph when ids are unknown)."""
    prop_deps = lb.property_dependencies.get("securityGroups") if lb.property_dependencies else None
    if prop_deps:
        urns = {d.urn for d in prop_deps}
        return [g for g in groups if g.urn in urns]
    ids = {i for i in (as_str(x) for x in items(get(lb.props, "securityGroups"))) if i}
    if ids:
        return [g for g in groups if as_str(get(g.props, "id")) in ids]
    urns = {d.urn for d in lb.dependencies}
    return [g for g in groups if g.urn in urns]


def _prefix_list_only(source: Any, cidr_keys: tuple[str, ...], prefix_keys: tuple[str, ...]) -> bool | None:
    """True: the ingress admits only managed prefix lists; False: it admits a CIDR or a group; None: unknown."""
    values = [get(source, k) for k in (*cidr_keys, *prefix_keys)]
    if any(is_unknown(v) for v in values):
        return None
    if any(items(get(source, k)) for k in cidr_keys):
        return False
    return any(items(get(source, k)) for k in prefix_keys)


def _ingress_only_from_prefix_lists(lb: PolicyResource, resources: list[PolicyResource]) -> bool:
    """Every ingress path into the ALB's security groups is a managed prefix list (CloudFront origin-facing):
    no IPv4/IPv6 CIDR and no security-group source. Unknown inputs do not count as restricted."""
    groups = _sg_ids(lb, of_type(resources, SG_TYPE))
    if not groups:
        return False
    found = False
    for group in groups:
        for rule in items(get(group.props, "ingress")):
            ok = _prefix_list_only(rule, ("cidrBlocks", "ipv6CidrBlocks", "securityGroups"), ("prefixListIds",))
            if ok is not True:
                return False
            found = True
        for rule in of_type(resources, SG_INGRESS_TYPE):
            if refers_to(rule, group, "securityGroupId", ("id",)):
                ok = _prefix_list_only(rule.props, ("cidrIpv4", "cidrIpv6", "referencedSecurityGroupId"),
                                       ("prefixListId",))
                if ok is not True:
                    return False
                found = True
        for rule in of_type(resources, SG_RULE_TYPE):
            if get(rule.props, "type") == "ingress" and refers_to(rule, group, "securityGroupId", ("id",)):
                ok = _prefix_list_only(rule.props, ("cidrBlocks", "ipv6CidrBlocks", "sourceSecurityGroupId"),
                                       ("prefixListIds",))
                if ok is not True:
                    return False
                found = True
    return found


def _fronting_distributions(lb: PolicyResource, distributions: list[PolicyResource]) -> list[PolicyResource]:
    """Distributions with the ALB as an origin: by its DNS name, else (the origin is a custom name its
    certificate covers, resolved outside the stack) every distribution with a custom, non-S3, non-API origin."""
    dns = as_str(get(lb.props, "dnsName"))
    by_name = [d for d in distributions
               if dns and any(as_str(get(o, "domainName")) == dns for o in items(get(d.props, "origins")))]
    if by_name:
        return by_name

    def custom(origin: Any) -> bool:
        domain = as_str(get(origin, "domainName")) or ""
        return bool(domain) and not _s3_origin(domain) and ".execute-api." not in domain \
            and get(origin, "customOriginConfig") is not None
    return [d for d in distributions if any(custom(o) for o in items(get(d.props, "origins")))]


def _behind_waf_cloudfront(lb: PolicyResource, resources: list[PolicyResource],
                           distributions: list[PolicyResource]) -> bool:
    """The ALB admits only CloudFront (prefix-list ingress) and every distribution fronting it has a web ACL."""
    if not _ingress_only_from_prefix_lists(lb, resources):
        return False
    fronting = _fronting_distributions(lb, distributions)
    return bool(fronting) and all(as_str(get(d.props, "webAclId")) for d in fronting)


def _waf_entry_points(args: StackValidationArgs, report: ReportViolation) -> None:
    if stack_environment(args) != "prod":
        return
    resources = list(args.resources)
    associations = of_type(resources, WAF_ASSOCIATION)

    def protected(target: PolicyResource) -> bool:
        return any(refers_to(a, target, "resourceArn", ("arn", "id")) for a in associations)

    distributions = of_type(resources, DISTRIBUTION)
    for lb in of_type(resources, *LB_TYPES):
        if _is_internet_facing(lb) and get(lb.props, "loadBalancerType") in (None, "application") \
                and not protected(lb) and not _behind_waf_cloudfront(lb, resources, distributions):
            report(f"Internet-facing load balancer '{lb.name}' has no WAF web ACL association and is not reachable "
                   "only through a CloudFront distribution with one (security-group ingress from the CloudFront "
                   "origin-facing prefix list only).", lb.urn)
    for dist in distributions:
        acl = get(dist.props, "webAclId")
        if not is_unknown(acl) and not as_str(acl):
            report(f"CloudFront distribution '{dist.name}' has no WAF web ACL (webAclId).", dist.urn)
    for stage in of_type(resources, REST_STAGE):
        acl = get(stage.props, "webAclArn")
        if not is_unknown(acl) and not as_str(acl) and not protected(stage):
            report(f"REST API stage '{stage.name}' has no WAF web ACL association.", stage.urn)
    for api in of_type(resources, HTTP_API):
        if get(api.props, "protocolType") != "HTTP":
            continue
        if not _http_api_fronted(api, distributions):
            report(f"HTTP API '{api.name}' cannot take a WAF web ACL and is not fronted by a CloudFront "
                   "distribution with one.", api.urn)


waf_public_entry_points = stack_policy(
    "waf-public-entry-points",
    "In prod every public entry point (internet-facing ALB, CloudFront, REST stage; HTTP APIs via CloudFront) "
    "must be protected by AWS WAF; an ALB may instead admit only CloudFront, with WAF on the distribution.",
    _waf_entry_points)


POLICIES: Final = [
    cloudfront_tls, cloudfront_s3_oac, cloudfront_logging, apigw_access_logs, apigw_route_authorization,
    waf_public_entry_points,
]
