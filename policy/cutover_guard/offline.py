"""Run the pack without the Pulumi CLI, the way the engine would during ``pulumi preview``.

* Resource policies run once per registered resource (components and their children included) on its
  INPUTS, with ``args.provider`` built from the provider resource its ``provider`` reference names.
* Stack policies run once on every resource's OUTPUTS, with parent, dependencies and (when the resource
  records them) property dependencies linked to the other resources.
* Enforcement levels and config are reconciled as the CLI does: policy defaults and schema defaults,
  then ``all``, then per-policy entries; ``disabled`` skips a policy, ``remediate`` reports as mandatory.
* Findings a resource waives (``cutover:suppress:<policy>`` tag with a reason) come back with level
  ``"suppressed"`` and the reason in the message; they never count as mandatory.
* Properties are wrapped in ``pulumi_policy``'s unknown-checking proxy exactly as the analyzer does. A
  policy that still trips over an unknown is skipped, as the engine turns that into a preview notice.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from inspect import isawaitable
from pathlib import Path
from typing import Any, Protocol

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UnknownValueError, _DictProxy, _ListProxy

from cutover_guard import ALL_POLICIES

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
SUPPRESSED = "suppressed"  # a finding a resource waives (``cutover:suppress:<policy>`` tag with a reason)


class PlannedResource(Protocol):
    """What the offline plan records per registration (the lead's ``PlannedResource`` fits)."""

    @property
    def urn(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def custom(self) -> bool: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def outputs(self) -> Mapping[str, Any]: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def provider(self) -> str | None: ...
    @property
    def protect(self) -> bool: ...
    @property
    def retain_on_delete(self) -> bool: ...
    @property
    def dependencies(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # "advisory" | "mandatory" | "suppressed" (waived by the resource; never blocks)
    urn: str | None
    message: str


@dataclass(frozen=True)
class PolicySettings:
    level: str
    config: dict[str, Any]


def load_pack_config(path: str | Path) -> dict[str, Any]:
    """A ``--policy-pack-config`` file: ``{"all": level, "<policy>": level | {"enforcementLevel": .., ...}}``."""
    raw = json.loads(Path(path).read_text())
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a policy pack config must be a JSON object")
    for key, value in raw.items():
        level = value if isinstance(value, str) else (value.get("enforcementLevel") if isinstance(value, dict) else 0)
        if level is not None and level not in LEVELS:
            raise ValueError(f"{path}: {key}: invalid enforcement level {level!r}")
    return raw


def has_mandatory(violations: Iterable[Violation]) -> bool:
    return any(v.level == "mandatory" for v in violations)


def reconcile(policies: Sequence[Policy], pack_config: Mapping[str, Any],
              pack_level: EnforcementLevel = EnforcementLevel.ADVISORY) -> dict[str, PolicySettings]:
    """Each policy's effective level and config, merged like the CLI's ReconcilePolicyPackConfig."""
    out: dict[str, PolicySettings] = {}
    all_value = pack_config.get("all")
    all_level = all_value if isinstance(all_value, str) else (
        all_value.get("enforcementLevel") if isinstance(all_value, Mapping) else None)
    for policy in policies:
        level = (policy.enforcement_level or pack_level).value
        config: dict[str, Any] = {}
        if policy.config_schema is not None:
            for key, prop in policy.config_schema.properties.items():
                if "default" in prop:
                    config[key] = copy.deepcopy(prop["default"])
        if all_level:
            level = all_level
        entry = pack_config.get(policy.name)
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, Mapping):
            level = entry.get("enforcementLevel") or level
            config.update({k: copy.deepcopy(v) for k, v in entry.items() if k != "enforcementLevel"})
        if level not in LEVELS:
            raise ValueError(f"{policy.name}: invalid enforcement level {level!r}")
        out[policy.name] = PolicySettings(level, config)
    return out


def _engine_value(value: Any) -> Any:
    """Plain JSON-like data as the analyzer deserializes it; SDK unknowns become the unknown sentinel."""
    if type(value).__name__ == "Unknown":
        return UNKNOWN_OBJECT_VALUE
    if isinstance(value, Mapping):
        return {str(k): _engine_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_engine_value(v) for v in value]
    return value


def _proxy(value: Any, path: list[str]) -> Any:
    """``pulumi_policy.proxy.unknown_checking_proxy`` for ``_engine_value`` output (plain dicts, lists and
    scalars): the same fresh ``_DictProxy``/``_ListProxy`` tree with the same paths, built without the
    throwaway path list the library makes for every scalar (the policy pass's hottest loop)."""
    if type(value) is dict:
        return _DictProxy({k: _proxy(v, [*path, str(k)]) if type(v) is dict or type(v) is list else v
                           for k, v in value.items()}, path)
    if type(value) is list:
        return _ListProxy([_proxy(v, [*path, str(i)]) if type(v) is dict or type(v) is list else v
                           for i, v in enumerate(value)], path)
    return value


def _fresh(value: Any) -> Any:
    """``copy.deepcopy`` for JSON-like policy config (dicts, lists, scalars), several times faster; anything
    else still goes through ``copy.deepcopy``. Every validation gets its own copy, as under the CLI."""
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [_fresh(v) for v in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    return copy.deepcopy(value)


class _Plain:
    """Each resource's inputs and outputs converted to engine values once per pass; every validation still
    gets its own fresh proxy tree (the analyzer deserializes a fresh copy per policy), built from these.
    Keyed by ``id``: the pass holds every resource alive while the cache lives."""

    def __init__(self) -> None:
        self._inputs: dict[int, Any] = {}
        self._outputs: dict[int, Any] = {}

    def props(self, r: PlannedResource, outputs: bool) -> Mapping[str, Any]:
        cache = self._outputs if outputs else self._inputs
        value = cache.get(id(r))
        if value is None:
            value = cache[id(r)] = _engine_value(dict((r.outputs if outputs else r.inputs) or {}))
        return _proxy(value, [])  # type: ignore[no-any-return]


# Most (resource, policy) pairs end at the policy's resource-type check without reading anything else, so
# the arguments build their proxy tree, options and config copy on first access instead of up front (they
# were most of the pass). What a policy reads is unchanged: the same fresh objects, just built later.
class _LazyPropsAndOpts:
    """``props`` and ``opts`` built on first read, once."""

    _make_props: Callable[[], Mapping[str, Any]]
    _make_opts: Callable[[], PolicyResourceOptions]

    @cached_property
    def props(self) -> Mapping[str, Any]:
        return self._make_props()

    @cached_property
    def opts(self) -> PolicyResourceOptions:
        return self._make_opts()


class _LazyValidationArgs(_LazyPropsAndOpts, ResourceValidationArgs):  # type: ignore[misc,override]
    def __init__(self, resource_type: str, urn: str, name: str, provider: PolicyProviderResource | None,
                 props: Callable[[], Mapping[str, Any]], opts: Callable[[], PolicyResourceOptions],
                 config: Mapping[str, Any]) -> None:  # no super().__init__: it would build everything eagerly
        self.resource_type, self.urn, self.name, self.provider, self.stack_tags = (
            resource_type, urn, name, provider, {})
        self._make_props, self._make_opts, self._config_source = props, opts, config

    @cached_property
    def _config(self) -> Mapping[str, Any]:
        return _fresh(self._config_source) if self._config_source else {}

    def get_config(self) -> Mapping[str, Any]:
        return self._config


class _LazyPolicyResource(_LazyPropsAndOpts, PolicyResource):  # type: ignore[misc,override]
    def __init__(self, resource_type: str, urn: str, name: str, props: Callable[[], Mapping[str, Any]],
                 opts: Callable[[], PolicyResourceOptions],
                 provider: Callable[[], PolicyProviderResource | None]) -> None:  # no super().__init__, as above
        self.resource_type, self.urn, self.name = resource_type, urn, name
        self.parent, self.dependencies, self.property_dependencies = None, [], {}
        self._make_props, self._make_opts, self._make_provider = props, opts, provider

    @cached_property
    def provider(self) -> PolicyProviderResource | None:  # type: ignore[override]
        return self._make_provider()


def _provider_urn(ref: str | None) -> str | None:
    return ref.rsplit("::", 1)[0] if ref else None


def _opts(r: PlannedResource) -> PolicyResourceOptions:
    dbr = getattr(r, "delete_before_replace", None)
    return PolicyResourceOptions(
        protect=bool(r.protect), ignore_changes=list(getattr(r, "ignore_changes", ()) or ()),
        delete_before_replace=dbr if dbr else None, aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[], parent=r.parent)


def _run(result: Any) -> None:
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def evaluate(resources: Iterable[PlannedResource], pack_config: Mapping[str, Any],
             policies: Sequence[Policy] | None = None) -> list[Violation]:
    """Every violation the pack reports for ``resources`` under ``pack_config`` (e.g. ``policy/prod.json``)."""
    # The pass allocates a proxy tree per resource and policy and frees it acyclically: the cyclic
    # collector's full passes over the (large) heap of a plan would only slow it down.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluate(list(resources), pack_config, policies)
    finally:
        if was_enabled:
            gc.enable()


def _evaluate(res: list[PlannedResource], pack_config: Mapping[str, Any],
              policies: Sequence[Policy] | None) -> list[Violation]:
    pols = list(ALL_POLICIES if policies is None else policies)
    settings = reconcile(pols, pack_config)
    by_urn = {r.urn: r for r in res}
    plain = _Plain()
    violations: list[Violation] = []

    def provider_of(r: PlannedResource, use_outputs: bool) -> PolicyProviderResource | None:
        prov = by_urn.get(_provider_urn(r.provider) or "")
        if prov is None:
            return None
        return PolicyProviderResource(prov.type, plain.props(prov, use_outputs), prov.urn, prov.name)

    def reporter(policy: Policy, level: str, urn: str | None, fixed_urn: bool) -> Any:
        shown = "mandatory" if level == "remediate" else level

        def report(message: str, violation_urn: str | None = None) -> None:
            target = urn if fixed_urn else (violation_urn or None)
            violations.append(Violation(policy.name, shown, target, message or policy.description))

        def suppressed(message: str, violation_urn: str | None = None) -> None:
            target = urn if fixed_urn else (violation_urn or None)
            violations.append(Violation(policy.name, SUPPRESSED, target, message))

        report.suppressed = suppressed  # type: ignore[attr-defined]  # read by _util's waiver filter
        return report

    resource_policies = [p for p in pols if isinstance(p, ResourceValidationPolicy)
                         and settings[p.name].level != "disabled"]
    for r in res:
        provider = provider_of(r, use_outputs=False)
        for pol in resource_policies:
            s = settings[pol.name]
            args = _LazyValidationArgs(r.type, r.urn, r.name, provider, partial(plain.props, r, False),
                                       partial(_opts, r), s.config)
            try:
                _run(pol.validate(args, reporter(pol, s.level, r.urn, fixed_urn=True)))
            except (UnknownValueError, _NotApplicableError):
                continue

    stack_policies = [p for p in pols if isinstance(p, StackValidationPolicy) and settings[p.name].level != "disabled"]
    if stack_policies:
        for spol in stack_policies:
            s = settings[spol.name]
            args_s = StackValidationArgs(_stack_resources(res, provider_of, plain),
                                         _fresh(s.config) if s.config else None, {})
            try:
                _run(spol.validate(args_s, reporter(spol, s.level, None, fixed_urn=False)))
            except (UnknownValueError, _NotApplicableError):
                continue
    return violations


def _stack_resources(res: list[PlannedResource], provider_of: Any, plain: _Plain | None = None) -> list[PolicyResource]:
    """Fresh PolicyResources per stack policy (as the analyzer builds them), with links resolved."""
    plain = plain or _Plain()
    built: dict[str, PolicyResource] = {
        r.urn: _LazyPolicyResource(r.type, r.urn, r.name, partial(plain.props, r, True), partial(_opts, r),
                                   partial(provider_of, r, True)) for r in res}
    for r in res:
        pr = built[r.urn]
        if r.parent and r.parent in built:
            pr.parent = built[r.parent]
        pr.dependencies.extend(built[d] for d in (r.dependencies or ()) if d in built)
        prop_deps = getattr(r, "property_dependencies", None) or {}
        for key, urns in prop_deps.items():
            pr.property_dependencies[key] = [built[u] for u in urns if u in built]
    return list(built.values())


__all__ = ["SUPPRESSED", "PlannedResource", "PolicySettings", "Violation", "evaluate", "has_mandatory",
           "load_pack_config", "reconcile"]
