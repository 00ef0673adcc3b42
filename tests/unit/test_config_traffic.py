"""traffic: parsing, one example per front door kind, and the combinations that cannot work."""

from __future__ import annotations

from typing import Any

import pytest

from cutover.config import parse_stack_config
from cutover.config.reader import Reader
from cutover.config.traffic import (
    BlueVariant,
    FrontDoorKind,
    GreenEndpoint,
    TrafficConfig,
    parse_traffic,
)
from cutover.errors import ConfigError

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
PEERING = {"peerVpcId": "vpc-0123456789abcdef0", "peerCidr": "172.31.0.0/16", "peerRouteTableIds": ["rtb-01234567"]}


def parse(traffic: dict[str, Any], green_weight: int = 0, retire: str = "none") -> TrafficConfig:
    return parse_traffic(Reader({"traffic": traffic}, ""), green_weight=green_weight, retire=retire,
                         region="us-east-1", vpc_cidr="10.42.0.0/16", services=("api", "site"))


def test_alb_example() -> None:
    cfg = parse({"stages": [5, 25, 50, 75, 100], "frontDoor": {"kind": "alb", "certificateArn": CERT},
                 "blue": {"targets": ["172.31.1.10"], "port": 80, "protocol": "HTTP", "peering": PEERING},
                 "green": {"service": "site"}, "rollback": {"errorRatePercent": 1, "latencyMs": 2000,
                                                            "latencyMinutes": 10}})
    assert cfg.kind is FrontDoorKind.ALB and cfg.stages == (5, 25, 50, 75, 100)
    assert cfg.blue.peering is not None and cfg.blue.peering.peer_cidr == "172.31.0.0/16"
    assert cfg.green.endpoint is GreenEndpoint.LAMBDA and cfg.green.service == "site"
    assert (cfg.rollback.error_rate_percent, cfg.rollback.error_rate_minutes) == (1.0, 5)
    assert (cfg.rollback.latency_ms, cfg.rollback.latency_minutes) == (2000, 10)


def test_route53_and_alias_examples() -> None:
    r53 = parse({"frontDoor": {"kind": "route53", "zoneId": "Z0123456789ABCDEFGHIJ", "recordName": "API.Example.com."},
                 "blue": {"dnsName": "old.example.com"}, "rollback": {"api5xxPercent": 1}})
    assert (r53.front_door.record_name, r53.blue.variant, r53.stages) == ("api.example.com", BlueVariant.EXTERNAL,
                                                                          (10, 50, 100))
    alias = parse({"frontDoor": {"kind": "alias"}, "stableVersions": {"api": 7},
                   "rollback": {"lambdaErrorPercent": 5}}, green_weight=50)
    assert alias.stable_versions == {"api": "7"} and alias.blue.variant is BlueVariant.NONE


def test_absent_section_is_no_front_door() -> None:
    cfg = parse_traffic(Reader({}, ""), green_weight=0, retire="none", region="us-east-1", vpc_cidr="10.0.0.0/16",
                        services=())
    assert cfg.kind is FrontDoorKind.NONE and cfg.stages == (10, 50, 100)


