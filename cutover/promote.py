"""Promotion and rollback as config edits: move ``cutover:greenWeight`` in ``Pulumi.<stack>.yaml``
(as ``pulumi config set`` would) and show what the offline plan changes.

    python -m cutover.promote promote prod      # next stage of the profile (e.g. 5 → 25), if every gate passes
    python -m cutover.promote promote prod --check                  # gates only; exit 0 go, 1 no-go (CI)
    python -m cutover.promote promote prod --force --reason "..."   # override the gates, recorded
    python -m cutover.promote rollback prod     # back to 0
    python -m cutover.promote set prod 50       # any weight 0..100
    python -m cutover.promote ack prod <id>     # acknowledge an automatic rollback

Nothing is deployed: run ``pulumi up`` (or let Pulumi Deployments run it) after reviewing. After the
plan diff, ``weights:`` lists green's share on every weighted name (each Route 53 weighted pair, each
listener rule and the default action of an alb front door) before and after, so a front door with a
site and an API shows both names moving together.

``promote`` first checks the gates of ``cutover/gates.py`` against AWS with the caller's credentials
(soak time, rollback alarms and their history, green vs blue metrics, the smoke test of the deployed
version) and refuses, naming each gate that waits or fails. ``--force --reason`` overrides them; the
override is appended to ``promotions/<stack>.jsonl`` (who, when, from/to, reason, the gates it
overrode), a file committed with the weight change, so the review and the Git history show it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cutover.plan import render
from cutover.plan.engine import ProgramError, run_program
from cutover.plan.project import ROOT, ProjectError, load_stack
from cutover.weights import next_stage

_KEY = re.compile(r"^(\s+)(cutover:(?P<name>[A-Za-z]+)):\s*(?P<value>.*?)\s*(#.*)?$")


def set_config_value(path: Path, name: str, value: str) -> str | None:
    """Set ``cutover:<name>`` in a stack file, keeping comments and order. Returns the old value.

    Written as a quoted string, as ``pulumi config set`` stores top-level values.
    """
    lines = path.read_text().splitlines(keepends=True)
    quoted = f'"{value}"'
    for i, line in enumerate(lines):
        m = _KEY.match(line)
        if m and m.group("name") == name:
            old = m.group("value").strip("\"'")
            lines[i] = f"{m.group(1)}cutover:{name}: {quoted}\n"
            path.write_text("".join(lines))
            return old
    for i, line in enumerate(lines):
        if line.rstrip() == "config:":
            lines.insert(i + 1, f"  cutover:{name}: {quoted}\n")
            path.write_text("".join(lines))
            return None
    lines.append(f"config:\n  cutover:{name}: {quoted}\n")
    path.write_text("".join(lines))
    return None


RECORD = "aws:route53/record:Record"
RULE = "aws:lb/listenerRule:ListenerRule"
LISTENER = "aws:lb/listener:Listener"


def _share(groups: list[tuple[str, float]], green: set[str]) -> float | None:
    total = sum(w for _, w in groups)
    return None if total <= 0 else 100.0 * sum(w for k, w in groups if k in green) / total


def green_shares(plan: Any) -> dict[str, float]:
    """Green's percent per weighted name of a plan: Route 53 weighted pairs by record name (weights are
    relative, 0..255), an alb front door's default action and weighted rules (by host, else by rule),
    every target group but blue's being green."""
    shares: dict[str, float] = {}
    pairs: dict[str, list[tuple[str, float]]] = {}
    for r in plan.of_type(RECORD):
        policy = r.inputs.get("weightedRoutingPolicies") or []
        if r.inputs.get("setIdentifier") and policy:
            pairs.setdefault(str(r.inputs["name"]), []).append((str(r.inputs["setIdentifier"]),
                                                                float(policy[0].get("weight", 0))))
    for name, weights in sorted(pairs.items()):
        share = _share(weights, {"green"})
        if share is not None:
            shares[f"{name} (route53)"] = share
    # The alb front door names blue's one target group "<door>-blue" (components/front_door.py); every
    # other target group in a weighted forward is a green service's.
    blue = {str(r.outputs.get("arn")) for r in plan.of_type("aws:lb/targetGroup:TargetGroup")
            if str(r.name).endswith("-blue")}

    def forward(actions: list[Any]) -> float | None:
        for a in actions or []:
            groups = ((a.get("forward") or {}).get("targetGroups")) or []
            if a.get("type") == "forward" and len(groups) > 1:
                weights = [(str(g["arn"]), float(g.get("weight", 1))) for g in groups]
                return _share(weights, {arn for arn, _ in weights if arn not in blue})
        return None

    for listener in plan.of_type(LISTENER):
        share = forward(listener.inputs.get("defaultActions"))
        if share is not None:
            shares[f"{listener.name} default action (alb)"] = share
    for rule in plan.of_type(RULE):
        share = forward(rule.inputs.get("actions"))
        if share is None:
            continue
        hosts = [v for c in rule.inputs.get("conditions") or [] for v in (c.get("hostHeader") or {}).get("values", [])]
        shares[f"{', '.join(hosts)} (alb host rule)" if hosts else f"{rule.name} (alb rule)"] = share
    return shares


def render_weights(before: Any, after: Any) -> str:
    """``weights:`` lines, one per weighted name whose green share moved."""
    old, new = green_shares(before), green_shares(after)
    lines = [f"  {name}: green {old.get(name, 0):g}% -> {new[name]:g}%" for name in new
             if old.get(name) is None or abs(old[name] - new[name]) > 1e-9]
    return "weights:\n" + "\n".join(lines) if lines else "weights: unchanged"


