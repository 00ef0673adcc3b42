"""The benchmark's configuration generator produces valid stacks (the benchmark itself is not a test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cutover.plan.bench import Row, service_name, service_sets, table
from cutover.plan.project import ProjectError, apply_set, load_stack
from tests.conftest import planned

LAMBDA = "aws:lambda/function:Function"


def test_set_paths_take_list_indexes_like_pulumi_config_set_path(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: cutover\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    s = load_stack("dev", root=tmp_path)
    apply_set(s, "cutover:overrides.services.api.routes[0]=GET /a")
    apply_set(s, "cutover:overrides.services.api.routes[1]=ANY /a/{proxy+}")
    apply_set(s, "cutover:overrides.services.api.routes[0]=GET /b")  # replaces
    apply_set(s, "cutover:overrides.services.api.uses.database:main=read")  # ':' after the namespace is a key
    assert s.config["cutover:overrides"] == {"services": {"api": {
        "routes": ["GET /b", "ANY /a/{proxy+}"], "uses": {"database:main": "read"}}}}
    with pytest.raises(ProjectError, match="past the end"):
        apply_set(s, "cutover:overrides.services.api.routes[5]=GET /c")


def test_generated_services_are_planned_and_grow_the_plan() -> None:
    base = planned("dev", "profile=pos-serverless")
    grown = planned("dev", "profile=pos-serverless", *service_sets(3))
    added = {f"serverless-{service_name(i)}" for i in (1, 2, 3)}
    assert added <= {r.name for r in grown.of_type(LAMBDA)}
    assert not added & {r.name for r in base.of_type(LAMBDA)}
    assert len(grown) > len(base)
    # each service brings its function, role, log group, alias and routes or queue, not just a name
    assert len(grown) - len(base) >= 3 * 5


def test_every_fifth_service_is_a_worker() -> None:
    sets = service_sets(5)
    assert "cutover:overrides.services.bench-005.kind=worker" in sets
    assert not any(s.startswith("cutover:overrides.services.bench-001.kind") for s in sets)


def test_table_reports_per_resource_cost() -> None:
    text = table([Row(10, 100, 1.0, 0.5, 180.0), Row(50, 300, 2.0, 1.0, 212.4)])
    assert "0.0150" in text  # (1.0 + 0.5) / 100
    assert text.splitlines()[0].split()[-2:] == ["peak", "MB"]
    assert text.splitlines()[2].split()[-1] == "212"  # the larger plan's peak, whole megabytes
    assert "marginal cost: 7.50 ms" in text  # (3.0 - 1.5) / 200
