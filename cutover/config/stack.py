"""The whole stack configuration, parsed once into frozen dataclasses and passed down."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from cutover.config.blue import BlueEcsConfig, parse_blue_ecs
from cutover.config.budget import BudgetConfig, UsageConfig, parse_budget, parse_usage
from cutover.config.container import AlbConfig, CdnConfig, ContainerConfig, DevicesConfig, parse_ecs
from cutover.config.databases import CacheConfig, PostgresConfig, parse_caches, parse_postgres
from cutover.config.datastores import (
    AuroraConfig,
    EmailConfig,
    FrontendConfig,
    TableConfig,
    parse_aurora,
    parse_email,
    parse_frontend,
    parse_tables,
)
from cutover.config.environment import Environment, EnvironmentSettings, parse_settings
from cutover.config.monitoring import MonitoringConfig, parse_monitoring
from cutover.config.network import NatMode, NetworkConfig, parse_network
from cutover.config.profiles import PROFILES_DIR, Layers, read_profile
from cutover.config.reader import Reader
from cutover.config.secrets import SecretConfig, parse_secrets
from cutover.config.serverless import EdgeConfig, ServerlessConfig, WafConfig, parse_serverless
from cutover.config.storage import StorageConfig, parse_storage
from cutover.config.traffic import BlueVariant, FrontDoorKind, GreenEndpoint, GreenVariant, TrafficConfig, parse_traffic
from cutover.errors import ConfigError
from cutover.naming import Namer, valid_label


class Retire(Enum):
    NONE = "none"
    BLUE = "blue"  # the migration is done: remove the old side's compute, keep its data
    GREEN = "green"  # abandon the migration: remove the new side's compute, keep its data


@dataclass(frozen=True)
class FlatKey:
    """A ``cutover:<name>`` key declared in Pulumi.yaml (tests keep the two in sync)."""

    name: str
    type: str  # Pulumi.yaml schema type: string | integer | boolean
    default: str | int | bool
    description: str


FLAT_KEYS: tuple[FlatKey, ...] = (
    FlatKey("profile", "string", "pos-serverless",
            "Application architecture preset: a file in profiles/ (pos-serverless, tracetrack-ecs, "
            "yoga-serverless, waiterix-serverless, persona-serverless)."),
    FlatKey("environment", "string", "dev",
            "dev (cheap: single AZ, NAT instance, no deletion protection) or prod (safe: multi-AZ, "
            "deletion protection, 7+ days of backups, protected stateful resources)."),
    FlatKey("greenWeight", "integer", 0,
            "Percent of traffic (0..100) the front door sends to the green color. Promote and roll "
            "back by changing only this key."),
    FlatKey("retire", "string", "none",
            "Cleanup path: none, blue (only at greenWeight=100) or green (only at greenWeight=0). "
            "Removes the retired color's compute and routing, keeps and snapshots its data."),
    FlatKey("retireData", "boolean", False,
            "Cleanup step 2 (after retire has been applied): drop the retired color's data from the stack; "
            "databases are deleted after a final snapshot, buckets and tables stay in AWS."),
    FlatKey("rollbackAck", "string", "",
            "Id of an automatic rollback the operator has reviewed; until it matches the recorded "
            "rollback, greenWeight must stay 0."),
    FlatKey("costCenter", "string", "",
            "Value of the cost-center tag on every resource; empty uses the profile's costCenter."),
    FlatKey("alertEmail", "string", "",
            "Email address subscribed to the stack's alarm topic; empty subscribes nobody."),
)
STRUCTURED_KEYS = ("overrides",)  # objects: the project schema cannot type them (see Pulumi.yaml)
PROFILE_SECTIONS = ("app", "description", "seed", "costCenter", "settings", "network", "storage",
                    "secrets", "budget", "usage", "monitoring",
                    "serviceDefaults", "services", "httpApi", "websocket", "waf", "edge",
                    "tables", "aurora", "email", "frontend", "traffic",
                    "postgres", "cache", "container", "alb", "cdn", "devices")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    region: str
    profile: str
    app: str  # short name used in physical names: "pos"
    description: str
    seed: str
    environment: EnvironmentSettings
    cost_center: str
    green_weight: int
    retire: Retire
    retire_data: bool  # cleanup step 2: the retired color's data leaves the stack
    rollback_ack: str
    alert_email: str
    budget: BudgetConfig
    usage: UsageConfig
    network: NetworkConfig
    storage: StorageConfig
    secrets: tuple[SecretConfig, ...]
    monitoring: MonitoringConfig
    tables: tuple[TableConfig, ...]  # DynamoDB, keyed by logical name
    aurora: AuroraConfig | None  # Aurora Serverless v2 PostgreSQL
    email: EmailConfig | None  # SES domain identity
    frontend: FrontendConfig | None  # S3 + CloudFront static site
    postgres: PostgresConfig | None  # RDS PostgreSQL (+ RDS Proxy)
    caches: tuple[CacheConfig, ...]  # ElastiCache Redis, keyed by cache name
    container: ContainerConfig | None  # ECS Fargate service (the ecs variant)
    alb: AlbConfig | None  # the container's load balancer (set with container)
    cdn: CdnConfig | None  # CloudFront in front of the ALB
    devices: DevicesConfig | None  # IoT Core device ingest into the container app
    serverless: ServerlessConfig  # services, httpApi, websocket (serviceDefaults applied)
    waf: WafConfig
    edge: EdgeConfig
    traffic: TrafficConfig  # stages, front door, colors, rollback triggers
    blue_ecs: BlueEcsConfig | None = None  # traffic.blue.variant=ecs: the current system, built here

    @property
    def namer(self) -> Namer:
        return Namer(self.app, self.stack)

    @property
    def tags(self) -> dict[str, str]:
        """Applied once, as the AWS provider's default tags."""
        return {
            "project": self.project,
            "environment": self.environment.name.value,
            "cost-center": self.cost_center,
            "managed-by": "pulumi",
            "cutover:profile": self.profile,
            "cutover:stack": f"{self.app}-{self.stack}",  # unique per profile and stack: budget filter
        }


