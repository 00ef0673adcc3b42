"""The whole stack configuration, parsed once into frozen dataclasses and passed down."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from components.specs.engines import ENGINES
from components.specs.serverless import ServiceKind
from cutover.config.blue import EcsColorConfig, parse_blue_ecs
from cutover.config.budget import BudgetConfig, UsageConfig, parse_budget, parse_usage
from cutover.config.container import AlbConfig, CdnConfig, ContainerConfig, DevicesConfig, parse_ecs, parse_workers
from cutover.config.databases import (
    CacheConfig,
    PostgresConfig,
    check_databases,
    parse_caches,
    parse_databases,
    parse_postgres,
)
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
from cutover.config.existing import ExistingStore, parse_existing
from cutover.config.migrations import DatasetConfig, Method, NetworkPath, check_targets, parse_migrations
from cutover.config.monitoring import MonitoringConfig, parse_monitoring
from cutover.config.network import NatMode, NetworkConfig, parse_network
from cutover.config.placeholders import find_placeholders
from cutover.config.pre_traffic import PreTrafficConfig, check_pre_traffic, parse_pre_traffic
from cutover.config.profiles import PROFILES_DIR, Layers, read_profile
from cutover.config.promotion import PromotionConfig, parse_promotion
from cutover.config.queues import QueueConfig, parse_queues
from cutover.config.reader import Reader
from cutover.config.schema import validate_document
from cutover.config.schema.flat import AWS_REGIONS, EMAIL, FLAT_KEYS, MAX_EMAIL, ROLLBACK_ID
from cutover.config.schema.profile import SECTIONS
from cutover.config.secrets import SecretConfig, parse_secrets
from cutover.config.serverless import EdgeConfig, ServerlessConfig, WafConfig, parse_serverless, parse_services
from cutover.config.storage import StorageConfig, parse_storage
from cutover.config.traffic import BlueVariant, FrontDoorKind, GreenEndpoint, GreenVariant, TrafficConfig, parse_traffic
from cutover.errors import ConfigError, suggest
from cutover.naming import Namer, valid_label


class Retire(Enum):
    NONE = "none"
    BLUE = "blue"  # the migration is done: remove the old side's compute, keep its data
    GREEN = "green"  # abandon the migration: remove the new side's compute, keep its data


PROFILE_SECTIONS = tuple(section.key for section in SECTIONS)
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]*$")  # AWS tag values: letters, digits, spaces and _ . : / = + - @


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
    blue_ecs: EcsColorConfig | None = None  # traffic.blue.variant=ecs: the current system, built here
    # traffic.blue.variant=serverless: the current functions (v1 behind an HTTP API), built here as blue
    blue_serverless: ServerlessConfig | None = None
    # Key paths (in the layer that set them) still holding the sample values profiles ship with.
    placeholders: tuple[str, ...] = ()
    promotion: PromotionConfig | None = None  # soak times, gates, smoke checks (cutover/config/promotion.py)
    migrations: tuple[DatasetConfig, ...] = ()  # the data plan, by dataset name (cutover/config/migrations.py)
    existing: tuple[ExistingStore, ...] = ()  # stores outside the stack, used by reference (cutover/config/existing.py)
    pre_traffic: PreTrafficConfig | None = None  # green: one command before traffic (config/pre_traffic.py)
    # The databases: map (database:<name>), beside database:main of the aurora: or postgres: section.
    databases: tuple[PostgresConfig | AuroraConfig, ...] = ()
    queues: tuple[QueueConfig, ...] = ()  # SQS queues, queue:<name> (cutover/config/queues.py)
    workers: tuple[ContainerConfig, ...] = ()  # ECS services without a load balancer, beside container:

    @property
    def all_databases(self) -> tuple[PostgresConfig | AuroraConfig, ...]:
        """Every relational database this stack builds: the aurora:/postgres: sections', then the map's."""
        legacy = tuple(d for d in (self.aurora, self.postgres) if d is not None)
        return legacy + self.databases

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
    env = flat.enum("environment", Environment, Environment(defaults["environment"]))
    green_weight = flat.integer("greenWeight", defaults["greenWeight"], minimum=0, maximum=100)
    retire = flat.enum("retire", Retire, Retire(defaults["retire"]))
    retire_data = flat.boolean("retireData", defaults["retireData"])
    rollback_ack = flat.string("rollbackAck", defaults["rollbackAck"]).strip()
    cost_center_flat = flat.string("costCenter", defaults["costCenter"]).strip()
    alert_email = flat.string("alertEmail", defaults["alertEmail"]).strip()
    overrides = flat.raw("overrides", {})
    flat.finish()

    if alert_email and (len(alert_email) > MAX_EMAIL or not EMAIL.match(alert_email)):
        raise ConfigError("cutover:alertEmail", f"{alert_email[:60]!r}{'...' if len(alert_email) > 60 else ''} "
                          f"({len(alert_email)} characters) is not an email address",
                          f"name@example.com, at most {MAX_EMAIL} characters")
    if rollback_ack and not ROLLBACK_ID.match(rollback_ack):
        raise ConfigError("cutover:rollbackAck", f"{rollback_ack!r} is not a rollback id (the id the rollback "
                          "notification and `make ack` show)", "32 lowercase hex characters, e.g. "
                          "3f2a9c0e4b5d4e6f8a7b1c2d3e4f5a6b")
    if len(cost_center_flat) > 256 or not _TAG_VALUE.match(cost_center_flat):
        raise ConfigError("cutover:costCenter", f"{cost_center_flat[:60]!r} is not an AWS tag value",
                          "at most 256 letters, digits, spaces and _ . : / = + - @")
    if region not in AWS_REGIONS:
        raise ConfigError("aws:region", f"{region!r} is not an AWS region{suggest(region, AWS_REGIONS)}",
                          "e.g. us-east-1, eu-west-1 (the region names of botocore's endpoint data)")
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
        validate_document(layers.merged)
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
        usage=parse_usage(doc.section("usage"), tuple(s.name for s in serverless.services)),
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
        blue_serverless=_parse_blue_serverless(traffic.blue.serverless_sections or {}, settings, region)
        if traffic.blue.variant is BlueVariant.SERVERLESS else None,
        promotion=parse_promotion(doc.section("promotion"), env, traffic.stages,
                                  traffic.front_door.health_check_path),
        placeholders=find_placeholders(layers.merged),
        migrations=parse_migrations(doc.section("migrations")),
        existing=parse_existing(doc.section("existing"), region),
        pre_traffic=parse_pre_traffic(doc.section("preTraffic")),
        databases=parse_databases(doc, settings, app),
        queues=parse_queues(doc, settings),
        workers=parse_workers(doc, settings),
    )
    check_databases(config.all_databases)
    doc.finish()
    _check_colors(config)
    _check_data(config)
    _check_pre_traffic(config)
    return config


BLUE = "traffic.blue"


def _parse_blue_serverless(sections: Mapping[str, Any], env: EnvironmentSettings, region: str) -> ServerlessConfig:
    """A serverless blue: the same parser as green's top-level sections, every error under ``traffic.blue``."""
    try:
        return parse_services(Reader(sections, BLUE), env, region)
    except ConfigError as exc:
        if exc.key == BLUE or exc.key.startswith(BLUE + "."):
            raise
        raise ConfigError(f"{BLUE}.{exc.key}", exc.problem, exc.allowed) from None


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
    if t.kind is FrontDoorKind.ALB and t.blue.variant not in (BlueVariant.EXTERNAL, BlueVariant.SERVERLESS):
        # components/front_door.py: blue's target group holds ip targets (the legacy servers, reached
        # through peering), and the rollback function needs both colors' target groups.
        raise ConfigError("traffic.blue.variant", f"the alb front door forwards blue's share to ip targets in the "
                          f"legacy VPC, which a blue of variant {t.blue.variant.value} does not have",
                          "external (targets + peering), serverless (a live alias), or frontDoor.kind: route53 for an "
                          "ecs blue")
    _check_serverless_blue(cfg)
    blue_alias = bool(t.blue.targets) or t.blue.zone_id is not None or t.blue.variant in BUILT_BLUES
    if t.kind is FrontDoorKind.ROUTE53 and blue_alias and t.green.endpoint is GreenEndpoint.HTTP_API \
            and cfg.serverless.http_api is not None and cfg.serverless.http_api.domain_name is None:
        # A weighted set shares one record type (Route 53); blue's IPs or alias make it A, so green must be an
        # alias target too, which the execute-api host is not (only an API custom domain is).
        raise ConfigError("traffic.green.endpoint", "blue's records are A records (IPs or an alias), so green's "
                          "must be an alias A record too, and the HTTP API has one only with a custom domain",
                          "httpApi.domainName + httpApi.certificateArn, or endpoint edge")
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
    _check_extra_names(cfg, needs)


