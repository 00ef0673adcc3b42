"""Argument types for monitoring: plain frozen values, parsed from a profile by cutover.config.monitoring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    unit: str
    maximum: float
    description: str


@dataclass(frozen=True)
class AlarmThreshold:
    metric: str
    level: str  # warning | critical
    threshold: float
    minutes: int  # consecutive 1-minute periods breaching before the alarm fires


@dataclass(frozen=True)
class MonitoringConfig:
    alarms: tuple[AlarmThreshold, ...]
    dashboard: bool

    def for_metric(self, metric: str) -> tuple[AlarmThreshold, ...]:
        return tuple(a for a in self.alarms if a.metric == metric)
