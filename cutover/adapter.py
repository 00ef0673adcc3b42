"""The profile layer's side of the component boundary: what needs the parsed StackConfig.

Components (``components/``) take plain arguments from ``components.specs`` and raise
``components.errors.ComponentError``; they never see a profile. This module holds what does:

* ``config_errors()``: a ConfigError from parsing, or a ComponentError from a component finding a
  combination the parser cannot see, ends the program with the same ``configuration error: <key>:
  <problem> (allowed: ...)`` message (exit 2 from the offline plan), never a traceback;
* ``StackProfile``: the record of which profile, environment, budget and usage a stack runs with;
* ``aws_provider`` / ``edge_provider``: the providers that carry the stack's default tags.

Their logical names and type token are unchanged from when they lived in components/ (a module move
changes no URN), so no resource needs an alias.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.errors import ComponentError
from cutover.config import StackConfig
from cutover.errors import ConfigError


def as_config_error(exc: ComponentError) -> ConfigError:
    """The ConfigError a component's error stands for: same key path, problem and allowed values."""
    return ConfigError(exc.path, exc.message, exc.allowed)


@contextmanager
def config_errors() -> Iterator[None]:
    """A ConfigError (from parsing) or a ComponentError (a component finding a combination the parser
    cannot see) ends the program with its message, naming the key and the allowed values: no traceback."""
    try:
        yield
    except ConfigError as exc:
        raise pulumi.RunError(f"configuration error: {exc}") from None
    except ComponentError as exc:
        raise pulumi.RunError(f"configuration error: {as_config_error(exc)}") from None


@dataclass(frozen=True)
class StackProfileArgs:
    config: StackConfig


class StackProfile(pulumi.ComponentResource):
    """Records which profile, environment, budget and usage assumptions a stack runs with.

    It creates no cloud resource. Its inputs are visible to CrossGuard policies, which read the
    environment and the budget from here (the monthly-budget policy and the cost estimator).
    """

    TYPE = "cutover:index:StackProfile"

    def __init__(self, name: str, args: StackProfileArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = args.config
        props: dict[str, Any] = {
            "profile": cfg.profile,
            "environment": cfg.environment.name.value,
            "seed": cfg.seed,
            "budgetMonthlyUsd": cfg.budget.monthly_usd,
            "budgetAlertUsd": cfg.budget.alert_usd,
            "usage": cfg.usage.as_dict(),
            "greenWeight": cfg.green_weight,
            "retire": cfg.retire.value,
        }
        if cfg.usage.services:  # usage.services: per-service figures the cost estimator prices functions from
            props["serviceUsage"] = {s.service: s.as_dict() for s in cfg.usage.services}
        super().__init__(self.TYPE, name, props, opts)
        self.profile = cfg.profile
        self.environment = cfg.environment.name.value
        self.register_outputs(props)


def aws_provider(cfg: StackConfig) -> aws.Provider:
    """The stack's provider: tags are applied once, as default tags; every component receives this
    provider and its children inherit it through ``parent=self``."""
    return aws.Provider("aws", region=cfg.region, default_tags=aws.ProviderDefaultTagsArgs(tags=cfg.tags))


def edge_provider(cfg: StackConfig, main: aws.Provider) -> aws.Provider:
    """CLOUDFRONT-scope web ACLs (and their log groups) must be created in us-east-1."""
    if cfg.region == "us-east-1":
        return main
    return aws.Provider("aws-us-east-1", region="us-east-1", default_tags=aws.ProviderDefaultTagsArgs(tags=cfg.tags))
