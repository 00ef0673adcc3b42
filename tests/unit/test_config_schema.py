"""The declared schema: the committed artifacts are current, the profiles validate, typos are refused in
every section, and the facts it shares with other layers (usage keys, regions, flat keys) agree."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import botocore
import jsonschema
import pytest
import yaml

from cutover.config import parse_stack_config
from cutover.config.budget import USAGE_KEYS
from cutover.config.placeholders import find_placeholders
from cutover.config.profiles import PROFILES_DIR
from cutover.config.schema import default, node_at
from cutover.config.schema.flat import AWS_REGIONS, FLAT_KEYS
from cutover.config.schema.generate import SCHEMA_LINE, outputs
from cutover.config.schema.profile import SECTIONS
from cutover.errors import ConfigError
from tests.conftest import PROFILES, ROOT


def parse(raw: dict[str, Any], stack: str = "dev", region: str = "us-east-1") -> Any:
    return parse_stack_config(raw, project="cutover", stack=stack, region=region)


@pytest.mark.parametrize("path", list(outputs()), ids=lambda p: p.name)
def test_generated_files_are_current(path: Any) -> None:
    assert path.read_text() == outputs()[path], f"{path.name} is stale: run `make schema`"


@functools.cache  # one schema file, checked and compiled once per module rather than per test
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads((ROOT / "schema" / "profile.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _profile(name: str) -> dict[str, Any]:
    # An editor sees YAML's integer keys (soakHours: {10: 24}) as strings, as JSON does.
    return json.loads(json.dumps(yaml.safe_load((PROFILES_DIR / f"{name}.yaml").read_text())))


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_names_and_passes_the_editor_schema(profile: str) -> None:
    assert (PROFILES_DIR / f"{profile}.yaml").read_text().splitlines()[0] == SCHEMA_LINE
    assert (PROFILES_DIR / SCHEMA_LINE.split("=", 1)[1]).resolve() == ROOT / "schema" / "profile.schema.json"
    assert [e.message for e in _validator().iter_errors(_profile(profile))] == []


def _sections_present(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, mapping) for every section mapping the profile sets, including nested ones."""
    out = []
    for key, value in doc.items():
        if isinstance(value, dict) and key != "environments":
            out.append((key, value))
            out += [(f"{key}.{k}", v) for k, v in value.items() if isinstance(v, dict) and k not in (
                "buckets", "generated", "alarms", "keys", "uses", "environment", "secrets", "attributes",
                "indexes", "soakHours", "smokeTests", "stableVersions", "containers", "databases")]
    return out


@pytest.mark.parametrize("profile", PROFILES)
def test_a_misspelled_key_is_refused_in_every_section(profile: str) -> None:
    """Both by the editor schema and by the parser (exit 2), naming the key and the nearest valid one."""
    base = _profile(profile)
    validator = _validator()
    sections = _sections_present(base)
    assert len(sections) >= 8
    for path, _ in sections:
        if isinstance(node_at(path).get("additionalProperties"), dict):
            continue  # a mapping by name (services, tables): a new key is a new entry, not a typo
        doc = json.loads(json.dumps(base))
        target = doc
        for part in path.split("."):
            target = target[part]
        known = next((k for k in target if isinstance(k, str) and k.isalpha() and len(k) > 3), None)
        typo = (known.lower() if known and known.lower() != known else (known or "bogus") + "x")
        target[typo] = target.get(known, 1) if known else 1
        # iter_errors is lazy: stop at the first error that names the typo rather than collect them all.
        assert any(typo in e.message for e in validator.iter_errors(doc)), (path, typo)
        if path.startswith(("seed", "app")):
            continue
        overrides: dict[str, Any] = {}
        cursor = overrides
        for part in path.split("."):
            cursor = cursor.setdefault(part, {})
        cursor[typo] = target[typo]
        with pytest.raises(ConfigError) as err:
            parse({"profile": profile, "overrides": overrides})
        assert err.value.key == f"cutover:overrides.{path}.{typo}", str(err.value)
        assert "unknown key" in str(err.value)
        if known and typo.lower() == known.lower():
            assert f"did you mean {known!r}" in str(err.value)


