"""Promotion and rollback as config edits: move ``cutover:greenWeight`` in ``Pulumi.<stack>.yaml``
(as ``pulumi config set`` would) and show what the offline plan changes.

    python -m cutover.promote promote prod      # next stage of the profile (e.g. 5 → 25)
    python -m cutover.promote rollback prod     # back to 0
    python -m cutover.promote set prod 50       # any weight 0..100
    python -m cutover.promote ack prod <id>     # acknowledge an automatic rollback

Nothing is deployed: run ``pulumi up`` (or let Pulumi Deployments run it) after reviewing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

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


def stages_for(stack: str, root: Path = ROOT) -> tuple[int, ...]:
    from cutover.config import parse_stack_config

    settings = load_stack(stack, root=root)
    raw = {k.split(":", 1)[1]: v for k, v in settings.engine_config().items() if k.startswith("cutover:")}
    if "overrides" in raw:
        import json

        raw["overrides"] = json.loads(raw["overrides"])
    cfg = parse_stack_config(raw, project=settings.project, stack=stack, region=settings.region)
    return tuple(cfg.traffic.stages)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    p = argparse.ArgumentParser(prog="python -m cutover.promote", description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=["promote", "rollback", "set", "ack"])
    p.add_argument("stack")
    p.add_argument("value", nargs="?", help="weight for `set`, rollback id for `ack`")
    p.add_argument("--no-plan", action="store_true", help="only edit the stack file")
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
        if args.action == "promote":
            target = next_stage(current, stages_for(args.stack, root))
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
        print("next: review, then `pulumi up` for this stack (or merge to trigger Pulumi Deployments)")
        return 0
    except (ProjectError, ProgramError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
