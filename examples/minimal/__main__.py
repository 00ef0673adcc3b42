"""Cutover's components in a program of its own: no profile, no stack configuration file.

A network; green as a serverless color (one Lambda service behind an HTTP API); blue as an ECS color
(a web and an API service behind one load balancer, routed by path); and a Route 53 front door that
weighs the two, 90 % blue and 10 % green. Install the project (``pip install <cutover>``) and run it
with ``pulumi up``; the tests plan it offline (tests/unit/test_example_program.py).

The sections are given as the configuration parsers' documents (the same keys a profile uses), so
every value is validated with the project's rules and error messages.
"""

from dataclasses import replace
from pathlib import Path

import pulumi

from components.ecs_color import EcsColor, EcsColorArgs
from components.front_door import Endpoint, FrontDoor, FrontDoorArgs
from components.network import Network, NetworkArgs
from components.serverless import VpcPlacement
from components.serverless_color import ServerlessColor, ServerlessColorArgs
from cutover.config.blue import parse_blue_ecs
from cutover.config.environment import DEFAULTS, Environment
from cutover.config.network import parse_network
from cutover.config.reader import Reader
from cutover.config.serverless import parse_serverless
from cutover.config.traffic import parse_traffic
from cutover.naming import Namer

HERE = Path(__file__).resolve().parent
REGION, ACCOUNT = "us-east-1", "123456789012"  # the account is only part of ARNs the front door builds
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-4000-8000-000000000000"  # yours
GREEN_WEIGHT = 10

env = DEFAULTS[Environment.DEV]
namer = Namer("shop", pulumi.get_stack())

network = Network("network", NetworkArgs(parse_network(Reader({"cidr": "10.50.0.0/16"}, "network"), env), namer,
                                         REGION, ["us-east-1a", "us-east-1b"]))

services, _, _ = parse_serverless(Reader({"services": {"api": {"routes": ["ANY /{proxy+}"]}}, "httpApi": {}}, ""),
                                  env, REGION)
# The project's shipped stdlib health handler stands in for your build: point `code` at it.
HEALTH = HERE.parents[1] / "functions" / "health"
services = replace(services, services=tuple(replace(s, code=str(HEALTH)) for s in services.services))
green = ServerlessColor("green", ServerlessColorArgs(
    services, namer, env, REGION, {}, vpc=VpcPlacement(network.vpc_id, network.private_subnet_ids, True)))

blue = EcsColor("blue", EcsColorArgs(
    parse_blue_ecs({"containers": {
        "web": {"image": {"repository": "public.ecr.aws/nginx/nginx-unprivileged", "tag": "1.27"}, "port": 8080},
        "api": {"image": {"repository": "public.ecr.aws/nginx/nginx-unprivileged", "tag": "1.27"}, "port": 8081,
                "pathPatterns": ["/api/*"]}},
        "alb": {"certificateArn": CERT}}, env, REGION),
    "blue", namer, env, REGION, ACCOUNT, {}, network.vpc_id, network.vpc_cidr, network.public_subnet_ids,
    network.private_subnet_ids))

traffic = parse_traffic(Reader({"traffic": {
    "frontDoor": {"kind": "route53", "zoneId": "Z0123456789ABCDEFGHIJ", "recordName": "shop.example.com"},
    "blue": {"variant": "external", "dnsName": "blue.shop.example.com"},
    "rollback": {"api5xxPercent": 5}}}, ""),
    green_weight=GREEN_WEIGHT, retire="none", region=REGION, vpc_cidr=network.vpc_cidr, services=("api",))
api = green.http_api_endpoint()
assert api is not None
front_door = FrontDoor("front-door", FrontDoorArgs(
    traffic, namer, env, GREEN_WEIGHT, ACCOUNT, REGION,
    blue=Endpoint(dns_name=blue.endpoint_dns_name, zone_id=blue.endpoint_zone_id,
                  health_check_fqdn=blue.health_check_fqdn),
    green=Endpoint(dns_name=api.dns_name, zone_id=api.zone_id, health_check_fqdn=api.health_check_fqdn)))

pulumi.export("greenFunctions", green.functions)
pulumi.export("blueServices", {n: a.service_name for n, a in blue.apps.items()})
pulumi.export("record", front_door.record_name)
