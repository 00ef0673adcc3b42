"""Per-service usage a profile may set (``usage.services.<service>``): plain frozen values, parsed by
cutover.config.budget and recorded by the StackProfile for the cost estimator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceUsage:
    service: str  # a key of services:
    requests_per_month: float | None = None  # None: priced from the function's trigger
    avg_duration_ms: float | None = None  # None: usage.avgLambdaDurationMs

    def as_dict(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.requests_per_month is not None:
            out["requestsPerMonth"] = self.requests_per_month
        if self.avg_duration_ms is not None:
            out["avgDurationMs"] = self.avg_duration_ms
        return out
