"""An ECS color's configuration: several services behind one load balancer, for either color.

``EcsColorConfig`` is color-neutral: green's ECS variant (the top-level ``container``, ``alb`` and
``cdn`` sections, ``EcsColorConfig.single``) and blue's (``traffic.blue``, below) both become one.

An ECS blue is the current container system, built by this stack with the ECS variant.

Seed 004 runs today as ECS services (a Next.js frontend and a tRPC API) behind one ALB with
CloudFront in front. ``traffic.blue`` describes that side with the same sections the ECS variant
reads at the top level, so one parser and one set of components serve both colors::

    traffic:
      blue:
        variant: ecs
        containers:              # or `container:` for a single service
          web: {image: ..., port: 3000}                            # the listener's default action
          api: {image: ..., port: 3001, pathPatterns: ["/api/*"]}  # listener rules, in order
        alb: {certificateArn: ..., domainName: ...}
        cdn: {certificateArn: ..., aliases: [...]}                 # optional
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.specs.blue import (
    EcsColorConfig,
    EcsServiceConfig,
)
from cutover.config.container import parse_alb, parse_cdn, parse_container
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError

_PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_./*?-]*$")
MAX_RULE_PATTERNS = 5  # an ALB listener rule matches at most 5 condition values in all


def parse_blue_ecs(sections: Mapping[str, Any], env: EnvironmentSettings, region: str) -> EcsColorConfig:
    """Parse ``traffic.blue``'s container(s), alb and cdn sections (validated present by the traffic parser)."""
    doc = Reader(sections, "traffic.blue")
    cdn = parse_cdn(doc)
    alb = parse_alb(doc, region, env, has_cdn=cdn is not None)
    if doc.has("container"):
        services = [EcsServiceConfig(parse_container(doc.section("container"), env), ())]
    else:
        outer = doc.section("containers")
        # Behind CloudFront each rule also matches the origin-verify header: one of its 5 condition values.
        limit = MAX_RULE_PATTERNS - (1 if cdn is not None else 0)
        services = [_service(name, outer.section(name), env, limit) for name in outer.keys()]  # noqa: SIM118
        if not services:
            raise ConfigError(outer.path, "needs at least one service", "web: {image, port, ...}")
    doc.raw("container", None)
    doc.raw("containers", None)
    doc.finish()
    defaults = [s for s in services if not s.path_patterns]
    if len(defaults) != 1:
        raise ConfigError("traffic.blue.containers", f"exactly one service takes the listener's default action "
                          f"(no pathPatterns), found {len(defaults)}",
                          "pathPatterns on every service but one")
    names = [s.container.name for s in services]
    if len(set(names)) != len(names):
        raise ConfigError("traffic.blue.containers", "two services share a container name", ", ".join(names))
    seen: dict[str, str] = {}
    for s in services:
        for p in s.path_patterns:
            if p in seen:
                raise ConfigError(f"traffic.blue.containers.{s.container.name}.pathPatterns",
                                  f"{p!r} is already routed to {seen[p]!r}")
            seen[p] = s.container.name
    return EcsColorConfig(tuple(defaults + [s for s in services if s.path_patterns]), alb, cdn)


def _service(name: str, r: Reader, env: EnvironmentSettings, limit: int) -> EcsServiceConfig:
    patterns = r.string_list("pathPatterns", [])
    if len(patterns) > limit:
        raise ConfigError(r.key("pathPatterns"), f"{len(patterns)} patterns; an ALB listener rule matches at most "
                          f"{MAX_RULE_PATTERNS} values, {limit} of them paths here", f"at most {limit} patterns")
    for p in patterns:
        if not _PATH_PATTERN.match(p) or len(p) > 128:
            raise ConfigError(r.key("pathPatterns"), f"{p!r} is not an ALB path pattern", "/api/*")
    if r.has("name") and r.raw("name") != name:
        raise ConfigError(r.key("name"), f"the service is named by its key {name!r}", f"omit name, or {name}")
    r.raw("name", None)
    # Everything else is the container section itself: the ECS variant's parser rejects unknown keys.
    body = {k: r.raw(k) for k in r.keys() if k not in ("pathPatterns", "name")}  # noqa: SIM118
    container = parse_container(Reader({**body, "name": name}, r.path), env)
    return EcsServiceConfig(container, patterns)
