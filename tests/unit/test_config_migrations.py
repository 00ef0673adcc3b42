"""The ``migrations:`` section: bad data plans fail at parse time with the key path and the allowed values,
and the CLI exits 2 (no traceback) for refused stages, flips and retirements."""

from __future__ import annotations

import pytest

from cutover.config import parse_stack_config
from cutover.config.migrations import Color, Method, NetworkPath
from cutover.errors import ConfigError
from cutover.plan.__main__ import main

M = "overrides.migrations"


def parse(profile: str, **values: object) -> object:
    return parse_stack_config({"profile": profile, "environment": "dev", **values}, project="cutover", stack="dev")


def test_seed_plans_parse() -> None:
    yoga = parse("yoga-serverless")
    assert {d.name: (d.target, d.method) for d in yoga.migrations} == {  # type: ignore[attr-defined]
        "blog-posts": ("table:BlogPosts", Method.DUMP), "bookings": ("table:Bookings", Method.DMS),
        "classes": ("table:Classes", Method.DMS), "communications": ("table:Communications", Method.DUMP),
        "gallery": ("table:Gallery", Method.DUMP), "retreats": ("table:Retreats", Method.DUMP),
        "settings": ("table:Settings", Method.DUMP), "users": ("table:Users", Method.DMS),
        "workshops": ("table:Workshops", Method.DUMP)}
    (main_ds,) = parse("persona-serverless").migrations  # type: ignore[attr-defined]
    assert main_ds.source.network is NetworkPath.VPC and main_ds.writer is Color.BLUE


def migrations(profile: str, name: str, body: dict[str, object]) -> dict[str, object]:
    return {"overrides": {"migrations": {name: body}}}


BAD = [
    ({"method": "copy"}, "migrations.main.method", "dms | dump | shared"),
    ({"writer": "green"}, "migrations.main.writerSince", "YYYY-MM-DDTHH:MM:SSZ"),
    ({"writer": "green", "writerSince": "yesterday"}, "migrations.main.writerSince", "invalid value 'yesterday'"),
    ({"target": "database:other"}, "migrations.main.target", "is not a store of this stack"),
    ({"source": {"network": "peering"}}, "migrations.main.source.network", "traffic.blue.peering"),
    ({"source": {"network": "vpc"}}, "migrations.main.source.securityGroupId", "network vpc"),
    ({"source": {"engine": "mysql"}}, "migrations.main.source.engine", "cannot be copied into database:main"),
]


@pytest.mark.parametrize(("change", "key", "message"), BAD)
def test_bad_data_plans_name_the_key(change: dict[str, object], key: str, message: str) -> None:
    base = {"source": {"engine": "postgres", "host": "db.pos.example.com", "database": "pos", "network": "tls",
                       "secretArn": "arn:aws:secretsmanager:us-east-1:444455556666:secret:pos"},
            "target": "database:main", "method": "dms"}
    body = {**base, **{k: v for k, v in change.items() if k != "source"}}
    if "source" in change:
        body["source"] = {**base["source"], **change["source"]}  # type: ignore[dict-item]
    with pytest.raises(ConfigError) as err:
        parse("pos-serverless", **{"overrides": {"migrations": {"main": body}}})
    assert key in err.value.key and message in str(err.value)


def test_a_dynamodb_target_must_map_its_key_attributes() -> None:
    from cutover.config.migrations import AttributeMap, DatasetConfig, ItemMapping, check_targets

    d = DatasetConfig("bookings", "table:Bookings", Method.DMS, Color.BLUE, source_store="database:main",
                      mapping=ItemMapping("app.bookings", (AttributeMap("userId", "user_id"),)))
    with pytest.raises(ConfigError) as err:
        check_targets((d,), {"table:Bookings": (), "database:main": ("postgres",)}, {"table:Bookings": ("id",)})
    assert err.value.key == "migrations.bookings.mapping.attributes" and "key attribute 'id'" in str(err.value)


def test_one_store_belongs_to_one_dataset() -> None:
    with pytest.raises(ConfigError, match="table:Bookings is already the target of dataset bookings"):
        parse("yoga-serverless", overrides={"migrations": {"users": {"target": "table:Bookings"}}})


CLI = [
    # Route 53 cannot route writes: green writing its copy while blue still takes requests is refused
    (["prod", "--profile", "pos-serverless", "--set", "greenWeight=50",
      "--set", f"{M}.main.writer=green", "--set", f"{M}.main.writerSince=2026-03-01T02:00:00Z"],
     "cutover:greenWeight: greenWeight=50 with dataset main written by green"),
    # green's Lambdas cannot write MySQL in place of DynamoDB: no green traffic before the flip on route53
    (["prod", "--profile", "yoga-serverless", "--set", "overrides.traffic.frontDoor.kind=route53",
      "--set", "greenWeight=5"], "traffic"),
    # a flip without a receipt
    (["prod", "--profile", "pos-serverless", "--set", "greenWeight=100",
      "--set", f"{M}.main.writer=green", "--set", f"{M}.main.writerSince=2026-03-01T02:00:00Z"],
     "migrations.main.writer: moving dataset main's writer to green is refused: no verification receipt at "
     "/pos/prod/data/main/receipt"),
    # retirement while blue writes, and without a receipt
    (["prod", "--profile", "yoga-serverless", "--set", "greenWeight=100", "--set", "retire=blue"],
     "retire=blue is refused: dataset blog-posts is still written by blue"),
]


@pytest.mark.parametrize(("args", "message"), CLI)
def test_cli_refuses_data_plan_violations_with_exit_2(args: list[str], message: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--no-policy", "--no-cost", "--no-tree"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
