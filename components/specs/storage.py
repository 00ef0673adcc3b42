"""Argument types for storage: plain frozen values, parsed from a profile by cutover.config.storage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LifecycleConfig:
    expire_days: int | None  # delete current objects after N days (temp buckets)
    glacier_after_days: int | None  # transition current objects to Glacier Flexible Retrieval
    noncurrent_expire_days: int | None  # delete old versions (versioned buckets)
    abort_incomplete_upload_days: int


@dataclass(frozen=True)
class BucketConfig:
    purpose: str  # logical key: "receipts", "temp"; part of the physical name
    versioning: bool
    lifecycle: LifecycleConfig
    cors_origins: tuple[str, ...]
    cors_methods: tuple[str, ...]
    retain: bool  # retain_on_delete + protect: the bucket outlives the stack


@dataclass(frozen=True)
class StorageConfig:
    buckets: tuple[BucketConfig, ...]

    def bucket(self, purpose: str) -> BucketConfig:
        for b in self.buckets:
            if b.purpose == purpose:
                return b
        raise KeyError(purpose)