def parse_stack_config(raw: Mapping[str, Any], *, project: str, stack: str, region: str = "us-east-1",
                       profiles_dir: Path = PROFILES_DIR) -> StackConfig:
    """Validate ``cutover:*`` values (keys without the namespace) and the selected profile."""
    flat = Reader(raw, "cutover:")
    defaults = {k.name: k.default for k in FLAT_KEYS}
    profile = flat.string("profile", defaults["profile"])
    env = flat.enum("environment", Environment, Environment.DEV)
    green_weight = flat.integer("greenWeight", defaults["greenWeight"], minimum=0, maximum=100)
    retire = flat.enum("retire", Retire, Retire.NONE)
    retire_data = flat.boolean("retireData", defaults["retireData"])
    rollback_ack = flat.string("rollbackAck", defaults["rollbackAck"]).strip()
    cost_center_flat = flat.string("costCenter", defaults["costCenter"]).strip()
    alert_email = flat.string("alertEmail", defaults["alertEmail"]).strip()
    overrides = flat.raw("overrides", {})
    flat.finish()

    if alert_email and not _EMAIL.match(alert_email):
        raise ConfigError("cutover:alertEmail", f"{alert_email!r} is not an email address", "name@example.com")
    if not _REGION.match(region):
        raise ConfigError("aws:region", f"{region!r} is not an AWS region", "e.g. us-east-1, eu-west-1")
    if retire is Retire.BLUE and green_weight != 100:
        raise ConfigError("cutover:retire", f"retire=blue needs cutover:greenWeight=100 (all traffic on green), "
                          f"but greenWeight is {green_weight}; promote to 100 and let it soak first",
                          "none, or blue at greenWeight=100, or green at greenWeight=0")
    if retire is Retire.GREEN and green_weight != 0:
        raise ConfigError("cutover:retire", f"retire=green needs cutover:greenWeight=0 (all traffic on blue), "
                          f"but greenWeight is {green_weight}; roll back to 0 first",
                          "none, or blue at greenWeight=100, or green at greenWeight=0")
    if retire_data and retire is Retire.NONE:
        raise ConfigError("cutover:retireData", "retireData=true removes the retired color's data, but no color is "
                          "retired; apply cutover:retire=blue (or green) first, then retireData=true",
                          "false, or true together with retire=blue|green")
    if stack.startswith("prod") and env is not Environment.PROD:
        raise ConfigError("cutover:environment", f"stack {stack!r} looks like production but runs with "
                          f"environment={env.value}; set `pulumi config set cutover:environment prod`",
                          "prod for prod* stacks")
    if not isinstance(overrides, Mapping):
        raise ConfigError("cutover:overrides", "must be an object (set keys with `pulumi config set --path "
                          "'cutover:overrides.network.azCount' 3`)")

    layers = Layers(profile, read_profile(profile, profiles_dir), env.value, overrides)
    try:
        return _parse_document(layers, project=project, stack=stack, region=region, env=env,
                               green_weight=green_weight, retire=retire, retire_data=retire_data,
                               rollback_ack=rollback_ack, cost_center=cost_center_flat, alert_email=alert_email)
    except ConfigError as exc:
        if exc.key.startswith(("cutover:", "aws:", "profiles/")):
            raise
        raise ConfigError(layers.locate(exc.key), exc.problem, exc.allowed) from None


