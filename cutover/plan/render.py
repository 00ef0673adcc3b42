"""Human and machine renderings of a Plan: the resource tree, a summary, JSON, and diffs."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pulumi

from cutover.plan.model import Plan, PlannedResource

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def tree(plan: Plan) -> str:
    by_parent: dict[str | None, list[PlannedResource]] = {}
    for r in plan:
        by_parent.setdefault(r.parent, []).append(r)
    lines: list[str] = []

    def walk(r: PlannedResource, prefix: str, last: bool, root: bool = False) -> None:
        flags = [f for f, on in (("protect", r.protect), ("retain", r.retain_on_delete)) if on]
        label = f"{r.name}  {r.type}" + (f"  [{', '.join(flags)}]" if flags else "")
        lines.append(label if root else f"{prefix}{'└─ ' if last else '├─ '}{label}")
        kids = sorted(by_parent.get(r.urn, []), key=lambda k: (k.custom, k.name, k.type))
        child_prefix = "" if root else prefix + ("   " if last else "│  ")
        for i, k in enumerate(kids):
            walk(k, child_prefix, i == len(kids) - 1)

    for root in by_parent.get(None, []):
        walk(root, "", True, root=True)
    return "\n".join(lines)


def summary(plan: Plan) -> str:
    custom = [r for r in plan if r.custom and not r.type.startswith("pulumi:providers:")]
    components = [r for r in plan if not r.custom and r.type != "pulumi:pulumi:Stack"]
    protected = [r for r in plan if r.protect]
    kinds = Counter(r.type.split(":")[1].split("/")[0] for r in custom)
    # Ties by name: Counter.most_common keeps first-seen order for equal counts, and registration order
    # varies between runs (components register from concurrent asyncio tasks).
    top = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kn: (-kn[1], kn[0])))
    return (f"{len(custom)} cloud resources in {len(components)} components, {len(protected)} protected\n"
            f"by service: {top}")


STAGE_RECORD_TYPE = "cutover:promotion:StageRecord"  # components/stage_record.py


def gate_plan(plan: Plan) -> dict[str, Any] | None:
    """The next promotion's gates, as the stage record component registered them (None: no front door)."""
    records = plan.of_type(STAGE_RECORD_TYPE)
    return dict(records[0].inputs.get("gatePlan") or {}) if records else None


def gates(plan: Plan) -> str:
    """Which gates the next stage must pass; `online` ones need AWS (make promote / --check)."""
    gp = gate_plan(plan)
    if gp is None:
        return "Promotion gates: none (this stack has no front door, or a color is retired)"
    nxt, cur = gp.get("nextStage"), int(gp.get("currentWeight", 0))  # numbers come back as floats from the engine
    head = (f"Promotion gates for greenWeight {cur} -> {int(nxt)}" if nxt is not None
            else f"Promotion gates at greenWeight {cur} (last stage; next is the cleanup)")
    rows = [f"  {g['gate']:<16}{'online only' if g['online'] else 'offline ok':<13}{g['detail']}"
            for g in gp.get("gates", [])]
    return "\n".join([head + " (online only: checked against AWS by `make promote`)", *rows])


DATA_PLAN_TYPE = "cutover:data:DataPlan"  # components/data_plan.py


def data_plan(plan: Plan) -> dict[str, Any] | None:
    """The DataPlan record's props (what the data-plan-single-writer policy reads), if the stack has one."""
    found = plan.of_type(DATA_PLAN_TYPE)
    return dict(found[0].inputs) if found else None


