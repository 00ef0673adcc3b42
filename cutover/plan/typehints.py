"""The SDK's property type lookup, evaluating each distinct annotation once (offline plan engine).

To turn the engine's answer into typed outputs, the Pulumi SDK reads the return annotation of every
property getter of every resource and output type it meets (``pulumi._types._raw_return_hints``,
cached per class). Under the plan's loader those annotations are postponed strings
(``cutover.plan.fastimport``), so each read compiles and evaluates one, and most are the same few
strings (``pulumi.Output[_builtins.str]``, ``pulumi.Output[Optional[Mapping[str, _builtins.str]]]``)
evaluated again for each class: about a tenth of a plan.

``raw_return_hints`` gives the SDK's answer with each annotation evaluated once per meaning: an
annotation string and the objects its names denote in the namespace the SDK evaluates it in
(``_globals_for_cls``, with the SDK's locals first and builtins last) determine the result, so the
result is kept under that pair (every generated module binds ``pulumi``, ``Optional`` and ``_builtins``
to the same objects; ``outputs`` differs per service, and so does the key). The evaluation is
``typing.get_type_hints`` itself, on a function carrying that one annotation.
``tests/unit/test_plan_typehints.py`` holds it against the SDK's for every resource, input and output
class of the services the plans use.
"""

from __future__ import annotations

import ast
import builtins
import functools
import sys
import typing
from typing import Any

from pulumi import Output, _types

_LOCALS: dict[str, Any] = {"Output": Output, "T": type(None)}  # what the SDK passes (see _raw_return_hints)


# (annotation, ids of what its names denote) -> (type, those objects: held, so no id is ever reused)
_HINTS: dict[tuple[str, tuple[int, ...]], tuple[Any, tuple[Any, ...]]] = {}
_MISSING = object()


@functools.cache
def _names(annotation: str) -> tuple[str, ...] | None:
    """The identifiers an annotation reads, including those of the forward references quoted inside
    it (``Input['WebAclRuleArgs']``); None if it is not an expression this can read."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            inner = _names(node.value)
            if inner is None:
                return None
            names.extend(inner)
    return tuple(sorted(set(names)))


def _lookup(name: str, globalns: dict[str, Any], modules: tuple[str, ...]) -> tuple[Any, bool]:
    """What ``name`` denotes where the SDK evaluates it, and whether it came from a module's lazy
    attributes. eval's order: the SDK's locals, the globals, then builtins; in between, a class the
    plan's loader has not created yet (``fastimport.lazy_classes_tree``), asked of the modules the
    namespace was built from, the class's own first, which creates it as any attribute access would."""
    value = _LOCALS.get(name, _MISSING)
    if value is _MISSING:
        value = globalns.get(name, _MISSING)
    if value is not _MISSING:
        return value, False
    for module_name in modules:
        module = sys.modules.get(module_name)
        value = getattr(module, name, _MISSING) if module is not None else _MISSING
        if value is not _MISSING:
            return value, True
    return getattr(builtins, name, _MISSING), False


def _meaning(annotation: str, globalns: dict[str, Any], modules: tuple[str, ...]
             ) -> tuple[tuple[str, tuple[int, ...]], tuple[Any, ...], dict[str, Any]] | None:
    """(cache key, the objects the annotation's names denote, those of them created lazily by name)."""
    names = _names(annotation)
    if names is None:
        return None
    found: list[Any] = []
    lazy: dict[str, Any] = {}
    for name in names:
        value, created = _lookup(name, globalns, modules)
        found.append(value)
        if created:
            lazy[name] = value
    return (annotation, tuple(id(value) for value in found)), tuple(found), lazy


def _evaluate(annotation: str, globalns: dict[str, Any] | None, lazy: dict[str, Any]) -> Any:
    """``annotation`` resolved by ``typing.get_type_hints`` as a function's return annotation, as the SDK does
    (names of lazily created classes passed with the SDK's locals: they are in no globals dict yet)."""

    def carrier() -> None: ...

    carrier.__annotations__ = {"return": annotation}
    return typing.get_type_hints(carrier, globalns=globalns, localns={**_LOCALS, **lazy})["return"]


@functools.cache
def raw_return_hints(cls: type) -> dict[str, Any]:
    """``pulumi._types._raw_return_hints(cls)``: Pulumi names to each getter's resolved return annotation."""
    globalns = _types._globals_for_cls(cls) or {}
    modules = tuple(dict.fromkeys(base.__module__ for base in cls.__mro__))
    hints: dict[str, Any] = {}
    for _, pulumi_name, prop in _types._py_properties(cls):
        annotation = getattr(prop.fget, "__annotations__", {}).get("return")
        meaning = _meaning(annotation, globalns, modules) if isinstance(annotation, str) else None
        if meaning is None:  # evaluated already (an ordinary import), absent, or unreadable: the SDK's own call
            hint = typing.get_type_hints(prop.fget, globalns=globalns, localns=dict(_LOCALS)).get("return")
        elif meaning[0] in _HINTS:
            hint = _HINTS[meaning[0]][0]
        else:
            hint = _evaluate(str(annotation), globalns, meaning[2])
            _HINTS[meaning[0]] = (hint, meaning[1])
        if hint is not None:
            hints[pulumi_name] = hint
    return hints


def install() -> None:
    """Route the SDK's lookup through ``raw_return_hints`` (idempotent; answers are unchanged)."""
    if _types._raw_return_hints is not raw_return_hints:
        _types._raw_return_hints = raw_return_hints  # type: ignore[assignment]
