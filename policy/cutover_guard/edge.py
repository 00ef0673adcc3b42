"""Edge: CloudFront TLS/logging/origin access, API Gateway stages and routes, WAF on public entry points."""

from __future__ import annotations

from typing import Final

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


def _waf_entry_points(args: StackValidationArgs, report: ReportViolation) -> None:
    if stack_environment(args) != "prod":
        return
    resources = list(args.resources)
    associations = of_type(resources, WAF_ASSOCIATION)

    def protected(target: PolicyResource) -> bool:
        return any(refers_to(a, target, "resourceArn", ("arn", "id")) for a in associations)

    for lb in of_type(resources, *LB_TYPES):
        if _is_internet_facing(lb) and get(lb.props, "loadBalancerType") in (None, "application") \
                and not protected(lb):
            report(f"Internet-facing load balancer '{lb.name}' has no WAF web ACL association.", lb.urn)
    distributions = of_type(resources, DISTRIBUTION)
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
    "must be protected by AWS WAF.",
    _waf_entry_points)




POLICIES: Final = [
    cloudfront_tls, cloudfront_s3_oac, cloudfront_logging, apigw_access_logs, apigw_route_authorization,
    waf_public_entry_points,
]