BUILT_BLUES = (BlueVariant.ECS, BlueVariant.SERVERLESS)  # reached through an alias A record


def _check_serverless_blue(cfg: StackConfig) -> None:
    """A serverless blue on the route53 front door is weighed at its HTTP API's custom domain.

    * The execute-api host's certificate covers only ``*.execute-api.<region>.amazonaws.com``, so a client
      calling the weighted name would fail TLS there: blue needs ``httpApi.domainName`` + ``certificateArn``
      (API Gateway developer guide, "Custom domain names for HTTP APIs").
    * A custom domain answers only for its own name (the Host/SNI it was created for): it must be the
      front door's ``recordName``.
    * A custom domain name exists once per account and region, so green cannot hold the same one on its own
      HTTP API: green's share goes through CloudFront (``edge`` or ``frontend``) or another name.
    """
    t, blue = cfg.traffic, cfg.blue_serverless
    if blue is not None and t.kind is FrontDoorKind.ALB:
        # The load balancer invokes one function (a Lambda target group holds exactly one target): an api service.
        apis = [s.name for s in blue.services if s.kind is ServiceKind.API]
        if t.blue.service not in apis:
            raise ConfigError("traffic.blue.service", f"{t.blue.service!r} is not one of blue's kind: api services",
                              " | ".join(apis) or "declare a kind: api service under traffic.blue.services")
    if blue is None or t.kind is not FrontDoorKind.ROUTE53:
        return
    api = blue.http_api
    if api is None or api.domain_name is None:
        raise ConfigError("traffic.blue.httpApi.domainName", "the route53 front door weighs blue's HTTP API at its "
                          "custom domain: the execute-api host's certificate does not cover the weighted name",
                          f"{t.front_door.record_name} (with httpApi.certificateArn)")
    if api.domain_name != t.front_door.record_name:
        raise ConfigError("traffic.blue.httpApi.domainName", f"{api.domain_name!r}: an API Gateway custom domain "
                          f"answers only for its own name, and the front door weighs {t.front_door.record_name!r}",
                          str(t.front_door.record_name))
    green_api = cfg.serverless.http_api
    if green_api is not None and green_api.domain_name == api.domain_name:
        raise ConfigError("httpApi.domainName", f"blue's and green's HTTP APIs cannot both hold the custom domain "
                          f"{api.domain_name!r} (one per account and region)",
                          "another name for green's API, its share of the weighted name through edge (CloudFront)")


