"""The parsers' defaults are the schema's: no second source of truth can drift.

For each section of the serverless, ECS and data-store parsers, a minimal valid document is parsed in
dev and prod. Then, walking the schema (cutover/config/schema/profile.py) rather than a hand-made key
list, every key the minimal document leaves unset and the schema gives a default is set explicitly to
that default for the environment: the parsed configuration must not change. A parser that kept its own
literal (``256`` where the schema now says ``512``) parses the two documents differently and fails here.

So that equality is not vacuous, each key is also set to another value the schema allows: when that
parses, the configuration must change (the parser really reads the key the schema declares).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cutover.config.container import parse_ecs
from cutover.config.databases import parse_caches, parse_postgres
from cutover.config.datastores import parse_aurora, parse_email, parse_frontend, parse_tables
from cutover.config.environment import DEFAULTS, Environment
from cutover.config.reader import Reader
from cutover.config.schema import default
from cutover.config.schema.profile import DEFINITIONS, SECTIONS
from cutover.config.serverless import parse_serverless
from cutover.errors import ConfigError

ENVS = ("dev", "prod")
REGION = "us-east-1"
CERT_USE1 = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000"

Parse = Callable[[dict[str, Any], str], Any]


def _env(env: str) -> Any:
    return DEFAULTS[Environment(env)]


# Each parser, the schema sections it reads, and the smallest document it accepts in dev and prod.
# Mappings keyed by name (services, tables, indexes, caches) hold one entry, so the schema's `*`
# has something to stand for.
CASES: dict[str, tuple[tuple[str, ...], list[dict[str, Any]], Parse]] = {
    "serverless": (
        ("serviceDefaults", "services", "httpApi", "websocket", "waf", "edge"),
        [{"services": {"api": {"code": "functions/health", "routes": ["GET /items"]},
                       "live": {"kind": "websocket"}},
          "httpApi": {}, "websocket": {}}],
        lambda doc, env: parse_serverless(Reader(doc, ""), _env(env), REGION),
    ),
    "ecs": (
        ("container", "alb", "cdn", "devices"),
        [{"container": {"image": {"tag": "v1"}},
          "alb": {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                  "domainName": "origin.example.com"},
          "cdn": {"certificateArn": CERT_USE1, "aliases": ["app.example.com"]},
          "devices": {}}],
        lambda doc, env: parse_ecs(Reader(doc, ""), _env(env), REGION, ("device-api-key",)),
    ),
    "tables": (
        ("tables",),
        [{"tables": {"Items": {"hashKey": "id", "attributes": {"id": "S", "owner": "S"},
                               "indexes": {"ByOwner": {"hashKey": "owner"}}}}}],
        lambda doc, env: parse_tables(Reader(doc, ""), _env(env)),
    ),
    "aurora": (
        ("aurora",),
        # secondsUntilAutoPause only applies to a database that pauses (minCapacity 0).
        [{"aurora": {"maxCapacity": 4}}, {"aurora": {"maxCapacity": 4, "minCapacity": 0}}],
        lambda doc, env: parse_aurora(Reader(doc, ""), _env(env), "shop"),
    ),
    "email": (
        ("email",),
        [{"email": {"domain": "example.com", "fromAddress": "no-reply@example.com"}}],
        lambda doc, env: parse_email(Reader(doc, "")),
    ),
    "frontend": (
        ("frontend",),
        # prod requires a certificate (and so aliases); dev also runs on CloudFront's own name.
        [{"frontend": {"certificateArn": CERT_USE1, "aliases": ["www.example.com"]}}, {"frontend": {}}],
        lambda doc, env: parse_frontend(Reader(doc, ""), _env(env)),
    ),
    "postgres": (
        ("postgres",),
        [{"postgres": {"instanceClass": "db.t4g.small"}}],
        lambda doc, env: parse_postgres(Reader(doc, ""), _env(env), "shop"),
    ),
    "cache": (
        ("cache",),
        [{"cache": {"main": {}}}],
        lambda doc, env: parse_caches(Reader(doc, ""), _env(env)),
    ),
}


# Keys whose default the environment refuses, so no document can leave them unset there.
REFUSED_DEFAULTS = {
    ("frontend.aliases", "prod"): "prod requires certificateArn, and a certificate requires aliases",
}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        node = DEFINITIONS[node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node and "properties" not in node:  # `waf: enabled` | {enabled: ...}: the mapping's keys
        for choice in node["anyOf"]:
            if choice.get("type") == "object":
                return dict(choice)
    return node


def _declared(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """(key path, node) of every key with a declared default, ``*`` standing for a mapping's names."""
    if "default" in node or "x-default-prod" in node:
        yield path, node
    body = _resolve(node)
    for name, child in body.get("properties", {}).items():
        yield from _declared(child, (*path, name))
    if isinstance(body.get("additionalProperties"), dict):
        yield from _declared(body["additionalProperties"], (*path, "*"))


