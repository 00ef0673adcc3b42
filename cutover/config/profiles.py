"""Profiles: one YAML preset per application architecture, layered with stack overrides.

Layers, later wins: the profile's base document, its ``environments.<env>`` overlay, then the
stack's ``cutover:overrides`` object. Mappings merge key by key; lists and scalars replace.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from cutover.errors import ConfigError, suggest

# libyaml's parser when PyYAML has it: the same safe constructors and documents, about ten times faster
# (every plan reads its profile; see cutover/plan/project.py, which reads the stack files the same way).
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PROFILES_DIR = Path(__file__).resolve().parents[2] / "profiles"


def available_profiles(directory: Path = PROFILES_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_profile(name: str, directory: Path = PROFILES_DIR) -> dict[str, Any]:
    names = available_profiles(directory)
    if name not in names:
        raise ConfigError("cutover:profile", f"unknown profile {name!r}{suggest(name, names)}", " | ".join(names))
    path = directory / f"{name}.yaml"
    try:
        doc = yaml.load(path.read_text(), Loader=_YAML_LOADER)  # a safe loader either way
    except yaml.YAMLError as exc:
        raise ConfigError(f"profiles/{path.name}", f"is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"profiles/{path.name}", "must be a mapping of sections")
    return doc


class Layers:
    """The merged document plus where each key came from, for error messages."""

    def __init__(self, profile: str, base: dict[str, Any], env_name: str, overrides: Mapping[str, Any]) -> None:
        envs = base.pop("environments", None) or {}
        if not isinstance(envs, dict):
            raise ConfigError(f"profiles/{profile}.yaml: environments", "must be a mapping of dev/prod overlays")
        unknown_envs = [e for e in envs if e not in ("dev", "prod")]
        if unknown_envs:
            raise ConfigError(f"profiles/{profile}.yaml: environments.{unknown_envs[0]}", "unknown environment",
                              "dev | prod")
        overlay = envs.get(env_name) or {}
        if not isinstance(overlay, dict):
            raise ConfigError(f"profiles/{profile}.yaml: environments.{env_name}",
                              "must be a mapping of keys that replace the base document's", "e.g. {network: {...}}")
        self.profile = profile
        self.env_name = env_name
        self.base = base
        self.overlay = overlay
        self.overrides = dict(overrides)
        self.merged = deep_merge(deep_merge(base, self.overlay), self.overrides)

    def locate(self, dotted: str) -> str:
        """Name the layer that set ``dotted`` (a merged-document key path)."""
        parts = dotted.split(".")
        for label, doc in (("cutover:overrides", self.overrides),
                           (f"profiles/{self.profile}.yaml environments.{self.env_name}", self.overlay)):
            if _has_path(doc, parts):
                return f"{label}.{dotted}"
        return f"profiles/{self.profile}.yaml {dotted}"


def _has_path(doc: Any, parts: list[str]) -> bool:
    for i, part in enumerate(parts):
        if not isinstance(doc, Mapping) or part not in doc:
            # A parent set to a scalar/list in this layer also counts as "set here".
            return i > 0 and not isinstance(doc, Mapping)
        doc = doc[part]
    return True
