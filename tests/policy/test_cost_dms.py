"""DMS pricing and the parallel-run month against hand-computed figures.

Figures: prices.json (us-east-1, AWS DMS pricing: dms.t2.micro $0.018/h Single-AZ, Multi-AZ twice,
gp2 storage $0.115 / $0.23 per GB-month beyond 50 GB included for T2/T3). DMS Serverless has no
DCU-hour price in the table (none could be confirmed): its lines must say so, never a silent $0.
"""

from __future__ import annotations

import json

import pytest

from cutover.plan import render
from cutover_guard import cost
from tests.policy.conftest import POLICY_DIR, profile, res, run

INSTANCE = "aws:dms/replicationInstance:ReplicationInstance"
CONFIG = "aws:dms/replicationConfig:ReplicationConfig"


def line(report: cost.CostReport, name: str) -> cost.CostLine:
    (found,) = [x for x in report.lines if x.name == name]
    return found


def test_dms_prices_cite_the_dms_pricing_page() -> None:
    doc = json.loads((POLICY_DIR / "cutover_guard" / "prices.json").read_text())
    dms = {k: v for k, v in doc["prices"].items() if k.startswith("dms.")}
    assert dms and all(v["source"] == "https://aws.amazon.com/dms/pricing/" for v in dms.values())
    for key in ("dmsIncludedStorageGbBurstable", "dmsIncludedStorageGbOther", "dmsMultiAzFactor"):
        assert key in doc["assumptions"] and "dms/pricing" in doc["assumptionSources"][key]


def test_replication_instance_single_az_within_the_included_storage() -> None:
    r = res(INSTANCE, "dms", inputs={"replicationInstanceClass": "dms.t2.micro", "allocatedStorage": 20})
    assert line(cost.estimate([r], {}), "dms").monthly_usd == pytest.approx(730 * 0.018)


def test_replication_instance_multi_az_bills_the_standby_and_storage_beyond_50_gb() -> None:
    r = res(INSTANCE, "dms", inputs={"replicationInstanceClass": "dms.t2.micro", "allocatedStorage": 70,
                                     "multiAz": True})
    # 2 x 730 h x $0.018 + (70 - 50) GB x $0.23
    assert line(cost.estimate([r], {}), "dms").monthly_usd == pytest.approx(2 * 730 * 0.018 + 20 * 0.23)


def test_unpriced_dms_capacity_says_so() -> None:
    serverless = res(CONFIG, "repl", inputs={"computeConfig": {"minCapacityUnits": 1, "maxCapacityUnits": 4}})
    big = res(INSTANCE, "big", inputs={"replicationInstanceClass": "dms.r6i.4xlarge"})
    report = cost.estimate([serverless, big], {})
    for name in ("repl", "big"):
        assert line(report, name).monthly_usd == 0 and line(report, name).detail.startswith(cost.UNPRICED)
    assert "dms.serverless.dcuHour" in line(report, "repl").detail


def test_serverless_prices_the_floor_when_a_dcu_price_is_given() -> None:
    table = cost.load_prices()
    prices = cost.PriceTable({**table.prices, "dms.serverless.dcuHour": {"usd": 0.1}}, table.hours, table.vcpus,
                             table.assumptions)
    r = res(CONFIG, "repl", inputs={"computeConfig": {"minCapacityUnits": 2, "maxCapacityUnits": 8,
                                                      "multiAz": True}})
    got = line(cost.estimate([r], {}, prices), "repl")
    assert got.monthly_usd == pytest.approx(2 * 2 * 730 * 0.1)
    assert f"${8 * 2 * 730 * 0.1:,.2f}" in got.detail  # what the full load at max capacity costs


def _stack() -> list[object]:
    return [res(INSTANCE, "dms", inputs={"replicationInstanceClass": "dms.t2.micro", "allocatedStorage": 50}),
            res("aws:kms/key:Key", "key", inputs={}),
            res(CONFIG, "repl", inputs={"computeConfig": {"minCapacityUnits": 1}})]


