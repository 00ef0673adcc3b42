"""Argument types for budget: plain frozen values, parsed from a profile by cutover.config.budget."""

from __future__ import annotations

from dataclasses import dataclass

from components.specs.usage import ServiceUsage


@dataclass(frozen=True)
class UsageKey:
    name: str
    description: str
    contract: bool  # part of the StackProfile usage contract the estimator documents
    profile: bool  # a profile's usage section may set it
    maximum: float | None


@dataclass(frozen=True)
class BudgetConfig:
    monthly_usd: float
    alert_usd: float  # an AWS Budgets alert fires here (seed 000: $90 of $100)


@dataclass(frozen=True)
class UsageConfig:
    values: tuple[tuple[str, float], ...]
    services: tuple[ServiceUsage, ...] = ()  # usage.services.<service>: that function's own figures

    def as_dict(self) -> dict[str, float]:
        return dict(self.values)
