"""Put the pack's root (policy/) on sys.path, as the Pulumi CLI does, and offer small builders."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))

from cutover_guard import ALL_POLICIES, offline  # noqa: E402

STACK = "urn:pulumi:dev::cutover::pulumi:pulumi:Stack::cutover-dev"
PROVIDER_URN = "urn:pulumi:dev::cutover::pulumi:providers:aws::aws"
TAGS = {"project": "cutover", "environment": "dev", "cost-center": "pos", "managed-by": "pulumi"}


@dataclass(frozen=True)
class Res:
    """Duck-typed like the lead's PlannedResource."""

    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] | None = None
    custom: bool = True
    parent: str | None = STACK
    provider: str | None = None
    protect: bool = False
    retain_on_delete: bool = False
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return f"urn:pulumi:dev::cutover::{self.type}::{self.name}"

    def __post_init__(self) -> None:
        if self.outputs is None:
            object.__setattr__(self, "outputs", dict(self.inputs))


def res(type_: str, name: str = "r", **kwargs: Any) -> Res:
    return Res(type_, name, **kwargs)


def profile(environment: str = "dev", budget: float = 100.0, alert: float = 90.0,
            usage: Mapping[str, float] | None = None) -> Res:
    inputs = {"profile": "pos-serverless", "environment": environment, "budgetMonthlyUsd": budget,
              "budgetAlertUsd": alert, "usage": dict(usage or {})}
    return Res("cutover:index:StackProfile", "profile", inputs, custom=False)


def policy_named(name: str) -> Any:
    return next(p for p in ALL_POLICIES if p.name == name)


def run(name: str, resources: list[Res], environment: str = "dev", level: str = "mandatory",
        **config: Any) -> list[offline.Violation]:
    """Violations of one policy only."""
    entry: dict[str, Any] = {"enforcementLevel": level, "environment": environment, **config}
    return offline.evaluate(resources, {"all": "disabled", name: entry}, policies=[policy_named(name)])
