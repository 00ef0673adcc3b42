"""Reads the stack's configuration from the Pulumi runtime: the only module that touches pulumi.Config."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from cutover.config.stack import FLAT_KEYS, STRUCTURED_KEYS, StackConfig, parse_stack_config
from cutover.errors import ConfigError, suggest

NAMESPACE = "cutover"


def load_stack_config() -> StackConfig:
    cfg = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {}
    for key in FLAT_KEYS:
        value = cfg.get(key.name)
        if value is not None:
            raw[key.name] = value
    for name in STRUCTURED_KEYS:
        text = cfg.get(name)
        if text is not None:
            try:
                raw[name] = json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(f"{NAMESPACE}:{name}", "must be an object, e.g. set with `pulumi config set "
                                  f"--path '{NAMESPACE}:{name}.network.azCount' 3`") from None
    _reject_unknown_keys()
    region = pulumi.Config("aws").get("region") or "us-east-1"
    return parse_stack_config(raw, project=pulumi.get_project(), stack=pulumi.get_stack(), region=region)


def _reject_unknown_keys() -> None:
    """A typo such as ``cutover:greenweight`` must fail, not silently keep the old weight."""
    present = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    known = {k.name for k in FLAT_KEYS} | set(STRUCTURED_KEYS)
    for full in sorted(present):
        ns, _, name = full.partition(":")
        if ns == NAMESPACE and name not in known:
            raise ConfigError(full, f"unknown key{suggest(name, known)}", ", ".join(sorted(known)))