def _parse_document(layers: Layers, *, project: str, stack: str, region: str, env: Environment,
                    green_weight: int, retire: Retire, retire_data: bool, rollback_ack: str, cost_center: str,
                    alert_email: str) -> StackConfig:
    doc = Reader(layers.merged, "")
    app = doc.string("app", pattern=lambda v: valid_label(v, max_len=12),
                     describe="lowercase letters, digits and hyphens, at most 12 characters")
    settings = parse_settings(env, doc.section("settings"))
    cost_center = cost_center or doc.string("costCenter", app)
    serverless, waf, edge = parse_serverless(doc, settings, region)
    network = parse_network(doc.section("network"), settings)
    secrets = parse_secrets(doc.section("secrets"))
    ecs = parse_ecs(doc, settings, region, tuple(s.name for s in secrets))
    traffic = parse_traffic(doc, green_weight=green_weight, retire=retire.value, region=region,
                            vpc_cidr=network.cidr, services=tuple(s.name for s in serverless.services))
    config = StackConfig(
        project=project,
        stack=_stack_label(stack),
        region=region,
        profile=layers.profile,
        app=app,
        description=doc.string("description", ""),
        seed=str(doc.raw("seed", "")),
        environment=settings,
        cost_center=cost_center,
        green_weight=green_weight,
        retire=retire,
        retire_data=retire_data,
        rollback_ack=rollback_ack,
        alert_email=alert_email,
        budget=parse_budget(doc.section("budget")),
        usage=parse_usage(doc.section("usage")),
        network=network,
        storage=parse_storage(doc.section("storage"), settings),
        secrets=secrets,
        monitoring=parse_monitoring(doc.section("monitoring")),
        tables=parse_tables(doc, settings),
        aurora=parse_aurora(doc, settings, app),
        email=parse_email(doc),
        frontend=parse_frontend(doc, settings),
        postgres=parse_postgres(doc, settings, app),
        caches=parse_caches(doc, settings),
        container=ecs.container,
        alb=ecs.alb,
        cdn=ecs.cdn,
        devices=ecs.devices,
        serverless=serverless,
        waf=waf,
        edge=edge,
        traffic=traffic,
        blue_ecs=parse_blue_ecs(traffic.blue.ecs_sections or {}, settings, region)
        if traffic.blue.variant is BlueVariant.ECS else None,
    )
    doc.finish()
    _check_colors(config)
    return config


