"""Environment defaults: dev is cheap, prod is safe. Profiles and stacks may override any of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from components.specs.environment import (
    Environment,
    EnvironmentSettings,
)
from cutover.config.reader import Reader
from cutover.errors import ConfigError

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)
PROD_MIN_BACKUP_DAYS = 7


class _Defaults(Mapping[Environment, EnvironmentSettings]):
    """Each environment's settings as the schema declares them (cutover/config/schema/profile.py)."""

    def __getitem__(self, env: Environment) -> EnvironmentSettings:
        return _declared(env)

    def __iter__(self) -> Iterator[Environment]:
        return iter(Environment)

    def __len__(self) -> int:
        return len(Environment)


@cache
def _declared(env: Environment) -> EnvironmentSettings:
    from cutover.config.schema import default

    def d(key: str) -> Any:
        return default(f"settings.{key}", env.value)

    return EnvironmentSettings(env, multi_az=d("multiAz"), deletion_protection=d("deletionProtection"),
                               backup_retention_days=d("backupRetentionDays"), protect_stateful=d("protectStateful"),
                               log_retention_days=d("logRetentionDays"), bucket_versioning=d("bucketVersioning"),
                               secret_recovery_days=d("secretRecoveryDays"))


DEFAULTS: Mapping[Environment, EnvironmentSettings] = _Defaults()


def parse_settings(env: Environment, r: Reader) -> EnvironmentSettings:
    base = DEFAULTS[env]
    retention = r.integer("logRetentionDays", base.log_retention_days)
    if retention not in LOG_RETENTION_DAYS:
        raise ConfigError(r.key("logRetentionDays"), f"{retention} is not a CloudWatch Logs retention period",
                          ", ".join(map(str, LOG_RETENTION_DAYS)))
    recovery = r.integer("secretRecoveryDays", base.secret_recovery_days, minimum=0, maximum=30)
    if 0 < recovery < 7:
        raise ConfigError(r.key("secretRecoveryDays"), f"{recovery} is not allowed by Secrets Manager",
                          "0 (delete at once) or 7..30")
    settings = EnvironmentSettings(
        name=env,
        multi_az=r.boolean("multiAz", base.multi_az),
        deletion_protection=r.boolean("deletionProtection", base.deletion_protection),
        backup_retention_days=r.integer("backupRetentionDays", base.backup_retention_days,
                                        minimum=0, maximum=35),
        protect_stateful=r.boolean("protectStateful", base.protect_stateful),
        log_retention_days=retention,
        bucket_versioning=r.boolean("bucketVersioning", base.bucket_versioning),
        secret_recovery_days=recovery,
    )
    r.finish()
    if env is Environment.PROD:
        if settings.backup_retention_days < PROD_MIN_BACKUP_DAYS:
            raise ConfigError(r.key("backupRetentionDays"),
                              f"prod keeps at least {PROD_MIN_BACKUP_DAYS} days of backups, got "
                              f"{settings.backup_retention_days}", f"{PROD_MIN_BACKUP_DAYS}..35")
        if not settings.protect_stateful or not settings.deletion_protection:
            raise ConfigError(r.key("protectStateful" if not settings.protect_stateful else "deletionProtection"),
                              "prod data is always protected; retire data through the cleanup path "
                              "(cutover:retire) instead", "true")
    return settings
