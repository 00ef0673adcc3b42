"""Run the pack without the Pulumi CLI, the way the engine would during ``pulumi preview``.

* Resource policies run once per registered resource (components and their children included) on its
  INPUTS, with ``args.provider`` built from the provider resource its ``provider`` reference names.
* Stack policies run once on every resource's OUTPUTS, with parent, dependencies and (when the resource
  records them) property dependencies linked to the other resources.
* Enforcement levels and config are reconciled as the CLI does: policy defaults and schema defaults,
  then ``all``, then per-policy entries; ``disabled`` skips a policy, ``remediate`` reports as mandatory.
* Properties are wrapped in ``pulumi_policy``'s unknown-checking proxy exactly as the analyzer does. A
  policy that still trips over an unknown is skipped, as the engine turns that into a preview notice.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UnknownValueError, unknown_checking_proxy

from cutover_guard import ALL_POLICIES

LEVELS = ("advisory", "mandatory", "remediate", "disabled")


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
    level: str  # "advisory" | "mandatory"
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


def _props(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return unknown_checking_proxy(_engine_value(dict(value or {})))


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
    pols = list(ALL_POLICIES if policies is None else policies)
    settings = reconcile(pols, pack_config)
    res = list(resources)
    by_urn = {r.urn: r for r in res}
    violations: list[Violation] = []

    def provider_of(r: PlannedResource, use_outputs: bool) -> PolicyProviderResource | None:
        prov = by_urn.get(_provider_urn(r.provider) or "")
        if prov is None:
            return None
        return PolicyProviderResource(prov.type, _props(prov.outputs if use_outputs else prov.inputs),
                                      prov.urn, prov.name)

    def reporter(policy: Policy, level: str, urn: str | None, fixed_urn: bool) -> Any:
        shown = "mandatory" if level == "remediate" else level

        def report(message: str, violation_urn: str | None = None) -> None:
            target = urn if fixed_urn else (violation_urn or None)
            violations.append(Violation(policy.name, shown, target, message or policy.description))
        return report

    resource_policies = [p for p in pols if isinstance(p, ResourceValidationPolicy)
                         and settings[p.name].level != "disabled"]
    for r in res:
        provider = provider_of(r, use_outputs=False)
        for pol in resource_policies:
            s = settings[pol.name]
            args = ResourceValidationArgs(r.type, _props(r.inputs), r.urn, r.name, _opts(r), provider,
                                          copy.deepcopy(s.config) or None, {})
            try:
                _run(pol.validate(args, reporter(pol, s.level, r.urn, fixed_urn=True)))
            except (UnknownValueError, _NotApplicableError):
                continue

    stack_policies = [p for p in pols if isinstance(p, StackValidationPolicy) and settings[p.name].level != "disabled"]
    if stack_policies:
        for spol in stack_policies:
            s = settings[spol.name]
            args_s = StackValidationArgs(_stack_resources(res, provider_of), copy.deepcopy(s.config) or None, {})
            try:
                _run(spol.validate(args_s, reporter(spol, s.level, None, fixed_urn=False)))
            except (UnknownValueError, _NotApplicableError):
                continue
    return violations


def _stack_resources(res: list[PlannedResource], provider_of: Any) -> list[PolicyResource]:
    """Fresh PolicyResources per stack policy (as the analyzer builds them), with links resolved."""
    built = {r.urn: PolicyResource(r.type, _props(r.outputs), r.urn, r.name, _opts(r), provider_of(r, True),
                                   None, [], {}) for r in res}
    for r in res:
        pr = built[r.urn]
        if r.parent and r.parent in built:
            pr.parent = built[r.parent]
        pr.dependencies.extend(built[d] for d in (r.dependencies or ()) if d in built)
        prop_deps = getattr(r, "property_dependencies", None) or {}
        for key, urns in prop_deps.items():
            pr.property_dependencies[key] = [built[u] for u in urns if u in built]
    return list(built.values())


__all__ = ["PlannedResource", "PolicySettings", "Violation", "evaluate", "has_mandatory", "load_pack_config",
           "reconcile"]
