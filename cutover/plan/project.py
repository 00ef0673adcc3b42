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


def _yaml(text: str, name: str = "<string>") -> Any:
    """Parse ``text``; a syntax error names the file, line and column (1-based), never a traceback."""
    try:
        return yaml.load(text, Loader=_YAML_LOADER)  # a safe loader either way
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProjectError(f"{where}: invalid YAML: {problem}") from None


def _read(path: Path) -> Any:
    try:
        return _yaml(path.read_text(encoding="utf-8"), path.name)
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _shape(value: Any, expected: type, where: str, what: str) -> None:
    if not isinstance(value, expected):
        got = {dict: "a mapping", list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "a boolean"}.get(type(value), type(value).__name__)
        raise ProjectError(f"{where}: expected {what}, got {got}")


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
    doc = _read(root / "Pulumi.yaml")
    _shape(doc, dict, "Pulumi.yaml:1:1", "a mapping with name, runtime and config")
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        raise ProjectError("Pulumi.yaml: name: expected the project name (a string)")
    _shape(doc.get("config") or {}, dict, "Pulumi.yaml: config", "a mapping of key: {type, default, description}")
    project: dict[str, Any] = doc
    return project


def load_stack(stack: str, root: Path = ROOT, sets: list[str] | None = None) -> StackSettings:
    project = load_project(root)
    name = str(project["name"])
    config: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        if not isinstance(key, str):
            raise ProjectError(f"Pulumi.yaml: config: key {key!r} is not a string")
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
    stack_doc = _read(path)
    stack_doc = {} if stack_doc is None else stack_doc
    _shape(stack_doc, dict, f"{path.name}:1:1", "a mapping with config (and optionally environment)")
    stack_config = stack_doc.get("config") or {}
    _shape(stack_config, dict, f"{path.name}: config", "a mapping of namespace:key: value")
    secrets: set[str] = set()
    for key, value in stack_config.items():
        if not isinstance(key, str):
            raise ProjectError(f"{path.name}: config: key {key!r} is not a string (write namespace:key)")
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full] = SECRET_PLACEHOLDER
            secrets.add(full)
        else:
            config[full] = copy.deepcopy(value)
    envs = stack_doc.get("environment") or []
    envs = (envs.get("imports") or []) if isinstance(envs, dict) else envs
    _shape(envs, list, f"{path.name}: environment", "a list of ESC environment names (or {imports: [...]})")
    if not all(isinstance(e, str) for e in envs):
        raise ProjectError(f"{path.name}: environment: expected ESC environment names (strings), got {envs!r}")
    settings = StackSettings(project=name, stack=stack, config=config, secret_keys=secrets,
                             environments=[str(e) for e in envs])
    for item in sets or []:
        apply_set(settings, item)
    return settings


def apply_set(settings: StackSettings, item: str) -> None:
    """``key=value`` like ``pulumi config set``; ``overrides.network.azCount=3`` like ``--path``, including
    list indexes (``overrides.services.api.routes[0]=GET /x``; the index one past the end appends).

    Paths use Pulumi's property path syntax: a key containing ``.``, ``:`` or brackets is quoted in
    brackets, ``overrides.cache.main.keys["session:{token}"]=1800``. The namespace (``cutover:``) is
    optional: it is the part before a ``:`` that comes before the first ``.`` or ``[``, so
    ``overrides.X`` and ``cutover:overrides.X`` address the same key.
    """
    if "=" not in item:
        raise ProjectError(f"--set expects key=value, got {item!r}")
    key, value = item.split("=", 1)
    key = key.strip()
    steps = parse_key(key, settings.project)
    namespace, head = steps[0]
    rest = steps[1:]
    full = f"{namespace}:{head}"
    if not rest:
        settings.config[full] = value
        return
    obj = settings.config.get(full)
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError:
            raise ProjectError(f"--set {key}: {full} holds a string, not an object") from None
    obj = copy.deepcopy(obj) if isinstance(obj, dict) else {}
    cursor: Any = obj
    for step, nxt in itertools.pairwise(rest):
        fresh: Any = [] if isinstance(nxt, int) else {}
        child = _get_step(cursor, step)
        if not isinstance(child, type(fresh)):
            child = _put_step(cursor, step, fresh, key)
        cursor = child
    _put_step(cursor, rest[-1], _path_value(value), key)
    settings.config[full] = obj


_SEGMENT = re.compile(r'\[(?:(\d+)|"((?:[^"\\]|\\.)*)")\]|([^.\[\]"]+)')


def parse_key(key: str, project: str) -> list[Any]:
    """``cutover:overrides.cache.main.keys["a:b"]`` -> ``[("cutover", "overrides"), "cache", "main", "keys", "a:b"]``.

    The first element is ``(namespace, top-level key)``; then mapping keys (str) and list indexes (int).
    """
    if not key:
        raise ProjectError("--set: the key is empty")
    first_break = min((i for i in (key.find("."), key.find("[")) if i >= 0), default=len(key))
    colon = key.find(":")
    if 0 <= colon < first_break:
        namespace, path = key[:colon], key[colon + 1:]
        if not namespace:
            raise ProjectError(f"--set {key}: the namespace before ':' is empty")
    else:
        namespace, path = project, key
    if path.endswith(".") or not path:
        raise ProjectError(f"--set {key}: the path ends without a key name")
    steps: list[Any] = []
    pos = 0
    while pos < len(path):
        if steps and path[pos] == ".":
            pos += 1
        m = _SEGMENT.match(path, pos)
        if m is None or (pos > 0 and path[pos - 1] != "." and m.group(3) is not None):
            raise ProjectError(f"--set {key}: cannot read the path at {path[pos:]!r} (segments are name, [index] "
                               'or ["quoted.key"])')
        index, quoted, plain = m.groups()
        steps.append(int(index) if index is not None else
                     re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain)
        pos = m.end()
    if not steps or not isinstance(steps[0], str):
        raise ProjectError(f"--set {key}: the path must start with a key name")
    return [(namespace, steps[0]), *steps[1:]]


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
