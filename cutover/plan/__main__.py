"""The offline plan: every resource a stack would create, the policy verdicts and the monthly cost,
with no credentials and no Pulumi CLI.

    python -m cutover.plan prod --profile yoga-serverless
    python -m cutover.plan prod --set greenWeight=25 --json
    python -m cutover.plan prod --diff retire=blue        # what a cleanup would delete/retain/snapshot

Exit status: 0 clean (advisory findings allowed), 1 a mandatory policy is violated, 2 bad input.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Any

from cutover.plan import fastimport

if __name__ == "__main__":  # before anything imports the provider SDK (see fastimport's docstring)
    fastimport.install()

from cutover.plan import render
from cutover.plan.engine import ProgramError, before_exit, run_program
from cutover.plan.project import ProjectError, StackSettings, load_stack


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m cutover.plan", description=__doc__.split("\n\n")[0])
    p.add_argument("stack", help="stack name: a Pulumi.<stack>.yaml file (dev, prod)")
    p.add_argument("--profile", help="shortcut for --set profile=NAME")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override config like `pulumi config set` (dotted keys act like --path)")
    p.add_argument("--diff", dest="diffs", action="append", default=[], metavar="KEY=VALUE",
                   help="plan a second configuration with these changes and list what would change")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-tree", action="store_true", help="omit the resource tree")
    p.add_argument("--no-policy", action="store_true", help="skip the CrossGuard pack")
    p.add_argument("--no-cost", action="store_true", help="skip the cost estimate")
    p.add_argument("--mermaid", action="store_true", help="print a Mermaid diagram of the stack and exit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sets = list(args.sets) + ([f"profile={args.profile}"] if args.profile else [])
    try:
        settings = load_stack(args.stack, sets=sets)
        started = time.perf_counter()
        plan = run_program(settings)
        elapsed = time.perf_counter() - started
    except (ProjectError, ProgramError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.mermaid:
        from cutover.plan.diagram import mermaid

        print(mermaid(plan))
        return 0
    env = str(settings.config.get("cutover:environment", "dev"))
    # The run time goes to stderr: stdout is the plan itself, byte-identical between two runs of the
    # same configuration (so it can be diffed and committed; see tests/unit/test_plan_determinism.py).
    print(f"planned {len(plan)} registrations in {elapsed:.2f}s", file=sys.stderr)
    doc: dict[str, Any] = {"environment": env}
    text: list[str] = [_header(settings, env, len(plan))]
    if not args.no_tree:
        text += ["", render.tree(plan)]
    text += ["", render.summary(plan), "", render.gates(plan), "", render.data(plan)]
    doc["promotionGates"] = render.gate_plan(plan)
    doc["dataPlan"] = render.data_plan(plan)
    if render.existing(plan):
        text += ["", str(render.existing(plan))]
        doc["existing"] = plan.stack_outputs.get("existing")
    status = 0

    if args.diffs:
        try:
            after = run_program(load_stack(args.stack, sets=sets + args.diffs))
        except (ProjectError, ProgramError) as exc:
            print(f"error in --diff configuration: {exc}", file=sys.stderr)
            return 2
        d = render.diff(plan, after)
        text += ["", f"Diff with {' '.join(args.diffs)}:", render.render_diff(d)]
        doc["diff"] = {k: [r.urn for r in getattr(d, k)] for k in ("created", "deleted", "retained", "snapshotted")}
        doc["diff"]["changed"] = [r.urn for r, _ in d.changed]

    if not args.no_policy or not args.no_cost:
        from cutover.plan import guard

        if not args.no_policy:
            verdicts = guard.evaluate(plan, env)
            text += ["", _policy_text(verdicts)]
            doc["violations"] = [v.__dict__ for v in sorted(verdicts.violations, key=_violation_key)]
            if verdicts.mandatory:
                status = 1
        if not args.no_cost:
            report = guard.estimate(plan)
            text += ["", _cost_text(report, plan)]
            doc["cost"] = {"totalUsd": round(report.total_usd, 2),
                           "lines": [line.__dict__ for line in sorted(report.lines, key=_cost_key)]}
            from cutover_guard.cost import overlap  # importable once guard has put policy/ on the path

            parallel = overlap(report, guard.usage_of(plan))  # the parallel run, apart from the steady state
            text += ["", render.overlap(parallel)]
            doc["cost"]["overlap"] = parallel.to_json()

    if args.json:
        print(render.to_json(plan, doc))
    else:
        print("\n".join(text))
    return status


def _header(s: StackSettings, env: str, count: int) -> str:
    c = s.config
    return (f"Cutover offline plan: project {s.project}, stack {s.stack}, profile {c.get('cutover:profile')}, "
            f"environment {env}, region {s.region}\n"
            f"greenWeight {c.get('cutover:greenWeight', 0)}, retire {c.get('cutover:retire', 'none')}; "
            f"{count} registrations under mocks (no credentials, no CLI)"
            + (f"\nESC environments imported by the stack (not resolved offline): {', '.join(s.environments)}"
               if s.environments else ""))


def _policy_text(verdicts: Any) -> str:
    vs = verdicts.violations
    mandatory = verdicts.mandatory
    suppressed = [v for v in vs if v.level == "suppressed"]
    lines = [f"Policies (cutover-guard with {verdicts.config_file.name}): {len(mandatory)} mandatory, "
             f"{len(vs) - len(mandatory) - len(suppressed)} advisory, {len(suppressed)} suppressed (waived with "
             "a reason)"]
    for v in sorted(vs, key=_violation_key):
        where = v.urn.split("::")[-1] if v.urn else "stack"
        lines.append(f"  {v.level:<9} {v.policy:<34} {where}: {v.message}")
    return "\n".join(lines)


_LEVEL_ORDER = {"mandatory": 0, "advisory": 1, "suppressed": 2}


def _violation_key(v: Any) -> tuple[int, str, str, str]:
    """Level, policy, resource URN, message: a total order, so two runs print the same bytes (the pack
    sees resources in registration order, which varies between runs; see render.in_stable_order)."""
    return (_LEVEL_ORDER.get(v.level, 1), v.policy, v.urn or "", v.message)


def _cost_key(line: Any) -> tuple[float, str, str, str]:
    """Largest first, then by name, detail and URN: equal amounts (one alarm per function) tie often."""
    return (-line.monthly_usd, line.name, line.detail, line.urn)


def _cost_text(report: Any, plan: Any) -> str:
    from cutover.plan.guard import PROFILE_TYPE

    profile = plan.of_type(PROFILE_TYPE)
    budget = profile[0].inputs.get("budgetMonthlyUsd") if profile else None
    head = f"Monthly cost estimate: ${report.total_usd:,.2f}" + (f" (budget ${budget:,.2f})" if budget else "")
    rows = sorted((ln for ln in report.lines if ln.monthly_usd > 0.005), key=_cost_key)
    body = [f"  ${ln.monthly_usd:>9,.2f}  {ln.name:<40} {ln.detail}" for ln in rows]
    return "\n".join([head, *body])


if __name__ == "__main__":
    # A one-shot process: the cyclic collector would only rescan the plan's large, long-lived heap
    # (run_program and the policy pass pause it themselves; this also covers rendering and --diff).
    gc.disable()
    status = main()
    fastimport.compile_missed_later()
    before_exit()
    sys.exit(status)
