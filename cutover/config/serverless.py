"""Serverless sections: ``serviceDefaults``, ``services``, ``httpApi``, ``websocket``, ``waf`` and ``edge``.

Everything AWS would reject later is rejected here, with the key that is wrong: runtimes Lambda no
longer accepts, memory and timeouts out of range, timeouts an API Gateway integration cannot wait
for, route keys API Gateway cannot parse, secrets pasted into plain environment variables, CORS
``*`` in prod, certificates in the wrong region, and WAF placed where AWS cannot attach it.

Which store refs exist (``table:Users``, ``database:main``) is only known once the data-store
components are built, so ``check_uses`` (components.specs.serverless) runs in ``ServerlessApp``;
this module checks their shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from components.specs.capabilities import REF_KINDS as _REF_KINDS
from components.specs.capabilities import STORE_CAPABILITIES
from components.specs.serverless import (
    EdgeConfig,
    HttpApiConfig,
    JwtAuthorizerConfig,
    RouteConfig,
    ServerlessConfig,
    ServiceConfig,
    ServiceKind,
    WafConfig,
    WebSocketConfig,
)
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError, suggest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Lambda runtimes AWS accepts for new functions, with their announced deprecation date (source:
# docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Deprecated runtimes (nodejs18.x,
# python3.9, go1.x, ...) are not accepted: a fresh stack must not start on a dead runtime.
SUPPORTED_RUNTIMES: dict[str, str] = {
    "nodejs24.x": "2028-04-30", "nodejs22.x": "2027-04-30", "nodejs20.x": "2026-04-30",
    "python3.14": "2029-06-30", "python3.13": "2029-06-30", "python3.12": "2028-10-31",
    "python3.11": "2026-06-30", "python3.10": "2026-06-30",
    "java25": "2029-06-30", "java21": "2029-06-30", "java17": "2026-06-30", "java11": "2026-06-30",
    "java8.al2": "2026-06-30", "dotnet10": "2028-11-14", "dotnet8": "2026-11-10",
    "ruby3.4": "2028-03-31", "ruby3.3": "2027-03-31",
    "provided.al2023": "2029-06-30", "provided.al2": "2026-06-30",
}
DEFAULT_CODE = "functions/health"  # the shipped stdlib health handler: a fresh stack answers GET /health
# What the shipped handler is written in: a fact about functions/health, not a configurable default
# (serviceDefaults.runtime/handler, declared in the schema, apply only to services with their own code).
HEALTH_RUNTIME = "python3.12"
HEALTH_HANDLER = "handler.handler"
MEMORY_RANGE = (128, 10240)
MAX_TIMEOUT = 900
# API Gateway stops waiting for a Lambda integration after 30 s (HTTP API) / 29 s (WebSocket); a
# function allowed to run longer keeps running (and billing) after the client got a 503.
MAX_INTEGRATED_TIMEOUT = 29
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
# Ref kinds and what a service may name for each: declared by the stores (components/specs/capabilities.py).
REF_KINDS = _REF_KINDS
# Names Lambda reserves for itself (CreateFunction rejects them).
RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL",
                          re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"^(sk|rk|pk)_(live|test)_|^whsec_|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|-----BEGIN|^gh[pousr]_[A-Za-z0-9]{20,}"
    r"|^xox[abpr]-|^eyJ[A-Za-z0-9_-]{10,}\.|://[^/\s:@]+:[^/\s@]+@")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
_PATH_SEGMENT = re.compile(r"^([A-Za-z0-9._~@:-]+|\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\+\})$")
_RATE = re.compile(r"^rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)$")
_CRON = re.compile(r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[A-Za-z0-9-]+$")
_ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def _default(path: str, env: EnvironmentSettings | None) -> Any:
    """The schema's declared default of ``path`` (cutover/config/schema/profile.py): declared once, read here."""
    from cutover.config.schema import default

    return default(path, env.name.value if env is not None else "dev")


def _enabled(r: Reader, section: str, env: EnvironmentSettings | None) -> bool:
    """``waf: enabled`` shorthand or ``waf: {enabled: true, ...}``."""
    return r.boolean("enabled", _default(f"{section}.enabled", env))


