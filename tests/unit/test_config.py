"""Typed config: each bad value fails with a ConfigError that names the key and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cutover.config import (
    FLAT_KEYS,
    STRUCTURED_KEYS,
    Environment,
    NatMode,
    Retire,
    available_profiles,
    parse_stack_config,
)
from cutover.config.profiles import PROFILES_DIR, deep_merge
from cutover.errors import ConfigError
from tests.conftest import PROFILES, ROOT


def parse(raw: dict[str, Any], stack: str = "dev", region: str = "us-east-1") -> Any:
    return parse_stack_config(raw, project="cutover", stack=stack, region=region)


def test_every_seed_has_a_profile() -> None:
    # profiles/ also holds issue 15's new-team profiles (django-serverless, ...), planned by their own tests
    assert set(PROFILES) <= set(available_profiles())


@pytest.mark.parametrize("profile", PROFILES)
def test_environment_defaults(profile: str) -> None:
    dev = parse({"profile": profile, "environment": "dev"})
    prod = parse({"profile": profile, "environment": "prod"}, stack="prod")
    assert dev.environment.name is Environment.DEV and prod.environment.name is Environment.PROD
    assert not dev.environment.multi_az and prod.environment.multi_az
    assert not dev.environment.deletion_protection and prod.environment.deletion_protection
    assert prod.environment.backup_retention_days >= 7
    assert prod.environment.protect_stateful and not dev.environment.protect_stateful
    assert dev.network.nat_mode in (NatMode.NONE, NatMode.INSTANCE)  # dev is cheap


@pytest.mark.parametrize(("raw", "key", "fragment"), [
    ({"profile": "pos-serverles"}, "cutover:profile", "did you mean 'pos-serverless'"),
    ({"profile": "heroku"}, "cutover:profile", "persona-serverless | pos-serverless | rails-ecs | tracetrack-ecs"),
    ({"greenWeight": "101"}, "cutover:greenWeight", "allowed: 0..100"),
    ({"greenWeight": "-1"}, "cutover:greenWeight", "out of range"),
    ({"greenWeight": "ten"}, "cutover:greenWeight", "must be an integer"),
    ({"greenWeight": "12.5"}, "cutover:greenWeight", "must be an integer"),
    ({"retire": "purple"}, "cutover:retire", "allowed: none | blue | green"),
    ({"retire": "blue", "greenWeight": "50"}, "cutover:retire", "needs cutover:greenWeight=100"),
    ({"retire": "green", "greenWeight": "5"}, "cutover:retire", "needs cutover:greenWeight=0"),
    ({"environment": "staging"}, "cutover:environment", "allowed: dev | prod"),
    ({"alertEmail": "ops"}, "cutover:alertEmail", "not an email address"),
    ({"overrides": {"netwrk": {}}}, "cutover:overrides.netwrk", "did you mean 'network'"),
    ({"overrides": {"network": {"azCount": 5}}}, "cutover:overrides.network.azCount", "allowed: 2..3"),
    ({"overrides": {"network": {"natMode": "nat"}}}, "cutover:overrides.network.natMode",
     "allowed: none | instance | gateway | gateway-per-az"),
    ({"overrides": {"network": {"cidr": "10.0.0.0/8"}}}, "cutover:overrides.network.cidr", "/16 to /24"),
    ({"overrides": {"network": {"subnetMasks": {"public": 17}}}}, "cutover:overrides.network.subnetMasks",
     "do not fit"),
    ({"overrides": {"settings": {"logRetentionDays": 10}}}, "cutover:overrides.settings.logRetentionDays",
     "retention period"),
    ({"overrides": {"budget": {"alertUsd": 500}}}, "cutover:overrides.budget.alertUsd", "above the budget"),
    ({"overrides": {"usage": {"requestsPerMonth": -3}}}, "cutover:overrides.usage.requestsPerMonth", ">= 0"),
    ({"overrides": "azCount=3"}, "cutover:overrides", "must be an object"),
])
def test_bad_values_name_the_key(raw: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(raw)
    assert err.value.key == key
    assert fragment in str(err.value)


def test_prod_stack_must_run_as_prod() -> None:
    with pytest.raises(ConfigError, match="cutover:environment prod"):
        parse({"environment": "dev"}, stack="prod")


def test_prod_refuses_to_unprotect_data() -> None:
    with pytest.raises(ConfigError) as err:
        parse({"environment": "prod", "overrides": {"settings": {"backupRetentionDays": 3}}}, stack="prod")
    assert err.value.key == "cutover:overrides.settings.backupRetentionDays"


def test_errors_name_the_layer_that_set_the_value(tmp_path: Any) -> None:
    (tmp_path / "shop.yaml").write_text(
        "app: shop\nnetwork:\n  azCount: 2\nenvironments:\n  prod:\n    network:\n      azCount: 9\n")
    with pytest.raises(ConfigError) as err:
        parse_stack_config({"profile": "shop", "environment": "prod"}, project="cutover", stack="prod",
                           profiles_dir=tmp_path)
    assert err.value.key == "profiles/shop.yaml environments.prod.network.azCount"
    (tmp_path / "shop.yaml").write_text("app: shop\nnetwork:\n  azCount: one\n")
    with pytest.raises(ConfigError) as err:
        parse_stack_config({"profile": "shop"}, project="cutover", stack="dev", profiles_dir=tmp_path)
    assert err.value.key == "profiles/shop.yaml network.azCount"


def test_a_broken_profile_file_is_reported_by_name(tmp_path: Any) -> None:
    (tmp_path / "shop.yaml").write_text("app: [unclosed\n")
    with pytest.raises(ConfigError, match=r"profiles/shop\.yaml"):
        parse_stack_config({"profile": "shop"}, project="cutover", stack="dev", profiles_dir=tmp_path)


def test_region_is_validated() -> None:
    with pytest.raises(ConfigError) as err:
        parse({}, region="moon-1")
    assert err.value.key == "aws:region"


def test_overrides_merge_key_by_key() -> None:
    cfg = parse({"overrides": {"network": {"azCount": 3}, "budget": {"alertUsd": 40}}})
    assert cfg.network.az_count == 3
    assert cfg.network.cidr == "10.40.0.0/16"  # untouched sibling keys keep the profile's values
    assert cfg.budget.alert_usd == 40


def test_green_weight_and_retire_parse() -> None:
    cfg = parse({"greenWeight": "100", "retire": "blue"})
    assert cfg.green_weight == 100 and cfg.retire is Retire.BLUE


def test_deep_merge_replaces_lists_and_merges_mappings() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}}, {"a": {"c": [2]}}) == {"a": {"b": 1, "c": [2]}}


def test_project_schema_declares_every_flat_key() -> None:
    """Pulumi.yaml is the config schema users see: typed, described and defaulted, and in sync."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    declared = {k: v for k, v in project["config"].items() if ":" not in k}
    assert set(declared) == {k.name for k in FLAT_KEYS}
    for key in FLAT_KEYS:
        decl = declared[key.name]
        assert decl["type"] == key.type
        assert decl["default"] == key.default
        assert len(decl["description"]) > 20
    assert all(name not in declared for name in STRUCTURED_KEYS)


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_files_only_use_known_sections(profile: str) -> None:
    doc = yaml.safe_load((PROFILES_DIR / f"{profile}.yaml").read_text())
    assert doc["app"] and doc["seed"]


json_values = st.recursive(st.none() | st.booleans() | st.integers(-5, 300) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                        max_size=3), max_leaves=8)
keys = st.sampled_from([k.name for k in FLAT_KEYS] + ["overrides", "bogus"])
override_paths = st.sampled_from(["network", "storage", "secrets", "settings", "budget", "usage", "app"])


@given(raw=st.dictionaries(keys, json_values, max_size=4),
       overrides=st.dictionaries(override_paths, json_values, max_size=3),
       stack=st.sampled_from(["dev", "prod", "pr-42"]))
def test_any_config_is_accepted_or_rejected_clearly(raw: dict[str, Any], overrides: dict[str, Any],
                                                    stack: str) -> None:
    if overrides:
        raw = {**raw, "overrides": overrides}
    try:
        parse(raw, stack=stack)
    except ConfigError as err:
        assert err.key and str(err).startswith(err.key)