def _check_extra_names(cfg: StackConfig, needs: dict[GreenEndpoint, tuple[str, Any]]) -> None:
    """traffic.frontDoor.extraNames (route53): each name's green endpoint exists and answers for the name.

    CloudFront refuses a Host it does not list as an alternate domain name (CloudFront developer guide,
    "Use custom URLs by adding alternate domain names"); an API Gateway custom domain answers only for
    its own name; a weighted set shares one record type, so an alias (A) blue needs an alias green.
    """
    t = cfg.traffic
    if t.kind is not FrontDoorKind.ROUTE53:
        return
    for n in t.front_door.extra_names:
        key = f"traffic.frontDoor.extraNames.{n.key}"
        endpoint = n.green_endpoint or t.green.endpoint
        section, value = needs.get(endpoint, (endpoint.value, None))
        if value is None:
            built = [e.value for e, (_, v) in needs.items() if v is not None]
            raise ConfigError(f"{key}.green.endpoint", f"{endpoint.value} needs the profile's {section} section",
                              " | ".join(built) or "none: the profile builds no green endpoint")
        blue = n.blue or t.blue
        blue_alias = bool(blue.targets) or blue.zone_id is not None or blue.variant in BUILT_BLUES
        names: tuple[str, tuple[str, ...]] | None = {
            GreenEndpoint.CDN: ("cdn.aliases", cfg.cdn.aliases if cfg.cdn else ()),
            GreenEndpoint.FRONTEND: ("frontend.aliases", cfg.frontend.aliases if cfg.frontend else ()),
            GreenEndpoint.EDGE: ("edge.domainName", (cfg.edge.domain_name,) if cfg.edge.domain_name else ()),
        }.get(endpoint)
        api = cfg.serverless.http_api
        if endpoint is GreenEndpoint.HTTP_API and api is not None:
            if api.domain_name is None and blue_alias:
                raise ConfigError(f"{key}.green.endpoint", "blue's records for this name are A records (IPs or an "
                                  "alias), so green's must be an alias A record too, and the HTTP API has one only "
                                  "with a custom domain", "httpApi.domainName + httpApi.certificateArn, or edge")
            names = ("httpApi.domainName", (api.domain_name,)) if api.domain_name else None
        if names is not None and n.record_name not in names[1]:
            raise ConfigError(names[0], f"traffic.frontDoor.extraNames.{n.key} weighs {n.record_name!r}, which "
                              f"green's {endpoint.value} does not answer for", f"{n.record_name} in {names[0]}")