def _section(doc: Reader, name: str) -> Reader:
    raw = doc.raw(name, {})
    if raw == "enabled":
        raw = {"enabled": True}
    elif raw == "disabled":
        raw = {"enabled": False}
    return Reader(raw, doc.key(name))


# --- services ------------------------------------------------------------------------------------
def _route(r: Reader, key: str, raw: object, default_auth: str) -> RouteConfig:
    auth = default_auth
    if isinstance(raw, Mapping):
        inner = Reader(raw, key)
        text = inner.string("route")
        auth = inner.string("auth", default_auth, choices=("none", "jwt"))
        inner.finish()
    elif isinstance(raw, str):
        text = raw
    else:
        raise ConfigError(key, f"must be a route like 'GET /products' or {{route: ..., auth: jwt}}, got {raw!r}")
    parts = text.split()
    if len(parts) != 2:
        raise ConfigError(key, f"{text!r} is not a route key", "'<METHOD> /path', e.g. 'GET /products/{id}'")
    method, path = parts[0].upper(), parts[1]
    if method not in HTTP_METHODS:
        raise ConfigError(key, f"unknown method {parts[0]!r}{suggest(method, HTTP_METHODS)}", " | ".join(HTTP_METHODS))
    segments = path.split("/")[1:] if path != "/" else []
    if not path.startswith("/") or (path != "/" and path.endswith("/")) or \
            not all(_PATH_SEGMENT.match(s) for s in segments):
        raise ConfigError(key, f"invalid path {path!r}",
                          "/segments, {param} or a final {proxy+}, no trailing slash")
    if any(s.endswith("+}") for s in segments[:-1]):
        raise ConfigError(key, f"{path!r}: a greedy {{name+}} parameter must be the last segment")
    return RouteConfig(method, path, auth)


def _environment(r: Reader) -> dict[str, str]:
    sec = r.section("environment")
    out: dict[str, str] = {}
    for name in sec.keys():  # noqa: SIM118 (Reader.keys)
        raw = sec.raw(name)
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise ConfigError(sec.key(name), f"must be a plain string, got {raw!r}")
        value = str(raw)
        if not _ENV_NAME.match(name):
            raise ConfigError(sec.key(name), "is not a valid environment variable name",
                              "letters, digits and underscores, starting with a letter")
        if name.upper() in RESERVED_ENV or name.upper().startswith("AWS_LAMBDA_"):
            raise ConfigError(sec.key(name), "is reserved by Lambda (the runtime sets it)")
        arn_pointer = name.upper().endswith("_ARN") and value.startswith("arn:")
        if (_SECRET_NAME.search(name) and not arn_pointer) or _SECRET_VALUE.search(value):
            raise ConfigError(sec.key(name), "looks like a secret; plain environment variables are visible to "
                              "anyone who can read the function's configuration",
                              "declare the secret under secrets.generated and grant it with "
                              "`uses: {secret:<name>: read}` (the function gets its ARN, never the value)")
        out[name] = value
    sec.finish()
    if sum(len(k) + len(v) for k, v in out.items()) > 3072:
        raise ConfigError(r.key("environment"), "is too large: Lambda allows 4 KB of variables in total and the "
                          "store refs add their own", "at most 3 KB of plain variables")
    return out


def _uses(r: Reader) -> dict[str, str]:
    sec = r.section("uses")
    out: dict[str, str] = {}
    for key in sec.keys():  # noqa: SIM118 (Reader.keys)
        kind, sep, name = key.partition(":")
        if not sep or not name or kind not in REF_KINDS:
            raise ConfigError(sec.key(key), f"{key!r} is not a store ref{suggest(kind, REF_KINDS)}",
                              "<kind>:<name> with kind " + " | ".join(REF_KINDS))
        out[key] = check_capability(sec, key)
    sec.finish()
    return out


def check_capability(sec: Reader, key: str) -> str:
    """``uses.<key>``'s capability, one its kind declares: read | write for most stores, send | consume for a queue.

    The ConfigError names ``<path>.uses.<key>`` and the capabilities the kind allows.
    """
    allowed = STORE_CAPABILITIES[key.partition(":")[0]]
    value = sec.string(key)
    if value not in allowed:
        raise ConfigError(sec.key(key), f"{value!r} is not a capability of {key.partition(':')[0]} refs"
                          f"{suggest(value, allowed)}", " | ".join(allowed))
    return value