CLOUDFRONT_ENDPOINTS = (GreenEndpoint.CDN, GreenEndpoint.FRONTEND, GreenEndpoint.EDGE)


def _check_colors(cfg: StackConfig) -> None:
    """Green's endpoint must exist in the profile, and a name the front door weights must be one the
    endpoint answers for (CloudFront rejects a Host it does not list as an alternate domain name)."""
    t = cfg.traffic
    if cfg.network.nat_mode is NatMode.NONE:
        for key, present in (("container", cfg.container is not None), ("traffic.blue.variant", cfg.blue_ecs)):
            if present:
                raise ConfigError("network.natMode", f"{key}: Fargate tasks in private subnets pull their image and "
                                  "read their secrets over HTTPS, which natMode none cannot reach",
                                  "instance | gateway | gateway-per-az (back to none once the ECS color is retired)")
    if t.kind not in (FrontDoorKind.ROUTE53, FrontDoorKind.ALB):
        return
    needs = {GreenEndpoint.CDN: ("cdn", cfg.cdn), GreenEndpoint.ALB: ("alb", cfg.alb),
             GreenEndpoint.FRONTEND: ("frontend", cfg.frontend),
             GreenEndpoint.HTTP_API: ("httpApi", cfg.serverless.http_api),
             GreenEndpoint.EDGE: ("edge", cfg.edge if cfg.edge.enabled else None)}
    if t.green.endpoint in needs:
        section, value = needs[t.green.endpoint]
        if value is None:
            ecs = (GreenEndpoint.CDN, GreenEndpoint.ALB)
            valid = [e.value for e, (_, v) in needs.items()
                     if v is not None and (e in ecs) == (t.green.variant is GreenVariant.ECS)]
            raise ConfigError("traffic.green.endpoint", f"{t.green.endpoint.value} needs the profile's {section} "
                              "section", " | ".join(valid) or "none: the profile builds no green endpoint")
    record = t.front_door.record_name
    if t.kind is FrontDoorKind.ROUTE53 and record is not None:
        served = {GreenEndpoint.CDN: ("cdn.aliases", cfg.cdn.aliases if cfg.cdn else ()),
                  GreenEndpoint.FRONTEND: ("frontend.aliases", cfg.frontend.aliases if cfg.frontend else ())}
        if t.green.endpoint in served:
            key, aliases = served[t.green.endpoint]
            if record not in aliases:
                raise ConfigError(key, f"the front door weights {record!r}, which the distribution does not list "
                                  "as an alternate domain name, so CloudFront would refuse green's requests",
                                  f"add {record} to {key}")
        if cfg.blue_ecs is not None and cfg.blue_ecs.cdn is not None and t.green.endpoint in CLOUDFRONT_ENDPOINTS:
            raise ConfigError("traffic.blue.cdn", f"green ({t.green.endpoint.value}) is a CloudFront distribution "
                              f"answering for {record!r}, and CloudFront lets only one distribution hold an "
                              "alternate domain name", "remove traffic.blue.cdn: weight blue's ALB directly")
        if cfg.blue_ecs is not None and cfg.blue_ecs.cdn is not None and record not in cfg.blue_ecs.cdn.aliases:
            raise ConfigError("traffic.blue.cdn.aliases", f"the front door weights {record!r}, which blue's "
                              "distribution does not list as an alternate domain name", f"add {record}")


def _stack_label(stack: str) -> str:
    """Stack names may hold characters AWS names do not ("org/proj/dev", "Feature_X")."""
    label = re.sub(r"[^a-z0-9-]+", "-", stack.split("/")[-1].lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label)
    if not label or not label[0].isalpha():
        label = "s-" + label if label else "stack"
    return label[:16].rstrip("-")
