"""API Gateway HTTP API in front of the services' ``live`` aliases.

One AWS_PROXY integration (payload 2.0) per service, one route per declared route key, ``GET
/health`` always routed, optional JWT authorizer, CORS, a ``$default`` stage with auto-deploy,
throttling and JSON access logs, and an optional regional custom domain. The blue/green step points
Route 53 weighted records at ``domain_target``.

WAF cannot be attached to an HTTP API; see ``components/api_edge.py`` and docs/waf-placement.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, api_5xx_rate
from components.serverless import LambdaTarget
from components.specs.serverless import HttpApiConfig, RouteConfig
from cutover.naming import Kind, Namer

INTEGRATION_TIMEOUT_MS = 30000  # HTTP API maximum
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "path": "$context.path",
    "status": "$context.status", "protocol": "$context.protocol", "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency", "integrationLatencyMs": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage", "authorizerError": "$context.authorizer.error",
}, sort_keys=True)


@dataclass(frozen=True)
class DomainTarget:
    """Where DNS for the custom domain points (alias A/AAAA record)."""

    domain_name: str
    target_domain_name: pulumi.Output[str]  # d-xxxx.execute-api.<region>.amazonaws.com
    hosted_zone_id: pulumi.Output[str]


@dataclass(frozen=True)
class HttpApiArgs:
    config: HttpApiConfig
    routes: Sequence[tuple[RouteConfig, str]]  # ServerlessConfig.http_routes(): (route, service)
    targets: Mapping[str, LambdaTarget]  # ServerlessApp.targets
    namer: Namer
    log_retention_days: int
    color: str = ""


class HttpApi(pulumi.ComponentResource):
    api: aws.apigatewayv2.Api
    stage: aws.apigatewayv2.Stage
    api_id: pulumi.Output[str]
    api_endpoint: pulumi.Output[str]  # https://<id>.execute-api.<region>.amazonaws.com
    execution_arn: pulumi.Output[str]
    routes: dict[str, aws.apigatewayv2.Route]  # by route key
    domain_target: DomainTarget | None

    def __init__(self, name: str, args: HttpApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:serverless:HttpApi", name, None, opts)
        cfg, child = args.config, pulumi.ResourceOptions(parent=self)
        parts = (args.color, "http") if args.color else ("http",)
        cors = None
        if cfg.cors_origins:
            cors = {"allow_origins": list(cfg.cors_origins), "allow_methods": list(cfg.cors_methods),
                    "allow_headers": list(cfg.cors_headers), "max_age": cfg.cors_max_age}
        self.api = aws.apigatewayv2.Api(name, name=args.namer.name(Kind.API, *parts), protocol_type="HTTP",
                                        cors_configuration=cors, opts=child)
        authorizer = None
        if cfg.jwt is not None:
            authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-jwt", api_id=self.api.id, authorizer_type="JWT", name="jwt",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration={"issuer": cfg.jwt.issuer, "audiences": list(cfg.jwt.audience)}, opts=child)

        integrations: dict[str, aws.apigatewayv2.Integration] = {}
        for _, svc in args.routes:
            if svc in integrations:
                continue
            if svc not in args.targets:
                raise ValueError(f"route target {svc!r} is not a deployed service")
            target = args.targets[svc]
            integrations[svc] = aws.apigatewayv2.Integration(
                f"{name}-{svc}", api_id=self.api.id, integration_type="AWS_PROXY",
                integration_uri=target.invoke_arn, integration_method="POST", payload_format_version="2.0",
                timeout_milliseconds=INTEGRATION_TIMEOUT_MS, description=f"{svc} ({target.alias_name} alias)",
                opts=child)
            aws.lambda_.Permission(
                f"{name}-{svc}-invoke", action="lambda:InvokeFunction", function=target.function_name,
                qualifier=target.alias_name, principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/*"), opts=child)

        self.routes = {}
        slugs = _slugs([route.key for route, _ in args.routes])
        for route, svc in args.routes:
            jwt = route.auth == "jwt" and authorizer is not None
            self.routes[route.key] = aws.apigatewayv2.Route(
                f"{name}-{slugs[route.key]}", api_id=self.api.id, route_key=route.key,
                target=pulumi.Output.concat("integrations/", integrations[svc].id),
                authorization_type="JWT" if jwt else "NONE",
                authorizer_id=authorizer.id if jwt and authorizer is not None else None, opts=child)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-access", name=args.namer.path("apigateway", *parts, "access"),
            retention_in_days=args.log_retention_days, opts=child)
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-default", api_id=self.api.id, name="$default", auto_deploy=True,
            access_log_settings={"destination_arn": log_group.arn, "format": ACCESS_LOG_FORMAT},
            default_route_settings={"throttling_burst_limit": cfg.throttle_burst,
                                    "throttling_rate_limit": cfg.throttle_rate},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.routes.values())))

        self.domain_target = None
        if cfg.domain_name and cfg.certificate_arn:
            domain = aws.apigatewayv2.DomainName(
                f"{name}-domain", domain_name=cfg.domain_name,
                domain_name_configuration={"certificate_arn": cfg.certificate_arn, "endpoint_type": "REGIONAL",
                                           "security_policy": "TLS_1_2"}, opts=child)
            aws.apigatewayv2.ApiMapping(f"{name}-domain", api_id=self.api.id, domain_name=domain.id,
                                        stage=self.stage.id, opts=child)
            conf = domain.domain_name_configuration
            self.domain_target = DomainTarget(
                domain_name=cfg.domain_name,
                target_domain_name=conf.apply(lambda c: str(c.target_domain_name or "")),
                hosted_zone_id=conf.apply(lambda c: str(c.hosted_zone_id or "")))

        self.api_id = self.api.id
        self.api_endpoint = self.api.api_endpoint
        self.execution_arn = self.api.execution_arn
        self.register_outputs({"apiId": self.api_id, "apiEndpoint": self.api_endpoint,
                               "routes": sorted(self.routes)})

    def monitoring_alarms(self, key: str = "http") -> list[DeclaredAlarm]:
        """The API's 5xx rate (no default threshold: only when the profile sets api5xxRatePercent)."""
        return [api_5xx_rate(key, self.api_id)]


def _slugs(route_keys: Sequence[str]) -> dict[str, str]:
    """``GET /products/{proxy+}`` -> ``get-products-proxy``: logical names keyed by route, never by
    position; keys whose slugs collide (``/a-b`` and ``/a/b``) both get a hash of the route key."""
    plain = {k: re.sub(r"[^a-z0-9]+", "-", k.lower()).strip("-") for k in route_keys}
    counts = Counter(plain.values())
    return {k: s if counts[s] == 1 else f"{s}-{hashlib.sha256(k.encode()).hexdigest()[:6]}"
            for k, s in plain.items()}
