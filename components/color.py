"""The color interface: what the rest of a stack asks of blue or green, whatever its variant.

A color (components/serverless_color.py, components/ecs_color.py) is one component built from its
variant. The front door, the rollback, monitoring, the data plan and the outputs read it only through
``AppColor``, so a new variant is one new class, not a new branch in each of those sections:

* ``endpoints()``: what a front door's weighted names can point at, keyed like
  ``traffic.green.endpoint`` values (``httpApi``, ``edge``, ``alb``, ``cdn``), a service's live alias as
  ``lambda:<service>``; ``entry`` names the one users reach when a name chooses none (blue's);
* ``rollback_metrics()``: what the rollback alarms watch while green takes a share;
* ``monitoring_targets()`` / ``monitoring_alarms()``: the dashboard's widgets and the declared alarms;
* ``writes``: the store refs the color's compute may change (the data plan's "who writes where");
* ``exports()``: its stack outputs;
* ``retired``: how it retires. An ECS color stays built at ``retire`` with its services scaled to
  zero tasks (its deletion-protected load balancer is unguarded first) and leaves with ``retireData``;
  a serverless color holds no state and leaves with ``retire`` itself, so a built one is never retired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pulumi

from components.alarms import DeclaredAlarm
from components.front_door import Endpoint, GreenService
from components.monitoring import AlbTarget, EcsTarget
from components.rollback import AlbMetrics, LambdaMetrics


def lambda_endpoint_key(service: str) -> str:
    """The ``endpoints()`` key of one service's live alias (``traffic.*.endpoint: lambda`` + ``service``)."""
    return f"lambda:{service}"


@dataclass(frozen=True)
class RollbackMetrics:
    """What a color offers the rollback alarms (components/rollback.py): all optional."""

    alb: AlbMetrics | None = None
    lambdas: LambdaMetrics | None = None
    http_api_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ColorTargets:
    """A color's share of components.monitoring.MonitoringTargets (same keys and meaning)."""

    lambda_functions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    http_apis: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    albs: Mapping[str, AlbTarget] = field(default_factory=dict)
    ecs_services: Mapping[str, EcsTarget] = field(default_factory=dict)


@runtime_checkable
class AppColor(Protocol):
    """Blue or green as the rest of the stack sees it (see the module docstring)."""

    @property
    def entry(self) -> str:
        """The ``endpoints()`` key users reach by default."""
        ...

    @property
    def writes(self) -> frozenset[str]:
        """Store refs (``table:orders``, ``database:main`` ...) its compute may change."""
        ...

    @property
    def retired(self) -> bool:
        """The front door sends it nothing any more and its compute runs nothing."""
        ...

    @property
    def functions(self) -> Mapping[str, pulumi.Output[str]]:
        """Function names by service (empty for a variant without functions): an alias front door's pins."""
        ...

    def endpoints(self) -> dict[str, Endpoint]: ...

    def routed_services(self) -> dict[str, GreenService]:
        """Services an ALB front door routes to directly (its own listener rules and target groups)."""
        ...

    def rollback_metrics(self, services: Sequence[str] | None = None, alias: str | None = None) -> RollbackMetrics:
        """``services``: the ones the front door sends traffic to (None: every one that serves requests);
        ``alias``: an alias front door's alias, whose new version alone is watched."""
        ...

    def monitoring_targets(self) -> ColorTargets: ...

    def monitoring_alarms(self) -> list[DeclaredAlarm]: ...

    def exports(self) -> dict[str, Any]: ...
