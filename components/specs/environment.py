"""Argument types for environment: plain frozen values, parsed from a profile by cutover.config.environment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Environment(Enum):
    DEV = "dev"
    PROD = "prod"


@dataclass(frozen=True)
class EnvironmentSettings:
    """Cross-cutting safety and cost switches for one environment."""

    name: Environment
    multi_az: bool
    deletion_protection: bool
    backup_retention_days: int
    protect_stateful: bool  # protect + retain_on_delete on databases, buckets, tables, secrets
    log_retention_days: int
    bucket_versioning: bool
    secret_recovery_days: int  # 0 deletes at once (dev), 7..30 keeps a recovery window

    @property
    def is_prod(self) -> bool:
        return self.name is Environment.PROD
