"""container / alb / cdn / devices / postgres / cache parsing: errors name the key."""

from __future__ import annotations

from typing import Any

import pytest

from cutover.config import parse_container, parse_stack_config
from cutover.config.environment import DEFAULTS, Environment
from cutover.config.reader import Reader
from cutover.errors import ConfigError

PROD, DEV = DEFAULTS[Environment.PROD], DEFAULTS[Environment.DEV]
BASE = {"image": {"tag": "1.0.0"}, "port": 5000, "cpu": 512, "memory": 1024}


def _c(env: Any = PROD, **extra: Any) -> Any:
    return parse_container(Reader({**BASE, **extra}, "container"), env)


def _stack(stack: str = "prod", profile: str = "tracetrack-ecs", **overrides: Any) -> Any:
    raw: dict[str, Any] = {"profile": profile, "environment": stack}
    if overrides:
        raw["overrides"] = overrides
    return parse_stack_config(raw, project="cutover", stack=stack)


def test_defaults_are_safe() -> None:
    c = _c()
    assert c.user == "1000" and c.readonly_root_filesystem and c.tmp_volume == "/tmp"
    assert c.scaling.min_tasks == 2 and c.scaling.max_tasks == 20
    assert c.execute_command is False and c.xray is True
    assert c.image.reference("123.dkr.ecr/x") == "123.dkr.ecr/x:1.0.0"
    digest = "sha256:" + "a" * 64
    assert _c(image={"tag": "1", "digest": digest}).image.reference("r") == f"r@{digest}"


