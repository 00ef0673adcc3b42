"""Generates the README's per-profile sections from the offline plan, so they never drift:
architecture diagrams (Mermaid) and the cost table (estimate vs the seed's own figure).

    python -m cutover.plan.docs          # rewrite README.md between the markers
    python -m cutover.plan.docs --check  # exit 1 when README.md is stale (CI)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from cutover.plan.diagram import mermaid
from cutover.plan.engine import before_exit, run_program
from cutover.plan.model import Plan
from cutover.plan.project import ROOT, load_stack

PROFILES = (
    "pos-serverless", "tracetrack-ecs", "yoga-serverless", "waiterix-serverless", "persona-serverless",
    # the next teams (issue 15): a Django + Celery app from Heroku, a Rails monolith from EC2
    "django-serverless", "rails-ecs",
)
README = ROOT / "README.md"


def _plan(stack: str, profile: str) -> Plan:
    return run_program(load_stack(stack, sets=[f"profile={profile}"]))


def diagrams(plan_for: Callable[[str, str], Plan] = _plan) -> str:
    parts = []
    for profile in PROFILES:
        parts.append(f"### {profile} (prod)\n\n```mermaid\n{mermaid(plan_for('prod', profile))}\n```")
    return "\n\n".join(parts)


def replace_section(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md has no {start} ... {end} markers")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def render(text: str, plan_for: Callable[[str, str], Plan] = _plan) -> str:
    return replace_section(text, "diagrams", diagrams(plan_for))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cutover.plan.docs")
    p.add_argument("--check", action="store_true")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    current = README.read_text()
    fresh = render(current)
    if args.check:
        if fresh != current:
            print("README.md is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    Path(README).write_text(fresh)
    return 0


if __name__ == "__main__":
    status = main()
    before_exit()
    sys.exit(status)