@pytest.mark.parametrize(("overrides", "key", "fragment"), [
    ({"network": {"natmode": "none"}}, "cutover:overrides.network.natmode", "did you mean 'natMode'"),
    ({"usage": {"requestPerMonth": 1}}, "cutover:overrides.usage.requestPerMonth", "did you mean 'requestsPerMonth'"),
    ({"budget": {"montlyUsd": 5}}, "cutover:overrides.budget.montlyUsd", "did you mean 'monthlyUsd'"),
    ({"monitoring": {"dashbord": False}}, "cutover:overrides.monitoring.dashbord", "did you mean 'dashboard'"),
    ({"storage": {"bucket": {}}}, "cutover:overrides.storage.bucket", "did you mean 'buckets'"),
    ({"secrets": {"generate": {}}}, "cutover:overrides.secrets.generate", "did you mean 'generated'"),
    ({"settings": {"multiAZ": True}}, "cutover:overrides.settings.multiAZ", "did you mean 'multiAz'"),
    ({"cache": {"main": {"keys": {"x": 1}, "ttl": 3}}}, "cutover:overrides.cache.main.ttl", "unknown key"),
    ({"traffic": {"rollback": {"reserveConcurency": True}}},
     "cutover:overrides.traffic.rollback.reserveConcurency", "did you mean 'reserveConcurrency'"),
    ({"network": {"azCount": "3"}}, "cutover:overrides.network.azCount", "must be an integer"),
    ({"usage": {"s3StorageGb": -1}}, "cutover:overrides.usage.s3StorageGb", "out of range"),
])
def test_issue_typos_and_types_fail_with_the_key(overrides: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse({"overrides": overrides})
    assert err.value.key == key
    assert fragment in str(err.value)


def test_traffic_rollback_reserve_concurrency_is_declared() -> None:
    assert node_at("traffic.rollback.reserveConcurrency")["type"] == "boolean"
    assert default("traffic.rollback.reserveConcurrency") is False
    parse({"overrides": {"traffic": {"rollback": {"reserveConcurrency": True}}}})


def test_per_environment_defaults_match_the_parsers() -> None:
    dev, prod = parse({"environment": "dev"}), parse({"environment": "prod"}, stack="prod")
    for cfg, env in ((dev, "dev"), (prod, "prod")):
        s = cfg.environment
        assert (s.multi_az, s.deletion_protection, s.backup_retention_days, s.log_retention_days,
                s.bucket_versioning, s.secret_recovery_days) == tuple(default(f"settings.{k}", env) for k in (
                    "multiAz", "deletionProtection", "backupRetentionDays", "logRetentionDays", "bucketVersioning",
                    "secretRecoveryDays"))


def test_every_section_is_declared_once_and_has_descriptions() -> None:
    keys = [s.key for s in SECTIONS]
    assert len(keys) == len(set(keys))

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                for k, child in node["properties"].items():
                    assert child.get("description") or "$ref" in child, f"{path}.{k} has no description"
                    walk(child, f"{path}.{k}")
            for k in ("additionalProperties", "items"):
                if isinstance(node.get(k), dict):
                    walk(node[k], path)
            for child in node.get("anyOf", []):
                walk(child, path)
    for s in SECTIONS:
        walk(s.node, s.key)


def test_usage_keys_are_declared_once_for_the_parser_and_the_estimator() -> None:
    from cutover_guard import cost  # policy/ is on sys.path (tests/conftest.py)

    declared = json.loads((ROOT / "policy" / "cutover_guard" / "usage_keys.json").read_text())["keys"]
    names = [k["name"] for k in declared]
    assert len(names) == len(set(names))
    assert set(cost.USAGE_KEYS) | set(cost.EXTRA_USAGE_KEYS) == set(names)
    assert set(USAGE_KEYS) <= set(names)
    # plus usage.services: per-service figures (cutover/config/budget.py), not a usage key of the estimator
    assert set(node_at("usage")["properties"]) == {*USAGE_KEYS, "services"}


def test_regions_are_botocores() -> None:
    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    regions = sorted(r for p in data["partitions"] for r in p["regions"])
    assert list(AWS_REGIONS) == regions


@pytest.mark.parametrize(("raw", "region", "key", "fragment"), [
    ({"greenWeight": "1_0"}, "us-east-1", "cutover:greenWeight", "decimal digits"),
    ({"greenWeight": "١٠"}, "us-east-1", "cutover:greenWeight", "decimal digits"),
    ({}, "", "aws:region", "is not an AWS region"),
    ({}, "us-east-9", "aws:region", "did you mean"),
    ({"alertEmail": "a" * 290 + "@example.com"}, "us-east-1", "cutover:alertEmail", "at most 254"),
    ({"alertEmail": "ops@@example.com"}, "us-east-1", "cutover:alertEmail", "not an email address"),
    ({"rollbackAck": "3F2A"}, "us-east-1", "cutover:rollbackAck", "32 lowercase hex"),
    ({"costCenter": "x" * 300}, "us-east-1", "cutover:costCenter", "AWS tag value"),
])
def test_flat_keys_are_strict(raw: dict[str, Any], region: str, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(raw, region=region)
    assert err.value.key == key
    assert fragment in str(err.value)


def test_valid_flat_keys_still_parse() -> None:
    cfg = parse({"greenWeight": "10", "rollbackAck": "0123456789abcdef0123456789abcdef",
                 "alertEmail": "ops+cutover@shop.example.org"}, region="eu-central-2")
    assert cfg.green_weight == 10 and cfg.region == "eu-central-2"
    assert [k.name for k in FLAT_KEYS][:3] == ["profile", "environment", "greenWeight"]


@pytest.mark.parametrize("profile", PROFILES)
def test_placeholders_are_found_in_every_section(profile: str) -> None:
    for env in ("dev", "prod"):
        cfg = parse({"profile": profile, "environment": env}, stack=env)
        assert cfg.placeholders == find_placeholders(_merged(profile, env))
    found = set(parse({"profile": "tracetrack-ecs"}).placeholders)
    assert {"alb.certificateArn", "cdn.certificateArn", "cdn.aliases[0]", "traffic.frontDoor.zoneId"} <= found
    assert "edge.certificateArn" in parse({"profile": "pos-serverless", "environment": "prod"},
                                          stack="prod").placeholders


def _merged(profile: str, env: str) -> dict[str, Any]:
    from cutover.config.profiles import Layers, read_profile

    return Layers(profile, read_profile(profile), env, {}).merged