def _code(r: Reader) -> str | None:
    if not r.has("code"):
        r.raw("code", None)
        return None
    code = r.string("code")
    path = (PROJECT_ROOT / code).resolve()
    if Path(code).is_absolute() or not path.is_relative_to(PROJECT_ROOT):
        raise ConfigError(r.key("code"), f"{code!r} is outside the project", "a path relative to the project root")
    if not (path.is_dir() or (path.is_file() and path.suffix == ".zip")):
        raise ConfigError(r.key("code"), f"{code!r} is neither a directory nor a .zip file in the project "
                          "(build the artifact before planning)", "e.g. build/lambda/api.zip or functions/health")
    return code


def _service(name: str, r: Reader, defaults: Reader, env: EnvironmentSettings) -> ServiceConfig:
    if not _SERVICE_NAME.match(name):
        raise ConfigError(r.path, f"service name {name!r} is not valid",
                          "lowercase letters, digits and hyphens, starting with a letter, at most 24 characters")
    kind = r.enum("kind", ServiceKind, ServiceKind(_default("services.*.kind", env)))
    code = _code(r)
    if code is None:
        # The shipped health handler is Python: a runtime or handler without code cannot run it.
        for key in ("runtime", "handler"):
            if r.has(key):
                raise ConfigError(r.key(key), f"is set but `code` is not, so the shipped {DEFAULT_CODE} handler "
                                  f"({HEALTH_RUNTIME}) would run", "set code to your build artifact too")
            r.raw(key, None)
        runtime, handler, code = HEALTH_RUNTIME, HEALTH_HANDLER, DEFAULT_CODE
    else:
        runtime = r.string("runtime", defaults.raw("runtime", _default("serviceDefaults.runtime", env)))
        handler = r.string("handler", defaults.raw("handler", _default("serviceDefaults.handler", env)))
    if runtime not in SUPPORTED_RUNTIMES:
        raise ConfigError(r.key("runtime"), f"{runtime!r} is not a runtime Lambda accepts for new functions"
                          f"{suggest(runtime, SUPPORTED_RUNTIMES)}", ", ".join(SUPPORTED_RUNTIMES))
    if not handler or len(handler) > 128 or re.search(r"\s", handler):
        raise ConfigError(r.key("handler"), f"invalid handler {handler!r}", "e.g. handler.handler, index.handler")
    memory = r.integer("memoryMb", defaults.raw("memoryMb", _default("serviceDefaults.memoryMb", env)),
                       minimum=MEMORY_RANGE[0], maximum=MEMORY_RANGE[1])
    integrated = kind in (ServiceKind.API, ServiceKind.WEBSOCKET)
    default_timeout = defaults.raw("timeoutSeconds", _default("serviceDefaults.timeoutSeconds", env))
    if integrated and isinstance(default_timeout, int) and default_timeout > MAX_INTEGRATED_TIMEOUT \
            and not r.has("timeoutSeconds"):
        default_timeout = MAX_INTEGRATED_TIMEOUT  # serviceDefaults apply to workers too; cap for APIs
    timeout = r.integer("timeoutSeconds", default_timeout, minimum=1, maximum=MAX_TIMEOUT)
    if integrated and timeout > MAX_INTEGRATED_TIMEOUT:
        raise ConfigError(r.key("timeoutSeconds"), f"{timeout} s is longer than API Gateway waits for a Lambda "
                          f"integration, so clients would get a 503 while the function keeps running",
                          f"1..{MAX_INTEGRATED_TIMEOUT} for kind {kind.value}; move long work to a kind: worker "
                          "service invoked asynchronously")
    default_auth = r.string("auth", _default("services.*.auth", env), choices=("none", "jwt"))
    raw_routes = r.raw("routes", [])
    if not isinstance(raw_routes, list):
        raise ConfigError(r.key("routes"), "must be a list of route keys")
    routes = tuple(_route(r, f"{r.key('routes')}[{i}]", raw, default_auth) for i, raw in enumerate(raw_routes))
    if kind is ServiceKind.API and not routes:
        raise ConfigError(r.key("routes"), "an api service needs at least one route", "e.g. ['GET /products']")
    if kind is not ServiceKind.API and routes:
        raise ConfigError(r.key("routes"), f"only kind: api services have HTTP routes (this one is {kind.value})")
    schedule = r.string("schedule", None)
    if schedule is not None:
        if kind is not ServiceKind.WORKER:
            raise ConfigError(r.key("schedule"), "only kind: worker services run on a schedule")
        if not (_RATE.match(schedule) or _CRON.match(schedule)):
            raise ConfigError(r.key("schedule"), f"invalid EventBridge schedule {schedule!r}",
                              "rate(1 hour), rate(5 minutes), cron(0 3 * * ? *)")
    reserved = r.integer("reservedConcurrency", None, minimum=1, maximum=1000) \
        if r.has("reservedConcurrency") else r.raw("reservedConcurrency", None)
    return ServiceConfig(
        name=name, kind=kind, handler=handler, runtime=runtime, memory_mb=memory, timeout_seconds=timeout,
        code=code, routes=routes, uses=_uses(r), reserved_concurrency=reserved, schedule=schedule,
        environment=_environment(r),
    )


