"""The AWS provider that carries the default tags, and the StackProfile record.

Tags are applied once, as provider default tags; every component receives this provider and its
children inherit it through ``parent=self``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from cutover.config import StackConfig


@dataclass(frozen=True)
class StackProfileArgs:
    config: StackConfig


class StackProfile(pulumi.ComponentResource):
    """Records which profile, environment, budget and usage assumptions a stack runs with.

    It creates no cloud resource. Its inputs are visible to CrossGuard policies, which read the
    environment and the budget from here (the monthly-budget policy and the cost estimator).
    """

    TYPE = "cutover:index:StackProfile"

    def __init__(self, name: str, args: StackProfileArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = args.config
        props = {
            "profile": cfg.profile,
            "environment": cfg.environment.name.value,
            "seed": cfg.seed,
            "budgetMonthlyUsd": cfg.budget.monthly_usd,
            "budgetAlertUsd": cfg.budget.alert_usd,
            "usage": cfg.usage.as_dict(),
            "greenWeight": cfg.green_weight,
            "retire": cfg.retire.value,
        }
        super().__init__(self.TYPE, name, props, opts)
        self.profile = cfg.profile
        self.environment = cfg.environment.name.value
        self.register_outputs(props)
