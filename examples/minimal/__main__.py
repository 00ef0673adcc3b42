"""Cutover's components in a program of its own: no profile, no stack configuration, no cutover.config.

A network; green as a serverless color (one Lambda service behind an HTTP API); blue as an ECS color
(a web and an API service behind one load balancer, routed by path); and a Route 53 front door that
weighs the two, 90 % blue and 10 % green. Every argument is a plain frozen dataclass from
``components.specs`` written out in full, so this file is also the reference for what each component
takes. Install the project (``pip install <cutover>``) and run it with ``pulumi up``; the tests plan it
offline (tests/unit/test_example_program.py).

Nothing here is validated by the profile parsers: a component refuses what it cannot build with a
``components.errors.ComponentError`` (a ValueError naming the argument), and AWS refuses the rest.
"""

from dataclasses import replace
from pathlib import Path

import pulumi

from components.ecs_color import EcsColor, EcsColorArgs
from components.front_door import Endpoint, FrontDoor, FrontDoorArgs
from components.network import Network, NetworkArgs
from components.serverless import VpcPlacement
from components.serverless_color import ServerlessColor, ServerlessColorArgs
from components.specs.blue import EcsColorConfig, EcsServiceConfig
from components.specs.container import (
    AlbConfig,
    Architecture,
    CapacityConfig,
    ContainerConfig,
    HealthCheckConfig,
    ImageConfig,
    ScalingConfig,
)
from components.specs.environment import Environment, EnvironmentSettings
from components.specs.network import NatMode, NetworkConfig
from components.specs.serverless import HttpApiConfig, RouteConfig, ServerlessConfig, ServiceConfig, ServiceKind
from components.specs.traffic import (
    BlueConfig,
    BlueVariant,
    FrontDoorConfig,
    FrontDoorKind,
    GreenConfig,
    GreenEndpoint,
    GreenVariant,
    RollbackConfig,
    TrafficConfig,
)
from cutover.naming import Namer

HERE = Path(__file__).resolve().parent
REGION, ACCOUNT = "us-east-1", "123456789012"  # the account is only part of ARNs the front door builds
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-4000-8000-000000000000"  # yours
GREEN_WEIGHT = 10
RECORD = "shop.example.com"

# A development environment: nothing protected, short retention. log_retention_days must be one of
# CloudWatch Logs' values (PutRetentionPolicy: 1, 3, 5, 7, 14, 30, ...).
env = EnvironmentSettings(name=Environment.DEV, multi_az=False, deletion_protection=False,
                          backup_retention_days=1, protect_stateful=False, log_retention_days=14,
                          bucket_versioning=False, secret_recovery_days=0)
namer = Namer("shop", pulumi.get_stack())

# Two availability zones, /20 subnets per tier out of a /16 (a VPC's CIDR is /16 to /28), one NAT
# instance, and the two free gateway endpoints (S3 and DynamoDB are the only gateway-type services).
network = Network("network", NetworkArgs(
    NetworkConfig(cidr="10.50.0.0/16", az_count=2, public_mask=20, private_mask=20, isolated_mask=20,
                  nat_mode=NatMode.INSTANCE, nat_instance_type="t4g.nano", gateway_endpoints=("s3", "dynamodb"),
                  flow_logs=True, flow_log_retention_days=14),
    namer, REGION, ["us-east-1a", "us-east-1b"]))

# Green: one API service. The project's shipped stdlib health handler stands in for your build.
# Lambda memory is 128..10240 MB; an HTTP API integration waits at most 29 s (API Gateway quota).
api_service = ServiceConfig(
    name="api", kind=ServiceKind.API, handler="handler.handler", runtime="python3.12", memory_mb=256,
    timeout_seconds=10, code=str(HERE.parents[1] / "functions" / "health"),
    routes=(RouteConfig("ANY", "/{proxy+}", "none"),), uses={}, reserved_concurrency=None, schedule=None)
