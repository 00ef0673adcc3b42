"""Cutover: one stack = one application profile in one environment.

Read top to bottom: parse the configuration once, then build the shared layers every profile
has (network, storage, secrets), then the variants and the front door the profile declares.
"""

import pulumi
import pulumi_aws as aws

from components import (
    AlbTarget,
    ApiEdge,
    ApiEdgeArgs,
    EcsTarget,
    GeneratedSecrets,
    HttpApi,
    HttpApiArgs,
    Monitoring,
    MonitoringArgs,
    MonitoringTargets,
    Network,
    NetworkArgs,
    RdsTarget,
    SecretsArgs,
    ServerlessApp,
    ServerlessAppArgs,
    SharedWebAcls,
    StackProfile,
    StackProfileArgs,
    Storage,
    StorageArgs,
    VpcPlacement,
    WebSocketApi,
    WebSocketApiArgs,
    aws_provider,
    config_errors,
    edge_provider,
)
from components.alb import AlbArgs, AppLoadBalancer
from components.archive import Archive, ArchiveArgs, ArchivedDatabase, ArchivedTable, retiring
from components.aurora import AuroraArgs, AuroraPostgres
from components.cdn import AppCdn, CdnArgs
from components.container_app import ContainerApp, ContainerAppArgs, LoadBalancerAttachment
from components.data_plan import DataPlanArgs, DataRefs, Targets, build_data, write_grants, write_routes
from components.device_ingest import DeviceIngest, DeviceIngestArgs
from components.dynamodb import Tables, TablesArgs
from components.ecs_color import EcsColor, EcsColorArgs
from components.front_door import (
    CLOUDFRONT_ZONE_ID,
    AlbPlacement,
    Endpoint,
    FrontDoor,
    FrontDoorArgs,
    GreenService,
    alias_weights,
)
from components.frontend import FrontendArgs, StaticSite
from components.postgres import PostgresArgs, PostgresDatabase
from components.redis import RedisArgs, RedisCache
from components.refs import StoreRef
from components.rollback import AlbMetrics, LambdaMetrics, Rollback, RollbackArgs
from components.ses import EmailArgs, EmailSender
from components.smoke_test import SmokeTest, SmokeTestArgs
from components.stage_record import StageRecord, StageRecordArgs, metric_sources, promotion_inputs
from cutover.config import BlueVariant, FrontDoorKind, GreenEndpoint, GreenVariant, Retire, ServiceKind
from cutover.config.migrations import Color
from cutover.config.source import check_placeholders, load_stack_config
from cutover.data_guard import check_evidence, copied
from cutover.rollback_guard import check_record_value

with config_errors():
    cfg = load_stack_config()

provider = aws_provider(cfg)
with_provider = pulumi.ResourceOptions(provider=provider)
edge_opts = pulumi.ResourceOptions(provider=edge_provider(cfg, provider))  # CLOUDFRONT-scope web ACLs
invoke_opts = pulumi.InvokeOptions(provider=provider)
account_id = aws.get_caller_identity(opts=invoke_opts).account_id
zones = aws.get_availability_zones(state="available", opts=invoke_opts).names

# 0. An automatic rollback (recorded by the rollback Lambda) is never undone by the next update: read
# before anything is registered, since the engine applies resources as the program registers them.
# By path, because the record does not exist before the first deployment.
# Anything but a valid "clear" record (a partial or unreadable one too) counts as rolled back.
record_name = cfg.namer.path("rollback", "record")
recorded = aws.ssm.get_parameters_by_path(path=cfg.namer.path("rollback"), opts=invoke_opts)
record_value = dict(zip(recorded.names, recorded.values, strict=True)).get(record_name)
with config_errors():
    record_warning = check_record_value(cfg.green_weight, cfg.rollback_ack, record_name, record_value, cfg.stack)
if record_warning:
    pulumi.log.warn(record_warning)
