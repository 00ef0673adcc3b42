"""Stack policies comparing the cost estimate with the StackProfile's budget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs

from cutover_guard import cost
from cutover_guard._util import as_number, get, profile_props, stack_policy, to_plain


@dataclass(frozen=True)
class _Planned:
    """A PolicyResource seen through the estimator's duck-typed interface (plain data, unknowns as None)."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    custom: bool
    outputs: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()


def _adapt(r: PolicyResource) -> _Planned:
    props = to_plain(r.props)
    plain = props if isinstance(props, dict) else {}
    custom = r.provider is not None or r.resource_type.startswith("aws:")
    return _Planned(r.resource_type, r.name, r.urn, plain, custom, plain, tuple(d.urn for d in r.dependencies))


def stack_estimate(args: StackValidationArgs) -> cost.CostReport:
    props = profile_props(args.resources)
    usage_raw = to_plain(get(props, "usage")) if props is not None else None
    usage = {k: float(v) for k, v in (usage_raw or {}).items() if as_number(v) is not None}
    services_raw = to_plain(get(props, "serviceUsage")) if props is not None else None
    services = {str(k): dict(v) for k, v in (services_raw or {}).items() if isinstance(v, Mapping)}
    return cost.estimate([_adapt(r) for r in args.resources], usage, services=services)


def _limit(args: StackValidationArgs, profile_key: str, config_key: str) -> float | None:
    props = profile_props(args.resources)
    value = as_number(get(props, profile_key)) if props is not None else None
    if value is None:
        value = as_number(args.get_config().get(config_key))
    return value


def drivers(report: cost.CostReport, n: int = 3) -> str:
    return "; ".join(f"{line.name} ({line.type.rsplit(':', 1)[-1]}) ${line.monthly_usd:,.2f}"
                     for line in report.top(n))


def _check(profile_key: str, config_key: str, what: str) -> Any:
    """The budget is the steady state's: the replication a cutover runs (DMS) is temporary and is
    judged apart, by ``parallel-run-cost``."""
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        limit = _limit(args, profile_key, config_key)
        if limit is None:
            args.not_applicable(f"no {profile_key} in the StackProfile and no {config_key} configured")
            return
        estimate = cost.steady_state(stack_estimate(args))
        if estimate.total_usd > limit:
            report(f"Estimated ${estimate.total_usd:,.2f}/month exceeds the {what} of ${limit:,.2f}. "
                   f"Top cost drivers: {drivers(estimate)}.", None)
        unpriced = [line for line in estimate.lines if line.detail.startswith(cost.UNPRICED)]
        if unpriced:  # a $0 line would hide real cost: the estimate cannot vouch for the budget
            names = ", ".join(f"{line.name} ({line.detail})" for line in unpriced[:3])
            report(f"The estimate (${estimate.total_usd:,.2f}) cannot be checked against the {what}: "
                   f"{len(unpriced)} resource(s) have no price: {names}.", None)
    return validate


_NUMBER: Final = {"type": "number", "minimum": 0}

monthly_budget = stack_policy(
    "monthly-budget", "The stack's estimated monthly cost must stay within its budget.",
    _check("budgetMonthlyUsd", "monthlyBudgetUsd", "monthly budget"),
    config={"monthlyBudgetUsd": dict(_NUMBER)})

budget_alert_threshold = stack_policy(
    "budget-alert-threshold", "The stack's estimated monthly cost should stay below its alert threshold.",
    _check("budgetAlertUsd", "alertThresholdUsd", "alert threshold"),
    config={"alertThresholdUsd": dict(_NUMBER)})

def _parallel_run(args: StackValidationArgs, report: ReportViolation) -> None:
    """While green and blue run side by side, replication adds to the bill: say by how much, and say
    when the estimate cannot (unpriced replication capacity, blue's own cost unknown)."""
    estimate = stack_estimate(args)
    replication = [line for line in estimate.lines if line.type.startswith(cost.DMS_PREFIX)]
    if not replication:
        args.not_applicable("no replication (aws:dms resources) in this plan")
        return
    props = profile_props(args.resources)
    usage = to_plain(get(props, "usage")) if props is not None else None
    parallel = cost.overlap(estimate, usage if isinstance(usage, dict) else {})
    limit = _limit(args, "budgetMonthlyUsd", "monthlyBudgetUsd")
    if parallel.replication_unpriced:
        report(f"The parallel run's replication has no price for {', '.join(parallel.replication_unpriced)}: "
               "add the DMS capacity price to prices.json (https://aws.amazon.com/dms/pricing/) to see what the "
               "weeks of side-by-side running cost.", None)
    month = parallel.green_usd + parallel.replication_usd
    if limit is not None and month > limit:
        report(f"While the colors run side by side, green and its replication cost ${month:,.2f}/month "
               f"(replication ${parallel.replication_usd:,.2f}), over the ${limit:,.2f} budget the steady state "
               "is held to: plan the overlap's length.", None)


parallel_run_cost = stack_policy(
    "parallel-run-cost", "The cost of the parallel run (green plus its data replication) should be known "
    "and within the budget.", _parallel_run)

POLICIES: Final = [monthly_budget, budget_alert_threshold, parallel_run_cost]
