"""Helpers shared by every rule: unknown-safe property access, policy documents, environment.

During ``pulumi preview`` the engine hands policies a proxy (``pulumi_policy.proxy``) that raises
``UnknownValueError`` when a value is not known yet; offline runs may also carry the raw sentinel
strings. Every rule reads properties through :func:`get`, which turns both into :data:`UNKNOWN`,
so an unknown value never crashes a rule and never produces a violation (rules skip the check).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    _DictProxy,
    _ListProxy,
)

PROFILE_TYPE: Final = "cutover:index:StackProfile"
# Per-resource waivers in the cdk-nag style: a tag ``cutover:suppress:<policy-name>`` whose value is the reason.
SUPPRESS_TAG_PREFIX: Final = "cutover:suppress:"
MIN_REASON_LENGTH: Final = 20
ENVIRONMENTS: Final = ("dev", "prod")
DEFAULT_ENVIRONMENT: Final = "dev"

_SENTINELS: Final = frozenset({
    UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE, UNKNOWN_ARCHIVE_VALUE, UNKNOWN_OBJECT_VALUE,
})


class _Unknown:
    """A value the engine does not know yet (preview). Falsy, equal only to itself."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS) or type(value).__name__ == "Unknown"


def _step(cur: Any, key: str | int) -> Any:
    if isinstance(cur, Mapping) and isinstance(key, str):
        try:
            if key not in cur:
                return None
            return cur[key]
        except UnknownValueError:
            return UNKNOWN
    if isinstance(cur, Sequence) and not isinstance(cur, str) and isinstance(key, int):
        try:
            return cur[key] if -len(cur) <= key < len(cur) else None
        except UnknownValueError:
            return UNKNOWN
    return None


def get(obj: Any, *path: str | int) -> Any:
    """``obj[path[0]][path[1]]...``; None when missing, UNKNOWN when (part of) it is unknown."""
    cur = obj
    for key in path:
        if cur is None:
            return None
        if is_unknown(cur):
            return UNKNOWN
        cur = _step(cur, key)
    return UNKNOWN if is_unknown(cur) else cur


def items(value: Any) -> list[Any]:
    """Elements of a list-ish value (a lone mapping or string counts as one); unknown elements dropped."""
    if value is None or is_unknown(value):
        return []
    if isinstance(value, str | Mapping):
        return [value]
    if isinstance(value, Sequence):
        out = []
        for i in range(len(value)):
            v = get(value, i)
            if v is not None and not is_unknown(v):
                out.append(v)
        return out
    return [value]


def entries(mapping: Any) -> list[tuple[str, Any]]:
    """(key, value) pairs of a mapping, values read through :func:`get` (UNKNOWN when unknown)."""
    if not isinstance(mapping, Mapping):
        return []
    return [(str(k), get(mapping, k)) for k in list(mapping)]


def to_plain(value: Any) -> Any:
    """A plain dict/list copy of a (possibly proxied) value, unknowns replaced by None.

    A proxy of ``pulumi_policy.proxy`` is read through its wrapped container (``proxy["__target"]``, the
    proxies' own way out): its elements are the same values, nested proxies or unknown sentinels, that
    reading it key by key returns, without building an error path for every element (the budget
    policies copy every resource's properties this way)."""
    if is_unknown(value):
        return None
    if type(value) is _DictProxy or type(value) is _ListProxy:
        value = value["__target"]
    if type(value) is dict:  # an element that is unknown becomes None in the recursive call
        return {str(k): to_plain(v) for k, v in value.items()}
    if type(value) is list:
        return [to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in entries(value)}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [to_plain(get(value, i)) for i in range(len(value))]
    return value