def stack_config(stack: str, root: Path = ROOT) -> Any:
    """The parsed StackConfig of ``Pulumi.<stack>.yaml``, as the program would see it."""
    from cutover.config import parse_stack_config

    settings = load_stack(stack, root=root)
    raw = {k.split(":", 1)[1]: v for k, v in settings.engine_config().items() if k.startswith("cutover:")}
    if "overrides" in raw:
        raw["overrides"] = json.loads(raw["overrides"])
    return parse_stack_config(raw, project=settings.project, stack=stack, region=settings.region)


def stages_for(stack: str, root: Path = ROOT) -> tuple[int, ...]:
    return tuple(stack_config(stack, root).traffic.stages)


def check_gates(stack: str, root: Path = ROOT, clients: tuple[Any, Any] | None = None,
                now: datetime | None = None) -> Any:
    """The gates' report for promoting ``stack`` from its configured weight (cutover/gates.py)."""
    from cutover import gates

    cfg = stack_config(stack, root)
    if clients is None:
        import boto3

        clients = (boto3.client("ssm", region_name=cfg.region), boto3.client("cloudwatch", region_name=cfg.region))
    ssm, cloudwatch = clients
    evidence = gates.read_evidence(ssm, gates.Parameters.of(cfg.namer))
    return gates.evaluate(cfg.promotion, tuple(cfg.traffic.stages), cfg.green_weight, cfg.rollback_ack, evidence,
                          cloudwatch, now or datetime.now(UTC))


def record_override(root: Path, stack: str, current: int, target: int, reason: str, blocking: list[Any]) -> Path:
    """Append the override to promotions/<stack>.jsonl, committed with the weight change."""
    path = root / "promotions" / f"{stack}.jsonl"
    path.parent.mkdir(exist_ok=True)
    entry = {"at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "by": os.environ.get("GITHUB_ACTOR")
             or getpass.getuser(), "stack": stack, "from": current, "to": target, "reason": reason,
             "overridden": [{"gate": g.name, "verdict": g.verdict.value, "detail": g.detail} for g in blocking]}
    with path.open("a") as fh:
        fh.write(json.dumps(entry, sort_keys=True) + "\n")
    return path


def _publish(report_text: str, markdown: str, report_path: str | None, go: bool) -> None:
    """The report for people (stdout, --report file) and for GitHub Actions (job summary, step output)."""
    print(report_text)
    if report_path:
        Path(report_path).write_text(markdown)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as fh:
            fh.write(markdown)
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a") as fh:
            fh.write(f"go={'true' if go else 'false'}\n")


def main(argv: list[str] | None = None, root: Path = ROOT, clients: tuple[Any, Any] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cutover.promote", description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=["promote", "rollback", "set", "ack"])
    p.add_argument("stack")
    p.add_argument("value", nargs="?", help="weight for `set`, rollback id for `ack`")
    p.add_argument("--no-plan", action="store_true", help="only edit the stack file")
    p.add_argument("--check", action="store_true", help="promote: check the gates only; exit 0 go, 1 no-go")
    p.add_argument("--force", action="store_true", help="promote despite the gates (needs --reason; recorded)")
    p.add_argument("--reason", default="", help="why the gates are overridden (with --force)")
    p.add_argument("--report", help="also write the gate report as Markdown to this file")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    path = root / f"Pulumi.{args.stack}.yaml"
    try:
        before = load_stack(args.stack, root=root)
        current = int(str(before.config.get("cutover:greenWeight", 0)))
        if args.action == "ack":
            if not args.value:
                raise ProjectError("ack needs the rollback id printed by the refused `pulumi up`")
            set_config_value(path, "rollbackAck", args.value)
            print(f"{path.name}: cutover:rollbackAck = {args.value}; promotion may resume "
                  f"(greenWeight is {current})")
            return 0
        if (args.check or args.force) and args.action != "promote":
            raise ProjectError("--check and --force apply to `promote` only")
        if args.force and len(args.reason.strip()) < 10:
            raise ProjectError("--force needs --reason \"...\" (at least 10 characters): it is recorded")
        if args.action == "promote":
            if current >= 100 and not args.check:
                print(f"{path.name}: cutover:greenWeight is already 100; next is the cleanup "
                      "(docs/runbooks/cleanup.md)")
                return 0
            report = check_gates(args.stack, root, clients)
            _publish(report.text(), report.markdown(args.stack), args.report, report.go)
            if args.check:
                return 0 if report.go else 1
            target = next_stage(current, stages_for(args.stack, root))
            if not report.go:
                if not args.force:
                    print(f"refused: {current} -> {target} waits for: "
                          + "; ".join(f"{g.name}: {g.detail}" for g in report.blocking())
                          + "\n(override with --force --reason \"...\", which is recorded)", file=sys.stderr)
                    return 1
                log = record_override(root, args.stack, current, target, args.reason.strip(), report.blocking())
                print(f"gates overridden by --force: recorded in {log.relative_to(root)}")
        elif args.action == "rollback":
            target = 0
        else:
            if args.value is None or not args.value.isdigit() or not 0 <= int(args.value) <= 100:
                raise ProjectError(f"set needs a weight 0..100, got {args.value!r}")
            target = int(args.value)
        if target == current:
            print(f"{path.name}: cutover:greenWeight is already {current}; nothing to change")
            return 0
        plan_before = None if args.no_plan else run_program(before)
        set_config_value(path, "greenWeight", str(target))
        print(f"{path.name}: cutover:greenWeight {current} -> {target}")
        if plan_before is not None:
            after = run_program(load_stack(args.stack, root=root))
            print(render.render_diff(render.diff(plan_before, after)))
            print(render_weights(plan_before, after))
        print("next: review, then `pulumi up` for this stack (or merge to trigger Pulumi Deployments)")
        return 0
    except (ProjectError, ProgramError, ValueError) as exc:  # ConfigError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
