"""How a compute component is granted access to a store: the contract between data stores and
the services that use them.

A data-store component exposes ``StoreRef`` values; a service declares which refs it uses and with
which capability (``read`` or ``write`` for most stores, ``send`` or ``consume`` for a queue: the
kinds and what each may name are in components/specs/capabilities.py, and each ref carries the
actions of every capability it has); the compute component turns that into IAM statements scoped
to the ref's ARNs, environment variables (names, endpoints, secret ARNs: never secret values), and,
for refs that live in the VPC, a VPC attachment plus an ingress rule on the store's security group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import pulumi

from cutover import iam


class Access(Enum):
    """A capability a service names in ``uses`` (components/specs/capabilities.py)."""

    READ = "read"
    WRITE = "write"  # includes read, for the stores that have only read_actions/write_actions
    SEND = "send"  # a queue's producer
    CONSUME = "consume"  # a queue's consumer: receive and delete


@dataclass(frozen=True)
class EventSource:
    """A queue a consumer reads: what a Lambda event source mapping (or an ECS poller) needs."""

    arn: pulumi.Input[str]
    fifo: bool
    visibility_timeout_seconds: int
    batch_size: int
    batch_window_seconds: int
    max_concurrency: int | None
    # An ECS task polls the queue itself and extends the visibility of a message it is still working on;
    # Lambda's event source mapping does not need that right (its poller is Lambda's own).
    poller_actions: tuple[str, ...] = ()


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
    # A database outside this stack (migrations ``shared``): reached by CIDR on ``port``, egress only.
    cidr_blocks: tuple[str, ...] = ()
    # False once the data plan made it read-only for a color that is not the dataset's writer.
    writable: bool = True
    # The read-only grant when it differs from dropping ``write_actions``: a database's, where what a
    # connection may change is decided by the database user (``rds-db:connect`` as ``<app>_readonly``).
    read_only_ref: StoreRef | None = None
    # Capability -> actions, for stores without a read/write pair (a queue: send, consume). Empty: the
    # ref has read (read_actions) and write (read_actions + write_actions), as every store had before.
    capabilities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    event_source: EventSource | None = None  # set on a queue: what a consumer reads

    def capability_actions(self) -> dict[str, tuple[str, ...]]:
        """Every capability this ref grants, with its actions."""
        if self.capabilities:
            return dict(self.capabilities)
        return {Access.READ.value: self.read_actions, Access.WRITE.value: self.read_actions + self.write_actions}

    def allows(self, access: Access) -> bool:
        return access.value in self.capability_actions()

    def actions(self, access: Access, poller: bool = False) -> tuple[str, ...]:
        """The actions of ``access``; ``poller``: a consumer that polls itself (ECS), not through Lambda."""
        caps = self.capability_actions()
        if access.value not in caps:
            raise ValueError(f"{self.key} has no {access.value!r} capability (it has {', '.join(caps)})")
        extra = self.event_source.poller_actions if poller and access is Access.CONSUME and self.event_source \
            else ()
        return caps[access.value] + tuple(a for a in extra if a not in caps[access.value])

    def read_only(self) -> StoreRef:
        """The grant of a color that is not the dataset's writer: reads only, whatever ``uses`` asks."""
        if self.read_only_ref is not None:
            return replace(self.read_only_ref, key=self.key, writable=False, read_only_ref=None)
        if self.capabilities:  # only a read capability survives; a queue keeps none (it is not a dataset)
            read = {k: v for k, v in self.capabilities.items() if k == Access.READ.value}
            return replace(self, capabilities=read, writable=False, read_only_ref=None)
        return replace(self, write_actions=(), writable=False, read_only_ref=None)

    def grants_write(self, access: Access) -> bool:
        """Whether a consumer using this ref at ``access`` can change the store's data."""
        return access is Access.WRITE and self.writable


# (Sid, actions, resources): one statement of a role policy whose resources may be Outputs.
PolicySpec = tuple[str, tuple[str, ...], list[pulumi.Input[str]]]


def ref_specs(uses: Sequence[tuple[StoreRef, Access]], poller: bool = False) -> list[PolicySpec]:
    """One statement per used ref, scoped to its ARNs; actions are always explicit (never ``*``).

    ``poller``: the consumer is an ECS task polling its queues itself (see ``EventSource.poller_actions``).
    """
    specs: list[PolicySpec] = []
    for ref, access in uses:
        actions = ref.actions(access, poller)
        if not actions or any(a == "*" or a.endswith(":*") for a in actions):
            raise ValueError(f"{ref.key}: a store ref must grant explicit actions, got {actions!r}")
        if not ref.resource_arns:
            raise ValueError(f"{ref.key}: a store ref must name its resources")
        specs.append((sid(ref.key), actions, list(ref.resource_arns)))
    return specs


def policy_statements(specs: Sequence[PolicySpec]) -> pulumi.Output[list[dict[str, Any]]]:
    """The statements once every resource ARN is known."""
    flat = [r for _, _, resources in specs for r in resources]

    def build(values: list[Any]) -> list[dict[str, Any]]:
        statements, i = [], 0
        for statement_id, actions, resources in specs:
            statements.append(iam.statement(actions, [str(v) for v in values[i:i + len(resources)]],
                                            sid=statement_id))
            i += len(resources)
        return statements

    return pulumi.Output.all(*flat).apply(build)


def policy_document(specs: Sequence[PolicySpec]) -> pulumi.Output[str]:
    """The policy JSON once every resource ARN is known."""
    return policy_statements(specs).apply(lambda statements: iam.document(*statements))


def cidr_egress(name: str, security_group_id: pulumi.Input[str], ref: StoreRef, consumer: str,
                opts: pulumi.ResourceOptions) -> None:
    """Egress from a consumer's security group to a ref reached by CIDR (a database outside the stack)."""
    import pulumi_aws as aws

    if ref.port is None:
        raise ValueError(f"{ref.key} is reached by CIDR but has no port")
    for cidr in ref.cidr_blocks:
        slug = re.sub(r"[^a-z0-9-]+", "-", f"{ref.key}-{cidr}".lower()).strip("-")
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-{slug}", security_group_id=security_group_id, ip_protocol="tcp", from_port=ref.port,
            to_port=ref.port, cidr_ipv4=cidr, description=f"{consumer} to {ref.key} ({cidr})", opts=opts)


def sid(key: str) -> str:
    """``table:Users`` -> ``UseTableUsers``."""
    return "Use" + "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", key) if p)
