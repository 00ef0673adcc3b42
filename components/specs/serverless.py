"""Argument types for serverless: plain frozen values, parsed from a profile by cutover.config.serverless."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from components.errors import ComponentError
from cutover.errors import suggest


class ServiceKind(Enum):
    API = "api"  # behind the HTTP API: has routes
    WORKER = "worker"  # invoked asynchronously (schedule, other services): gets a dead-letter queue
    WEBSOCKET = "websocket"  # behind the WebSocket API


@dataclass(frozen=True)
class RouteConfig:
    method: str
    path: str
    auth: str  # "none" | "jwt"

    @property
    def key(self) -> str:
        """The API Gateway route key: ``GET /products/{id}``."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ServiceConfig:
    name: str
    kind: ServiceKind
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    code: str  # directory or .zip, relative to the project root
    routes: tuple[RouteConfig, ...]
    uses: Mapping[str, str]  # StoreRef key -> "read" | "write"
    reserved_concurrency: int | None
    schedule: str | None
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JwtAuthorizerConfig:
    issuer: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class HttpApiConfig:
    cors_origins: tuple[str, ...]
    cors_methods: tuple[str, ...]
    cors_headers: tuple[str, ...]
    cors_max_age: int
    throttle_burst: int
    throttle_rate: float
    jwt: JwtAuthorizerConfig | None
    domain_name: str | None
    certificate_arn: str | None
    health_service: str  # serves GET /health unless a service declares that route itself


@dataclass(frozen=True)
class WebSocketConfig:
    name: str  # the ref key is websocket:<name>
    service: str
    connections_table: str | None  # a key of the tables section: ref table:<name>
    actions: tuple[str, ...]  # custom route keys besides $connect/$disconnect/$default
    stage: str
    throttle_burst: int
    throttle_rate: float

    @property
    def ref_key(self) -> str:
        return f"websocket:{self.name}"

    @property
    def route_keys(self) -> tuple[str, ...]:
        return ("$connect", "$disconnect", "$default", *self.actions)


@dataclass(frozen=True)
class WafConfig:
    enabled: bool
    rate_limit: int  # requests per 5 minutes per client IP


@dataclass(frozen=True)
class EdgeConfig:
    enabled: bool
    domain_name: str | None
    certificate_arn: str | None  # ACM, us-east-1 (CloudFront only reads certificates there)
    price_class: str


@dataclass(frozen=True)
class ServerlessConfig:
    services: tuple[ServiceConfig, ...]
    http_api: HttpApiConfig | None
    websocket: WebSocketConfig | None

    def service(self, name: str) -> ServiceConfig:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)

    def of_kind(self, kind: ServiceKind) -> tuple[ServiceConfig, ...]:
        return tuple(s for s in self.services if s.kind is kind)

    def http_routes(self) -> tuple[tuple[RouteConfig, str], ...]:
        """(route, service) for the HTTP API, including ``GET /health`` (never behind an authorizer)."""
        if self.http_api is None:
            return ()
        routes = [(r, s.name) for s in self.of_kind(ServiceKind.API) for r in s.routes]
        if not any(r.key == "GET /health" for r, _ in routes):
            routes.insert(0, (RouteConfig("GET", "/health", "none"), self.http_api.health_service))
        return tuple(routes)


def check_uses(config: ServerlessConfig, available: Mapping[str, object], pending_kinds: frozenset[str]) -> \
        dict[str, list[str]]:
    """Every ``uses`` key must name a ref some component built.

    ``pending_kinds`` are ref kinds whose producing component is not wired into the program yet:
    their uses are returned (service -> keys) for the caller to skip with a warning instead of
    failing. Anything else unknown is a ComponentError naming ``services.<svc>.uses.<key>``.
    """
    known = set(available) | {f"function:{s.name}" for s in config.services}
    skipped: dict[str, list[str]] = {}
    for s in config.services:
        for key in s.uses:
            if key in known:
                continue
            if key.partition(":")[0] in pending_kinds:
                skipped.setdefault(s.name, []).append(key)
                continue
            raise ComponentError(f"services.{s.name}.uses.{key}", f"no store ref {key!r} exists in this stack"
                                 f"{suggest(key, known)}", ", ".join(sorted(known)) or "none")
    return skipped
