"""API Gateway WebSocket API routed to the websocket service's ``live`` alias.

Built in two steps because the handler and the API need each other: the constructor creates the
API and exposes ``ref`` (``websocket:<name>``: ``execute-api:ManageConnections`` on exactly this
API's ``<stage>/POST/@connections/*`` plus ``WEBSOCKET_ENDPOINT``), which the ServerlessApp grants
to the handler; ``attach(target)`` then adds the integration, the ``$connect``, ``$disconnect``,
``$default`` and custom action routes, the invoke permission and the stage (access logs, throttling).
Connection state lives in the ``tables:`` section's connections table (ref ``table:<name>``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.refs import StoreRef
from components.serverless import LambdaTarget
from components.specs.serverless import WebSocketConfig
from cutover.naming import Kind, Namer

INTEGRATION_TIMEOUT_MS = 29000  # WebSocket API maximum
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
    "eventType": "$context.eventType", "routeKey": "$context.routeKey", "connectionId": "$context.connectionId",
    "status": "$context.status", "integrationError": "$context.integrationErrorMessage",
}, sort_keys=True)


@dataclass(frozen=True)
class WebSocketApiArgs:
    config: WebSocketConfig
    namer: Namer
    region: str
    log_retention_days: int
    color: str = ""


class WebSocketApi(pulumi.ComponentResource):
    api: aws.apigatewayv2.Api
    api_id: pulumi.Output[str]
    api_endpoint: pulumi.Output[str]  # wss://<id>.execute-api.<region>.amazonaws.com
    execution_arn: pulumi.Output[str]
    management_endpoint: pulumi.Output[str]  # https://<id>.execute-api.<region>.amazonaws.com/<stage>
    ref: StoreRef
    stage: aws.apigatewayv2.Stage | None
    routes: dict[str, aws.apigatewayv2.Route]

    def __init__(self, name: str, args: WebSocketApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:serverless:WebSocketApi", name, None, opts)
        self._name, self._args = name, args
        cfg = args.config
        parts = (args.color, "ws", cfg.name) if args.color else ("ws", cfg.name)
        self._parts = parts
        self.api = aws.apigatewayv2.Api(
            name, name=args.namer.name(Kind.API, *parts), protocol_type="WEBSOCKET",
            route_selection_expression="$request.body.action", opts=pulumi.ResourceOptions(parent=self))
        self.api_id = self.api.id
        self.api_endpoint = self.api.api_endpoint
        self.execution_arn = self.api.execution_arn
        self.management_endpoint = pulumi.Output.concat(
            "https://", self.api.id, f".execute-api.{args.region}.amazonaws.com/{cfg.stage}")
        self.ref = StoreRef(
            key=cfg.ref_key,
            resource_arns=[pulumi.Output.concat(self.api.execution_arn, f"/{cfg.stage}/POST/@connections/*")],
            read_actions=("execute-api:ManageConnections",), write_actions=(),
            env={"WEBSOCKET_ENDPOINT": self.management_endpoint})
        self.stage, self.routes = None, {}
        self.register_outputs({"apiId": self.api_id, "apiEndpoint": self.api_endpoint})

    def attach(self, target: LambdaTarget) -> None:
        """Route every route key to ``target`` (the websocket service's alias) and deploy the stage."""
        if self.stage is not None:
            raise ValueError("WebSocketApi.attach() runs once")
        name, args, cfg = self._name, self._args, self._args.config
        child = pulumi.ResourceOptions(parent=self)
        integration = aws.apigatewayv2.Integration(
            f"{name}-{target.service}", api_id=self.api.id, integration_type="AWS_PROXY",
            integration_uri=target.invoke_arn, integration_method="POST", timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
            description=f"{target.service} ({target.alias_name} alias)",
            opts=child)
        aws.lambda_.Permission(
            f"{name}-{target.service}-invoke", action="lambda:InvokeFunction", function=target.function_name,
            qualifier=target.alias_name, principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/*"), opts=child)
        for key in cfg.route_keys:
            self.routes[key] = aws.apigatewayv2.Route(
                f"{name}-{key[1:] if key.startswith('$') else 'action-' + key}", api_id=self.api.id, route_key=key,
                target=pulumi.Output.concat("integrations/", integration.id), opts=child)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-access", name=args.namer.path("apigateway", *self._parts, "access"),
            retention_in_days=args.log_retention_days, opts=child)
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage", api_id=self.api.id, name=cfg.stage, auto_deploy=True,
            access_log_settings={"destination_arn": log_group.arn, "format": ACCESS_LOG_FORMAT},
            default_route_settings={"throttling_burst_limit": cfg.throttle_burst,
                                    "throttling_rate_limit": cfg.throttle_rate},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.routes.values())))