# 0b. The data plan's evidence, read the same way (cutover/data_guard.py): a dataset's writer moves to green,
# and blue retires, only on a verification receipt that proves green holds everything blue wrote.
receipts: dict[str, str] = {}
if cfg.migrations:
    data_path = cfg.namer.path("data")
    found = aws.ssm.get_parameters_by_path(path=data_path, recursive=True, opts=invoke_opts)
    with config_errors():
        receipts = check_evidence(cfg.migrations, cfg.retire.value,
                                  dict(zip(found.names, found.values, strict=True)), data_path)
peer_cidr = cfg.traffic.blue.peering.peer_cidr if cfg.traffic.blue.peering is not None else None
# What each color's compute is granted on the datasets' stores (read-only where it is not the writer).
data_refs = DataRefs(cfg.migrations, peer_cidr, cfg.traffic.kind.value, cfg.green_weight)

# 1. What this stack is: profile, environment, budget and usage assumptions (read by policies).
StackProfile("profile", StackProfileArgs(cfg), opts=with_provider)

# 2. Shared layers. Web ACLs: one per scope, created on first use by whatever faces the internet.
web_acls = SharedWebAcls(cfg.namer, cfg.waf.rate_limit, cfg.environment.log_retention_days, with_provider, edge_opts)
network = Network("network", NetworkArgs(cfg.network, cfg.namer, cfg.region, zones), opts=with_provider)
storage = Storage("storage", StorageArgs(cfg.storage, cfg.namer, account_id), opts=with_provider)
secrets = GeneratedSecrets("secrets", SecretsArgs(cfg.secrets, cfg.namer, cfg.environment), opts=with_provider)

# 3. Data stores the profile declares, and the static frontend.
# They belong to green (the target architecture). Cleanup (section 5): retire=green unprotects them
# and keeps them (step 1); retireData=true then drops them from the stack (step 2).
green_retired = cfg.retire is Retire.GREEN
keep_green_data = not (green_retired and cfg.retire_data)
green_data_opts = pulumi.ResourceOptions.merge(with_provider, pulumi.ResourceOptions(
    transformations=[retiring("green")])) if green_retired else with_provider
# Store refs every compute variant may be granted (`uses:`); data-store components add theirs here.
store_refs: dict[str, StoreRef] = {**storage.refs(), **secrets.refs()}
tables = aurora = email = frontend = None
if cfg.tables and keep_green_data:
    tables = Tables("tables", TablesArgs(cfg.tables, cfg.namer, cfg.environment), opts=green_data_opts)
    store_refs |= tables.refs()
if cfg.aurora is not None and keep_green_data:
    aurora = AuroraPostgres("aurora", AuroraArgs(cfg.aurora, cfg.namer, cfg.environment, network.vpc_id,
                                                 network.isolated_subnet_ids, cfg.region, account_id),
                            opts=green_data_opts)
    store_refs |= aurora.refs()
postgres = None
caches: dict[str, RedisCache] = {}
data_subnets = {"isolated": network.isolated_subnet_ids, "private": network.private_subnet_ids}
if cfg.postgres is not None and keep_green_data:  # RDS PostgreSQL; consumers reach its proxy when it has one
    postgres = PostgresDatabase("postgres", PostgresArgs(
        cfg.postgres, cfg.namer, cfg.environment, network.vpc_id, data_subnets[cfg.postgres.subnets],
        network.private_subnet_ids, cfg.region, account_id), opts=green_data_opts)
    store_refs |= postgres.refs()
for cache_cfg in cfg.caches if keep_green_data else ():  # ElastiCache Redis, one replication group per cache
    caches[cache_cfg.name] = RedisCache(f"cache-{cache_cfg.name}", RedisArgs(
        cache_cfg, cfg.namer, cfg.environment, network.vpc_id, data_subnets[cache_cfg.subnets]), opts=green_data_opts)
    store_refs |= caches[cache_cfg.name].refs()
