"""ServerlessColor: a color built with the serverless variant (seed 000's target architecture as green).

Its pieces: the optional WebSocket API (first: its ManageConnections ref goes into the handler's
role), one Lambda function per service (ServerlessApp), the optional HTTP API in front of them, and
the optional CloudFront edge in front of that. The color exposes what the rest of the stack needs:

* ``endpoints()``: what a front door can point at (the HTTP API's domain or execute-api host, the edge
  distribution, a service's live alias for an ALB front door);
* ``monitoring_alarms()``: each function's error rate, each dead-letter queue's depth, the API's 5xx;
* ``writes``: the store refs its functions may change (the data plan's "who writes where");
* the rest of components/color.py's ``AppColor``. A retired serverless color is not built at all: its
  functions hold no state, so they leave with ``retire`` (its data stores are the stack's, not its own).

The pieces were the stack's top-level resources before colors were components: each child keeps its
logical name and carries an alias to its old, parentless URN, so nothing is replaced.

Either color: ``color`` ("" for green, which kept the names it had before colors; "blue" for a serverless
blue, e.g. a team's v1 functions behind an HTTP API) goes into every physical name (``<app>-<stack>-blue-
<service>``, fitted to each kind's limit by cutover/naming.py) and prefixes every logical name
(``blue-serverless``, ``blue-http-api``): Pulumi URNs carry the parent's type, not its name, so two colors'
children need different names. Its monitoring keys and alarms carry the color too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.alarms import DeclaredAlarm
from components.api_edge import ApiEdge, ApiEdgeArgs
from components.color import ColorTargets, RollbackMetrics, lambda_endpoint_key
from components.errors import ComponentError
from components.front_door import CLOUDFRONT_ZONE_ID, Endpoint, GreenService
from components.http_api import HttpApi, HttpApiArgs
from components.pre_traffic import PreTrafficGate
from components.refs import StoreRef
from components.rollback import LambdaMetrics
from components.serverless import ServerlessApp, ServerlessAppArgs, VpcPlacement
from components.specs.environment import EnvironmentSettings
from components.specs.serverless import EdgeConfig, ServerlessConfig, ServiceKind
from components.websocket_api import WebSocketApi, WebSocketApiArgs
from cutover.naming import Namer


@dataclass(frozen=True)
class ServerlessColorArgs:
    config: ServerlessConfig
    namer: Namer
    env: EnvironmentSettings
    region: str
    refs: dict[str, StoreRef]  # every ref built in this stack; the WebSocket API adds its own
    vpc: VpcPlacement | None = None
    alias_weights: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    edge: EdgeConfig | None = None  # CloudFront in front of the HTTP API when enabled
    edge_web_acl_arn: pulumi.Input[str] | None = None
    moved: bool = False  # the children were a stack's top-level resources before: alias them there
    pre_traffic: PreTrafficGate | None = None  # green's pre-traffic task: every live alias waits for it
    color: str = ""  # physical and logical names: "" keeps green's names, "blue" for a serverless blue
    # Where ``config`` came from ("traffic.blue"): prefixes the key path of a ComponentError raised inside.
    config_path: str = ""


@dataclass(frozen=True)
class ServerlessEndpoint:
    """Where a Route 53 record can send users: an alias target (zone) or a CNAME (no zone)."""

    dns_name: pulumi.Input[str]
    zone_id: pulumi.Input[str] | None = None
    health_check_fqdn: pulumi.Input[str] | None = None


class ServerlessColor(pulumi.ComponentResource):
    app: ServerlessApp
    http_api: HttpApi | None
    websocket_api: WebSocketApi | None
    api_edge: ApiEdge | None
    _config: ServerlessConfig

    def __init__(self, name: str, args: ServerlessColorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:serverless:ServerlessColor", name, None, opts)
        try:
            self._build(args)
        except ComponentError as exc:  # "services.api.uses" is blue's "traffic.blue.services.api.uses"
            if not args.config_path:
                raise
            raise ComponentError(f"{args.config_path}.{exc.path}", exc.message, exc.allowed) from None

    def _build(self, args: ServerlessColorArgs) -> None:
        sls = self._config = args.config
        self._color = args.color
        prefix = f"{args.color}-" if args.color else ""

        def placed() -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=None)] if args.moved else None)

        refs = dict(args.refs)
        self.websocket_api = None
        if sls.websocket is not None:
            self.websocket_api = WebSocketApi(f"{prefix}websocket", WebSocketApiArgs(
                sls.websocket, args.namer, args.region, args.env.log_retention_days, color=args.color),
                opts=placed())
            refs[self.websocket_api.ref.key] = self.websocket_api.ref
        self.app = ServerlessApp(f"{prefix}serverless", ServerlessAppArgs(
            sls, args.namer, args.env, refs, vpc=args.vpc, alias_weights=args.alias_weights,
            pre_traffic=args.pre_traffic, color=args.color), opts=placed())
        if self.websocket_api is not None and sls.websocket is not None:
            self.websocket_api.attach(self.app.targets[sls.websocket.service])
        self.http_api = self.api_edge = None
        if sls.http_api is not None:
            self.http_api = HttpApi(f"{prefix}http-api", HttpApiArgs(
                sls.http_api, sls.http_routes(), self.app.targets, args.namer, args.env.log_retention_days,
                color=args.color), opts=placed())
            if args.edge is not None and args.edge.enabled:
                if args.color:  # ApiEdge's physical names carry no color: green's edge only
                    raise ValueError("the edge distribution is green's: build a colored ServerlessColor without it")
                self.api_edge = ApiEdge("api-edge", ApiEdgeArgs(args.edge, args.namer, self.http_api.api_endpoint,
                                                                args.edge_web_acl_arn), opts=placed())
        self.register_outputs({"functions": {svc: a.arn for svc, a in self.app.aliases.items()}})

    # --- what the rest of the stack reads ------------------------------------------------------
    def _key(self, key: str) -> str:
        """A monitoring key (widget, alarm) of this color: green's unchanged, blue's prefixed."""
        return f"{self._color}-{key}" if self._color else key

    @property
    def functions(self) -> dict[str, pulumi.Output[str]]:
        return {svc: f.name for svc, f in self.app.functions.items()}

    @property
    def writes(self) -> frozenset[str]:
        """The store refs any of its functions may change."""
        return frozenset(k for keys in self.app.write_grants.values() for k in keys)

    def http_api_endpoint(self) -> ServerlessEndpoint | None:
        """The HTTP API: its custom domain when it has one, else the execute-api host (whose certificate
        does not cover a front door's name: set httpApi.domainName + certificateArn before shifting)."""
        if self.http_api is None:
            return None
        api_host = self.http_api.api_endpoint.apply(lambda u: u.split("://", 1)[-1])
        target = self.http_api.domain_target
        return ServerlessEndpoint(target.target_domain_name if target else api_host,
                                  target.hosted_zone_id if target else None, api_host)

    def edge_endpoint(self) -> ServerlessEndpoint | None:
        return ServerlessEndpoint(self.api_edge.domain_name, CLOUDFRONT_ZONE_ID) if self.api_edge else None

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        return [*self.app.monitoring_alarms(),
                *(self.http_api.monitoring_alarms(self._key("http")) if self.http_api else [])]

    # --- components/color.py's AppColor -------------------------------------------------------------
    @property
    def entry(self) -> str:
        return "edge" if self.api_edge is not None else "httpApi"

    @property
    def retired(self) -> bool:
        return False  # see the module docstring: a retired serverless color is not built

    def endpoints(self) -> dict[str, Endpoint]:
        offered: dict[str, Endpoint] = {}
        api = self.http_api_endpoint()
        if api is not None:
            offered["httpApi"] = Endpoint(dns_name=api.dns_name, zone_id=api.zone_id,
                                          health_check_fqdn=api.health_check_fqdn)
        edge = self.edge_endpoint()
        if edge is not None:
            offered["edge"] = Endpoint(dns_name=edge.dns_name, zone_id=edge.zone_id)
        # An ALB front door can target a function's live alias directly (Lambda target group).
        offered |= {lambda_endpoint_key(svc): Endpoint(alias_arn=a.arn) for svc, a in self.app.aliases.items()}
        return offered

    def routed_services(self) -> dict[str, GreenService]:
        """Each API service with HTTP routes: its own listener rule(s) and Lambda target group."""
        return {s.name: GreenService(self.app.aliases[s.name].arn, tuple(r.path for r in s.routes))
                for s in self._config.of_kind(ServiceKind.API) if s.routes}

    def rollback_metrics(self, services: Sequence[str] | None = None, alias: str | None = None) -> RollbackMetrics:
        """Errors of the functions users reach (workers' errors are not green's traffic going wrong); behind an
        alias only the new version's, and then not the API's 5xx, which mixes both versions."""
        chosen = [s.name for s in self._config.services if s.kind is not ServiceKind.WORKER] \
            if services is None else list(services)
        names = {s: self.app.functions[s].name for s in chosen}
        if alias is not None:
            return RollbackMetrics(lambdas=LambdaMetrics(
                names, alias=alias, executed_versions={s: self.app.functions[s].version for s in chosen}))
        return RollbackMetrics(lambdas=LambdaMetrics(names),
                               http_api_ids={"http": self.http_api.api_id} if self.http_api is not None else {})

    def monitoring_targets(self) -> ColorTargets:
        return ColorTargets(lambda_functions={self._key(svc): n for svc, n in self.functions.items()},
                            http_apis={self._key("http"): self.http_api.api_id} if self.http_api is not None else {})

    def exports(self) -> dict[str, Any]:
        out: dict[str, Any] = {"functions": {svc: a.arn for svc, a in self.app.aliases.items()}}  # the live aliases
        if self.http_api is not None:
            out |= {"httpApiEndpoint": self.http_api.api_endpoint, "httpApiId": self.http_api.api_id}
            if self.http_api.domain_target is not None:
                out["httpApiDomainTarget"] = {"name": self.http_api.domain_target.target_domain_name,
                                              "zoneId": self.http_api.domain_target.hosted_zone_id}
        if self.websocket_api is not None:
            out["websocketEndpoint"] = self.websocket_api.api_endpoint
        if self.api_edge is not None:
            out["edgeDomainName"] = self.api_edge.domain_name
        return out
