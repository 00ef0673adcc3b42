"""The `promotion:` profile section: defaults per environment, the seeds' numbers in each profile, and
bad values named by key path with the allowed values."""

from __future__ import annotations

from typing import Any

import pytest

from cutover.config.environment import Environment
from cutover.config.promotion import PromotionConfig, SmokeCheck, parse_promotion
from cutover.config.reader import Reader
from cutover.errors import ConfigError

STAGES = (10, 50, 100)


def parse(doc: dict[str, Any], env: Environment = Environment.PROD) -> PromotionConfig:
    return parse_promotion(Reader(doc, "promotion"), env, STAGES, "/health")


def test_defaults_per_environment() -> None:
    prod, dev = parse({}), parse({}, Environment.DEV)
    assert prod.soak_hours == ((10, 24), (50, 24), (100, 24)) and prod.min_requests == 500
    assert dev.soak_hours == ((10, 1), (50, 1), (100, 1)) and dev.min_requests == 20
    assert prod.smoke_tests == (SmokeCheck("health", "/health"),)  # the front door's health check path


def test_yaml_integer_keys_and_override_string_keys_both_name_a_stage() -> None:
    cfg = parse({"soakHours": {10: 48, "50": 36}})
    assert cfg.soak_hours == ((10, 48), (50, 36), (100, 24))
    assert cfg.soak_for(0) == 0 and cfg.soak_for(50) == 36
    assert parse({"soakHours": {10: 48}, "devSoakHours": 2}, Environment.DEV).soak_hours == ((10, 2), (50, 2), (100, 2))


@pytest.mark.parametrize(("doc", "key", "allowed"), [
    ({"soakHour": {}}, "promotion.soakHour", "devSoakHours, errorRateMarginPercent"),
    ({"soakHours": {25: 24}}, "promotion.soakHours.25", "10, 50, 100"),
    ({"soakHours": {10: 9999}}, "promotion.soakHours.10", "0..2160"),
    ({"maxErrorRatePercent": 150}, "promotion.maxErrorRatePercent", "0..100"),
    ({"minRequests": 0}, "promotion.minRequests", "1..10000000"),
    ({"smokeTests": {"home": {"path": "/", "method": "POST"}}}, "promotion.smokeTests.home.method",
     "GET | HEAD | OPTIONS"),
    ({"smokeTests": {"home": {"path": "no-slash"}}}, "promotion.smokeTests.home.path", "a path starting with /"),
    ({"smokeTests": {"home": {"path": "/", "expectStatus": 700}}}, "promotion.smokeTests.home.expectStatus",
     "100..599"),
    ({"smokeTests": {"home": {"path": "/", "latencyBudgetMs": 60000}}}, "promotion.smokeTests.home.latencyBudgetMs",
     "1..30000"),
    ({"smokeTests": {"Home": {"path": "/"}}}, "promotion.smokeTests.Home", "lowercase letters"),
    ({"smokeTests": {"home": {"path": "/", "timeout": 3}}}, "promotion.smokeTests.home.timeout", "expectStatus"),
    ({"smokeTests": {}}, "promotion.smokeTests", "1..10 checks"),
])
def test_bad_values_name_the_key_and_the_allowed_values(doc: dict[str, Any], key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(doc)
    assert err.value.key == key
    assert allowed in (err.value.allowed or "")


@pytest.mark.parametrize(("profile", "prod_soak", "p95"), [
    ("yoga-serverless", ((5, 168), (25, 168), (50, 168), (75, 168), (100, 72)), 1000),  # seed 002: a week per stage
    ("pos-serverless", ((10, 24), (50, 24), (100, 24)), 200),  # seed 000: 1-2 days of parallel run, 24 h at 100
    ("waiterix-serverless", ((10, 24), (50, 24), (100, 24)), 1000),
])
def test_profiles_carry_the_seeds_numbers(profile: str, prod_soak: tuple[tuple[int, int], ...], p95: int) -> None:
    from cutover.config import parse_stack_config

    prod = parse_stack_config({"profile": profile, "environment": "prod"}, project="cutover", stack="prod")
    dev = parse_stack_config({"profile": profile, "environment": "dev"}, project="cutover", stack="dev")
    assert prod.promotion is not None and dev.promotion is not None
    assert prod.promotion.soak_hours == prod_soak and prod.promotion.max_p95_latency_ms == p95
    assert all(hours < dict(prod_soak)[s] for s, hours in dev.promotion.soak_hours)  # dev is shorter
