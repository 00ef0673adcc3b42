"""The databases: map: engines, versions and the rules AWS sets per engine, and databases services could not
tell apart refused with both key paths.

Rules and their sources: Aurora Serverless v2 needs Aurora MySQL 3.02.0+ and scaling to 0 ACUs 3.08.0+ (Aurora
user guide); RDS for MySQL majors 8.0 and 8.4; MasterUsername at most 16 characters (botocore rds model,
CreateDBInstance MasterUsername); no Performance Insights for RDS for MySQL on micro/small classes (RDS user
guide, Performance Insights support); RDS takes the engines postgres | mysql | aurora-postgresql | aurora-mysql.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from cutover.config import parse_stack_config
from cutover.errors import ConfigError
from tests.conftest import ROOT


def _parse(profile: str, stack: str = "dev", **overrides: Any) -> Any:
    raw = {"profile": profile, "environment": stack, "overrides": overrides}
    return parse_stack_config(raw, project="cutover", stack=stack)


def _error(profile: str, stack: str = "dev", **overrides: Any) -> str:
    with pytest.raises(ConfigError) as err:
        _parse(profile, stack, **overrides)
    return str(err.value)


def test_named_databases_parse_with_their_ref_keys_and_engines() -> None:
    cfg = _parse("yoga-serverless", databases={
        "orders": {"engine": "mysql", "instanceClass": "db.t4g.small"},
        "reports": {"engine": "aurora-mysql", "maxCapacity": 4},
        "ledger": {"engine": "aurora-postgresql", "instanceClass": "db.r6g.large"}})
    by = {d.name: d for d in cfg.databases}
    assert {n: (d.ref_key, d.engine) for n, d in by.items()} == {
        "orders": ("database:orders", "mysql"), "reports": ("database:reports", "aurora-mysql"),
        "ledger": ("database:ledger", "aurora-postgresql")}
    assert by["orders"].engine_version == "8.0" and by["orders"].master_username == "yoga_admin"
    assert by["reports"].engine_version == "8.0.mysql_aurora.3.08.0" and by["reports"].serverless
    assert not by["ledger"].serverless and by["ledger"].instance_class == "db.r6g.large"
    assert cfg.all_databases == cfg.databases  # yoga has no aurora:/postgres: section


def test_a_main_database_can_come_from_the_map_when_no_section_declares_one() -> None:
    cfg = _parse("yoga-serverless", databases={"main": {"engine": "aurora-mysql", "maxCapacity": 2}})
    (main,) = cfg.databases
    assert main.ref_key == "database:main" and main.physical_name == "db-main"


def test_aurora_section_and_databases_main_are_the_same_ref() -> None:
    msg = _error("persona-serverless", databases={"main": {"engine": "aurora-mysql", "maxCapacity": 2}})
    assert "databases.main" in msg and "aurora" in msg and "database:main" in msg


def test_aurora_and_postgres_sections_together_are_refused() -> None:
    msg = _error("waiterix-serverless", aurora={"maxCapacity": 2})
    assert "postgres" in msg and "aurora declares the same database" in msg


@pytest.mark.parametrize("other", ["Orders", "orders_", "ORDERS"])
def test_names_whose_variables_collide_are_refused(other: str) -> None:
    msg = _error("yoga-serverless", databases={
        "orders": {"engine": "mysql", "instanceClass": "db.t4g.small"},
        other: {"engine": "postgres", "instanceClass": "db.t4g.small"}})
    assert f"databases.{other}" in msg and "databases.orders" in msg and "ORDERS_DB_HOST" in msg


@pytest.mark.parametrize(("entry", "key", "needle"), [
    ({"engine": "mariadb", "instanceClass": "db.t4g.small"}, "engine", "aurora-mysql"),
    ({"engine": "mysql", "instanceClass": "db.t4g.small", "engineVersion": "5.7"}, "engineVersion", "8.0 | 8.4"),
    ({"engine": "aurora-mysql", "maxCapacity": 2, "engineVersion": "8.0.mysql_aurora.3.01.0"}, "engineVersion",
     "3.02.0"),
    ({"engine": "aurora-mysql", "maxCapacity": 2, "minCapacity": 0, "engineVersion": "8.0.mysql_aurora.3.07.1"},
     "minCapacity", "8.0.mysql_aurora.3.08.0"),
    ({"engine": "aurora-mysql", "maxCapacity": 2, "engineVersion": "16.6"}, "engineVersion", "8.0.mysql_aurora.3"),
    ({"engine": "mysql", "instanceClass": "db.t4g.small", "performanceInsights": True}, "performanceInsights",
     "medium or larger"),
    ({"engine": "mysql", "instanceClass": "db.t4g.medium", "masterUsername": "a_very_long_admin"},
     "masterUsername", "at most 16"),
    ({"engine": "aurora-mysql", "instanceClass": "db.r6g.large", "maxCapacity": 4}, "maxCapacity",
     "db.serverless"),
    ({"engine": "aurora-mysql", "maxCapacity": 2, "allocatedStorageGb": 50}, "allocatedStorageGb", "unknown key"),
    ({"engine": "mysql"}, "instanceClass", ""),
])
def test_bad_entries_name_the_key_and_what_is_allowed(entry: dict[str, Any], key: str, needle: str) -> None:
    msg = _error("yoga-serverless", databases={"orders": entry})
    assert f"databases.orders.{key}" in msg and needle in msg


def test_database_names_are_checked() -> None:
    msg = _error("yoga-serverless", databases={"1orders": {"engine": "mysql", "instanceClass": "db.t4g.small"}})
    assert "databases.1orders" in msg and "a letter" in msg


def test_prod_rds_mysql_needs_multi_az_or_a_waiver() -> None:
    msg = _error("yoga-serverless", "prod", databases={"orders": {
        "engine": "mysql", "instanceClass": "db.t4g.medium", "multiAz": False}})
    assert "databases.orders.multiAz" in msg and "rds-multi-az" in msg
    waived = _parse("yoga-serverless", "prod", databases={"orders": {
        "engine": "mysql", "instanceClass": "db.t4g.medium", "multiAz": False,
        "suppress": {"rds-multi-az": "single-AZ reporting copy rebuilt from the primary nightly"}}})
    assert waived.databases[0].multi_az is False and waived.databases[0].suppress_tags


def test_cli_refuses_a_collision_with_exit_2_and_both_paths() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cutover.plan", "dev", "--profile", "persona-serverless", "--no-tree",
         "--set", "cutover:overrides.databases.main.engine=aurora-mysql",
         "--set", "cutover:overrides.databases.main.maxCapacity=2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "databases.main" in run.stderr and "aurora" in run.stderr and "Traceback" not in run.stderr
