"""Parsing of tables, aurora, email and frontend: every bad value names its key path."""

from __future__ import annotations

from typing import Any

import pytest

from cutover.config.datastores import (
    default_env_var,
    parse_aurora,
    parse_email,
    parse_frontend,
    parse_tables,
    supports_auto_pause,
)
from cutover.config.environment import DEFAULTS, Environment
from cutover.config.reader import Reader
from cutover.config.stack import parse_stack_config
from cutover.errors import ConfigError

DEV, PROD = DEFAULTS[Environment.DEV], DEFAULTS[Environment.PROD]
CERT = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-4000-8000-000000000000"
USERS = {"hashKey": "id", "attributes": {"id": "S", "email": "S"}, "indexes": {"EmailIndex": {"hashKey": "email"}}}


def _tables(tables: dict[str, Any], env: Any = DEV) -> Any:
    return parse_tables(Reader({"tables": tables}, ""), env)


def _error(fn: Any, *args: Any) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        fn(*args)
    return err.value


def test_table_defaults() -> None:
    (t,) = _tables({"Users": USERS})
    assert t.attributes == (("id", "S"), ("email", "S"))
    assert t.indexes[0].projection == "ALL" and t.indexes[0].range_key is None
    assert t.billing_mode.value == "PAY_PER_REQUEST" and t.read_capacity is None
    assert not t.point_in_time_recovery and not t.deletion_protection and t.ttl_attribute is None
    assert t.env_var == "USERS_TABLE" and t.ref_key == "table:Users"
    (p,) = _tables({"Users": USERS}, PROD)
    assert p.point_in_time_recovery and p.deletion_protection


@pytest.mark.parametrize(("table", "key"), [
    ({"attributes": {"id": "S"}}, "tables.T.hashKey"),  # hash key required
    ({"hashKey": "id", "attributes": {}}, "tables.T.hashKey"),  # key not declared
    ({"hashKey": "id", "attributes": {"id": "X"}}, "tables.T.attributes.id"),  # bad type
    ({"hashKey": "id", "rangeKey": "at", "attributes": {"id": "S"}}, "tables.T.rangeKey"),
    ({"hashKey": "id", "rangeKey": "id", "attributes": {"id": "S"}}, "tables.T.rangeKey"),
    ({"hashKey": "id", "attributes": {"id": "S", "email": "S"}}, "tables.T.attributes.email"),  # unused
    ({"hashKey": "id", "attributes": {"id": "S"}, "indexes": {"ByEmail": {"hashKey": "email"}}},
     "tables.T.indexes.ByEmail.hashKey"),
    ({"hashKey": "id", "attributes": {"id": "S", "e": "S"}, "indexes": {"ByE": {"hashKey": "e", "rangeKey": "c"}}},
     "tables.T.indexes.ByE.rangeKey"),
    ({"hashKey": "id", "attributes": {"id": "S", "e": "S"}, "indexes": {"ByE": {"rangeKey": "e"}}},
     "tables.T.indexes.ByE.hashKey"),
    ({"hashKey": "id", "attributes": {"id": "S", "e": "S"}, "indexes": {"E": {"hashKey": "e"}}},
     "tables.T.indexes.E"),  # index names are 3+ characters
    ({"hashKey": "id", "attributes": {"id": "S", "e": "S"},
      "indexes": {"ByE": {"hashKey": "e", "projection": "SOME"}}}, "tables.T.indexes.ByE.projection"),
    ({"hashKey": "id", "attributes": {"id": "S", "e": "S"},
      "indexes": {"ByE": {"hashKey": "e", "nonKeyAttributes": ["x"]}}}, "tables.T.indexes.ByE.nonKeyAttributes"),
    ({"hashKey": "id", "attributes": {"id": "S"}, "ttlAttribute": "id"}, "tables.T.ttlAttribute"),
    ({"hashKey": "id", "attributes": {"id": "S"}, "billingMode": "PROVISIONED"}, "tables.T.readCapacity"),
    ({"hashKey": "id", "attributes": {"id": "S"}, "readCapacity": 5}, "tables.T.readCapacity"),
    ({"hashKey": "id", "attributes": {"id": "S"}, "envVar": "lower"}, "tables.T.envVar"),
    ({"hashKey": "id", "attributes": {"id": "S"}, "hashkey": "id"}, "tables.T.hashkey"),  # typo
])
def test_bad_tables_name_the_key(table: dict[str, Any], key: str) -> None:
    assert _error(_tables, {"T": table}).key == key