if cfg.email is not None:
    email = EmailSender("email", EmailArgs(cfg.email, cfg.region), opts=with_provider)
    store_refs |= email.refs()
if cfg.frontend is not None and keep_green_data:
    frontend = StaticSite("frontend", FrontendArgs(cfg.frontend, cfg.namer, cfg.environment, account_id,
                                                   web_acls.cloudfront() if cfg.frontend.waf else None),
                          opts=green_data_opts)

# 4. Application variants (serverless, ecs) per color.
serverless = http_api = websocket_api = api_edge = None
if cfg.serverless.services and not green_retired:  # green's compute leaves with retire=green
    sls = cfg.serverless
    if sls.websocket is not None:  # first: its ManageConnections ref goes into the handler's role
        websocket_api = WebSocketApi("websocket", WebSocketApiArgs(sls.websocket, cfg.namer, cfg.region,
                                                                   cfg.environment.log_retention_days),
                                     opts=with_provider)
        store_refs[websocket_api.ref.key] = websocket_api.ref
    with config_errors():
        serverless = ServerlessApp("serverless", ServerlessAppArgs(
            sls, cfg.namer, cfg.environment, data_refs.of(store_refs, Color.GREEN),
            vpc=VpcPlacement(network.vpc_id, network.private_subnet_ids, network.has_internet_egress),
            alias_weights=alias_weights(cfg.traffic, cfg.green_weight, retired_blue=cfg.retire is Retire.BLUE),
        ), opts=with_provider)
    if websocket_api is not None and sls.websocket is not None:
        websocket_api.attach(serverless.targets[sls.websocket.service])
    if sls.http_api is not None:
        http_api = HttpApi("http-api", HttpApiArgs(sls.http_api, sls.http_routes(), serverless.targets, cfg.namer,
                                                   cfg.environment.log_retention_days), opts=with_provider)
        if cfg.edge.enabled:
            api_edge = ApiEdge("api-edge", ApiEdgeArgs(cfg.edge, cfg.namer, http_api.api_endpoint,
                                                       web_acls.cloudfront() if cfg.waf.enabled else None),
                               opts=with_provider)

container_app = alb = cdn = devices = None
# The ecs variant (seed 001). Its load balancer is deletion-protected in prod, so retire=green only
# unguards it (step 1) and retireData=true removes it (step 2), like green's data.
if cfg.container is not None and cfg.alb is not None and keep_green_data:
    ctr = cfg.container
    alb = AppLoadBalancer("alb", AlbArgs(
        cfg.alb, cfg.namer, cfg.environment, cfg.region, account_id, network.vpc_id, network.vpc_cidr,
        network.public_subnet_ids, ctr.port, ctr.health_path, ctr.deregistration_delay,
        cloudfront_only=cfg.cdn is not None, web_acl_arn=web_acls.regional() if cfg.alb.waf else None),
        opts=green_data_opts)
    with config_errors():
        container_app = ContainerApp("app", ContainerAppArgs(
            ctr, cfg.namer, cfg.environment, cfg.region, account_id,
            data_refs.of(store_refs, Color.GREEN), network.vpc_id,
            network.private_subnet_ids, LoadBalancerAttachment(
                alb.security_group_id, alb.target_group_arn, alb.arn_suffix, alb.target_group_arn_suffix,
                listeners=[alb.https_listener, alb.http_listener, *alb.https_rules])), opts=green_data_opts)
    if cfg.cdn is not None and cfg.alb.domain_name is not None and not green_retired:
        cdn = AppCdn("cdn", CdnArgs(cfg.cdn, cfg.namer, cfg.alb.domain_name,
                                    web_acls.cloudfront() if cfg.waf.enabled else None, alb.origin_verify),
                     opts=with_provider)
    if cfg.devices is not None and not green_retired:
        devices = DeviceIngest("devices", DeviceIngestArgs(
            cfg.devices, cfg.namer, cfg.environment, cfg.region, account_id,
            cdn.url if cdn is not None else f"https://{cfg.alb.domain_name}",
            store_refs[f"secret:{cfg.devices.api_key_secret}"], alert_email=cfg.alert_email), opts=with_provider)

