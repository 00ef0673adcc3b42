"""Argument types for blue: plain frozen values, parsed from a profile by cutover.config.blue."""

from __future__ import annotations

from dataclasses import dataclass

from components.specs.container import AlbConfig, CdnConfig, ContainerConfig


@dataclass(frozen=True)
class EcsServiceConfig:
    container: ContainerConfig
    path_patterns: tuple[str, ...]  # () for the one service behind the listener's default action


@dataclass(frozen=True)
class EcsColorConfig:
    services: tuple[EcsServiceConfig, ...]  # the default service first, then the routed ones in config order
    alb: AlbConfig
    cdn: CdnConfig | None
    # Services without a load balancer (Sidekiq-style queue workers): same cluster and image repository.
    workers: tuple[ContainerConfig, ...] = ()

    @property
    def default(self) -> EcsServiceConfig:
        return self.services[0]

    @classmethod
    def single(cls, container: ContainerConfig, alb: AlbConfig, cdn: CdnConfig | None,
               workers: tuple[ContainerConfig, ...] = ()) -> EcsColorConfig:
        """One service behind the listener's default action (the top-level ECS variant), and its workers."""
        return cls((EcsServiceConfig(container, ()),), alb, cdn, workers)
