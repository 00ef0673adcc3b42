"""Argument types for promotion: plain frozen values, parsed from a profile by cutover.config.promotion."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SmokeCheck:
    name: str
    path: str
    method: str = "GET"
    expect_status: int = 200
    latency_budget_ms: int = 2000

    def as_dict(self) -> dict[str, object]:
        """The form the smoke Lambda reads (functions/smoke/handler.py ``Check``)."""
        return {"name": self.name, "path": self.path, "method": self.method, "expectStatus": self.expect_status,
                "latencyBudgetMs": self.latency_budget_ms}


@dataclass(frozen=True)
class PromotionConfig:
    soak_hours: tuple[tuple[int, int], ...]  # (stage weight, hours), every stage, ascending
    max_error_rate_percent: float
    error_rate_margin_percent: float
    max_p95_latency_ms: int
    p95_regression_percent: float
    min_requests: int
    smoke_tests: tuple[SmokeCheck, ...]
    pre_traffic_required: bool = False  # promotion.gates.preTraffic: required (a recorded successful run)

    def soak_for(self, weight: int) -> int:
        """Hours the stage at ``weight`` must run; 0 (all on blue) has nothing to soak."""
        return dict(self.soak_hours).get(weight, 0)