def _defaulted_keys(sections: tuple[str, ...]) -> list[tuple[str, ...]]:
    nodes = {s.key: s.node for s in SECTIONS}
    out = []
    for section in sections:
        for path, node in _declared(nodes[section], (section,)):
            # A default computed from other keys (x-default-text: "settings.multiAz", "2 with multiAz") is
            # the parser's to compute; the declared value, when there is one, is not the whole rule.
            if "x-default-text" not in node:
                out.append(path)
    return out


def _place(doc: dict[str, Any], path: tuple[str, ...]) -> tuple[dict[str, Any], str] | None:
    """The mapping of ``doc`` that holds ``path``'s last key (parents created as empty mappings), or None
    when the minimal document already sets the key (it did not fall back to a default)."""
    cursor = doc
    for part in path[:-1]:
        if part == "*":
            part = next(iter(cursor))  # the mapping's first entry
        child = cursor.get(part)
        if not isinstance(child, dict):
            child = cursor[part] = {}  # the shorthand `proxy: true` or an absent section: use the mapping form
        cursor = child
    if path[-1] in cursor:
        return None
    return cursor, path[-1]


def _other_value(node: dict[str, Any], value: Any) -> Any:
    """Another value the schema allows for the key, or None when none is easily derived."""
    node = _resolve(node)
    if "enum" in node:
        return next((v for v in node["enum"] if v != value), None)
    kind = node.get("type")
    if kind == "boolean":
        return not value
    if kind in ("integer", "number") and not isinstance(value, bool):
        for candidate in (value + 1, value - 1):
            if node.get("minimum", candidate) <= candidate <= node.get("maximum", candidate):
                return candidate
    if kind == "array" and "enum" in node.get("items", {}):
        items = node["items"]["enum"]
        return [v for v in items if v not in value][:1] or value[:-1] or None
    return None


def _node(path: tuple[str, ...]) -> dict[str, Any]:
    node: dict[str, Any] = {s.key: s.node for s in SECTIONS}[path[0]]
    for part in path[1:]:
        body = _resolve(node)
        node = body["additionalProperties"] if part == "*" else body["properties"][part]
    return node


CHECKS = [(case, env, ".".join(path)) for case, (sections, _, _) in CASES.items()
          for path in _defaulted_keys(sections) for env in ENVS]


def test_every_case_section_declares_defaults_to_check() -> None:
    # email declares no plain default (supportAddress is computed): every other section must be covered.
    checked = {(case, key.split(".")[0]) for case, _, key in CHECKS}
    for case, (sections, _, _) in CASES.items():
        for section in sections:
            if section != "email":
                assert (case, section) in checked, f"{section}: no declared default was walked"


@pytest.mark.parametrize(("case", "env"), [(c, e) for c in CASES for e in ENVS])
def test_minimal_documents_parse(case: str, env: str) -> None:
    _, docs, parse = CASES[case]
    parsed = []
    for doc in docs:
        try:
            parsed.append(parse(copy.deepcopy(doc), env))
        except ConfigError:
            continue  # a variant for the other environment
    assert parsed and all(p is not None for p in parsed)


def _check(doc: dict[str, Any], parse: Parse, env: str, key: str) -> bool:
    """Whether ``key`` fell back to its default in ``doc`` and applies there; asserts the fallback is the
    schema's default and that the parser reads the key."""
    path = tuple(key.split("."))
    implicit = copy.deepcopy(doc)
    if _place(implicit, path) is None:
        return False  # the document sets the key itself
    explicit = copy.deepcopy(implicit)
    spot = _place(explicit, path)
    assert spot is not None
    declared = default(key, env)
    spot[0][spot[1]] = declared

    try:
        fallen_back = parse(implicit, env)
    except ConfigError:
        return False  # a variant for the other environment
    try:
        stated = parse(explicit, env)
    except ConfigError:
        return False  # the key does not apply in this document (secondsUntilAutoPause without minCapacity 0)
    assert stated == fallen_back, f"{key} ({env}): the parser's default is not the schema's {declared!r}"

    other = _other_value(_node(path), declared)
    if other is not None:
        spot[0][spot[1]] = other
        try:
            changed = parse(explicit, env)
        except ConfigError:
            return True  # that value is refused in this environment or combination: nothing to compare
        assert changed != fallen_back, f"{key} ({env}): setting it to {other!r} changed nothing, so the " \
                                       "parser does not read the key the schema declares"
    return True


@pytest.mark.parametrize(("case", "env", "key"), CHECKS)
def test_fallback_equals_the_schema_default(case: str, env: str, key: str) -> None:
    _, docs, parse = CASES[case]
    applied = [_check(doc, parse, env, key) for doc in docs]
    if (key, env) in REFUSED_DEFAULTS:
        assert not any(applied), f"{key} ({env}): its default is accepted now; drop it from REFUSED_DEFAULTS"
        return
    assert any(applied), f"{key} ({env}): no minimal document leaves it to its default and accepts it; " \
                         "add a document where it applies"