def _check_pre_traffic(cfg: StackConfig) -> None:
    """preTraffic names one of green's services; the promotion gate may require it only when it exists."""
    if cfg.traffic.green.variant is GreenVariant.ECS:
        services = {cfg.container.name: 0} if cfg.container is not None else {}
    else:
        services = {s.name: s.timeout_seconds for s in cfg.serverless.services}
    required = cfg.promotion.pre_traffic_required if cfg.promotion is not None else False
    check_pre_traffic(cfg.pre_traffic, services, cfg.traffic.green.variant.value, required)


def _check_data(cfg: StackConfig) -> None:
    """The data plan against the stores this stack builds and the stage it is at (cutover/data_guard.py)."""
    from cutover.data_guard import check_stage

    if not cfg.migrations:
        return
    stores: dict[str, tuple[str, ...]] = {t.ref_key: () for t in cfg.tables}
    stores |= {f"bucket:{b.purpose}": () for b in cfg.storage.buckets}
    for db in cfg.all_databases:  # database:<name> -> its engine family (postgres | mysql)
        stores[db.ref_key] = (ENGINES[db.engine].family,)
    check_targets(cfg.migrations, stores, {t.ref_key: tuple(k for k in (t.hash_key, t.range_key) if k)
                                           for t in cfg.tables})
    for d in cfg.migrations:
        src = d.source
        if src is None:
            continue
        if src.network is NetworkPath.PEERING and cfg.traffic.blue.peering is None:
            raise ConfigError(f"migrations.{d.name}.source.network", "peering reaches blue's database through "
                              "traffic.blue.peering, which this profile does not declare", "tls | vpc")
        if src.network is NetworkPath.TLS and cfg.network.nat_mode is NatMode.NONE:
            raise ConfigError(f"migrations.{d.name}.source.network", "tls reaches a public endpoint from private "
                              "subnets, which natMode none cannot", "peering | vpc, or network.natMode instance")
        family = (stores.get(d.target) or ("",))[0]
        want = "postgres" if src.engine == "postgres" else "mysql"
        if d.target_kind == "database" and family != want and d.method is not Method.SHARED:
            # DMS copies homogeneously here (PostgreSQL -> PostgreSQL, MySQL/MariaDB -> MySQL); a change of
            # engine needs a schema conversion this platform does not plan.
            fitting = sorted(k for k, v in stores.items() if k.startswith("database:") and v == (want,))
            engines = "postgres | aurora-postgresql" if want == "postgres" else "mysql | aurora-mysql"
            others = [*fitting, f"a databases: entry of engine {engines}"]
            if want == "mysql":
                others.append("a table:<Name> target")
            raise ConfigError(f"migrations.{d.name}.source.engine", f"{src.engine} cannot be copied into "
                              f"{d.target}, a {'PostgreSQL' if family == 'postgres' else 'MySQL'} database "
                              "(DMS copies homogeneously here)", " | ".join(others))
    writes = {s.name: tuple(k for k, a in s.uses.items() if a == "write") for s in cfg.serverless.services}
    if cfg.container is not None:
        writes["app"] = tuple(k for k, a in cfg.container.uses if a.value == "write")
    check_stage(cfg.migrations, cfg.traffic.kind.value, cfg.green_weight, cfg.retire.value, writes)


def _stack_label(stack: str) -> str:
    """Stack names may hold characters AWS names do not ("org/proj/dev", "Feature_X")."""
    label = re.sub(r"[^a-z0-9-]+", "-", stack.split("/")[-1].lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label)
    if not label or not label[0].isalpha():
        label = "s-" + label if label else "stack"
    return label[:16].rstrip("-")
