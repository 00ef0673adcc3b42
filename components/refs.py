"""How a compute component is granted access to a store: the contract between data stores and
the services that use them.

A data-store component exposes ``StoreRef`` values; a service declares which refs it uses and at
which level (``read`` or ``write``); the compute component turns that into IAM statements scoped
to the ref's ARNs, environment variables (names, endpoints, secret ARNs: never secret values), and,
for refs that live in the VPC, a VPC attachment plus an ingress rule on the store's security group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import pulumi


class Access(Enum):
    READ = "read"
    WRITE = "write"  # includes read


@dataclass(frozen=True)
class StoreRef:
    key: str  # how services name it in profiles: "table:Users", "bucket:assets", "secret:jwt-secret",
    #           "database:main", "cache:sessions", "websocket:connections", "email:ses"
    resource_arns: Sequence[pulumi.Input[str]]  # IAM resources, e.g. table ARN and "<arn>/index/*"
    read_actions: tuple[str, ...]
    write_actions: tuple[str, ...]  # added on top of read_actions for WRITE
    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # e.g. {"USERS_TABLE": name}
    in_vpc: bool = False  # reaching it needs the function/task in private subnets
    security_group_id: pulumi.Input[str] | None = None  # store SG that must admit the consumer
    port: int | None = None

    def actions(self, access: Access) -> tuple[str, ...]:
        return self.read_actions + (self.write_actions if access is Access.WRITE else ())