def test_parallel_run_adds_blue_green_and_replication_steady_state_drops_replication() -> None:
    report = cost.estimate(_stack(), {})  # type: ignore[arg-type]
    ov = cost.overlap(report, {"blueMonthlyUsd": 120.0})
    replication, green = 730 * 0.018, 1.0  # the instance; the KMS key's $1
    assert ov.replication_usd == pytest.approx(replication)
    assert ov.steady_state_usd == pytest.approx(green)
    assert ov.parallel_run_usd == pytest.approx(120.0 + green + replication)
    assert ov.replication_unpriced == ("repl",)
    text = render.overlap(ov)
    assert f"parallel run  ${120.0 + green + replication:,.2f} = blue $120.00" in text
    assert "steady state  $1.00" in text and "left out above): repl" in text
    assert ov.to_json()["parallelRunUsd"] == pytest.approx(120.0 + green + replication)


def test_parallel_run_is_unknown_without_blues_cost() -> None:
    ov = cost.overlap(cost.estimate(_stack(), {}), {})  # type: ignore[arg-type]
    assert ov.parallel_run_usd is None and ov.to_json()["blueUsd"] is None
    assert "parallel run  unknown: blue's cost is not given (usage.blueMonthlyUsd)" in render.overlap(ov)
    # Zero is a known cost (blue already gone), not unknown.
    assert cost.overlap(cost.estimate(_stack(), {}), {"blueMonthlyUsd": 0}).parallel_run_usd is not None  # type: ignore[arg-type]


# --- the budgets judge the steady state; the parallel run is judged apart ------------------------

def test_the_monthly_budget_leaves_the_replication_out() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t4g.small"})
    dms = res(INSTANCE, "dms", inputs={"replicationInstanceClass": "dms.t2.micro", "allocatedStorage": 50})
    steady = cost.estimate([db], {}).total_usd
    # a budget the steady state fits and the replication would break: the steady state passes
    rs = [profile("prod", budget=steady + 1.0, alert=steady + 1.0), db, dms]
    assert cost.estimate([db, dms], {}).total_usd > steady + 1.0
    assert run("monthly-budget", rs) == []
    # unpriced replication capacity does not make the steady state unverifiable
    serverless = res(CONFIG, "repl", inputs={"computeConfig": {"minCapacityUnits": 1}})
    assert run("monthly-budget", [profile("prod", budget=steady + 1.0), db, serverless]) == []
    # the steady state itself over budget still fails
    (v,) = run("monthly-budget", [profile("prod", budget=steady - 1.0), db, dms])
    assert "exceeds the monthly budget" in v.message


def test_parallel_run_cost_trips_over_budget_and_on_unpriced_replication() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t4g.small"})
    dms = res(INSTANCE, "dms", inputs={"replicationInstanceClass": "dms.t2.micro", "allocatedStorage": 50})
    steady = cost.estimate([db], {}).total_usd
    (over,) = run("parallel-run-cost", [profile("prod", budget=steady + 1.0), db, dms], level="advisory")
    assert f"replication ${730 * 0.018:,.2f}" in over.message and "side by side" in over.message
    serverless = res(CONFIG, "repl", inputs={"computeConfig": {"minCapacityUnits": 1}})
    (unpriced,) = run("parallel-run-cost", [profile("prod", budget=10_000.0), db, serverless], level="advisory")
    assert "has no price for repl" in unpriced.message and "dms/pricing" in unpriced.message


def test_parallel_run_cost_passes_when_known_and_within_budget_or_without_replication() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t4g.small"})
    dms = res(INSTANCE, "dms", inputs={"replicationInstanceClass": "dms.t2.micro", "allocatedStorage": 50})
    assert run("parallel-run-cost", [profile("prod", budget=10_000.0), db, dms], level="advisory") == []
    assert run("parallel-run-cost", [profile("prod", budget=1.0), db], level="advisory") == []
