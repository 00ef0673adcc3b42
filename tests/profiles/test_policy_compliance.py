"""Every profile's dev and prod stack passes the pack's mandatory policies (issue 6), and deliberately bad
variants of them trip the right ones. Waived findings stay visible as "suppressed" with their reason."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cutover.plan import guard
from cutover.plan.engine import ProgramError
from cutover.plan.model import Plan
from tests.conftest import planned, verdicts_of


def test_no_mandatory_violation(profile_plan: tuple[str, str, Plan]) -> None:
    profile, stack, plan = profile_plan
    verdicts = verdicts_of(plan, stack)
    assert [(v.policy, v.urn, v.message) for v in verdicts.mandatory] == [], f"{profile} {stack}"


def test_every_waiver_is_listed_with_its_reason(profile_plan: tuple[str, str, Plan]) -> None:
    _, stack, plan = profile_plan
    verdicts = verdicts_of(plan, stack)
    suppressed = [v for v in verdicts.violations if v.level == "suppressed"]
    listed = [v for v in verdicts.violations if v.policy == "policy-suppressions"]
    assert all("[suppressed: " in v.message for v in suppressed)
    assert {v.urn for v in suppressed} <= {v.urn for v in listed}


def test_pos_prod_waives_exactly_the_two_multi_az_rules() -> None:
    verdicts = guard.evaluate(planned("prod", "profile=pos-serverless"), "prod")
    assert sorted((v.policy, v.urn.rsplit("::", 1)[-1]) for v in verdicts.violations if v.level == "suppressed") == [
        ("elasticache-multi-az", "cache-main"), ("rds-multi-az", "postgres")]


@pytest.mark.parametrize(("profile", "overrides", "policy"), [
    ("pos-serverless", {"edge": {"domainName": None, "certificateArn": None}}, "cloudfront-tls"),
    ("pos-serverless", {"budget": {"monthlyUsd": 90}}, "monthly-budget"),
    ("pos-serverless", {"cache": {"main": {"suppress": {"elasticache-multi-az": "x" * 19}}}}, None),  # too short
    ("yoga-serverless", {"edge": {"enabled": False}, "waf": {"enabled": False}}, "waf-public-entry-points"),
    ("tracetrack-ecs", {"cache": {"main": {"nodeType": "cache.t3.micro"}}}, "allowed-cache-node-types"),
    ("tracetrack-ecs", {"postgres": {"instanceClass": "db.t3.large"}}, "allowed-db-classes"),
    ("tracetrack-ecs", {"alb": {"waf": False}, "waf": {"enabled": False}}, "waf-public-entry-points"),
    ("waiterix-serverless", {"storage": {"buckets": {"transcribe-temp": {"versioning": False}}}}, "s3-versioning"),
    ("persona-serverless", {"aurora": {"readerScalesWithWriter": True}}, "monthly-budget"),  # +$21.90
])
def test_bad_prod_variants_trip_the_right_policy(profile: str, overrides: dict[str, Any], policy: str | None) -> None:
    try:
        plan = planned("prod", f"profile={profile}", f"overrides={json.dumps(overrides)}")
    except ProgramError as exc:  # refused while parsing (a ConfigError naming the key)
        assert policy is None, exc
        return
    assert policy is not None
    assert policy in {v.policy for v in guard.evaluate(plan, "prod").mandatory}


def test_pos_prod_without_the_waiver_is_refused_at_parse() -> None:
    with pytest.raises(ProgramError, match=r"postgres\.multiAz"):
        planned("prod", "profile=pos-serverless", 'overrides={"postgres": {"suppress": null}}')


def test_readme_cost_table_matches_the_plans() -> None:
    """The README's cost table (estimate vs the seed's figure) stays within $0.50 of the plans."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text.split("## Cost: estimate vs the seed's own figure", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([a-z-]+) \| (dev|prod) \| \$([0-9,.]+) \| \$([0-9,]+) \|", section, re.M)
    assert len(rows) >= 3 and ("persona-serverless", "dev") in {(p, s) for p, s, _, _ in rows}
    for profile, stack, estimate, budget in rows:
        plan = planned(stack, f"profile={profile}")
        total = guard.estimate(plan).total_usd
        assert abs(total - float(estimate.replace(",", ""))) <= 0.5, (profile, stack, total)
        assert plan.of_type(guard.PROFILE_TYPE)[0].inputs["budgetMonthlyUsd"] == float(budget.replace(",", ""))
