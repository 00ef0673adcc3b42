"""The pre-traffic task (profile section ``preTraffic``): plain frozen values, parsed by cutover.config.pre_traffic."""

from __future__ import annotations

from dataclasses import dataclass

MAX_TIMEOUT_SECONDS = 840  # the runner Lambda waits inside its own 900 s limit (Lambda quotas), with margin


@dataclass(frozen=True)
class PreTrafficConfig:
    """A one-off command green runs before it takes traffic (schema migrations), once per deployed version."""

    service: str  # serverless: a service of services:; ECS green: the container's name
    command: tuple[str, ...]  # e.g. ("python", "manage.py", "migrate", "--noinput")
    timeout_seconds: int = 600