def test_prod_tables_keep_pitr() -> None:
    err = _error(_tables, {"T": {"hashKey": "id", "attributes": {"id": "S"}, "pointInTimeRecovery": False}}, PROD)
    assert err.key == "tables.T.pointInTimeRecovery"


def test_duplicate_env_vars_are_refused() -> None:
    simple = {"hashKey": "id", "attributes": {"id": "S"}}
    assert _error(_tables, {"BlogPosts": simple, "Blog_Posts": simple}).key == "tables.Blog_Posts.envVar"


def test_provisioned_capacity_reaches_the_table() -> None:
    (t,) = _tables({"T": {"hashKey": "id", "attributes": {"id": "S"}, "billingMode": "PROVISIONED",
                          "readCapacity": 5, "writeCapacity": 2}})
    assert (t.read_capacity, t.write_capacity) == (5, 2)


@pytest.mark.parametrize(("name", "var"), [("Users", "USERS_TABLE"), ("BlogPosts", "BLOG_POSTS_TABLE"),
                                           ("connections", "CONNECTIONS_TABLE"), ("my-table", "MY_TABLE_TABLE")])
def test_default_env_var(name: str, var: str) -> None:
    assert default_env_var(name) == var


# --- aurora ---------------------------------------------------------------------------------------
def _aurora(section: dict[str, Any], env: Any = DEV) -> Any:
    return parse_aurora(Reader({"aurora": section}, ""), env, "persona")


def test_aurora_defaults() -> None:
    a = _aurora({"maxCapacity": 4})
    assert a.engine_version == "16.6" and a.min_capacity == 0.5 and a.seconds_until_auto_pause is None
    assert a.database_name == "persona" and a.master_username == "persona_admin"
    assert a.instances == 1 and a.performance_insights and a.backup_retention_days == 1
    z = _aurora({"minCapacity": 0, "maxCapacity": 2})
    assert z.scales_to_zero and z.seconds_until_auto_pause == 300 and not z.performance_insights
    assert _aurora({"minCapacity": 1, "maxCapacity": 4}, PROD).instances == 2
    assert parse_aurora(Reader({}, ""), DEV, "persona") is None


@pytest.mark.parametrize(("section", "key"), [
    ({}, "aurora.maxCapacity"),
    ({"maxCapacity": 0.5}, "aurora.maxCapacity"),  # AWS minimum max is 1 ACU
    ({"maxCapacity": 300}, "aurora.maxCapacity"),
    ({"minCapacity": 4, "maxCapacity": 2}, "aurora.maxCapacity"),
    ({"minCapacity": 0.7, "maxCapacity": 2}, "aurora.minCapacity"),
    ({"engineVersion": "12.9", "maxCapacity": 2}, "aurora.engineVersion"),
    ({"engineVersion": "sixteen", "maxCapacity": 2}, "aurora.engineVersion"),
    ({"engineVersion": "15.4", "minCapacity": 0, "maxCapacity": 2}, "aurora.minCapacity"),
    ({"minCapacity": 0, "maxCapacity": 2, "secondsUntilAutoPause": 60}, "aurora.secondsUntilAutoPause"),
    ({"minCapacity": 1, "maxCapacity": 2, "secondsUntilAutoPause": 600}, "aurora.secondsUntilAutoPause"),
    ({"maxCapacity": 2, "databaseName": "1db"}, "aurora.databaseName"),
    ({"maxCapacity": 2, "masterUsername": "rdsadmin"}, "aurora.masterUsername"),
    ({"maxCapacity": 2, "masterPassword": "hunter2"}, "aurora.masterPassword"),  # never in config
])
def test_bad_aurora_names_the_key(section: dict[str, Any], key: str) -> None:
    assert _error(_aurora, section).key == key


def test_prod_aurora_needs_a_reader() -> None:
    assert _error(_aurora, {"maxCapacity": 2, "instances": 1}, PROD).key == "aurora.instances"


@pytest.mark.parametrize(("version", "ok"), [("13.14", False), ("13.15", True), ("14.11", False), ("14.12", True),
                                             ("15.6", False), ("15.7", True), ("16.2", False), ("16.3", True),
                                             ("16.10", True), ("17.1", True), ("16", False)])
def test_supports_auto_pause(version: str, ok: bool) -> None:
    assert supports_auto_pause(version) is ok