def _check_function_refs(services: tuple[ServiceConfig, ...], path: str) -> None:
    names = {s.name: s for s in services}
    for s in services:
        for key in s.uses:
            kind, _, target = key.partition(":")
            if kind != "function":
                continue
            where = f"{path}.{s.name}.uses.{key}"
            if target not in names:
                raise ConfigError(where, f"no service named {target!r}{suggest(target, names)}", ", ".join(names))
            if names[target].kind is not ServiceKind.WORKER or target == s.name:
                raise ConfigError(where, f"{target!r} is not a worker; services only invoke kind: worker services "
                                  "(asynchronously, with a dead-letter queue)")


# --- APIs ----------------------------------------------------------------------------------------
def _throttle(r: Reader, section: str, env: EnvironmentSettings) -> tuple[int, float]:
    t = r.section("throttling")
    burst = t.integer("burstLimit", _default(f"{section}.throttling.burstLimit", env), minimum=1, maximum=5000)
    rate = t.number("rateLimit", _default(f"{section}.throttling.rateLimit", env), minimum=1, maximum=10000)
    t.finish()
    return burst, rate


def _acm(r: Reader, name: str, region: str, why: str) -> str | None:
    arn = r.string(name, None)
    if arn is None:
        return None
    m = _ACM_ARN.match(arn)
    if not m:
        raise ConfigError(r.key(name), f"{arn!r} is not an ACM certificate ARN",
                          "arn:aws:acm:<region>:<account>:certificate/<id>")
    if m.group(1) != region:
        raise ConfigError(r.key(name), f"the certificate is in {m.group(1)}, but {why}", f"a certificate in {region}")
    return arn


def _domain(r: Reader, name: str) -> str | None:
    value = r.string(name, None)
    if value is not None and not _DOMAIN.match(value):
        raise ConfigError(r.key(name), f"{value!r} is not a DNS name", "e.g. api.example.com")
    return value


