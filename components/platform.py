"""The StackProfile record, and how the program reports a bad configuration.

Tags are applied once, as provider default tags (``components/providers.py``); every component
receives that provider and its children inherit it through ``parent=self``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pulumi

from cutover.config import StackConfig
from cutover.errors import ConfigError


@contextmanager
def config_errors() -> Iterator[None]:
    """A ConfigError (from parsing, or a component finding a combination the parser cannot see)
    ends the program with its message, naming the key and the allowed values: no traceback."""
    try:
        yield
    except ConfigError as exc:
        raise pulumi.RunError(f"configuration error: {exc}") from None


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