def as_bool(value: Any) -> bool | None:
    """True/False for known booleans (and "true"/"false" strings), None for missing or unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def not_enabled(obj: Any, *path: str | int) -> bool:
    """A flag the rule requires is known and not true (unknown during preview: not a violation)."""
    value = get(obj, *path)
    return not is_unknown(value) and as_bool(value) is not True


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_unknown(value) else None


# --- IAM-style policy documents -------------------------------------------------------------------

def parse_document(value: Any) -> dict[str, Any] | None:
    """A policy document from a JSON string or an object; None when absent, unknown or unparsable."""
    if value is None or is_unknown(value):
        return None
    if isinstance(value, str):
        try:
            doc = json.loads(value)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None
    if isinstance(value, Mapping):
        plain = to_plain(value)
        return plain if isinstance(plain, dict) else None
    return None


def statements(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not doc:
        return []
    raw = doc.get("Statement")
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, list):
        return [s for s in raw if isinstance(s, dict)]
    return []


def str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def principals(statement: Mapping[str, Any]) -> list[str]:
    """Every principal of a statement, flattened (``"*"``, ``{"AWS": "*"}``, service names...)."""
    p = statement.get("Principal")
    if isinstance(p, str):
        return [p]
    if isinstance(p, dict):
        return [x for v in p.values() for x in str_list(v)]
    return []


# --- environment ----------------------------------------------------------------------------------

def profile_props(resources: Iterable[PolicyResource]) -> Mapping[str, Any] | None:
    for r in resources:
        if r.resource_type == PROFILE_TYPE:
            return r.props
    return None


def resource_environment(args: ResourceValidationArgs) -> str:
    env = args.get_config().get("environment", DEFAULT_ENVIRONMENT)
    return env if env in ENVIRONMENTS else DEFAULT_ENVIRONMENT


def stack_environment(args: StackValidationArgs) -> str:
    props = profile_props(args.resources)
    env = as_str(get(props, "environment")) if props is not None else None
    if env in ENVIRONMENTS:
        return str(env)
    cfg = args.get_config().get("environment", DEFAULT_ENVIRONMENT)
    return cfg if cfg in ENVIRONMENTS else DEFAULT_ENVIRONMENT


# --- suppressions (per-resource waivers) ----------------------------------------------------------

def suppressions(props: Any) -> dict[str, str]:
    """``{policy name: reason}`` from a resource's ``cutover:suppress:<policy>`` tags (``tags``, then ``tagsAll``).

    A waiver needs a reason of at least :data:`MIN_REASON_LENGTH` characters; a shorter or empty one waives
    nothing (``policy-suppressions`` reports it).
    """
    out: dict[str, str] = {}
    for prop in ("tagsAll", "tags"):
        for key, value in entries(get(props, prop)):
            reason = as_str(value)
            if key.startswith(SUPPRESS_TAG_PREFIX) and reason is not None:
                out[key.removeprefix(SUPPRESS_TAG_PREFIX)] = reason.strip()
    return out


def suppression_reason(props: Any, policy: str) -> str | None:
    """The reason ``props`` waives ``policy`` with, or None when it does not (or gives no valid reason)."""
    reason = suppressions(props).get(policy)
    return reason if reason is not None and len(reason) >= MIN_REASON_LENGTH else None


def _suppressing(report: ReportViolation, reason_of: Callable[[str | None], str | None]) -> Any:
    """``report`` for one policy, minus the findings a resource waives.

    A waived finding is not a violation. The offline runner (``offline.py``) gives ``report`` a ``suppressed``
    attribute and lists the finding as "suppressed" with its reason; under the Pulumi CLI the finding is dropped
    and the advisory ``policy-suppressions`` policy lists every waiver instead, so none is silent.
    """
    sink = getattr(report, "suppressed", None)

    def filtered(message: str, urn: str | None = None) -> None:
        reason = reason_of(urn)
        if reason is None:
            report(message, urn)
        elif callable(sink):
            sink(f"{message} [suppressed: {reason}]", urn)
    return filtered


# --- policy construction --------------------------------------------------------------------------

ENVIRONMENT_PROPERTY: Final[dict[str, Any]] = {
    "type": "string", "enum": list(ENVIRONMENTS), "default": DEFAULT_ENVIRONMENT,
    "description": "The stack's environment (stack policies prefer the StackProfile's).",
}

Validator = Callable[[ResourceValidationArgs, ReportViolation], None]
StackValidator = Callable[[StackValidationArgs, ReportViolation], None]


def schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    """A config schema that always accepts ``environment`` (dev.json/prod.json pass it to every policy)."""
    return PolicyConfigSchema(properties={"environment": dict(ENVIRONMENT_PROPERTY), **properties})


def for_types(types: Iterable[str], fn: Validator) -> Validator:
    wanted = frozenset(types)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in wanted:
            fn(args, report)

    return validate


def resource_policy(name: str, description: str, types: Iterable[str], fn: Validator,
                    config: dict[str, dict[str, Any]] | None = None) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        fn(args, _suppressing(report, lambda _urn: suppression_reason(args.props, name)))

    return ResourceValidationPolicy(
        name=name, description=description, validate=for_types(types, validate),
        enforcement_level=EnforcementLevel.ADVISORY, config_schema=schema(**(config or {})))


def stack_policy(name: str, description: str, fn: StackValidator,
                 config: dict[str, dict[str, Any]] | None = None) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        by_urn = {r.urn: r for r in args.resources}

        def reason_of(urn: str | None) -> str | None:
            target = by_urn.get(urn) if urn else None
            return suppression_reason(target.props, name) if target is not None else None

        fn(args, _suppressing(report, reason_of))

    return StackValidationPolicy(
        name=name, description=description, validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY, config_schema=schema(**(config or {})))


# --- correlation in stack policies ----------------------------------------------------------------

def of_type(resources: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]


def refers_to(dependent: PolicyResource, target: PolicyResource, prop: str, target_props: Iterable[str]) -> bool:
    """Whether ``dependent`` points at ``target`` through its ``prop`` input.

    In a real preview a new resource's id is unknown, so first trust the engine's dependency
    graph (``property_dependencies[prop]`` when recorded, else ``dependencies``), then fall back
    to comparing the ``prop`` value with the target's id-like outputs.
    """
    prop_deps = dependent.property_dependencies.get(prop) if dependent.property_dependencies else None
    if prop_deps:
        return any(d.urn == target.urn for d in prop_deps)
    value = as_str(get(dependent.props, prop))
    ids = {i for i in (as_str(get(target.props, p)) for p in target_props) if i}
    if value is not None and ids:
        return value in ids
    return any(d.urn == target.urn for d in dependent.dependencies)
