"""The offline plan shows each dataset: its writer at the current stage, who writes each copy, its replication."""

from __future__ import annotations

from cutover.plan import render
from tests.conftest import planned


def test_pos_shows_one_written_copy_and_its_replication() -> None:
    text = render.data(planned("prod", "profile=pos-serverless"))
    head, *rows = text.splitlines()
    assert head == "Data plan at greenWeight 0 (one written copy per dataset):"
    (main,) = rows
    assert main.split()[:4] == ["main", "writer", "blue", "dms"]
    assert "DMS replication planned" in main
    # Route 53 cannot route writes: green writes through to blue's database; its own copy is only read
    assert "written by blue and green" in main and "green database:main: read only" in main


def test_yoga_lists_every_dataset_with_its_method() -> None:
    text = render.data(planned("prod", "profile=yoga-serverless"))
    rows = {line.split()[0]: line for line in text.splitlines()[1:]}
    assert {"users", "bookings", "classes", "blog-posts"} <= set(rows)
    assert "one-off copy in a write freeze" in rows["blog-posts"]
    # no replication until the MySQL source's CA certificate is given (DMS verifies it)
    assert "no DMS replication yet" in rows["bookings"] and "green table:Bookings: read only" in rows["bookings"]


def test_a_plan_without_a_data_plan_says_so() -> None:
    from cutover.plan.model import Plan

    assert render.data(Plan("cutover", "dev")) == "Data plan: no datasets (profile section `migrations:`)"
    assert render.data_plan(Plan("cutover", "dev")) is None
