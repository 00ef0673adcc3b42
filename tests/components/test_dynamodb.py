"""DynamoDB tables: seed 002's schema exactly, on-demand, encrypted, PITR and protection in prod."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.dynamodb import READ_ACTIONS, WRITE_ACTIONS, Tables, TablesArgs
from cutover.config import parse_stack_config
from cutover.plan.model import Plan
from tests.conftest import plan_components

TABLE = "aws:dynamodb/table:Table"


def _plan(profile: str, stack: str) -> Plan:
    cfg = parse_stack_config({"profile": profile, "environment": stack}, project="cutover", stack=stack)

    def program() -> None:
        t = Tables("tables", TablesArgs(cfg.tables, cfg.namer, cfg.environment))
        pulumi.export("refs", {k: {"arns": list(r.resource_arns), "env": dict(r.env), "read": r.read_actions,
                                   "write": r.write_actions} for k, r in t.refs().items()})

    return plan_components(program, stack=stack)


def _key(hash_key: str, range_key: str | None = None) -> list[dict[str, str]]:
    keys = [{"attributeName": hash_key, "keyType": "HASH"}]
    if range_key:
        keys.append({"attributeName": range_key, "keyType": "RANGE"})
    return keys


def _gsi(name: str, hash_key: str, range_key: str | None = None) -> dict[str, Any]:
    return {"name": name, "keySchemas": _key(hash_key, range_key), "projectionType": "ALL"}


# Seed 002 "2.1 DynamoDB Table Design" (+ the five simple tables of its schemas/ directory).
SEED_002: dict[str, tuple[list[tuple[str, str]], list[dict[str, Any]]]] = {
    "Users": ([("id", "S"), ("email", "S")], [_gsi("EmailIndex", "email")]),
    "BlogPosts": ([("id", "S"), ("status", "S"), ("publishedAt", "S")],
                  [_gsi("StatusIndex", "status", "publishedAt")]),
    "Classes": ([("id", "S"), ("date", "S"), ("time", "S")], [_gsi("DateTimeIndex", "date", "time")]),
    "Bookings": ([("id", "S"), ("userId", "S"), ("classId", "S"), ("createdAt", "S")],
                 [_gsi("UserBookingsIndex", "userId", "createdAt"),
                  _gsi("ClassBookingsIndex", "classId", "createdAt")]),
    **{t: ([("id", "S")], []) for t in ("Retreats", "Workshops", "Gallery", "Settings", "Communications")},
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_yoga_tables_match_seed_002_exactly(stack: str) -> None:
    plan = _plan("yoga-serverless", stack)
    tables = {r.inputs["name"]: r.inputs for r in plan.of_type(TABLE)}
    assert set(tables) == {f"yoga-{t}-{stack}" for t in SEED_002}
    for name, (attrs, gsis) in SEED_002.items():
        t = tables[f"yoga-{name}-{stack}"]
        assert t["hashKey"] == "id" and "rangeKey" not in t
        assert t["attributes"] == [{"name": n, "type": typ} for n, typ in attrs]
        assert t.get("globalSecondaryIndexes", []) == gsis
        assert t["billingMode"] == "PAY_PER_REQUEST"
        assert t["serverSideEncryption"] == {"enabled": True}
        assert "ttl" not in t


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pitr_deletion_protection_and_protect_in_prod_only(stack: str) -> None:
    prod = stack == "prod"
    for r in _plan("yoga-serverless", stack).of_type(TABLE):
        assert r.inputs["pointInTimeRecovery"] == {"enabled": prod}
        assert r.inputs["deletionProtectionEnabled"] is prod
        assert r.protect is prod and r.retain_on_delete is prod


def test_waiterix_connections_table_has_ttl_and_restaurant_index() -> None:
    t = _plan("waiterix-serverless", "dev").one(TABLE).inputs
    assert t["name"] == "waiterix-connections-dev"
    assert t["hashKey"] == "connectionId"
    assert t["attributes"] == [{"name": "connectionId", "type": "S"}, {"name": "restaurantId", "type": "S"}]
    assert t["ttl"] == {"attributeName": "ttl", "enabled": True}
    assert t["globalSecondaryIndexes"] == [_gsi("RestaurantIndex", "restaurantId")]


def test_pos_connections_table_is_keyed_by_business() -> None:
    t = _plan("pos-serverless", "dev").one(TABLE).inputs
    assert t["name"] == "pos-connections-dev"
    assert t["globalSecondaryIndexes"] == [_gsi("BusinessIndex", "businessId")]
    assert t["ttl"] == {"attributeName": "ttl", "enabled": True}


def test_refs_scope_to_table_and_indexes_with_item_actions_only() -> None:
    plan = _plan("yoga-serverless", "dev")
    arn = plan.one(TABLE, "tables-BlogPosts").outputs["arn"]
    ref = plan.stack_outputs["refs"]["table:BlogPosts"]
    assert ref["arns"] == [arn, f"{arn}/index/*"]
    assert ref["env"] == {"BLOG_POSTS_TABLE": "yoga-BlogPosts-dev"}
    assert tuple(ref["read"]) == READ_ACTIONS and tuple(ref["write"]) == WRITE_ACTIONS
    assert not any(a in ("dynamodb:*", "dynamodb:DeleteTable", "dynamodb:CreateTable")
                   for a in READ_ACTIONS + WRITE_ACTIONS)
    assert set(plan.stack_outputs["refs"]) == {f"table:{t}" for t in SEED_002}


def test_waiterix_ref_uses_the_seed_variable_name() -> None:
    refs = _plan("waiterix-serverless", "dev").stack_outputs["refs"]
    assert refs["table:connections"]["env"] == {"WEBSOCKET_CONNECTIONS_TABLE": "waiterix-connections-dev"}
