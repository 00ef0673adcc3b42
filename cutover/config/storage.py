"""Storage section: S3 buckets keyed by purpose, with lifecycle and CORS."""

from __future__ import annotations

from components.specs.storage import (
    BucketConfig,
    LifecycleConfig,
    StorageConfig,
)
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError

_PURPOSE_HELP = "lowercase letters, digits and hyphens, starting with a letter, at most 20 characters"


def _optional_days(r: Reader, name: str, maximum: int = 36500) -> int | None:
    if not r.has(name):
        r.raw(name, None)
        return None
    return r.integer(name, minimum=1, maximum=maximum)


def _bucket(purpose: str, r: Reader, env: EnvironmentSettings) -> BucketConfig:
    from cutover.config.schema import default
    from cutover.naming import valid_label

    if not valid_label(purpose, max_len=20):
        raise ConfigError(r.path, f"bucket key {purpose!r} is not a valid purpose", _PURPOSE_HELP)
    lr = r.section("lifecycle")
    lifecycle = LifecycleConfig(
        expire_days=_optional_days(lr, "expireDays"),
        glacier_after_days=_optional_days(lr, "glacierAfterDays"),
        noncurrent_expire_days=_optional_days(lr, "noncurrentExpireDays"),
        abort_incomplete_upload_days=lr.integer("abortIncompleteUploadDays",
                                                default("storage.buckets.*.lifecycle.abortIncompleteUploadDays"),
                                                minimum=1, maximum=365),
    )
    lr.finish()
    if lifecycle.expire_days and lifecycle.glacier_after_days and \
            lifecycle.glacier_after_days >= lifecycle.expire_days:
        raise ConfigError(lr.key("glacierAfterDays"),
                          f"objects expire after {lifecycle.expire_days} days, so a Glacier transition at "
                          f"{lifecycle.glacier_after_days} days never happens", f"< {lifecycle.expire_days}")
    methods = r.string_list("corsMethods", default("storage.buckets.*.corsMethods"))
    for m in methods:
        if m not in ("GET", "PUT", "POST", "DELETE", "HEAD"):
            raise ConfigError(r.key("corsMethods"), f"unknown method {m!r}", "GET | PUT | POST | DELETE | HEAD")
    origins = r.string_list("corsOrigins", default("storage.buckets.*.corsOrigins"))
    if "*" in origins and env.is_prod:
        raise ConfigError(r.key("corsOrigins"), "'*' is not allowed in prod", "explicit https:// origins")
    return BucketConfig(
        purpose=purpose,
        versioning=r.boolean("versioning", env.bucket_versioning),
        lifecycle=lifecycle,
        cors_origins=origins,
        cors_methods=methods,
        retain=r.boolean("retain", env.protect_stateful),
    )


def parse_storage(r: Reader, env: EnvironmentSettings) -> StorageConfig:
    buckets = r.mapping_of("buckets", lambda key, br: _bucket(key, br, env))
    r.finish()
    return StorageConfig(buckets=buckets)