def test_profile_error_names_the_layer_and_path() -> None:
    err = _error(lambda: parse_stack_config({"profile": "persona-serverless", "environment": "dev",
                                             "overrides": {"aurora": {"engineVersion": "15.2"}}},
                                            project="cutover", stack="dev"))
    assert err.key == "profiles/persona-serverless.yaml environments.dev.aurora.minCapacity"
    assert "15.7" in err.problem


# --- email ----------------------------------------------------------------------------------------
def _email(section: dict[str, Any]) -> Any:
    return parse_email(Reader({"email": section}, ""))


def test_email_defaults_support_to_sender() -> None:
    e = _email({"domain": "waiterix.com", "fromAddress": "noreply@waiterix.com"})
    assert e.support_address == "noreply@waiterix.com" and e.mail_from_domain is None
    assert _email({"domain": "waiterix.com", "fromAddress": "a@mail.waiterix.com",
                   "mailFromSubdomain": "bounce"}).mail_from_domain == "bounce.waiterix.com"


@pytest.mark.parametrize(("section", "key"), [
    ({"fromAddress": "noreply@waiterix.com"}, "email.domain"),
    ({"domain": "Waiterix.com", "fromAddress": "noreply@waiterix.com"}, "email.domain"),
    ({"domain": "waiterix", "fromAddress": "noreply@waiterix"}, "email.domain"),
    ({"domain": "waiterix.com", "fromAddress": "noreply"}, "email.fromAddress"),
    ({"domain": "waiterix.com", "fromAddress": "noreply@other.com"}, "email.fromAddress"),
    ({"domain": "waiterix.com", "fromAddress": "noreply@evilwaiterix.com"}, "email.fromAddress"),
    ({"domain": "waiterix.com", "fromAddress": "a@waiterix.com", "supportAddress": "x@y"}, "email.supportAddress"),
    ({"domain": "waiterix.com", "fromAddress": "a@waiterix.com", "mailFromSubdomain": "a.b"},
     "email.mailFromSubdomain"),
])
def test_bad_email_names_the_key(section: dict[str, Any], key: str) -> None:
    assert _error(_email, section).key == key


# --- frontend -------------------------------------------------------------------------------------
def _frontend(section: dict[str, Any], env: Any = DEV) -> Any:
    return parse_frontend(Reader({"frontend": section}, ""), env)


def test_frontend_defaults_per_environment() -> None:
    dev = _frontend({})
    assert dev.price_class == "PriceClass_100" and dev.minimum_protocol_version == "TLSv1" and not dev.waf
    assert dev.immutable_paths == ("/_next/static/*", "/assets/*")
    assert (dev.asset_ttl_seconds, dev.html_ttl_seconds) == (31536000, 3600)
    prod = _frontend({"certificateArn": CERT, "aliases": ["hibiji.com"]}, PROD)
    assert prod.price_class == "PriceClass_All" and prod.minimum_protocol_version == "TLSv1.2_2021" and prod.waf


@pytest.mark.parametrize(("section", "key"), [
    ({"priceClass": "PriceClass_50"}, "frontend.priceClass"),
    ({"aliases": ["hibiji.com"]}, "frontend.certificateArn"),
    ({"certificateArn": CERT}, "frontend.aliases"),
    ({"certificateArn": CERT.replace("us-east-1", "eu-west-1"), "aliases": ["a.com"]}, "frontend.certificateArn"),
    ({"certificateArn": "arn:aws:acm:us-east-1:1:certificate/x", "aliases": ["a.com"]}, "frontend.certificateArn"),
    ({"certificateArn": CERT, "aliases": ["not a host"]}, "frontend.aliases"),
    ({"certificateArn": CERT, "aliases": ["a.com", "a.com"]}, "frontend.aliases"),
    ({"immutablePaths": ["assets/**?x=1"]}, "frontend.immutablePaths"),
    ({"htmlTtlSeconds": -1}, "frontend.htmlTtlSeconds"),
    ({"websiteHosting": True}, "frontend.websiteHosting"),
])
def test_bad_frontend_names_the_key(section: dict[str, Any], key: str) -> None:
    assert _error(_frontend, section).key == key


def test_prod_frontend_requires_a_certificate() -> None:
    err = _error(_frontend, {}, PROD)
    assert err.key == "frontend.certificateArn" and "TLSv1" in err.problem
