"""The yoga profile end to end: seed 002's nine tables, their refs' names in the outputs."""

from __future__ import annotations

import pytest

from tests.conftest import planned

SEED_002_TABLES = ("Users", "BlogPosts", "Classes", "Bookings", "Retreats", "Workshops", "Gallery", "Settings",
                   "Communications")
GSIS = {"Users": ["EmailIndex"], "BlogPosts": ["StatusIndex"], "Classes": ["DateTimeIndex"],
        "Bookings": ["UserBookingsIndex", "ClassBookingsIndex"]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_nine_tables_with_environment_suffix(stack: str) -> None:
    plan = planned(stack, "profile=yoga-serverless")
    tables = plan.of_type("aws:dynamodb/table:Table")
    assert sorted(t.inputs["name"] for t in tables) == sorted(f"yoga-{t}-{stack}" for t in SEED_002_TABLES)
    assert plan.stack_outputs["tables"] == {t: f"yoga-{t}-{stack}" for t in SEED_002_TABLES}
    for t in tables:
        logical = t.inputs["name"].split("-")[1]
        assert [g["name"] for g in t.inputs.get("globalSecondaryIndexes", [])] == GSIS.get(logical, [])
        assert t.inputs["pointInTimeRecovery"] == {"enabled": stack == "prod"}
        assert t.protect is (stack == "prod")


def test_tables_live_in_one_component_and_no_other_data_store() -> None:
    plan = planned("dev", "profile=yoga-serverless")
    (component,) = plan.of_type("cutover:data:Tables")
    assert {r.parent for r in plan.of_type("aws:dynamodb/table:Table")} == {component.urn}
    assert not plan.of_type("aws:rds/cluster:Cluster", "aws:ses/domainIdentity:DomainIdentity",
                            "aws:cloudfront/distribution:Distribution")


@pytest.mark.parametrize(("profile", "table", "index"), [("waiterix-serverless", "waiterix-connections-dev",
                                                          "RestaurantIndex"),
                                                         ("pos-serverless", "pos-connections-dev", "BusinessIndex")])
def test_connections_tables_for_websocket_profiles(profile: str, table: str, index: str) -> None:
    plan = planned("dev", f"profile={profile}")
    t = plan.one("aws:dynamodb/table:Table").inputs
    assert t["name"] == table and t["ttl"] == {"attributeName": "ttl", "enabled": True}
    assert [g["name"] for g in t["globalSecondaryIndexes"]] == [index]


def test_waiterix_exports_ses_identity() -> None:
    plan = planned("dev", "profile=waiterix-serverless")
    assert plan.one("aws:ses/domainIdentity:DomainIdentity").inputs["domain"] == "waiterix.com"
    assert "sesDkimTokens" in plan.stack_outputs and "sesDnsRecords" in plan.stack_outputs
