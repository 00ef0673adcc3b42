"""Loads configuration the way the Pulumi CLI does: Pulumi.yaml defaults, then Pulumi.<stack>.yaml.

``secure:`` values become placeholders marked secret; ``--set`` overrides behave like
``pulumi config set`` (a dotted key after the namespace is a ``--path`` into an object).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRET_PLACEHOLDER = "[secret]"


class ProjectError(ValueError):
    pass


@dataclass
class StackSettings:
    project: str
    stack: str
    config: dict[str, Any]  # full keys ("cutover:greenWeight") to plain values
    secret_keys: set[str] = field(default_factory=set)
    environments: list[str] = field(default_factory=list)  # ESC environments the stack imports

    def engine_config(self) -> dict[str, str]:
        """What the engine hands the program: strings, objects as JSON."""
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.config.items()}

    @property
    def region(self) -> str:
        return str(self.config.get("aws:region", "us-east-1"))


def load_project(root: Path = ROOT) -> dict[str, Any]:
    doc = yaml.safe_load((root / "Pulumi.yaml").read_text())
    if not isinstance(doc, dict) or "name" not in doc:
        raise ProjectError("Pulumi.yaml must have a name")
    return doc


def load_stack(stack: str, root: Path = ROOT, sets: list[str] | None = None) -> StackSettings:
    project = load_project(root)
    name = str(project["name"])
    config: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(decl, dict):
            if "default" in decl:
                config[full] = _scalar(decl["default"])
        else:
            config[full] = _scalar(decl)
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise ProjectError(f"no stack {stack!r}: {path.name} does not exist (stacks: {', '.join(known)})")
    stack_doc = yaml.safe_load(path.read_text()) or {}
    secrets: set[str] = set()
    for key, value in (stack_doc.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full] = SECRET_PLACEHOLDER
            secrets.add(full)
        else:
            config[full] = copy.deepcopy(value)
    envs = stack_doc.get("environment") or []
    envs = envs.get("imports", []) if isinstance(envs, dict) else envs
    settings = StackSettings(project=name, stack=stack, config=config, secret_keys=secrets,
                             environments=[str(e) for e in envs])
    for item in sets or []:
        apply_set(settings, item)
    return settings


def apply_set(settings: StackSettings, item: str) -> None:
    """``key=value`` like ``pulumi config set``; ``overrides.network.azCount=3`` like ``--path``."""
    if "=" not in item:
        raise ProjectError(f"--set expects key=value, got {item!r}")
    key, value = item.split("=", 1)
    key = key.strip()
    if ":" not in key:
        key = f"{settings.project}:{key}"
    namespace, _, path = key.partition(":")
    head, *rest = path.split(".")
    full = f"{namespace}:{head}"
    if not rest:
        settings.config[full] = value
        return
    obj = settings.config.get(full)
    if isinstance(obj, str):
        obj = json.loads(obj)
    obj = copy.deepcopy(obj) if isinstance(obj, dict) else {}
    cursor = obj
    for part in rest[:-1]:
        nxt = cursor.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cursor[part] = nxt
        cursor = nxt
    cursor[rest[-1]] = _path_value(value)
    settings.config[full] = obj


def _path_value(text: str) -> Any:
    """``pulumi config set --path``: true/false become booleans, integers numbers, else strings."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
