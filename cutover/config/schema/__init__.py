"""One declared schema for every configuration key (``profile.py`` for profile sections, ``flat.py`` for
the ``cutover:*`` stack keys), and what is derived from it at run time:

* :func:`validate_document` checks a merged profile document (profile, environment overlay, stack
  overrides) with jsonschema: every type, range and allowed value, and no unknown key at any depth;
* :func:`default` is the declared default of a key, which the parsers use instead of repeating it.

``python -m cutover.config.schema`` (``make schema``) regenerates the committed artifacts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from cutover.errors import ConfigError, bounds, suggest


@cache
def _validator() -> Any:
    import jsonschema

    from cutover.config.schema.profile import DEFINITIONS, document

    schema = {**document(strict=True), "definitions": DEFINITIONS}
    return jsonschema.Draft7Validator(schema)


@cache
def _root() -> dict[str, Any]:
    from cutover.config.schema.profile import DEFINITIONS, document

    return {**document(strict=True), "definitions": DEFINITIONS}


def node_at(path: str) -> dict[str, Any]:
    """The declaration of a merged-document key path; ``*`` (or any name) crosses a keyed mapping."""
    root = _root()
    node: Any = root
    for part in path.split("."):
        node = _resolve(root, node)
        props = node.get("properties", {})
        if part in props:
            node = props[part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            raise KeyError(f"{path}: {part!r} is not declared in the profile schema")
    return _resolve(root, node)


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node and "properties" not in node:  # {enabled: ...} | "enabled": the mapping branch
        for choice in node["anyOf"]:
            if choice.get("type") == "object":
                return {**choice, **{k: v for k, v in node.items() if k != "anyOf"}}
    return node


def default(path: str, env: str = "dev") -> Any:
    """The declared default of ``path`` in ``env`` (dev or prod); KeyError when none is declared."""
    node = node_at(path)
    if env == "prod" and "x-default-prod" in node:
        return copy.deepcopy(node["x-default-prod"])
    if "default" not in node:
        raise KeyError(f"{path} declares no default")
    return copy.deepcopy(node["default"])


def _pruned(value: Any) -> Any:
    """Drop null values: a key set to null means "use the default" everywhere in the parsers."""
    if isinstance(value, Mapping):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def validate_document(doc: Mapping[str, Any], locate: Callable[[str], str] = lambda key: key) -> None:
    """Raise the ConfigError of the first problem in ``doc``: the full key path, in the layer that set it."""
    from jsonschema.exceptions import relevance

    errors = list(_validator().iter_errors(_pruned(doc)))
    if not errors:
        return
    # Report in document order, the deepest problem of a key first (it is the most specific).
    error = sorted(errors, key=lambda e: ([str(p) for p in e.absolute_path], relevance(e)))[0]
    raise _config_error(error, locate)


_TYPE_NAMES = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "null"}


def type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _dotted(path: Any) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _matches_type(schema: dict[str, Any], value: Any) -> bool:
    kind = schema.get("type")
    if "$ref" in schema:
        kind = "object"
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    checks = {"string": isinstance(value, str), "boolean": isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool),
              "number": isinstance(value, (int, float)) and not isinstance(value, bool),
              "array": isinstance(value, list), "object": isinstance(value, Mapping), "null": value is None}
    return any(checks.get(k, False) for k in kinds)


def _describe(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "a mapping"
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    kind = schema.get("type", "a value")
    return _TYPE_NAMES.get(kind, str(kind)) if isinstance(kind, str) else " or ".join(_TYPE_NAMES[k] for k in kind)


def _config_error(error: Any, locate: Callable[[str], str]) -> ConfigError:
    path = _dotted(error.absolute_path)
    schema, value, kind = error.schema, error.instance, error.validator
    if kind == "anyOf":
        branches = schema["anyOf"]
        fitting = [i for i, b in enumerate(branches) if _matches_type(b, value)]
        if len(fitting) == 1:
            inner = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == fitting[0]]
            if inner:
                deepest = sorted(inner, key=lambda e: [str(p) for p in e.absolute_path])[0]
                return _config_error(deepest, locate)
        allowed = " or ".join(_describe(b) for b in branches)
        return ConfigError(locate(path), f"must be {allowed}, got {type_name(value)} {value!r}", allowed)
    if kind == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = [k for k in value if k not in schema.get("properties", {})]
        key = unknown[0]
        return ConfigError(locate(_join(path, key)), f"unknown key{suggest(str(key), known)}",
                           ", ".join(known) if known else "no keys here")
    if kind == "required":
        missing = next(k for k in schema.get("required", []) if k not in value)
        node = schema.get("properties", {}).get(missing, {})
        return ConfigError(locate(_join(path, missing)), "is required",
                           node.get("x-allowed") or node.get("description"))
    if kind == "type":
        expected = error.validator_value
        want: str = _TYPE_NAMES.get(expected, str(expected)) if isinstance(expected, str) else \
            " or ".join(_TYPE_NAMES.get(k, k) for k in expected)
        hint = schema.get("x-allowed") or bounds(schema.get("minimum"), schema.get("maximum"))
        if expected == "boolean":
            return ConfigError(locate(path), f"must be true or false, got {value!r}", "true | false")
        return ConfigError(locate(path), f"must be {want}, got {type_name(value)} {value!r}", hint)
    if kind == "enum":
        allowed_values = schema["enum"]
        if "x-message" in schema:
            problem = schema["x-message"].format(value=value)
            sep = ", " if all(isinstance(v, int) for v in allowed_values) else " | "
            return ConfigError(locate(path), problem, sep.join(map(str, allowed_values)))
        problem = f"unknown value {value!r}{suggest(str(value), [str(v) for v in allowed_values])}"
        return ConfigError(locate(path), problem, " | ".join(map(str, allowed_values)))
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return ConfigError(locate(path), f"{value} is out of range",
                           bounds(schema.get("minimum"), schema.get("maximum")))
    if kind == "pattern":
        problem = schema["x-message"].format(value=value) if "x-message" in schema else f"invalid value {value!r}"
        return ConfigError(locate(path), problem, schema.get("x-allowed") or f"matching {schema['pattern']}")
    if kind in ("minLength", "maxLength"):
        return ConfigError(locate(path), f"is {len(value)} characters long",
                           f"{bounds(schema.get('minLength'), schema.get('maxLength'))} characters")
    if kind in ("maxItems", "minItems"):
        return ConfigError(locate(path), f"has {len(value)} items",
                           f"{bounds(schema.get('minItems'), schema.get('maxItems'))} items")
    return ConfigError(locate(path), error.message)