# Blue built with the ECS variant (seed 004's current system). Like green's ECS variant above, its
# deletion-protected load balancer is unguarded by retire=blue (step 1) and leaves with retireData.
blue_ecs = None
blue_retired = cfg.retire is Retire.BLUE
blue_opts = pulumi.ResourceOptions.merge(with_provider, pulumi.ResourceOptions(
    transformations=[retiring("blue")])) if blue_retired else with_provider
if cfg.blue_ecs is not None and not (blue_retired and cfg.retire_data):
    bcfg = cfg.blue_ecs
    with config_errors():
        blue_ecs = EcsColor("blue", EcsColorArgs(
            bcfg, "blue", cfg.namer, cfg.environment, cfg.region, account_id,
            data_refs.of(store_refs, Color.BLUE), network.vpc_id,
            network.vpc_cidr, network.public_subnet_ids, network.private_subnet_ids,
            alb_web_acl_arn=web_acls.regional() if bcfg.alb.waf else None,
            cdn_web_acl_arn=web_acls.cloudfront() if bcfg.cdn is not None and cfg.waf.enabled else None),
            opts=blue_opts)

# 5. Front door, traffic weights, rollback and cleanup.
traffic = cfg.traffic
front_door = rollback = archive = None
with config_errors():  # every section's sample values: a preview warns, a deployment refuses
    check_placeholders(cfg)
blue_ep: Endpoint | None = None
if cfg.retire is not Retire.BLUE and traffic.blue.variant is BlueVariant.EXTERNAL:
    b = traffic.blue
    blue_ep = Endpoint(dns_name=b.dns_name, zone_id=b.zone_id, ips=b.targets, port=b.port, protocol=b.protocol,
                      health_check_path=b.health_check_path)
elif blue_ecs is not None and not blue_retired:
    blue_ep = Endpoint(dns_name=blue_ecs.endpoint_dns_name, zone_id=blue_ecs.endpoint_zone_id,
                      health_check_fqdn=blue_ecs.health_check_fqdn, health_check_path=traffic.blue.health_check_path)

green_ep: Endpoint | None = None
if not green_retired and traffic.kind in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53):
    endpoint = traffic.green.endpoint
    if endpoint is GreenEndpoint.LAMBDA and serverless is not None and traffic.green.service:
        green_ep = Endpoint(alias_arn=serverless.aliases[traffic.green.service].arn)
    elif endpoint is GreenEndpoint.HTTP_API and http_api is not None:
        api_host = http_api.api_endpoint.apply(lambda u: u.split("://", 1)[-1])
        target = http_api.domain_target
        # Without a custom domain the record points at the execute-api host, whose certificate does
        # not cover the record's name: set httpApi.domainName + certificateArn before shifting traffic.
        green_ep = Endpoint(dns_name=target.target_domain_name if target else api_host,
                            zone_id=target.hosted_zone_id if target else None, health_check_fqdn=api_host)
    elif endpoint is GreenEndpoint.EDGE and api_edge is not None:
        green_ep = Endpoint(dns_name=api_edge.domain_name, zone_id=CLOUDFRONT_ZONE_ID)
    elif endpoint is GreenEndpoint.FRONTEND and frontend is not None:
        green_ep = Endpoint(dns_name=frontend.domain_name, zone_id=CLOUDFRONT_ZONE_ID)
    elif endpoint is GreenEndpoint.CDN and cdn is not None:
        green_ep = Endpoint(dns_name=cdn.domain_name, zone_id=CLOUDFRONT_ZONE_ID)
    elif endpoint is GreenEndpoint.ALB and alb is not None:
        green_ep = Endpoint(dns_name=alb.dns_name, zone_id=alb.zone_id, health_check_fqdn=alb.public_name)
    else:  # the parser checks that the endpoint's section exists; this is a program error
        raise pulumi.RunError(f"traffic.green.endpoint={endpoint.value}: the {traffic.green.variant.value} green "
                              "built no such endpoint")

