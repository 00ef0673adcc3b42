"""Reads the stack's configuration from the Pulumi runtime: the only module that touches pulumi.Config."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from cutover.config.schema.flat import FLAT_KEYS, REGION_DEFAULT, STRUCTURED_KEYS
from cutover.config.stack import StackConfig, parse_stack_config
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
    region = pulumi.Config("aws").get("region")  # an empty value is refused by the parser, not defaulted
    region = REGION_DEFAULT if region is None else region.strip()
    return parse_stack_config(raw, project=pulumi.get_project(), stack=pulumi.get_stack(), region=region)


def check_placeholders(cfg: StackConfig) -> None:
    """A preview warns once per key still holding a profile's sample value; a deployment refuses.

    ``pulumi up`` runs the program twice: the preview (``is_dry_run()`` true) warns, the update itself
    raises with the list of keys before any resource is created from such a value. The offline plan
    and tests run under mocks, which are never a deployment, so they warn like a preview.
    """
    if not cfg.placeholders:
        return
    if deploying():
        raise ConfigError("placeholders", "these keys still hold the profile's sample values (documentation "
                          "accounts, example.com names, all-zero ids): " + ", ".join(cfg.placeholders),
                          "real values, set in the profile or with `pulumi config set --path "
                          "'cutover:overrides.<key>' <value>`")
    for key in cfg.placeholders:
        pulumi.log.warn(f"{key} still holds the profile's placeholder: replace it before deploying")


def deploying() -> bool:
    """True in ``pulumi up``'s update step; false in previews and under the SDK's mocks."""
    from pulumi.runtime import mocks, settings

    return not pulumi.runtime.is_dry_run() and not isinstance(settings.get_monitor(), mocks.MockMonitor)


def _reject_unknown_keys() -> None:
    """A typo such as ``cutover:greenweight`` must fail, not silently keep the old weight."""
    present = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    known = {k.name for k in FLAT_KEYS} | set(STRUCTURED_KEYS)
    for full in sorted(present):
        ns, _, name = full.partition(":")
        if ns == NAMESPACE and name not in known:
            raise ConfigError(full, f"unknown key{suggest(name, known)}", ", ".join(sorted(known)))