@pytest.mark.parametrize(("traffic", "weight", "retire", "key", "allowed"), [
    ({"stages": [50, 10, 100]}, 0, "none", "traffic.stages", "strictly increasing"),
    ({"stages": [10, 50]}, 0, "none", "traffic.stages", "ending at 100"),
    ({"frontDoor": {"kind": "alb"}}, 0, "none", "traffic.frontDoor.certificateArn", "arn:aws:acm"),
    ({"frontDoor": {"kind": "route53", "recordName": "a.example.com"}}, 0, "none", "traffic.frontDoor.zoneId", "Z"),
    ({"frontDoor": {"kind": "alias"}, "blue": {"variant": "external", "dnsName": "a.example.com"},
      "rollback": {"lambdaErrorPercent": 5}}, 0, "none", "traffic.blue.variant", "none"),
    ({"frontDoor": {"kind": "alias"}, "rollback": {"lambdaErrorPercent": 5}}, 50, "none", "cutover:greenWeight",
     "0 or 100"),
    ({"frontDoor": {"kind": "alias"}, "rollback": {"lambdaErrorPercent": 5}}, 0, "green", "cutover:retire", "none"),
    ({"frontDoor": {"kind": "bogus"}}, 0, "none", "traffic.frontDoor.kind", "alb | route53 | alias | none"),
    ({"frontDoor": {"kind": "alb", "certificateArn": CERT}, "blue": {"dnsName": "a.example.com"},
      "green": {"service": "site"}, "rollback": {"errorRatePercent": 1}}, 0, "none", "traffic.blue.targets", "IP"),
    ({"frontDoor": {"kind": "alb", "certificateArn": CERT}, "blue": {"targets": ["172.31.1.1"]},
      "green": {"service": "site"}, "rollback": {"errorRatePercent": 1}}, 0, "none", "traffic.blue.peering",
     "peerVpcId"),
    ({"frontDoor": {"kind": "alb", "certificateArn": CERT}, "blue": {"targets": ["172.31.1.1"], "peering": {
        **PEERING, "peerCidr": "10.42.0.0/20"}}, "green": {"service": "site"}}, 0, "none",
     "traffic.blue.peering.peerCidr", "outside"),
    ({"frontDoor": {"kind": "alb", "certificateArn": CERT}, "blue": {"instanceIds": ["i-0123"]}}, 0, "none",
     "traffic.blue.instanceIds", "targets"),
    ({"frontDoor": {"kind": "alb", "certificateArn": CERT.replace("us-east-1", "eu-west-1")}}, 0, "none",
     "traffic.frontDoor.certificateArn", "us-east-1"),
    ({"frontDoor": {"kind": "route53", "zoneId": "Z0123456789", "recordName": "a.example.com"},
      "blue": {"dnsName": "b.example.com"}}, 0, "none", "traffic.rollback", "errorRatePercent"),
    ({"frontDoor": {"kind": "alb", "certificateArn": CERT}, "blue": {"targets": ["172.31.1.1"], "peering": PEERING},
      "green": {"service": "nope"}, "rollback": {"errorRatePercent": 1}}, 0, "none", "traffic.green.service",
     "api | site"),
    ({"frontDoor": {"kind": "route53", "zoneId": "Z0123456789", "recordName": "a.example.com"},
      "blue": {"dnsName": "b.example.com"}, "rollback": {"api5xxPercent": 1}, "typo": 1}, 0, "none",
     "traffic.typo", None),
])
def test_impossible_combinations_name_the_key_and_the_allowed_values(
        traffic: dict[str, Any], weight: int, retire: str, key: str, allowed: str | None) -> None:
    with pytest.raises(ConfigError) as err:
        parse(traffic, weight, retire)
    assert err.value.key == key
    if allowed is not None:
        assert allowed in (err.value.allowed or "")


def test_retire_data_flat_key() -> None:
    base = {"profile": "pos-serverless", "environment": "dev"}
    assert parse_stack_config(base, project="cutover", stack="dev").retire_data is False
    cfg = parse_stack_config({**base, "greenWeight": "100", "retire": "blue", "retireData": "true"},
                             project="cutover", stack="dev")
    assert cfg.retire_data is True
    with pytest.raises(ConfigError) as err:
        parse_stack_config({**base, "retireData": "true"}, project="cutover", stack="dev")
    assert err.value.key == "cutover:retireData" and "retire=blue|green" in (err.value.allowed or "")


@pytest.mark.parametrize("profile", ["pos-serverless", "tracetrack-ecs", "yoga-serverless", "waiterix-serverless",
                                     "persona-serverless"])
def test_profiles_declare_their_seed_stages(profile: str) -> None:
    cfg = parse_stack_config({"profile": profile, "environment": "prod"}, project="cutover", stack="prod")
    expected = (5, 25, 50, 75, 100) if profile == "yoga-serverless" else (10, 50, 100)
    assert cfg.traffic.stages == expected
    if cfg.traffic.kind is not FrontDoorKind.ALIAS:  # zones, hosts, certificates are the operator's
        assert cfg.traffic.placeholders(), "profiles ship placeholders the operator must replace"