def data(plan: Plan) -> str:
    """Per dataset: its method, its writer now, who writes each copy, and whether a replication runs."""
    dp = data_plan(plan)
    if not dp or not dp.get("datasets"):
        return "Data plan: no datasets (profile section `migrations:`)"
    running = ((plan.stack_outputs.get("data") or {}).get("migrations") or {})
    lines = [f"Data plan at greenWeight {int(dp.get('greenWeight', 0))} (one written copy per dataset):"]
    for name, d in sorted(dp["datasets"].items()):
        if d["method"] == "dms":
            replication = "DMS replication planned" if name in running else "no DMS replication yet (see the warnings)"
        else:
            replication = {"dump": "one-off copy in a write freeze", "shared": "no copy: both colors use one database"
                           }.get(d["method"], d["method"])
        copies = "; ".join(f"{c['color']} {c['store']}: " + (f"written by {' and '.join(c['writers'])}"
                                                             if c["writers"] else "read only")
                           for c in d["copies"])
        receipt = f"; receipt {d['receipt']}" if d.get("receipt") else ""
        lines.append(f"  {name:<14} writer {d['writer']:<5} {d['method']:<6} {replication}; {copies}{receipt}")
    return "\n".join(lines)


def existing(plan: Plan) -> str | None:
    """Stores used by reference (profile section ``existing:``): granted, never created, archived or deleted."""
    found = plan.stack_outputs.get("existing") or {}
    if not found:
        return None
    rows = [f"  {key:<28} {v.get('kind', '?'):<9} existing  {v.get('endpoint') or v.get('arn')}"
            for key, v in sorted(found.items())]
    return "\n".join(["Existing stores (by reference: granted to services, never created, archived or deleted "
                      "here):", *rows])


def overlap(ov: Any) -> str:
    """The cost section's parallel-run month apart from the steady state (``cutover_guard.cost.Overlap``)."""
    head = "Parallel run vs steady state (monthly):"
    if ov.parallel_run_usd is None:
        run = (f"  parallel run  unknown: blue's cost is not given (usage.blueMonthlyUsd); green + replication "
               f"alone ${ov.green_usd + ov.replication_usd:,.2f}")
    else:
        run = (f"  parallel run  ${ov.parallel_run_usd:,.2f} = blue ${ov.blue_usd:,.2f} (usage.blueMonthlyUsd) "
               f"+ green ${ov.green_usd:,.2f} + replication ${ov.replication_usd:,.2f}")
    lines = [head, run, f"  steady state  ${ov.steady_state_usd:,.2f} (green without replication, after blue is "
                        "retired)"]
    if ov.replication_unpriced:
        lines.append(f"  replication without a list price (left out above): {', '.join(ov.replication_unpriced)}")
    return "\n".join(lines)


def in_stable_order(resources: Iterable[PlannedResource]) -> list[PlannedResource]:
    """Resources by URN: what every rendering lists, so two plans of the same configuration print the
    same bytes. The engine records registrations in the order they arrive, and components register
    from concurrent asyncio tasks, so that order differs between runs for resources that do not
    depend on each other (URNs are unique within a stack)."""
    return sorted(resources, key=lambda r: r.urn)


def to_json(plan: Plan, extra: dict[str, Any] | None = None) -> str:
    doc = {
        "project": plan.project,
        "stack": plan.stack,
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "custom": r.custom,
             "protect": r.protect, "retainOnDelete": r.retain_on_delete, "inputs": r.inputs,
             **({"aliases": list(r.aliases)} if r.aliases else {})}
            for r in in_stable_order(plan)
        ],
        "outputs": plan.stack_outputs,
        **(extra or {}),
    }
    return json.dumps(doc, indent=2, sort_keys=False, default=_json_value)


def _json_value(value: Any) -> Any:
    """Assets and archives as what they hold (``str()`` of one is its memory address, different in
    every run), anything else the engine recorded as its text."""
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return {type(value).__name__: value.path}
    if isinstance(value, pulumi.StringAsset):
        return {"StringAsset": value.text}
    if isinstance(value, pulumi.AssetArchive):
        return {"AssetArchive": dict(value.assets)}
    if isinstance(value, pulumi.RemoteAsset | pulumi.RemoteArchive):
        return {type(value).__name__: value.uri}
    return str(value)


