"""The stack's program, section by section: what ``__main__.py`` lists as its table of contents.

``StackBuilder`` maps the parsed stack configuration (cutover/config) onto components: one method per
section, in the order the engine must see them (the guards read before anything is registered; the
colors before the front door that weighs them; the rollback, promotion and cleanup around the front
door; monitoring once every component has declared its alarms; the data plan last, on the grants the
compute was actually given). Every branch on a variant, a front-door kind or a retirement step lives
here, not in the program.

Its attributes are what each section built, for the sections after it (``None`` when the profile
does not have that piece).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws

from components import (
    AlbTarget,
    GeneratedSecrets,
    Monitoring,
    MonitoringArgs,
    MonitoringTargets,
    Network,
    NetworkArgs,
    RdsTarget,
    SecretsArgs,
    SharedWebAcls,
    Storage,
    StorageArgs,
    VpcPlacement,
)
from components.alert_topic import topic_arn
from components.archive import Archive, ArchiveArgs, ArchivedDatabase, ArchivedTable, retiring
from components.aurora import AuroraArgs, AuroraCluster, AuroraPostgres
from components.color import AppColor, RollbackMetrics, lambda_endpoint_key
from components.data_plan import (
    DatabaseTarget,
    DataPlanArgs,
    DataRefs,
    Targets,
    build_data,
    write_routes,
)
from components.device_ingest import DeviceIngest, DeviceIngestArgs
from components.dynamodb import Tables, TablesArgs
from components.ecs_color import EcsColor, EcsColorArgs
from components.existing import existing_refs, existing_summary
from components.front_door import (
    CLOUDFRONT_ZONE_ID,
    AlbPlacement,
    Endpoint,
    FrontDoor,
    FrontDoorArgs,
    WeightedNameArgs,
    alias_weights,
)
from components.frontend import FrontendArgs, StaticSite
from components.postgres import PostgresArgs, PostgresDatabase, RdsDatabase
from components.pre_traffic import EcsRun, LambdaRun, PreTraffic, PreTrafficArgs, PreTrafficGate
from components.queues import Queues, QueuesArgs
from components.redis import RedisArgs, RedisCache
from components.rollback import AlbMetrics, Rollback, RollbackArgs
from components.serverless_color import ServerlessColor, ServerlessColorArgs
from components.ses import EmailArgs, EmailSender
from components.smoke_test import SmokeTest, SmokeTestArgs
from components.specs.engines import ENGINES
from components.stage_record import StageRecord, StageRecordArgs, green_version_id, metric_sources, promotion_inputs
from cutover.adapter import StackProfile, StackProfileArgs, aws_provider, config_errors, edge_provider
from cutover.config import (
    BlueConfig,
    BlueVariant,
    FrontDoorKind,
    GreenEndpoint,
    GreenVariant,
    Retire,
    ServerlessConfig,
    ServiceKind,
    StackConfig,
)
from cutover.config.blue import EcsColorConfig
from cutover.config.migrations import Color
from cutover.config.source import check_placeholders
from cutover.data_guard import check_evidence, copied
from cutover.rollback_guard import check_record_value


class StackBuilder:
    """One stack = one application profile in one environment (see the module docstring)."""

    account_id: Any
    alarmed: Any
    alb: Any
    alb_metrics: Any
    albs: Any
    alias_rollback: Any
    api_edge: Any
    api_ids: Any
    archive: Any
    aurora: Any
    blue_ecs: Any
    blue_ep: Any
    blue_opts: Any
    blue_retired: Any
    blue_sls: Any
    blue_src: Any
    blue_writes: Any
    caches: Any
    cdn: Any
    cfg: Any
    container_app: Any
    data: Any
    data_path: Any
    data_refs: Any
    data_subnets: Any
    declared: Any
    devices: Any
    ecs_services: Any
    edge_opts: Any
    email: Any
    extra_names: Any
    found: Any
    front_door: Any
    front_services: Any
    frontend: Any
    green_data_opts: Any
    green_ecs: Any
    green_ep: Any
    green_retired: Any
    green_services: Any
    green_sls: Any
    green_src: Any
    green_version: Any
    green_writes: Any
    http_api: Any
    invoke_opts: Any
    keep_green_data: Any
    lambda_metrics: Any
    monitoring: Any
    network: Any
    peer_cidr: Any
    pinned: Any
    pre_traffic: Any
    pre_traffic_gate: Any
    postgres: Any
    databases: Any
    provider: Any
    queues: Any
    receipts: Any
    record_name: Any
    record_value: Any
    record_warning: Any
    recorded: Any
    retired_dbs: Any
    retired_tables: Any
    rollback: Any
    routed: Any
    secrets: Any
    serverless: Any
    smoke: Any
    smoke_functions: Any
    smoke_url: Any
    stage_record: Any
    storage: Any
    store_refs: Any
    tables: Any
    targets: Any
    traffic: Any
    web_acls: Any
    websocket_api: Any
    with_provider: Any
    zones: Any

    def __init__(self, cfg: StackConfig) -> None:
        """Providers, account and zones: what every section below builds with."""
        self.cfg = cfg
        self.provider = aws_provider(self.cfg)
        self.with_provider = pulumi.ResourceOptions(provider=self.provider)
        self.edge_opts = pulumi.ResourceOptions(
            provider=edge_provider(self.cfg, self.provider)
        )  # CLOUDFRONT-scope web ACLs
        self.invoke_opts = pulumi.InvokeOptions(provider=self.provider)
        self.account_id = aws.get_caller_identity(opts=self.invoke_opts).account_id
        self.zones = aws.get_availability_zones(state="available", opts=self.invoke_opts).names

    def guards(self) -> None:
        """Reads that must come before anything is registered: the rollback record and the data plan's evidence."""
        # 0. An automatic rollback (recorded by the rollback Lambda) is never undone by the next update: read
        # before anything is registered, since the engine applies resources as the program registers them.
        # By path, because the record does not exist before the first deployment.
        # Anything but a valid "clear" record (a partial or unreadable one too) counts as rolled back.
        self.record_name = self.cfg.namer.path("rollback", "record")
        self.recorded = aws.ssm.get_parameters_by_path(path=self.cfg.namer.path("rollback"), opts=self.invoke_opts)
        self.record_value = dict(zip(self.recorded.names, self.recorded.values, strict=True)).get(self.record_name)
        with config_errors():
            self.record_warning = check_record_value(
                self.cfg.green_weight, self.cfg.rollback_ack, self.record_name, self.record_value, self.cfg.stack
            )
        if self.record_warning:
            pulumi.log.warn(self.record_warning)
        # 0b. The data plan's evidence, read the same way (cutover/data_guard.py): a dataset's writer moves to green,
        # and blue retires, only on a verification receipt that proves green holds everything blue wrote.
        self.receipts = {}
        if self.cfg.migrations:
            self.data_path = self.cfg.namer.path("data")
            self.found = aws.ssm.get_parameters_by_path(path=self.data_path, recursive=True, opts=self.invoke_opts)
            with config_errors():
                self.receipts = check_evidence(
                    self.cfg.migrations,
                    self.cfg.retire.value,
                    dict(zip(self.found.names, self.found.values, strict=True)),
                    self.data_path,
                )
        self.peer_cidr = self.cfg.traffic.blue.peering.peer_cidr if self.cfg.traffic.blue.peering is not None else None
        # What each color's compute is granted on the datasets' stores (read-only where it is not the writer).
        self.data_refs = DataRefs(
            self.cfg.migrations, self.peer_cidr, self.cfg.traffic.kind.value, self.cfg.green_weight
        )

    def shared_layers(self) -> None:
        """What this stack is (read by policies) and the layers every profile has."""
        # 1. What this stack is: profile, environment, budget and usage assumptions (read by policies).
        StackProfile("profile", StackProfileArgs(self.cfg), opts=self.with_provider)

        # 2. Shared layers. Web ACLs: one per scope, created on first use by whatever faces the internet.
        self.web_acls = SharedWebAcls(
            self.cfg.namer,
            self.cfg.waf.rate_limit,
            self.cfg.environment.log_retention_days,
            self.with_provider,
            self.edge_opts,
        )
        self.network = Network(
            "network",
            NetworkArgs(
                self.cfg.network,
                self.cfg.namer,
                self.cfg.region,
                self.zones,
                # Monitoring builds the alert topic last; its name and so its ARN are known now.
                alert_topic_arn=topic_arn(self.cfg.namer, "alerts", self.cfg.region, self.account_id),
            ),
            opts=self.with_provider,
        )
        self.storage = Storage(
            "storage", StorageArgs(self.cfg.storage, self.cfg.namer, self.account_id), opts=self.with_provider
        )
        self.secrets = GeneratedSecrets(
            "secrets", SecretsArgs(self.cfg.secrets, self.cfg.namer, self.cfg.environment), opts=self.with_provider
        )

    def data_stores(self) -> None:
        """Data stores the profile declares, and the static frontend (they belong to green)."""
        # 3. Data stores the profile declares, and the static frontend.
        # They belong to green (the target architecture). Cleanup (section 5): retire=green unprotects them
        # and keeps them (step 1); retireData=true then drops them from the stack (step 2).
        self.green_retired = self.cfg.retire is Retire.GREEN
        self.keep_green_data = not (self.green_retired and self.cfg.retire_data)
        self.green_data_opts = (
            pulumi.ResourceOptions.merge(
                self.with_provider, pulumi.ResourceOptions(transformations=[retiring("green")])
            )
            if self.green_retired
            else self.with_provider
        )
        # Store refs every compute variant may be granted (`uses:`); data-store components add theirs here.
        self.store_refs = {**self.storage.refs(), **self.secrets.refs()}
        self.tables = self.aurora = self.email = self.frontend = None
        if self.cfg.tables and self.keep_green_data:
            self.tables = Tables(
                "tables", TablesArgs(self.cfg.tables, self.cfg.namer, self.cfg.environment), opts=self.green_data_opts
            )
            self.store_refs |= self.tables.refs()
        if self.cfg.aurora is not None and self.keep_green_data:
            self.aurora = AuroraPostgres(
                "aurora",
                AuroraArgs(
                    self.cfg.aurora,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.network.vpc_id,
                    self.network.isolated_subnet_ids,
                    self.cfg.region,
                    self.account_id,
                ),
                opts=self.green_data_opts,
            )
            self.store_refs |= self.aurora.refs()
        self.postgres = None
        self.caches = {}
        self.data_subnets = {"isolated": self.network.isolated_subnet_ids, "private": self.network.private_subnet_ids}
        if (
            self.cfg.postgres is not None and self.keep_green_data
        ):  # RDS PostgreSQL; consumers reach its proxy when it has one
            self.postgres = PostgresDatabase(
                "postgres",
                PostgresArgs(
                    self.cfg.postgres,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.network.vpc_id,
                    self.data_subnets[self.cfg.postgres.subnets],
                    self.network.private_subnet_ids,
                    self.cfg.region,
                    self.account_id,
                ),
                opts=self.green_data_opts,
            )
            self.store_refs |= self.postgres.refs()
        # The databases: map: one RDS instance or Aurora cluster per name, database:<name> for services.
        self.databases = {}
        for db_cfg in self.cfg.databases if self.keep_green_data else ():
            db: Any
            if ENGINES[db_cfg.engine].cluster:
                db = AuroraCluster(
                    db_cfg.physical_name,
                    AuroraArgs(db_cfg, self.cfg.namer, self.cfg.environment, self.network.vpc_id,
                               self.network.isolated_subnet_ids, self.cfg.region, self.account_id,
                               proxy_subnet_ids=self.network.private_subnet_ids),
                    opts=self.green_data_opts,
                )
            else:
                db = RdsDatabase(
                    db_cfg.physical_name,
                    PostgresArgs(db_cfg, self.cfg.namer, self.cfg.environment, self.network.vpc_id,
                                 self.data_subnets[db_cfg.subnets], self.network.private_subnet_ids,
                                 self.cfg.region, self.account_id),
                    opts=self.green_data_opts,
                )
            self.databases[db_cfg.name] = db
            self.store_refs |= db.refs()
        for cache_cfg in (
            self.cfg.caches if self.keep_green_data else ()
        ):  # ElastiCache Redis, one replication group per cache
            self.caches[cache_cfg.name] = RedisCache(
                f"cache-{cache_cfg.name}",
                RedisArgs(
                    cache_cfg,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.network.vpc_id,
                    self.data_subnets[cache_cfg.subnets],
                ),
                opts=self.green_data_opts,
            )
            self.store_refs |= self.caches[cache_cfg.name].refs()
        # SQS queues (queue:<name>): send for producers, consume for workers (components/queues.py).
        self.queues = None
        if self.cfg.queues and self.keep_green_data:
            self.queues = Queues(
                "queues", QueuesArgs(self.cfg.queues, self.cfg.namer, self.cfg.environment, self.account_id),
                opts=self.green_data_opts,
            )
            self.store_refs |= self.queues.refs()
        if self.cfg.email is not None:
            self.email = EmailSender("email", EmailArgs(self.cfg.email, self.cfg.region), opts=self.with_provider)
            self.store_refs |= self.email.refs()
        # Stores outside the stack (existing:), by reference: refs only, no resource, so nothing can replace,
        # archive or delete them. A key the stack's own stores already hold is refused, never shadowed.
        with config_errors():
            self.store_refs |= existing_refs(self.cfg.existing, self.cfg.region, self.account_id,
                                             taken=self.store_refs)
        if self.cfg.frontend is not None and self.keep_green_data:
            self.frontend = StaticSite(
                "frontend",
                FrontendArgs(
                    self.cfg.frontend,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.account_id,
                    self.web_acls.cloudfront() if self.cfg.frontend.waf else None,
                ),
                opts=self.green_data_opts,
            )

    def green_color(self) -> None:
        """Green, built by its variant: a serverless color or an ECS color."""
        # 4. Application variants (serverless, ecs) per color.
        self.serverless = self.http_api = self.websocket_api = self.api_edge = self.green_sls = None
        self.pre_traffic_gate = self._pre_traffic_gate()  # opened by green between its new code and its traffic
        sls_gate = self.pre_traffic_gate if self.cfg.traffic.green.variant is GreenVariant.SERVERLESS else None
        if self.cfg.serverless.services and not self.green_retired:  # green's compute leaves with retire=green
            self.green_sls = self._serverless_color(
                "green",
                self.cfg.serverless,
                self.with_provider,
                alias_weights=alias_weights(
                    self.cfg.traffic, self.cfg.green_weight, retired_blue=self.cfg.retire is Retire.BLUE
                ),
                edge=self.cfg.edge,
                edge_web_acl_arn=self.web_acls.cloudfront() if self.cfg.waf.enabled else None,
                moved=True,  # built at the stack's top level before colors were components
                pre_traffic=sls_gate,
            )
            self.serverless, self.http_api = self.green_sls.app, self.green_sls.http_api
            self.websocket_api, self.api_edge = self.green_sls.websocket_api, self.green_sls.api_edge

        self.container_app = self.alb = self.cdn = self.devices = self.green_ecs = None
        # The ecs variant (seed 001), an ECS color. Its load balancer is deletion-protected in prod, so
        # retire=green only unguards it (step 1) and retireData=true removes it (step 2), like green's data;
        # retired, it runs no task.
        if self.cfg.container is not None and self.cfg.alb is not None and self.keep_green_data:
            assert self.cfg.container is not None and self.cfg.alb is not None
            # Built at the stack's top level before colors were components: same names, aliased there.
            self.green_ecs = self._ecs_color(
                "green",
                EcsColorConfig.single(self.cfg.container, self.cfg.alb, self.cfg.cdn, self.cfg.workers),
                self.green_retired,
                self.green_data_opts,
                build_cdn=not self.green_retired,  # green's distribution leaves at retire=green (step 1)
                physical_color="",
                alb_purpose="app",
                config_path="container",
                moved_from={"alb": "alb", "cdn": "cdn", self.cfg.container.name: "app"},
                pre_traffic=None if sls_gate is not None else self.pre_traffic_gate,
                monitoring_key="app",  # watched as the single top-level app it was: same alarm and widget names
            )
            self.alb, self.container_app, self.cdn = (
                self.green_ecs.alb,
                self.green_ecs.apps[self.cfg.container.name],
                self.green_ecs.cdn,
            )
            if self.cfg.devices is not None and not self.green_retired:
                self.devices = DeviceIngest(
                    "devices",
                    DeviceIngestArgs(
                        self.cfg.devices,
                        self.cfg.namer,
                        self.cfg.environment,
                        self.cfg.region,
                        self.account_id,
                        self.cdn.url if self.cdn is not None else f"https://{self.cfg.alb.domain_name}",
                        self.store_refs[f"secret:{self.cfg.devices.api_key_secret}"],
                        alert_email=self.cfg.alert_email,
                    ),
                    opts=self.with_provider,
                )

    @property
    def green(self) -> AppColor | None:
        """Green as the front door, rollback, monitoring, data plan and outputs see it (components/color.py)."""
        # The variant traffic.green names, not whichever was built first: a stack may build both (serverless
        # services beside a container), and the front door must point at the one the profile chose.
        built: AppColor | None = self.green_ecs if self.cfg.traffic.green.variant is GreenVariant.ECS \
            else self.green_sls
        return built

    @property
    def green_parts(self) -> list[AppColor]:
        """Everything built for green: the chosen variant first, then the other one when the stack builds it
        too (serverless services beside a container). Each part's alarms, writes and exports count."""
        chosen = self.green
        return [*([chosen] if chosen is not None else []),
                *(c for c in (self.green_sls, self.green_ecs) if c is not None and c is not chosen)]

    def blue_color(self) -> None:
        """Blue: external (nothing built here), an ECS color or a serverless color."""
        # Blue built with the ECS variant (seed 004's current system). Like green's ECS variant above, its
        # deletion-protected load balancer is unguarded by retire=blue (step 1) and leaves with retireData.
        self.blue_ecs = None
        self.blue_retired = self.cfg.retire is Retire.BLUE
        self.blue_opts = (
            pulumi.ResourceOptions.merge(self.with_provider, pulumi.ResourceOptions(transformations=[retiring("blue")]))
            if self.blue_retired
            else self.with_provider
        )
        if self.cfg.blue_ecs is not None and not (self.blue_retired and self.cfg.retire_data):
            self.blue_ecs = self._ecs_color("blue", self.cfg.blue_ecs, self.blue_retired, self.blue_opts)
        # Blue built with the serverless variant (a team's v1 functions behind an HTTP API): the same component
        # as green's, its names carrying the color. Like a serverless green it holds no state (the data stores
        # are the stack's), so it leaves with retire=blue itself: nothing to scale down or keep until retireData.
        self.blue_sls = None
        if self.cfg.blue_serverless is not None and not self.blue_retired:
            self.blue_sls = self._serverless_color(
                "blue", self.cfg.blue_serverless, self.blue_opts, color="blue", config_path="traffic.blue"
            )

    @property
    def blue(self) -> AppColor | None:
        """Blue when this stack builds it (ecs or serverless); None for an external blue."""
        built: AppColor | None = self.blue_ecs if self.blue_ecs is not None else self.blue_sls
        return built

    def _serverless_color(
        self, which: str, config: ServerlessConfig, opts: pulumi.ResourceOptions, **extra: Any
    ) -> ServerlessColor:
        """Either color with the serverless variant: one mechanism, whatever the color (``extra``: the color's
        own arguments; blue passes color="blue" for its physical names, green keeps the names it always had)."""
        with config_errors():
            return ServerlessColor(
                which,
                ServerlessColorArgs(
                    config,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.cfg.region,
                    self.data_refs.of(self.store_refs, Color(which)),
                    vpc=VpcPlacement(
                        self.network.vpc_id, self.network.private_subnet_ids, self.network.has_internet_egress
                    ),
                    **extra,
                ),
                opts=opts,
            )

    def _ecs_color(
        self, color: str, config: EcsColorConfig, retired: bool, opts: pulumi.ResourceOptions, **naming: Any
    ) -> EcsColor:
        """Either color with the ECS variant: one mechanism, whatever the color."""
        with config_errors():
            return EcsColor(
                color,
                EcsColorArgs(
                    config,
                    color,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.cfg.region,
                    self.account_id,
                    self.data_refs.of(self.store_refs, Color(color)),
                    self.network.vpc_id,
                    self.network.vpc_cidr,
                    self.network.public_subnet_ids,
                    self.network.private_subnet_ids,
                    alb_web_acl_arn=self.web_acls.regional() if config.alb.waf else None,
                    # CloudFront-scope web ACLs are created on first use: only for a color with a CDN.
                    cdn_web_acl_arn=self.web_acls.cloudfront()
                    if config.cdn is not None and naming.get("build_cdn", True) and self.cfg.waf.enabled
                    else None,
                    retired=retired,
                    **naming,
                ),
                opts=opts,
            )

    def build_front_door(self) -> None:
        """The front door between the two colors, moved by greenWeight."""
        # 5. Front door, traffic weights, rollback and cleanup.
        self.traffic = self.cfg.traffic
        self.front_door = self.rollback = self.archive = None
        with config_errors():  # every section's sample values: a preview warns, a deployment refuses
            check_placeholders(self.cfg)
        self.blue_ep = None
        if self.cfg.retire is not Retire.BLUE and self.traffic.blue.variant is BlueVariant.EXTERNAL:
            self.blue_ep = self._external_endpoint(self.traffic.blue)
        elif self.blue is not None and not self.blue_retired:  # the endpoint users reach it at today
            # alb kind: a serverless blue's one service behind a Lambda target group (traffic.blue.service).
            entry = lambda_endpoint_key(self.traffic.blue.service) if self.traffic.blue.service else self.blue.entry
            self.blue_ep = replace(self.blue.endpoints()[entry], health_check_path=self.traffic.blue.health_check_path)

        self.green_ep = None
        if not self.green_retired and self.traffic.kind in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53):
            self.green_ep = self._green_endpoint(self.traffic.green.endpoint, self.traffic.green.service)
        # More weighted names (traffic.frontDoor.extraNames): each its own blue (or the front door's) and the part
        # of green it reaches; a retired color is absent on every name.
        self.extra_names = [
            WeightedNameArgs(
                n,
                None if self.blue_ep is None else self._external_endpoint(n.blue) if n.blue else self.blue_ep,
                None
                if self.green_ep is None or n.green_endpoint is None
                else self._green_endpoint(n.green_endpoint, n.green_service, f"frontDoor.extraNames.{n.key}."),
            )
            for n in self.traffic.front_door.extra_names
        ]

        if self.traffic.kind in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53):
            # alb kind: each service green routes to directly gets its own listener rule(s) and target group.
            self.green_services = (
                self.green.routed_services()
                if self.traffic.kind is FrontDoorKind.ALB and self.green_ep is not None and self.green is not None
                else {}
            )
            with config_errors():
                self.front_door = FrontDoor(
                    "front-door",
                    FrontDoorArgs(
                        self.traffic,
                        self.cfg.namer,
                        self.cfg.environment,
                        self.cfg.green_weight,
                        self.account_id,
                        self.cfg.region,
                        self.blue_ep,
                        self.green_ep,
                        # The ALB sits in the public subnets: their route table gets the route to a peered legacy VPC.
                        placement=AlbPlacement(
                            self.network.vpc_id,
                            self.network.vpc_cidr,
                            self.network.public_subnet_ids,
                            self.network.public_route_table_ids,
                        ),
                        web_acl_arn=self.web_acls.regional()
                        if self.traffic.kind is FrontDoorKind.ALB and self.cfg.waf.enabled
                        else None,
                        green_services=self.green_services,
                        # The data plan: write methods to each dataset's writer, a user kept on one color for an hour.
                        write_routes=write_routes(self.cfg.migrations, self.cfg.serverless.of_kind(ServiceKind.API))
                        if self.traffic.kind is FrontDoorKind.ALB
                        else {},
                        stickiness_seconds=3600
                        if self.traffic.kind is FrontDoorKind.ALB and copied(self.cfg.migrations)
                        else None,
                        extra_names=self.extra_names,
                    ),
                    opts=self.with_provider,
                )
        elif self.traffic.kind is FrontDoorKind.ALIAS and self.green is not None and self.green.functions:
            self.front_door = FrontDoor(
                "front-door",
                FrontDoorArgs(
                    self.traffic,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.cfg.green_weight,
                    self.account_id,
                    self.cfg.region,
                    None,
                    Endpoint(),
                    function_names={svc: self.green.functions[svc] for svc in self.traffic.stable_versions},
                ),
                opts=self.with_provider,
            )

    @staticmethod
    def _external_endpoint(blue: BlueConfig) -> Endpoint:
        """An external blue (not built here) as the front door sees it."""
        return Endpoint(
            dns_name=blue.dns_name,
            zone_id=blue.zone_id,
            ips=blue.targets,
            port=blue.port,
            protocol=blue.protocol,
            health_check_path=blue.health_check_path,
        )

    def _green_endpoint(self, endpoint: GreenEndpoint, service: str | None, key: str = "") -> Endpoint:
        """The part of green a weighted name points at (``key``: the profile key prefix that chose it): one the
        color offers, or the static frontend (a green data-layer site, whatever the variant)."""
        offered = self.green.endpoints() if self.green is not None else {}
        if self.frontend is not None:
            offered["frontend"] = Endpoint(dns_name=self.frontend.domain_name, zone_id=CLOUDFRONT_ZONE_ID)
        chosen = lambda_endpoint_key(service or "") if endpoint is GreenEndpoint.LAMBDA else endpoint.value
        if chosen in offered:
            return offered[chosen]
        # the parser checks that the endpoint's section exists; this is a program error
        raise pulumi.RunError(
            f"traffic.{key or 'green.'}endpoint={endpoint.value}: the {self.traffic.green.variant.value} green "
            "built no such endpoint"
        )

    def build_rollback(self) -> None:
        """Automatic rollback while both colors are live."""
        # Automatic rollback while both colors are live. Alias kind: blue is each pinned service's stable
        # version, the live alias's primary; the rollback Lambda clears the additional (green) version weights.
        self.alias_rollback = self.traffic.kind is FrontDoorKind.ALIAS and bool(self.traffic.stable_versions)
        if self.alias_rollback and self.traffic.rollback.lambda_error_percent is None:
            pulumi.log.warn("no automatic rollback for frontDoor.kind=alias: set traffic.rollback.lambdaErrorPercent")
            self.alias_rollback = False
        if (
            self.front_door is not None
            and self.cfg.retire is Retire.NONE
            and (self.traffic.kind is not FrontDoorKind.ALIAS or self.alias_rollback)
        ):
            # What green offers: its functions (those the front door reaches) and API, or its own load balancer.
            services: list[str] | None = None
            alias = None
            if self.traffic.kind is FrontDoorKind.ALB and self.traffic.green.service:
                services = sorted({self.traffic.green.service, *self.front_door.service_target_group_arns})
            elif self.traffic.kind is FrontDoorKind.ALIAS:  # green: the new version behind each pinned alias
                services, alias = sorted(self.traffic.stable_versions), self.front_door.rollback_target.alias_name
            offered = self.green.rollback_metrics(services, alias) if self.green is not None else RollbackMetrics()
            self.alb_metrics, self.lambda_metrics = offered.alb, offered.lambdas
            self.api_ids = dict(offered.http_api_ids)
            if self.traffic.kind is FrontDoorKind.ALB:
                assert self.front_door.load_balancer_arn_suffix is not None
                # Every routed service's target group is watched (the default action's is target_group_suffix).
                self.alb_metrics = AlbMetrics(
                    self.front_door.load_balancer_arn_suffix,
                    self.front_door.target_group_arn_suffixes["green"],
                    lambda_target=True,
                    service_target_groups={
                        svc: suffix
                        for svc, suffix in self.front_door.service_target_group_arn_suffixes.items()
                        if svc != self.traffic.green.service
                    },
                )
            self.rollback = Rollback(
                "rollback",
                RollbackArgs(
                    self.traffic.rollback,
                    self.front_door.rollback_target,
                    self.cfg.namer,
                    self.cfg.environment,
                    self.cfg.region,
                    self.account_id,
                    alb=self.alb_metrics,
                    lambdas=self.lambda_metrics,
                    http_api_ids=self.api_ids,
                    alert_email=self.cfg.alert_email,
                ),
                opts=self.with_provider,
            )

    def promotion(self) -> None:
        """Promotion evidence: the stage record and the smoke test."""
        # Promotion evidence (docs/runbooks/promotion.md): the stage record says when this weight took effect and
        # where the gates read; the smoke test runs the profile's checks against green after every deployment of it.
        self.stage_record = self.smoke = None
        if self.front_door is not None and self.cfg.retire is Retire.NONE and self.cfg.promotion is not None:
            self.green_version, self.smoke_url, self.smoke_functions = promotion_inputs(
                self.cfg,
                self.serverless,
                self.container_app,
                self.http_api,
                self.api_edge,
                self.frontend,
                self.cdn,
                self.alb,
            )
            if self.smoke_url is not None or self.smoke_functions:
                self.smoke = SmokeTest(
                    "smoke",
                    SmokeTestArgs(
                        self.cfg.namer,
                        self.cfg.environment,
                        self.cfg.promotion.smoke_tests,
                        self.green_version,
                        self.smoke_url,
                        self.smoke_functions,
                    ),
                    opts=self.with_provider,
                )
            self.pre_traffic = self.pre_traffic_gate.pre_traffic if self.pre_traffic_gate is not None else None
            self.green_src, self.blue_src = metric_sources(
                self.cfg, self.front_door, self.serverless, self.http_api, self.alb, self.blue_ecs,
                self.blue_sls.http_api if self.blue_sls is not None else None,
            )
            self.stage_record = StageRecord(
                "stage",
                StageRecordArgs(
                    self.cfg.namer,
                    self.cfg.green_weight,
                    self.traffic.stages,
                    self.cfg.promotion,
                    self.green_version,
                    self.smoke.result_parameter_name if self.smoke is not None else None,
                    alarm_names=[self.rollback.composite.alarm_name, *self.rollback.alarm_names]
                    if self.rollback is not None
                    else [],
                    green=self.green_src,
                    blue=self.blue_src,
                    front_door=[self.front_door],
                    pre_traffic_parameter=self.pre_traffic.record_parameter_name
                    if self.pre_traffic is not None
                    else None,
                ),
                opts=self.with_provider,
            )

    def _pre_traffic_gate(self) -> PreTrafficGate | None:
        """Green's pre-traffic command (preTraffic:), run by the deployment once per green version: the color
        opens the gate after its new versions / task definition and before its aliases / services, which
        depend on the invocation (components/pre_traffic.py), so no traffic reaches the new code first."""
        spec = self.cfg.pre_traffic
        if spec is None or self.cfg.retire is not Retire.NONE or self.cfg.promotion is None:
            return None

        def build(target: LambdaRun | EcsRun, functions: Any, task_definition: Any) -> PreTraffic:
            if functions is None and self.serverless is not None:  # ECS green next to functions: both count
                functions = self.serverless.functions
            # The version the stage record names (promotion_inputs): the gate compares the two.
            version = green_version_id(functions, task_definition)
            return PreTraffic(
                "pretraffic",
                PreTrafficArgs(self.cfg.namer, self.cfg.environment, spec, version, self.cfg.region,
                               self.account_id, target),
                opts=self.with_provider,
            )

        return PreTrafficGate(spec.service, build)

    def cleanup(self) -> None:
        """Cleanup: the retired color's data is archived before it leaves."""
        # Cleanup: the retired color's data is archived from here (step 1) before it leaves (step 2).
        if self.cfg.retire is not Retire.NONE:
            self.retired_dbs = (
                [ArchivedDatabase("database:main", self.aurora.cluster_identifier, cluster=True)]
                if self.aurora is not None and self.green_retired
                else []
            )
            if self.postgres is not None and self.green_retired:
                self.retired_dbs.append(
                    ArchivedDatabase("database:main", self.postgres.instance_identifier, cluster=False)
                )
            if self.green_retired:  # the databases: map's, each by its own identifier
                self.retired_dbs += [
                    ArchivedDatabase(f"database:{n}", d.cluster_identifier, cluster=True)
                    if isinstance(d, AuroraCluster)
                    else ArchivedDatabase(f"database:{n}", d.instance_identifier, cluster=False)
                    for n, d in self.databases.items()
                ]
            if self.cfg.retire is Retire.BLUE:  # blue's databases live outside this stack: archived by identifier
                self.retired_dbs += [
                    ArchivedDatabase(f"blue:{d.identifier}", d.identifier, d.cluster)
                    for d in self.traffic.blue.databases
                ]
            self.retired_tables = (
                [ArchivedTable(n, arn) for n, arn in sorted(self.tables.arns.items())]
                if self.tables is not None and self.green_retired
                else []
            )
            self.archive = Archive(
                "archive",
                ArchiveArgs(
                    self.cfg.namer,
                    self.cfg.environment,
                    self.account_id,
                    self.cfg.region,
                    self.cfg.retire.value,
                    self.retired_dbs,
                    self.retired_tables,
                    receipts=self.receipts if self.blue_retired else {},
                ),
                opts=self.with_provider,
            )

    def build_monitoring(self) -> None:
        """Monitoring: the alarms the components declared, the dashboard, the budget."""
        # 6. Monitoring, alarms and budget: the seeds' thresholds on whatever this stack runs.
        colors: list[AppColor] = [*self.green_parts, *([self.blue] if self.blue is not None else [])]
        self.albs = {}
        self.ecs_services = {}
        lambda_functions: dict[str, Any] = {}
        http_apis: dict[str, Any] = {}
        for color in colors:  # each color's own widgets, under keys that name it
            watched = color.monitoring_targets()
            lambda_functions |= watched.lambda_functions
            http_apis |= watched.http_apis
            self.albs |= watched.albs
            self.ecs_services |= watched.ecs_services
        if self.front_door is not None and self.front_door.load_balancer_arn_suffix is not None:
            self.albs["front"] = AlbTarget(self.front_door.load_balancer_arn_suffix)
        # Every component declares its alarms (components/alarms.py); the seeds' thresholds replace the defaults.
        self.alarmed = [
            c
            for c in (
                *colors,
                self.postgres,
                self.tables,
                self.front_door,
                self.rollback,
                self.devices,
            )
            if c is not None
        ]
        self.declared = [a for c in self.alarmed for a in c.monitoring_alarms()]
        self.declared += [a for d in self.databases.values() if isinstance(d, RdsDatabase)
                          for a in d.monitoring_alarms()]
        if self.queues is not None:  # depth and oldest-message age per queue, depth per dead-letter queue
            self.declared += self.queues.monitoring_alarms()
        self.monitoring = Monitoring(
            "monitoring",
            MonitoringArgs(
                self.cfg.monitoring,
                self.cfg.namer,
                self.cfg.region,
                self.account_id,
                self.cfg.budget,
                self.cfg.tags["cutover:stack"],
                self.cfg.alert_email,
                alarms=self.declared,
                targets=MonitoringTargets(
                    lambda_functions=lambda_functions,
                    http_apis=http_apis,
                    rds={
                        **(
                            {
                                "main": RdsTarget(
                                    self.postgres.instance_identifier,
                                    self.postgres.instance_class,
                                    self.postgres.allocated_storage_gb,
                                )
                            }
                            if self.postgres is not None
                            else {}
                        ),
                        **{
                            n: RdsTarget(d.instance_identifier, d.instance_class, d.allocated_storage_gb,
                                         d.engine.name)
                            for n, d in self.databases.items()
                            if isinstance(d, RdsDatabase)
                        },
                    },
                    albs=self.albs,
                    ecs_services=self.ecs_services,
                    dynamodb_tables=dict(self.tables.names) if self.tables is not None else {},
                ),
            ),
            opts=self.with_provider,
        )

    def data_plan(self) -> None:
        """Data: DMS replication, the verifier and the DataPlan record."""
        # 7. Data: DMS replication and the verifier while blue is live, and the DataPlan record of who can write
        # which copy, from the grants the compute above was actually given (docs/runbooks/data-migration.md).
        self.data = None
        if self.cfg.migrations:
            # Each color says what its compute was granted to change (components/color.py: writes).
            self.green_writes = {k for part in self.green_parts for k in part.writes}
            self.blue_writes = set(self.blue.writes) if self.blue is not None else set()
            self.targets = Targets(
                database_engine="aurora-postgresql"
                if self.aurora is not None
                else "postgres"
                if self.postgres is not None
                else None,
                database_host=self.aurora.endpoint
                if self.aurora is not None
                else self.postgres.instance_address
                if self.postgres
                else None,
                database_name=self.cfg.aurora.database_name
                if self.cfg.aurora and self.aurora
                else self.cfg.postgres.database_name
                if self.cfg.postgres and self.postgres
                else "",
                database_secret_arn=self.aurora.secret_arn
                if self.aurora is not None
                else self.postgres.secret_arn
                if self.postgres
                else None,
                database_security_group_id=self.aurora.security_group_id
                if self.aurora is not None
                else self.postgres.security_group_id
                if self.postgres
                else None,
                table_names=dict(self.tables.names) if self.tables is not None else {},
                table_arns=dict(self.tables.arns) if self.tables is not None else {},
                table_keys={t.name: (t.hash_key, t.range_key) for t in self.cfg.tables},
                # The databases: map's, reached at the instance or the cluster's writer (never the proxy).
                databases={
                    f"database:{n}": DatabaseTarget(
                        d.engine.name,
                        d.writer_endpoint if isinstance(d, AuroraCluster) else d.instance_address,
                        d.engine.port,
                        d.database_name,
                        d.secret_arn,
                        d.security_group_id,
                    )
                    for n, d in self.databases.items()
                },
            )
            with config_errors():
                self.data = build_data(
                    DataPlanArgs(
                        self.cfg.namer,
                        self.cfg.green_weight,
                        self.traffic.kind.value,
                        self.cfg.migrations,
                        frozenset(self.green_writes),
                        frozenset(self.blue_writes),
                        self.blue_retired,
                        {},
                    ),
                    self.targets,
                    peer_cidr=self.peer_cidr,
                    vpc_id=self.network.vpc_id,
                    subnet_ids=self.network.private_subnet_ids,
                    alert_topic_arn=self.monitoring.topic.arn,
                    region=self.cfg.region,
                    account_id=self.account_id,
                    log_retention_days=self.cfg.environment.log_retention_days,
                    green_present=self.keep_green_data and not self.green_retired,
                    opts=self.with_provider,
                )
            # Built after Monitoring (it notifies Monitoring's topic): its declared alarms are rendered now.
            if self.data is not None and self.data.verifier is not None:
                self.monitoring.render_alarms(self.data.verifier.monitoring_alarms())

    def outputs(self) -> None:
        """Outputs: identifiers only; secret values never leave Secrets Manager."""
        # 8. Outputs: identifiers only; secret values never leave Secrets Manager.
        pulumi.export("profile", self.cfg.profile)
        pulumi.export("environment", self.cfg.environment.name.value)
        pulumi.export("vpcId", self.network.vpc_id)
        pulumi.export("buckets", {purpose: b.bucket_name for purpose, b in self.storage.buckets.items()})
        pulumi.export("secretArns", self.secrets.arns)
        pulumi.export("alertTopicArn", self.monitoring.topic.arn)
        if self.cfg.existing:  # used by reference, never managed: the plan lists them as "existing"
            pulumi.export("existing", existing_summary(self.cfg.existing, self.cfg.region, self.account_id))
        if self.tables is not None:
            pulumi.export("tables", self.tables.names)
        if self.aurora is not None:
            pulumi.export(
                "aurora",
                {
                    "endpoint": self.aurora.endpoint,
                    "readerEndpoint": self.aurora.reader_endpoint,
                    "port": 5432,
                    "secretArn": self.aurora.secret_arn,
                    "securityGroupId": self.aurora.security_group_id,
                },
            )
        if self.postgres is not None:
            pulumi.export(
                "postgres",
                {
                    "endpoint": self.postgres.endpoint,
                    "instanceIdentifier": self.postgres.instance_identifier,
                    "proxyName": self.postgres.proxy_name,
                    "port": 5432,
                    "secretArn": self.postgres.secret_arn,
                    "securityGroupId": self.postgres.security_group_id,
                },
            )
        if self.databases:  # the databases: map, by name
            pulumi.export(
                "databases",
                {
                    n: {
                        "engine": d.engine.name,
                        "endpoint": d.endpoint,
                        "port": d.engine.port,
                        "identifier": d.cluster_identifier if isinstance(d, AuroraCluster) else d.instance_identifier,
                        "proxyName": d.proxy_name,
                        "secretArn": d.secret_arn,
                        "securityGroupId": d.security_group_id,
                    }
                    for n, d in self.databases.items()
                },
            )
        if self.caches:
            pulumi.export(
                "caches",
                {
                    n: {
                        "primaryEndpoint": c.primary_endpoint,
                        "replicationGroupId": c.replication_group_id,
                        "authSecretArn": c.auth_secret_arn,
                    }
                    for n, c in self.caches.items()
                },
            )
        # green's own; the chosen variant's win a shared name
        exported = {k: v for part in reversed(self.green_parts) for k, v in part.exports().items()}
        for name, value in exported.items():
            pulumi.export(name, value)
        if self.devices is not None:
            pulumi.export(
                "devices",
                {
                    "topicFilter": self.devices.topic_filter,
                    "function": self.devices.function.name,
                    "ruleName": self.devices.topic_rule.name,
                    "devicePolicy": self.devices.device_policy.name,
                },
            )
        if self.email is not None:
            pulumi.export("sesIdentityArn", self.email.identity_arn)
            pulumi.export("sesDkimTokens", self.email.dkim_tokens)
            pulumi.export("sesDnsRecords", self.email.dkim_records.apply(lambda r: r + self.email.mail_from_records))
        if self.frontend is not None:
            pulumi.export(
                "frontend",
                {
                    "domainName": self.frontend.domain_name,
                    "distributionId": self.frontend.distribution_id,
                    "bucket": self.frontend.bucket_name,
                },
            )
        if self.front_door is not None:
            pulumi.export(
                "frontDoor",
                {
                    "kind": self.front_door.kind.value,
                    "greenShare": self.front_door.green_share,
                    "listenerArn": self.front_door.listener_arn,
                    "dnsName": self.front_door.dns_name,
                    "targetGroupArns": self.front_door.target_group_arns,
                    "securityGroupId": self.front_door.security_group_id,
                    "zoneId": self.front_door.zone_id,
                    "recordName": self.front_door.record_name,
                    "recordType": self.front_door.record_type,
                    "healthCheckIds": self.front_door.health_check_ids,
                    "functionNames": self.front_door.function_names,
                },
            )
        if self.rollback is not None:
            pulumi.export(
                "rollback",
                {
                    "compositeAlarm": self.rollback.composite.alarm_name,
                    "alarms": self.rollback.alarm_names,
                    "function": self.rollback.function.name,
                    "topicArn": self.rollback.topic.arn,
                    "recordParameter": self.rollback.record_parameter_name,
                },
            )
        if self.stage_record is not None:
            pulumi.export(
                "promotion",
                {
                    "weightParameter": self.stage_record.weight_parameter_name,
                    "targetsParameter": self.stage_record.targets_parameter_name,
                    "smokeParameter": self.smoke.result_parameter_name if self.smoke is not None else None,
                    **({"preTrafficParameter": self.pre_traffic.record_parameter_name}
                       if self.pre_traffic is not None else {}),
                },
            )
        if self.data is not None:
            pulumi.export(
                "data",
                {
                    "writerParameters": self.data.plan.writer_parameters,
                    "receiptParameters": self.data.verifier.receipt_parameters if self.data.verifier else {},
                    "migrations": {n: m.replication_arn for n, m in self.data.migrations.items()},
                },
            )
        if self.archive is not None:
            pulumi.export(
                "archive",
                {
                    "bucket": self.archive.bucket_name,
                    "kmsKeyArn": self.archive.key_arn,
                    "exportRoleArn": self.archive.export_role_arn,
                    "commands": self.archive.commands,
                },
            )