if traffic.kind in (FrontDoorKind.ALB, FrontDoorKind.ROUTE53):
    # alb kind, serverless green: each service with HTTP routes gets its own listener rule(s) and target group.
    green_services = {s.name: GreenService(serverless.aliases[s.name].arn, tuple(r.path for r in s.routes))
                      for s in cfg.serverless.of_kind(ServiceKind.API) if s.routes} \
        if traffic.kind is FrontDoorKind.ALB and green_ep is not None and serverless is not None else {}
    with config_errors():
        front_door = FrontDoor("front-door", FrontDoorArgs(
            traffic, cfg.namer, cfg.environment, cfg.green_weight, account_id, cfg.region, blue_ep, green_ep,
            # The ALB sits in the public subnets: their route table gets the route to a peered legacy VPC.
            placement=AlbPlacement(network.vpc_id, network.vpc_cidr, network.public_subnet_ids,
                                   network.public_route_table_ids),
            web_acl_arn=web_acls.regional() if traffic.kind is FrontDoorKind.ALB and cfg.waf.enabled else None,
            green_services=green_services,
            # The data plan: write methods to each dataset's writer, and a user kept on one color for an hour.
            write_routes=write_routes(cfg.migrations, cfg.serverless.of_kind(ServiceKind.API))
            if traffic.kind is FrontDoorKind.ALB else {},
            stickiness_seconds=3600 if traffic.kind is FrontDoorKind.ALB and copied(cfg.migrations) else None),
        opts=with_provider)
elif traffic.kind is FrontDoorKind.ALIAS and serverless is not None:
    front_door = FrontDoor("front-door", FrontDoorArgs(
        traffic, cfg.namer, cfg.environment, cfg.green_weight, account_id, cfg.region, None, Endpoint(),
        function_names={svc: serverless.functions[svc].name for svc in traffic.stable_versions}),
        opts=with_provider)

# Automatic rollback while both colors are live. Alias kind: blue is each pinned service's stable
# version, the live alias's primary; the rollback Lambda clears the additional (green) version weights.
alias_rollback = traffic.kind is FrontDoorKind.ALIAS and bool(traffic.stable_versions)
if alias_rollback and traffic.rollback.lambda_error_percent is None:
    pulumi.log.warn("no automatic rollback for frontDoor.kind=alias: set traffic.rollback.lambdaErrorPercent")
    alias_rollback = False
if front_door is not None and cfg.retire is Retire.NONE and (traffic.kind is not FrontDoorKind.ALIAS or alias_rollback):
    alb_metrics = lambda_metrics = None
    api_ids = {"http": http_api.api_id} if http_api is not None else {}
    if traffic.kind is FrontDoorKind.ALB:
        assert front_door.load_balancer_arn_suffix is not None
        # Every routed service's target group is watched (the default action's is target_group_suffix).
        alb_metrics = AlbMetrics(front_door.load_balancer_arn_suffix, front_door.target_group_arn_suffixes["green"],
                                 lambda_target=True, service_target_groups={
                                     svc: suffix for svc, suffix in front_door.service_target_group_arn_suffixes.items()
                                     if svc != traffic.green.service})
    elif traffic.green.variant is GreenVariant.ECS and alb is not None:  # green's own load balancer
        alb_metrics = AlbMetrics(alb.arn_suffix, alb.target_group_arn_suffix)
    if serverless is not None:
        front_services = [s.name for s in cfg.serverless.services if s.kind is not ServiceKind.WORKER]
        if traffic.kind is FrontDoorKind.ALB and traffic.green.service:
            routed = {traffic.green.service, *front_door.service_target_group_arns}
            lambda_metrics = LambdaMetrics({s: serverless.functions[s].name for s in sorted(routed)})
        elif traffic.kind is FrontDoorKind.ALIAS:  # green: the new version behind each pinned service's alias
            pinned = sorted(traffic.stable_versions)
            lambda_metrics = LambdaMetrics({s: serverless.functions[s].name for s in pinned},
                                           alias=front_door.rollback_target.alias_name,
                                           executed_versions={s: serverless.functions[s].version for s in pinned})
            api_ids = {}  # the API's 5xx mix both versions: only green's own errors may roll it back
        else:
            lambda_metrics = LambdaMetrics({s: serverless.functions[s].name for s in front_services})
    rollback = Rollback("rollback", RollbackArgs(
        traffic.rollback, front_door.rollback_target, cfg.namer, cfg.environment, cfg.region, account_id,
        alb=alb_metrics, lambdas=lambda_metrics, http_api_ids=api_ids, alert_email=cfg.alert_email),
        opts=with_provider)

