"""Small constructors for JSON Schema nodes, with the annotations the reference and parsers read.

Every node is a plain JSON Schema (draft-07) dict. Annotations Cutover adds start with ``x-`` and are
stripped from the file editors read (``schema/profile.schema.json``):

* ``x-default-prod``: the default in prod where it differs from dev (``default`` is dev's);
* ``x-default-text``: a default computed from other keys ("90% of monthlyUsd");
* ``x-allowed``: how error messages and the reference describe a pattern ("a DNS name");
* ``x-message``: the problem an ``enum``/``pattern`` failure reports, ``{value}`` substituted;
* ``x-key``: what the keys of a mapping are (``services: {<name>: ...}``).
"""

from __future__ import annotations

import copy
from typing import Any

Node = dict[str, Any]
_UNSET: Any = object()


def _base(kind: str | list[str], desc: str, default: Any, prod: Any, default_text: str | None) -> Node:
    node: Node = {"type": kind, "description": desc}
    if default is not _UNSET and default is not None:
        node["default"] = default
    if prod is not _UNSET:
        node["x-default-prod"] = prod
    if default_text:
        node["x-default-text"] = default_text
    return node


def string(desc: str, default: Any = _UNSET, *, enum: tuple[str, ...] | list[str] | None = None,
           pattern: str | None = None, allowed: str | None = None, message: str | None = None,
           min_len: int | None = None, max_len: int | None = None, prod: Any = _UNSET,
           default_text: str | None = None) -> Node:
    node = _base("string", desc, default, prod, default_text)
    if enum is not None:
        node["enum"] = list(enum)
    if pattern is not None:
        node["pattern"] = pattern
    if min_len is not None:
        node["minLength"] = min_len
    if max_len is not None:
        node["maxLength"] = max_len
    if allowed:
        node["x-allowed"] = allowed
    if message:
        node["x-message"] = message
    return node


def integer(desc: str, default: Any = _UNSET, *, minimum: int | None = None, maximum: int | None = None,
            enum: tuple[int, ...] | None = None, message: str | None = None, prod: Any = _UNSET,
            default_text: str | None = None) -> Node:
    node = _base("integer", desc, default, prod, default_text)
    if minimum is not None:
        node["minimum"] = minimum
    if maximum is not None:
        node["maximum"] = maximum
    if enum is not None:
        node["enum"] = list(enum)
    if message:
        node["x-message"] = message
    return node


def number(desc: str, default: Any = _UNSET, *, minimum: float | None = None, maximum: float | None = None,
           prod: Any = _UNSET, default_text: str | None = None) -> Node:
    node = _base("number", desc, default, prod, default_text)
    if minimum is not None:
        node["minimum"] = minimum
    if maximum is not None:
        node["maximum"] = maximum
    return node


def boolean(desc: str, default: Any = _UNSET, *, prod: Any = _UNSET, default_text: str | None = None) -> Node:
    return _base("boolean", desc, default, prod, default_text)


def strings(desc: str, default: Any = _UNSET, *, item: Node | None = None, max_items: int | None = None,
            default_text: str | None = None) -> Node:
    node = _base("array", desc, default, _UNSET, default_text)
    node["items"] = item or {"type": "string"}
    if max_items is not None:
        node["maxItems"] = max_items
    return node


def obj(desc: str, properties: dict[str, Node], *, required: tuple[str, ...] = ()) -> Node:
    """A mapping with exactly these keys: any other key is refused (``additionalProperties: false``)."""
    node: Node = {"type": "object", "description": desc, "properties": properties, "additionalProperties": False}
    if required:
        node["required"] = list(required)
    return node


def mapping(desc: str, value: Node, *, key: str) -> Node:
    """A mapping keyed by name (services, tables, buckets): every value has the ``value`` schema."""
    return {"type": "object", "description": desc, "additionalProperties": value, "x-key": key}


def one_of(desc: str, *choices: Node, default: Any = _UNSET, prod: Any = _UNSET,
           default_text: str | None = None) -> Node:
    """A value of one of several shapes (``proxy: true`` or ``proxy: {enabled: ...}``)."""
    node: Node = {"anyOf": list(choices), "description": desc}
    if default is not _UNSET:
        node["default"] = default
    if prod is not _UNSET:
        node["x-default-prod"] = prod
    if default_text:
        node["x-default-text"] = default_text
    return node


def ref(name: str, desc: str | None = None) -> Node:
    node: Node = {"$ref": f"#/definitions/{name}"}
    if desc:
        node["description"] = desc
    return node


def strip_annotations(node: Any, *, drop_required: bool = False) -> Any:
    """The node without Cutover's ``x-`` annotations (and without ``required`` for overlays)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if isinstance(k, str) and k.startswith("x-"):
                continue
            if drop_required and k == "required" and isinstance(v, list):
                continue
            if k in ("properties", "definitions", "patternProperties"):
                out[k] = {name: strip_annotations(child, drop_required=drop_required) for name, child in v.items()}
            else:
                out[k] = strip_annotations(v, drop_required=drop_required)
        return out
    if isinstance(node, list):
        return [strip_annotations(v, drop_required=drop_required) for v in node]
    return copy.deepcopy(node)