@dataclass
class PlanDiff:
    created: list[PlannedResource] = field(default_factory=list)
    deleted: list[PlannedResource] = field(default_factory=list)  # really deleted in the cloud
    retained: list[PlannedResource] = field(default_factory=list)  # removed from the stack, kept in AWS
    snapshotted: list[PlannedResource] = field(default_factory=list)  # deleted after a final snapshot
    changed: list[tuple[PlannedResource, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.created or self.deleted or self.retained or self.snapshotted or self.changed)


SNAPSHOT_TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")


def diff(before: Plan, after: Plan) -> PlanDiff:
    """What ``pulumi up`` would do going from ``before`` to ``after``. A resource renamed with
    ``aliases`` is the same resource under its new URN, as the engine treats it: changed, not replaced."""
    old = {r.urn: r for r in before}
    new = {r.urn: r for r in after}
    was_urn: dict[str, str] = {}  # new URN -> the URN it had in ``before``
    for urn, r in new.items():
        previous = urn if urn in old else next((a for a in r.aliases if a in old), None)
        if previous is not None:
            was_urn[urn] = previous
    matched = set(was_urn.values())
    result = PlanDiff()
    for urn, r in new.items():
        previous = was_urn.get(urn)
        if previous is None:
            result.created.append(r)
        else:
            was = old[previous]
            keys = sorted(k for k in set(r.inputs) | set(was.inputs)
                          if comparable(r.inputs.get(k)) != comparable(was.inputs.get(k)))
            if keys or r.protect != was.protect or r.retain_on_delete != was.retain_on_delete:
                result.changed.append((r, keys))
    for urn, r in old.items():
        if urn in matched or not r.custom:
            continue
        if r.retain_on_delete:
            result.retained.append(r)
        elif r.type in SNAPSHOT_TYPES and not r.inputs.get("skipFinalSnapshot", False):
            result.snapshotted.append(r)
        else:
            result.deleted.append(r)
    return result


def comparable(value: Any) -> Any:
    """Inputs as the engine compares them: assets and archives by content (the engine hashes them),
    never by Python object identity, so two plans of the same code show no change."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [comparable(v) for v in value]
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return (type(value).__name__, _content_hash(str(PROJECT_ROOT / value.path)))  # the program's cwd
    if isinstance(value, pulumi.StringAsset):
        return ("StringAsset", value.text)
    if isinstance(value, pulumi.AssetArchive):
        return ("AssetArchive", comparable(dict(value.assets)))
    if isinstance(value, pulumi.RemoteAsset | pulumi.RemoteArchive):
        return (type(value).__name__, value.uri)
    return value


@lru_cache(maxsize=256)
def _content_hash(path: str) -> str:
    root = Path(path)
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
        if root.is_dir() else [root]
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(f.relative_to(root) if root.is_dir() else f.name).encode())
        digest.update(f.read_bytes() if f.exists() else b"<missing>")
    return digest.hexdigest()


def render_diff(d: PlanDiff) -> str:
    if d.empty:
        return "no changes"
    out: list[str] = []
    for title, items, mark in (("create", d.created, "+"), ("delete", d.deleted, "-"),
                               ("retain (removed from the stack, kept in AWS)", d.retained, "~"),
                               ("delete after a final snapshot", d.snapshotted, "-")):
        custom = [r for r in in_stable_order(items) if r.custom]
        if custom:
            out.append(f"{title}: {len(custom)}")
            out.extend(f"  {mark} {r.name}  {r.type}" for r in custom)
    changed = sorted(((r, k) for r, k in d.changed if r.custom), key=lambda rk: rk[0].urn)
    if changed:
        out.append(f"update: {len(changed)}")
        out.extend(f"  ~ {r.name}  {r.type}  ({', '.join(keys) or 'options'})" for r, keys in changed)
    return "\n".join(out)
