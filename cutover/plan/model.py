"""What the offline plan records for each registered resource.

This is the contract between the mocked engine (``cutover.plan.mocks``), the renderers, the
policy runner (``policy.offline``), the cost estimator and the tests. Property dictionaries use
the engine's names (camelCase), exactly as a CrossGuard policy sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedResource:
    """One resource registration, as the engine would receive it during ``pulumi preview``."""

    urn: str
    type: str  # e.g. "aws:s3/bucketV2:BucketV2" or "cutover:network:Network"
    name: str  # logical name
    custom: bool  # False for ComponentResources
    inputs: Mapping[str, Any]  # engine inputs (camelCase), what resource policies see
    outputs: Mapping[str, Any]  # inputs + computed values from the mocks, what stack policies see
    parent: str | None = None  # parent URN; None only for the stack itself
    provider: str | None = None  # provider reference "urn::id" for custom resources
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    dependencies: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()
    id: str | None = None
    aliases: tuple[str, ...] = ()  # URNs this registration was known by before (ResourceOptions.aliases)

    @property
    def provider_urn(self) -> str | None:
        # A provider reference is "<urn>::<id>", and URNs contain "::" themselves.
        return self.provider.rsplit("::", maxsplit=1)[0] if self.provider else None


@dataclass
class Plan:
    """All resources of one stack, in registration order."""

    project: str
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    stack_outputs: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[PlannedResource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, *types: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type in types]

    def one(self, type_: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_)]
            raise LookupError(f"expected exactly one {type_} named {name!r}, found {names}")
        return found[0]

    def by_urn(self, urn: str) -> PlannedResource:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise LookupError(urn)

    def children(self, urn: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, urn: str) -> list[PlannedResource]:
        out: list[PlannedResource] = []
        frontier = [urn]
        while frontier:
            kids = [r for r in self.resources if r.parent in frontier]
            out.extend(kids)
            frontier = [k.urn for k in kids]
        return out

    def names(self, resources: Iterable[PlannedResource] | None = None) -> list[str]:
        return [r.name for r in (self.resources if resources is None else resources)]