def _http_api(r: Reader, env: EnvironmentSettings, region: str, api_services: tuple[str, ...]) -> HttpApiConfig:
    origins = r.string_list("corsOrigins", _default("httpApi.corsOrigins", env))
    for o in origins:
        if o == "*":
            if env.is_prod:
                raise ConfigError(r.key("corsOrigins"), "'*' is not allowed in prod", "explicit https:// origins")
        elif not _ORIGIN.match(o):
            raise ConfigError(r.key("corsOrigins"), f"{o!r} is not an origin", "scheme://host[:port], no path")
        elif env.is_prod and o.startswith("http://"):
            raise ConfigError(r.key("corsOrigins"), f"{o!r}: prod origins are https://", "https:// origins")
    methods = r.string_list("corsMethods", _default("httpApi.corsMethods", env))
    for m in methods:
        if m not in (*HTTP_METHODS[:-1], "*"):
            raise ConfigError(r.key("corsMethods"), f"unknown method {m!r}", " | ".join(HTTP_METHODS[:-1]))
    headers = r.string_list("corsHeaders", _default("httpApi.corsHeaders", env))
    max_age = r.integer("corsMaxAgeSeconds", _default("httpApi.corsMaxAgeSeconds", env), minimum=0, maximum=86400)
    burst, rate = _throttle(r, "httpApi", env)
    jwt = None
    if r.has("jwtAuthorizer"):
        j = r.section("jwtAuthorizer")
        issuer = j.string("issuer", pattern=lambda v: v.startswith("https://"), describe="an https:// issuer URL")
        raw_aud = j.raw("audience")
        audience = (raw_aud,) if isinstance(raw_aud, str) else j.string_list("audience")
        if not audience:
            raise ConfigError(j.key("audience"), "needs at least one audience (the token's aud claim)")
        j.finish()
        jwt = JwtAuthorizerConfig(issuer, tuple(audience))
    else:
        r.raw("jwtAuthorizer", None)
    domain = _domain(r, "domainName")
    cert = _acm(r, "certificateArn", region, "a regional API custom domain needs a certificate in the API's region")
    if (domain is None) != (cert is None):
        raise ConfigError(r.key("domainName" if domain is None else "certificateArn"),
                          "domainName and certificateArn go together")
    if not api_services:
        raise ConfigError(r.path, "an HTTP API needs at least one kind: api service", "services.<name>.routes")
    health = r.string("healthService", api_services[0], choices=api_services)
    return HttpApiConfig(cors_origins=origins, cors_methods=methods, cors_headers=headers, cors_max_age=max_age,
                         throttle_burst=burst, throttle_rate=rate, jwt=jwt, domain_name=domain, certificate_arn=cert,
                         health_service=health)


def _websocket(r: Reader, env: EnvironmentSettings, ws_services: tuple[str, ...]) -> WebSocketConfig:
    name = r.string("name", _default("websocket.name", env), pattern=lambda v: bool(_SERVICE_NAME.match(v)),
                    describe="lowercase letters, digits and hyphens")
    if not ws_services:
        raise ConfigError(r.path, "a WebSocket API needs a kind: websocket service", "services.<name>.kind")
    service = r.string("service", ws_services[0] if len(ws_services) == 1 else None, choices=ws_services)
    if service is None:
        raise ConfigError(r.key("service"), "several websocket services: name the one that handles routes",
                          " | ".join(ws_services))
    actions = r.string_list("actions", _default("websocket.actions", env))
    for a in actions:
        if not _ACTION.match(a):
            raise ConfigError(r.key("actions"), f"invalid action {a!r}", "letters, digits, _ and -")
    burst, rate = _throttle(r, "websocket", env)
    return WebSocketConfig(
        name=name, service=service, connections_table=r.string("connectionsTable", None), actions=tuple(actions),
        stage=r.string("stage", _default("websocket.stage", env),
                       pattern=lambda v: bool(re.fullmatch(r"[A-Za-z0-9_-]{1,128}", v)),
                       describe="letters, digits, _ and -"),
        throttle_burst=burst, throttle_rate=rate)


def parse_waf(r: Reader, env: EnvironmentSettings | None = None) -> WafConfig:
    config = WafConfig(enabled=_enabled(r, "waf", env),
                       rate_limit=r.integer("rateLimit", _default("waf.rateLimit", env), minimum=10,
                                            maximum=2_000_000_000))
    r.finish()
    return config


def parse_edge(r: Reader, env: EnvironmentSettings | None = None) -> EdgeConfig:
    domain = _domain(r, "domainName")
    cert = _acm(r, "certificateArn", "us-east-1", "CloudFront only uses ACM certificates from us-east-1")
    if (domain is None) != (cert is None):
        raise ConfigError(r.key("domainName" if domain is None else "certificateArn"),
                          "domainName and certificateArn go together")
    config = EdgeConfig(enabled=_enabled(r, "edge", env), domain_name=domain, certificate_arn=cert,
                        price_class=r.string("priceClass", _default("edge.priceClass", env),
                                             choices=("PriceClass_100", "PriceClass_200", "PriceClass_All")))
    r.finish()
    return config


