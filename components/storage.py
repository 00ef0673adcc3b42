"""The profile's application buckets, one SecureBucket per configured purpose."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.bucket import SecureBucket, SecureBucketArgs
from components.refs import StoreRef
from components.specs.storage import StorageConfig
from cutover.naming import Namer


@dataclass(frozen=True)
class StorageArgs:
    config: StorageConfig
    namer: Namer
    account_id: str


class Storage(pulumi.ComponentResource):
    buckets: dict[str, SecureBucket]  # keyed by purpose

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:storage:Storage", name, None, opts)
        self.buckets = {}
        for b in args.config.buckets:
            self.buckets[b.purpose] = SecureBucket(
                f"{name}-{b.purpose}",
                SecureBucketArgs(bucket_name=args.namer.bucket(b.purpose, args.account_id), versioning=b.versioning,
                                 lifecycle=b.lifecycle, retain=b.retain, cors_origins=b.cors_origins,
                                 cors_methods=b.cors_methods),
                opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"buckets": {k: v.bucket_name for k, v in self.buckets.items()}})

    def refs(self) -> dict[str, StoreRef]:
        """``bucket:<purpose>`` refs: object-level access only, never bucket configuration."""
        return {
            f"bucket:{purpose}": StoreRef(
                key=f"bucket:{purpose}",
                resource_arns=[b.arn, pulumi.Output.concat(b.arn, "/*")],
                read_actions=("s3:GetObject", "s3:ListBucket"),
                write_actions=("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                env={f"{_env_name(purpose)}_BUCKET": b.bucket_name},
            )
            for purpose, b in self.buckets.items()
        }


def _env_name(key: str) -> str:
    return key.upper().replace("-", "_")
