"""Loads configuration the way the Pulumi CLI does: Pulumi.yaml defaults, then Pulumi.<stack>.yaml.

``secure:`` values become placeholders marked secret; ``--set`` overrides behave like
``pulumi config set`` (a dotted key after the namespace is a ``--path`` into an object).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRET_PLACEHOLDER = "[secret]"


class ProjectError(ValueError):
    pass


# libyaml's parser when PyYAML has it (same safe constructors and results, about ten times faster).
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # a safe loader either way


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
    doc = _yaml((root / "Pulumi.yaml").read_text())
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
    stack_doc = _yaml(path.read_text()) or {}
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
    """``key=value`` like ``pulumi config set``; ``overrides.network.azCount=3`` like ``--path``, including
    list indexes (``overrides.services.api.routes[0]=GET /x``; the index one past the end appends)."""
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
    steps = [step for part in rest for step in _path_steps(part, key)]
    obj = settings.config.get(full)
    if isinstance(obj, str):
        obj = json.loads(obj)
    obj = copy.deepcopy(obj) if isinstance(obj, dict) else {}
    cursor: Any = obj
    for step, nxt in itertools.pairwise(steps):
        fresh: Any = [] if isinstance(nxt, int) else {}
        child = _get_step(cursor, step)
        if not isinstance(child, type(fresh)):
            child = _put_step(cursor, step, fresh, key)
        cursor = child
    _put_step(cursor, steps[-1], _path_value(value), key)
    settings.config[full] = obj


_PATH_PART = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


def _path_steps(part: str, key: str) -> list[str | int]:
    """``routes[0]`` -> ``["routes", 0]``; a plain part is one mapping key."""
    m = _PATH_PART.match(part)
    if m is None:
        raise ProjectError(f"--set {key}: {part!r} is not a path segment (name, or name[index])")
    return [m.group(1), *(int(i) for i in re.findall(r"\d+", m.group(2)))]


def _get_step(cursor: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return cursor[step] if step < len(cursor) else None
    return cursor.get(step)


def _put_step(cursor: Any, step: str | int, value: Any, key: str) -> Any:
    if isinstance(step, str) or step < len(cursor):
        cursor[step] = value
    elif step == len(cursor):
        cursor.append(value)
    else:
        raise ProjectError(f"--set {key}: index {step} is past the end of a list of {len(cursor)}")
    return value


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