@pytest.mark.parametrize(("extra", "key"), [
    ({"environment": {"DB_PASSWORD": "hunter2"}}, "container.environment.DB_PASSWORD"),
    ({"environment": {"STRIPE_API_KEY": "x"}}, "container.environment.STRIPE_API_KEY"),
    ({"memory": 512}, "container.memory"),
    ({"cpu": 300}, "container.cpu"),
    ({"user": "0"}, "container.user"),
    ({"executeCommand": True}, "container.executeCommand"),
    ({"image": {"tag": "latest"}}, "container.image.tag"),
    ({"image": {}}, "container.image.tag"),
    ({"secrets": {"X": "plaintext"}}, "container.secrets.X"),
    ({"scaling": {"min": 5, "max": 3}}, "container.scaling.max"),
    ({"capacity": {"base": 0, "spotWeight": 3}}, "container.capacity.base"),
    ({"bogus": 1}, "container.bogus"),
])
def test_bad_container_values_name_the_key(extra: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        _c(**extra)
    assert err.value.key == key


def test_reference_variables_are_not_secrets() -> None:
    c = _c(environment={"DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "LOG_LEVEL": "info"})
    assert dict(c.environment)["LOG_LEVEL"] == "info"


def test_blue_container_parses_from_any_reader() -> None:
    c = parse_container(Reader({**BASE, "name": "web"}, "traffic.blue.container"), DEV)
    assert c.name == "web" and c.scaling.min_tasks == 1 and c.scaling.max_tasks == 2
    with pytest.raises(ConfigError) as err:
        parse_container(Reader({**BASE, "memory": 3}, "traffic.blue.container"), DEV)
    assert err.value.key == "traffic.blue.container.memory"


def test_tracetrack_profile_parses() -> None:
    cfg = _stack()
    assert cfg.container is not None and cfg.alb is not None and cfg.cdn is not None and cfg.devices is not None
    assert (cfg.container.cpu, cfg.container.memory, cfg.container.port) == (512, 1024, 5000)
    assert (cfg.container.capacity.base, cfg.container.capacity.on_demand_weight,
            cfg.container.capacity.spot_weight) == (2, 1, 3)
    assert cfg.postgres is not None and cfg.postgres.instance_class == "db.t3.medium" and cfg.postgres.multi_az
    assert [c.name for c in cfg.caches] == ["main"] and cfg.caches[0].multi_az


def test_alb_certificate_is_required() -> None:
    with pytest.raises(ConfigError) as err:
        _stack(alb={"certificateArn": None})
    assert "alb.certificateArn" in err.value.key and "required" in err.value.problem


def test_cdn_certificate_must_be_in_us_east_1() -> None:
    with pytest.raises(ConfigError) as err:
        _stack(cdn={"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"})
    assert "cdn.certificateArn" in err.value.key


def test_prod_refuses_single_az_stores() -> None:
    with pytest.raises(ConfigError) as err:
        _stack(postgres={"multiAz": False})
    assert "postgres.multiAz" in err.value.key
    with pytest.raises(ConfigError) as err:
        _stack(cache={"main": {"multiAz": False}})
    assert "cache.main.multiAz" in err.value.key


def test_pos_cache_keys_and_proxy() -> None:
    cfg = _stack("dev", "pos-serverless")
    assert cfg.postgres is not None and cfg.postgres.proxy is not None
    assert cfg.postgres.instance_class == "db.t4g.micro" and not cfg.postgres.multi_az  # dev: smaller class
    assert _stack("prod", "pos-serverless").postgres.instance_class == "db.t4g.small"  # the seed's class
    (cache,) = cfg.caches
    assert dict(cache.key_ttls) == {
        "business:{businessId}:products": 3600, "business:{businessId}:product:{id}": 3600,
        "business:{businessId}:config": 86400, "business:{businessId}:blueprint": 86400,
        "session:{token}": 86400, "user:{userId}:businesses": 3600}
    assert " " not in cache.key_ttls_json


def test_waiterix_classes_per_environment() -> None:
    assert _stack("dev", "waiterix-serverless").postgres.instance_class == "db.t3.micro"
    assert _stack("prod", "waiterix-serverless").postgres.instance_class == "db.t4g.small"  # the seed's t3.small+
    assert [c.name for c in _stack("dev", "waiterix-serverless").caches] == ["sessions"]


def test_devices_need_a_generated_key() -> None:
    with pytest.raises(ConfigError) as err:
        _stack(devices={"apiKeySecret": "nope"})
    assert "devices.apiKeySecret" in err.value.key


REASON = "seed 001 budget: single-AZ accepted with 7-day backups and a final snapshot"


def test_prod_single_az_stores_need_a_written_waiver() -> None:
    cfg = _stack(postgres={"multiAz": False, "suppress": {"rds-multi-az": REASON}},
                 cache={"main": {"multiAz": False, "numCacheClusters": 1,
                                 "suppress": {"elasticache-multi-az": REASON}}})
    assert cfg.postgres.multi_az is False and cfg.postgres.suppress_tags == {"cutover:suppress:rds-multi-az": REASON}
    (cache,) = cfg.caches
    assert cache.num_cache_clusters == 1 and cache.suppress == (("elasticache-multi-az", REASON),)
    with pytest.raises(ConfigError) as err:  # waiving another policy does not allow single-AZ
        _stack(postgres={"multiAz": False, "suppress": {"rds-iam-auth": REASON}})
    assert "postgres.multiAz" in err.value.key


@pytest.mark.parametrize("suppress", [{"rds-multi-az": "too short"}, {"rds-multi-az": "costs $25/month, too much"},
                                      {"RDS_Multi": REASON}, {"rds-multi-az": 3}])
def test_bad_waivers_name_the_key(suppress: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as err:
        _stack(postgres={"multiAz": False, "suppress": suppress})
    assert "postgres.suppress" in err.value.key


def test_arm64_tasks_may_take_a_spot_share() -> None:
    # The ECS API model (botocore, CapacityProviderStrategyItem): "FARGATE_SPOT supports Linux tasks with
    # the ARM64 architecture on platform version 1.4.0 or later": the parser must not refuse Graviton + Spot.
    c = _c(architecture="ARM64", capacity={"base": 2, "onDemandWeight": 1, "spotWeight": 3})
    assert c.architecture.value == "ARM64" and c.capacity.spot_weight == 3