def parse_serverless(doc: Reader, env: EnvironmentSettings, region: str) -> tuple[ServerlessConfig, WafConfig,
                                                                                  EdgeConfig]:
    """Parse the serverless sections of the merged profile document (``doc`` is its top level)."""
    config = parse_services(doc, env, region)
    waf = parse_waf(_section(doc, "waf"), env)
    edge = parse_edge(_section(doc, "edge"), env)
    if edge.enabled and config.http_api is None:
        raise ConfigError("edge.enabled", "the edge distribution fronts the HTTP API, but there is no httpApi section")
    if waf.enabled and config.http_api is not None and not edge.enabled:
        raise ConfigError("waf.enabled", "AWS WAF cannot be associated with an API Gateway HTTP API (only REST API "
                          "stages, ALBs, CloudFront, AppSync, Cognito, App Runner, Verified Access)",
                          "edge.enabled: true puts CloudFront, carrying the web ACL, in front of the API "
                          "(docs/waf-placement.md)")
    return config, waf, edge


def parse_services(doc: Reader, env: EnvironmentSettings, region: str) -> ServerlessConfig:
    """``services``, ``serviceDefaults``, ``httpApi`` and ``websocket`` under ``doc``: green's at the top level,
    a serverless blue's under ``traffic.blue`` (the same parser for either color)."""
    defaults = doc.section("serviceDefaults")
    for key in ("runtime", "handler", "memoryMb", "timeoutSeconds"):
        defaults.raw(key, None)
    defaults.finish()
    if defaults.has("runtime") and defaults.raw("runtime") not in SUPPORTED_RUNTIMES:
        raise ConfigError(defaults.key("runtime"), f"{defaults.raw('runtime')!r} is not a supported runtime",
                          ", ".join(SUPPORTED_RUNTIMES))
    services = doc.mapping_of("services", lambda name, r: _service(name, r, defaults, env))
    _check_function_refs(services, "services")
    api_names = tuple(s.name for s in services if s.kind is ServiceKind.API)
    ws_names = tuple(s.name for s in services if s.kind is ServiceKind.WEBSOCKET)

    http_api = None
    if doc.has("httpApi"):
        r = _section(doc, "httpApi")
        http_api = _http_api(r, env, region, api_names)
        r.finish()
    else:
        doc.raw("httpApi", None)
        if api_names:
            raise ConfigError("services", f"{api_names[0]!r} is kind: api but the profile has no httpApi section",
                              "add `httpApi: {}` or make it a worker")
    websocket = None
    if doc.has("websocket"):
        r = _section(doc, "websocket")
        websocket = _websocket(r, env, ws_names)
        r.finish()
        services = tuple(_with_websocket_uses(s, websocket) for s in services)
    else:
        doc.raw("websocket", None)
        if ws_names:
            raise ConfigError(f"services.{ws_names[0]}.kind", "is websocket but the profile has no websocket section")

    if http_api is not None:
        seen: dict[str, str] = {}
        for route, svc in ServerlessConfig(services, http_api, websocket).http_routes():
            if route.key in seen:
                raise ConfigError(f"services.{svc}.routes",
                                  f"route {route.key!r} is also served by {seen[route.key]!r}")
            seen[route.key] = svc
            if route.auth == "jwt" and http_api.jwt is None:
                raise ConfigError(f"services.{svc}.routes", f"{route.key!r} needs auth: jwt but httpApi has no "
                                  "jwtAuthorizer", "httpApi.jwtAuthorizer: {issuer, audience}")

    return ServerlessConfig(services=services, http_api=http_api, websocket=websocket)


def _with_websocket_uses(s: ServiceConfig, ws: WebSocketConfig) -> ServiceConfig:
    """The WebSocket handler always manages its connections: the API's callback and the connections table."""
    if s.name != ws.service:
        return s
    uses = dict(s.uses)
    uses.setdefault(ws.ref_key, "write")
    if ws.connections_table:
        uses.setdefault(f"table:{ws.connections_table}", "write")
    return replace(s, uses=uses)