green = ServerlessColor("green", ServerlessColorArgs(
    ServerlessConfig(
        services=(api_service,),
        http_api=HttpApiConfig(cors_origins=(), cors_methods=("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
                               cors_headers=("authorization", "content-type"), cors_max_age=300,
                               throttle_burst=200, throttle_rate=100.0, jwt=None,
                               # the front door's name: clients reach green under it, so green must
                               # present a certificate for it (a regional ACM one, in the stack's region)
                               domain_name=RECORD, certificate_arn=CERT, health_service="api"),
        websocket=None),
    namer, env, REGION, {}, vpc=VpcPlacement(network.vpc_id, network.private_subnet_ids, True)))

# Blue: two Fargate services behind one load balancer; /api/* goes to "api", the rest to "web".
# 512 CPU units with 1024 MiB is a valid Fargate size (ECS task size table); Graviton (ARM64).
web = ContainerConfig(
    name="web", image=ImageConfig("public.ecr.aws/nginx/nginx-unprivileged", "1.27", None), port=8080,
    cpu=512, memory=1024, architecture=Architecture.ARM64, health_path="/health",
    health_check=HealthCheckConfig(("CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"),
                                   interval=30, timeout=5, retries=3, start_period=60),
    user="1000", readonly_root_filesystem=True, tmp_volume="/tmp", command=(), environment=(), secrets=(),
    uses=(), xray=True,
    scaling=ScalingConfig(min_tasks=1, max_tasks=2, cpu_target_percent=60, requests_per_target=1000,
                          scale_in_cooldown=300, scale_out_cooldown=60),
    capacity=CapacityConfig(base=1, on_demand_weight=1, spot_weight=0), health_check_grace_seconds=60,
    deregistration_delay=30, execute_command=False, ecr_keep_images=30, ecr_kms=False, log_retention_days=14)
api = replace(web, name="api", port=8081, health_check=replace(
    web.health_check, command=("CMD-SHELL", "curl -fsS http://localhost:8081/health || exit 1")))
blue = EcsColor("blue", EcsColorArgs(
    EcsColorConfig(
        services=(EcsServiceConfig(web, ()), EcsServiceConfig(api, ("/api/*",))),
        # idle timeout 60 s is the ELB default; the TLS 1.3 policy is the one the policy pack requires
        alb=AlbConfig(certificate_arn=CERT, domain_name=None, zone_id=None,
                      ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", idle_timeout=60, waf=True,
                      access_log_days=30),
        cdn=None),
    "blue", namer, env, REGION, ACCOUNT, {}, network.vpc_id, network.vpc_cidr, network.public_subnet_ids,
    network.private_subnet_ids))

# The front door: two weighted alias records for one name (blue's load balancer and green's API domain
# both have a hosted zone id, and a weighted set has one type). Route 53 weights are relative (0..255
# each); the front door writes 100 - greenWeight and greenWeight. Rolls back on API Gateway 5xx above 5 %.
traffic = TrafficConfig(
    stages=(10, 50, 100),
    front_door=FrontDoorConfig(kind=FrontDoorKind.ROUTE53, zone_id="Z0123456789ABCDEFGHIJ", record_name=RECORD,
                               ttl=60, health_check_path="/health", certificate_arn=None),
    blue=BlueConfig(variant=BlueVariant.ECS),
    green=GreenConfig(variant=GreenVariant.SERVERLESS, endpoint=GreenEndpoint.HTTP_API),
    rollback=RollbackConfig(api5xx_percent=5.0))
green_api = green.http_api_endpoint()
assert green_api is not None  # http_api is set above
front_door = FrontDoor("front-door", FrontDoorArgs(
    traffic, namer, env, GREEN_WEIGHT, ACCOUNT, REGION,
    blue=Endpoint(dns_name=blue.endpoint_dns_name, zone_id=blue.endpoint_zone_id,
                  health_check_fqdn=blue.health_check_fqdn),
    green=Endpoint(dns_name=green_api.dns_name, zone_id=green_api.zone_id,
                   health_check_fqdn=green_api.health_check_fqdn)))

pulumi.export("greenFunctions", green.functions)
pulumi.export("blueServices", {n: a.service_name for n, a in blue.apps.items()})
pulumi.export("record", front_door.record_name)