# Promotion evidence (docs/runbooks/promotion.md): the stage record says when this weight took effect and
# where the gates read; the smoke test runs the profile's checks against green after every deployment of it.
stage_record = smoke = None
if front_door is not None and cfg.retire is Retire.NONE and cfg.promotion is not None:
    green_version, smoke_url, smoke_functions = promotion_inputs(cfg, serverless, container_app, http_api, api_edge,
                                                                 frontend, cdn, alb)
    if smoke_url is not None or smoke_functions:
        smoke = SmokeTest("smoke", SmokeTestArgs(cfg.namer, cfg.environment, cfg.promotion.smoke_tests, green_version,
                                                 smoke_url, smoke_functions), opts=with_provider)
    green_src, blue_src = metric_sources(cfg, front_door, serverless, http_api, alb, blue_ecs)
    stage_record = StageRecord("stage", StageRecordArgs(
        cfg.namer, cfg.green_weight, traffic.stages, cfg.promotion, green_version,
        smoke.result_parameter_name if smoke is not None else None,
        alarm_names=[rollback.composite.alarm_name, *rollback.alarm_names] if rollback is not None else [],
        green=green_src, blue=blue_src, front_door=[front_door]), opts=with_provider)

# Cleanup: the retired color's data is archived from here (step 1) before it leaves (step 2).
if cfg.retire is not Retire.NONE:
    retired_dbs = [ArchivedDatabase("database:main", aurora.cluster_identifier, cluster=True)] \
        if aurora is not None and green_retired else []
    if postgres is not None and green_retired:
        retired_dbs.append(ArchivedDatabase("database:main", postgres.instance_identifier, cluster=False))
    if cfg.retire is Retire.BLUE:  # blue's databases live outside this stack: archived by identifier
        retired_dbs += [ArchivedDatabase(f"blue:{d.identifier}", d.identifier, d.cluster)
                        for d in traffic.blue.databases]
    retired_tables = [ArchivedTable(n, arn) for n, arn in sorted(tables.arns.items())] \
        if tables is not None and green_retired else []
    archive = Archive("archive", ArchiveArgs(cfg.namer, cfg.environment, account_id, cfg.region, cfg.retire.value,
                                             retired_dbs, retired_tables,
                                             receipts=receipts if blue_retired else {}), opts=with_provider)

# 6. Monitoring, alarms and budget: the seeds' thresholds on whatever this stack runs.
albs: dict[str, AlbTarget] = {}
ecs_services: dict[str, EcsTarget] = {}
if alb is not None and container_app is not None:
    albs["app"] = AlbTarget(alb.arn_suffix, alb.target_group_arn_suffix)
    ecs_services["app"] = EcsTarget(container_app.cluster_name, container_app.service_name)
if blue_ecs is not None:
    albs["blue"] = AlbTarget(blue_ecs.alb.arn_suffix)
    ecs_services |= {f"blue-{n}": EcsTarget(a.cluster_name, a.service_name) for n, a in blue_ecs.apps.items()}
