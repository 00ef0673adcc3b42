"""traffic.blue as an ECS color: services routed by path, and the combinations AWS would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from cutover.config import parse_stack_config
from cutover.config.blue import parse_blue_ecs
from cutover.config.environment import DEFAULTS, Environment
from cutover.errors import ConfigError

PROD = DEFAULTS[Environment.PROD]
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
IMAGE = {"repository": "ecr", "tag": "v1"}


def blue(**sections: Any) -> dict[str, Any]:
    return {"alb": {"certificateArn": CERT}, **sections}


def test_containers_route_by_path_with_the_default_first() -> None:
    cfg = parse_blue_ecs(blue(containers={
        "api": {"image": IMAGE, "port": 3001, "pathPatterns": ["/api/*", "/trpc/*"]},
        "web": {"image": IMAGE, "port": 3000}}), PROD, "us-east-1")
    assert [(s.container.name, s.path_patterns) for s in cfg.services] == [
        ("web", ()), ("api", ("/api/*", "/trpc/*"))]
    assert cfg.default.container.port == 3000 and cfg.cdn is None and cfg.alb.waf  # no CDN: WAF on the ALB


def test_single_container_shorthand() -> None:
    cfg = parse_blue_ecs(blue(container={"name": "web", "image": IMAGE, "port": 3000}), PROD, "us-east-1")
    assert [s.container.name for s in cfg.services] == ["web"]


@pytest.mark.parametrize(("containers", "key", "problem"), [
    ({"a": {"image": IMAGE}, "b": {"image": IMAGE}}, "traffic.blue.containers", "exactly one service"),
    ({"a": {"image": IMAGE, "pathPatterns": ["/x/*"]}}, "traffic.blue.containers", "exactly one service"),
    ({"a": {"image": IMAGE}, "b": {"image": IMAGE, "pathPatterns": ["/1", "/2", "/3", "/4", "/5", "/6"]}},
     "traffic.blue.containers.b.pathPatterns", "at most 5"),
    ({"a": {"image": IMAGE}, "b": {"image": IMAGE, "pathPatterns": ["api/*"]}},
     "traffic.blue.containers.b.pathPatterns", "not an ALB path pattern"),
    ({"a": {"image": IMAGE}, "b": {"image": IMAGE, "name": "c", "pathPatterns": ["/c"]}},
     "traffic.blue.containers.b.name", "named by its key"),
    ({"a": {"image": IMAGE, "memory": 3}}, "traffic.blue.containers.a.memory", ""),
    ({"a": {"image": IMAGE, "colour": "blue"}}, "traffic.blue.containers.a.colour", "unknown key"),
    ({}, "traffic.blue.containers", "at least one service"),
])
def test_bad_blue_services_name_their_key(containers: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_blue_ecs(blue(containers=containers), PROD, "us-east-1")
    assert err.value.key == key and problem in str(err.value)


PERSONA = {"profile": "persona-serverless", "environment": "prod"}


def stack(**overrides: Any) -> Any:
    return parse_stack_config({**PERSONA, "overrides": overrides}, project="cutover", stack="prod")


def test_persona_prod_declares_its_ecs_blue_and_the_database_it_archives() -> None:
    cfg = stack()
    assert cfg.blue_ecs is not None and [s.container.name for s in cfg.blue_ecs.services] == ["web", "api"]
    assert [(d.identifier, d.cluster) for d in cfg.traffic.blue.databases] == [("persona-db", False)]


def test_ecs_blue_needs_egress() -> None:
    with pytest.raises(ConfigError) as err:
        stack(network={"natMode": "none"})
    assert err.value.key.endswith("network.natMode") and "instance | gateway" in str(err.value)


def test_blue_cloudfront_cannot_share_the_name_with_greens() -> None:
    cdn = {"certificateArn": CERT, "aliases": ["hibiji.com"]}
    with pytest.raises(ConfigError) as err:
        stack(traffic={"blue": {"cdn": cdn, "alb": {"domainName": "origin.hibiji.com"}}})
    assert err.value.key.endswith("traffic.blue.cdn") and "only one distribution" in str(err.value)


def test_ecs_sections_need_the_ecs_variant() -> None:
    with pytest.raises(ConfigError) as err:
        parse_stack_config({"profile": "pos-serverless", "environment": "prod",
                            "overrides": {"traffic": {"blue": {"alb": {"certificateArn": CERT}}}}},
                           project="cutover", stack="prod")
    assert err.value.key.endswith("traffic.blue.alb") and "variant: ecs" in str(err.value)


@pytest.mark.parametrize("identifier", ["1db", "db--x", "db-", "x" * 64])
def test_blue_database_identifiers_follow_rds_rules(identifier: str) -> None:
    with pytest.raises(ConfigError) as err:
        stack(traffic={"blue": {"databases": {identifier: {}}}})
    assert "not an RDS identifier" in str(err.value)