if front_door is not None and front_door.load_balancer_arn_suffix is not None:
    albs["front"] = AlbTarget(front_door.load_balancer_arn_suffix)
monitoring = Monitoring("monitoring", MonitoringArgs(
    cfg.monitoring, cfg.namer, cfg.region, account_id, cfg.budget, cfg.tags["cutover:stack"], cfg.alert_email,
    MonitoringTargets(
        lambda_functions={n: f.name for n, f in serverless.functions.items()} if serverless is not None else {},
        http_apis={"http": http_api.api_id} if http_api is not None else {},
        rds={"main": RdsTarget(postgres.instance_identifier, postgres.instance_class, postgres.allocated_storage_gb)}
        if postgres is not None else {},
        albs=albs, ecs_services=ecs_services,
        dynamodb_tables=dict(tables.names) if tables is not None else {})),
    opts=with_provider)

# 7. Data: DMS replication and the verifier while blue is live, and the DataPlan record of who can write
# which copy, from the grants the compute above was actually given (docs/runbooks/data-migration.md).
data = None
if cfg.migrations:
    green_writes = {k for keys in (serverless.write_grants.values() if serverless is not None else ()) for k in keys}
    if container_app is not None and cfg.container is not None:
        green_writes |= set(write_grants({k: a.value for k, a in cfg.container.uses},
                                         data_refs.of(store_refs, Color.GREEN)))
    blue_writes = {k for svc in (cfg.blue_ecs.services if blue_ecs is not None and cfg.blue_ecs else ())
                   for k in write_grants({k: a.value for k, a in svc.container.uses},
                                         data_refs.of(store_refs, Color.BLUE))}
    targets = Targets(
        database_engine="aurora-postgresql" if aurora is not None else "postgres" if postgres is not None else None,
        database_host=aurora.endpoint if aurora is not None else postgres.instance_address if postgres else None,
        database_name=cfg.aurora.database_name if cfg.aurora and aurora else cfg.postgres.database_name
        if cfg.postgres and postgres else "",
        database_secret_arn=aurora.secret_arn if aurora is not None else postgres.secret_arn if postgres else None,
        database_security_group_id=aurora.security_group_id if aurora is not None
        else postgres.security_group_id if postgres else None,
        table_names=dict(tables.names) if tables is not None else {},
        table_arns=dict(tables.arns) if tables is not None else {},
        table_keys={t.name: (t.hash_key, t.range_key) for t in cfg.tables})
    with config_errors():
        data = build_data(DataPlanArgs(cfg.namer, cfg.green_weight, traffic.kind.value, cfg.migrations,
                                       frozenset(green_writes), frozenset(blue_writes), blue_retired, {}),
                          targets, peer_cidr=peer_cidr, vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids,
                          alert_topic_arn=monitoring.topic.arn, region=cfg.region, account_id=account_id,
                          log_retention_days=cfg.environment.log_retention_days,
                          green_present=keep_green_data and not green_retired, opts=with_provider)

# 8. Outputs: identifiers only; secret values never leave Secrets Manager.
pulumi.export("profile", cfg.profile)
pulumi.export("environment", cfg.environment.name.value)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("buckets", {purpose: b.bucket_name for purpose, b in storage.buckets.items()})
pulumi.export("secretArns", secrets.arns)
pulumi.export("alertTopicArn", monitoring.topic.arn)
if tables is not None:
    pulumi.export("tables", tables.names)
if aurora is not None:
    pulumi.export("aurora", {"endpoint": aurora.endpoint, "readerEndpoint": aurora.reader_endpoint,
                             "port": 5432, "secretArn": aurora.secret_arn,
                             "securityGroupId": aurora.security_group_id})
if postgres is not None:
    pulumi.export("postgres", {"endpoint": postgres.endpoint, "instanceIdentifier": postgres.instance_identifier,
                               "proxyName": postgres.proxy_name, "port": 5432, "secretArn": postgres.secret_arn,
                               "securityGroupId": postgres.security_group_id})
if caches:
    pulumi.export("caches", {n: {"primaryEndpoint": c.primary_endpoint, "replicationGroupId": c.replication_group_id,
                                 "authSecretArn": c.auth_secret_arn} for n, c in caches.items()})
if container_app is not None and alb is not None:
    pulumi.export("app", {"cluster": container_app.cluster_name, "service": container_app.service_name,
                          "repositoryUrl": container_app.repository_url, "image": container_app.image,
                          "albDnsName": alb.dns_name, "albZoneId": alb.zone_id, "albArnSuffix": alb.arn_suffix,
                          "httpsListenerArn": alb.https_listener_arn, "targetGroupArn": alb.target_group_arn,
                          "targetGroupArnSuffix": alb.target_group_arn_suffix})
if cdn is not None:
    pulumi.export("cdn", {"domainName": cdn.domain_name, "zoneId": cdn.hosted_zone_id,
                          "distributionId": cdn.distribution_id, "url": cdn.url})
if devices is not None:
    pulumi.export("devices", {"topicFilter": devices.topic_filter, "function": devices.function.name,
                              "ruleName": devices.topic_rule.name, "devicePolicy": devices.device_policy.name})
if email is not None:
    pulumi.export("sesIdentityArn", email.identity_arn)
    pulumi.export("sesDkimTokens", email.dkim_tokens)
    pulumi.export("sesDnsRecords", email.dkim_records.apply(lambda r: r + email.mail_from_records))
if frontend is not None:
    pulumi.export("frontend", {"domainName": frontend.domain_name, "distributionId": frontend.distribution_id,
                               "bucket": frontend.bucket_name})
if serverless is not None:
    pulumi.export("functions", {svc: a.arn for svc, a in serverless.aliases.items()})  # the live aliases
if http_api is not None:
    pulumi.export("httpApiEndpoint", http_api.api_endpoint)
    pulumi.export("httpApiId", http_api.api_id)
    if http_api.domain_target is not None:
        pulumi.export("httpApiDomainTarget", {"name": http_api.domain_target.target_domain_name,
                                              "zoneId": http_api.domain_target.hosted_zone_id})
if websocket_api is not None:
    pulumi.export("websocketEndpoint", websocket_api.api_endpoint)
if api_edge is not None:
    pulumi.export("edgeDomainName", api_edge.domain_name)
if front_door is not None:
    pulumi.export("frontDoor", {
        "kind": front_door.kind.value, "greenShare": front_door.green_share, "listenerArn": front_door.listener_arn,
        "dnsName": front_door.dns_name, "targetGroupArns": front_door.target_group_arns,
        "securityGroupId": front_door.security_group_id, "zoneId": front_door.zone_id,
        "recordName": front_door.record_name, "recordType": front_door.record_type,
        "healthCheckIds": front_door.health_check_ids, "functionNames": front_door.function_names})
if rollback is not None:
    pulumi.export("rollback", {"compositeAlarm": rollback.composite.alarm_name, "alarms": rollback.alarm_names,
                               "function": rollback.function.name, "topicArn": rollback.topic.arn,
                               "recordParameter": rollback.record_parameter_name})
if stage_record is not None:
    pulumi.export("promotion", {"weightParameter": stage_record.weight_parameter_name,
                                "targetsParameter": stage_record.targets_parameter_name,
                                "smokeParameter": smoke.result_parameter_name if smoke is not None else None})
if data is not None:
    pulumi.export("data", {"writerParameters": data.plan.writer_parameters,
                           "receiptParameters": data.verifier.receipt_parameters if data.verifier else {},
                           "migrations": {n: m.replication_arn for n, m in data.migrations.items()}})
if archive is not None:
    pulumi.export("archive", {"bucket": archive.bucket_name, "kmsKeyArn": archive.key_arn,
                              "exportRoleArn": archive.export_role_arn, "commands": archive.commands})
