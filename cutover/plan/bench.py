"""How plan time grows with the number of serverless services (a benchmark, not a test).

    python -m cutover.plan.bench                        # pos-serverless prod + 10, 50 and 200 services
    python -m cutover.plan.bench --services 5,20 --stack dev --profile yoga-serverless

Each size adds synthetic services to the profile through the same ``--set`` overrides a user would
type (``cutover:overrides.services.bench-001.routes[0]=GET /bench-001``), then times the program under
the mocks and the CrossGuard pass separately. The first run of a process also imports the generated
``pulumi_aws`` modules the program touches (most of a single plan's time), so it runs once untimed as a
warm-up and is reported on its own line: the table shows the per-resource cost that grows with N.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from dataclasses import dataclass

from cutover.plan import fastimport

if __name__ == "__main__":  # before anything imports the provider SDK (see fastimport's docstring)
    fastimport.install()

from cutover.plan.engine import ProgramError, before_exit, run_program
from cutover.plan.project import ProjectError, load_stack

DEFAULT_SIZES = (10, 50, 200)
WORKER_EVERY = 5  # one service in five is a scheduled worker (DLQ, schedule), the others HTTP APIs


def service_name(i: int) -> str:
    return f"bench-{i:03d}"


def service_sets(n: int) -> list[str]:
    """``--set`` items adding ``n`` services: HTTP API services with two routes, every fifth a worker."""
    items: list[str] = []
    for i in range(1, n + 1):
        name = service_name(i)
        key = f"cutover:overrides.services.{name}"
        if i % WORKER_EVERY == 0:
            items += [f"{key}.kind=worker", f"{key}.schedule=rate(1 hour)", f"{key}.timeoutSeconds=60"]
        else:
            items += [f"{key}.routes[0]=GET /{name}", f"{key}.routes[1]=ANY /{name}/{{proxy+}}"]
        items.append(f"{key}.memoryMb=256")
    return items


@dataclass(frozen=True)
class Row:
    added: int  # synthetic services
    registrations: int
    program_s: float  # the program under the mocks
    policy_s: float  # the CrossGuard pack, offline
    peak_mb: float = 0.0  # the process's peak resident memory once this size is planned (sizes run ascending)

    @property
    def per_resource_s(self) -> float:
        return (self.program_s + self.policy_s) / self.registrations


def measure(n: int, stack: str = "prod", profile: str = "pos-serverless", policy: bool = True) -> Row:
    """Plan ``stack`` with ``profile`` plus ``n`` synthetic services; time the program and the policy pass."""
    settings = load_stack(stack, sets=[f"profile={profile}", *service_sets(n)])
    gc.collect()  # untimed: the previous size's garbage is not this size's cost
    started = time.perf_counter()
    plan = run_program(settings)
    program_s = time.perf_counter() - started
    policy_s = 0.0
    if policy:
        from cutover.plan import guard

        env = str(settings.config.get("cutover:environment", "dev"))
        gc.collect()
        started = time.perf_counter()
        guard.evaluate(plan, env)
        policy_s = time.perf_counter() - started
    return Row(n, len(plan), program_s, policy_s, peak_rss_mb())


def peak_rss_mb() -> float:
    """The process's peak resident set so far (``getrusage``: kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def table(rows: list[Row]) -> str:
    lines = [f"{'services added':>14}  {'registrations':>13}  {'program s':>9}  {'policy s':>8}  {'s/resource':>10}"
             f"  {'peak MB':>7}"]
    lines += [f"{r.added:>14}  {r.registrations:>13}  {r.program_s:>9.2f}  {r.policy_s:>8.2f}  "
              f"{r.per_resource_s:>10.4f}  {r.peak_mb:>7.0f}" for r in rows]
    if len(rows) >= 2 and rows[-1].registrations > rows[0].registrations:
        first, last = rows[0], rows[-1]
        marginal = ((last.program_s + last.policy_s) - (first.program_s + first.policy_s)) / \
            (last.registrations - first.registrations)
        lines.append(f"marginal cost: {marginal * 1000:.2f} ms per added registration (program + policy)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cutover.plan.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--stack", default="prod", help="stack to plan (default prod)")
    p.add_argument("--profile", default="pos-serverless", help="a profile with serverless services")
    p.add_argument("--services", default=",".join(map(str, DEFAULT_SIZES)),
                   help="comma-separated numbers of synthetic services (default 10,50,200)")
    p.add_argument("--no-policy", action="store_true", help="time the program only")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        sizes = [int(s) for s in args.services.split(",") if s.strip()]
    except ValueError:
        p.error(f"--services expects comma-separated integers, got {args.services!r}")
    try:
        warm = measure(0, args.stack, args.profile, policy=not args.no_policy)
        print(f"{args.profile} {args.stack}: first plan of the process {warm.program_s:.2f} s program "
              f"+ {warm.policy_s:.2f} s policy for {warm.registrations} registrations (includes importing the "
              "pulumi_aws modules it uses; not repeated below)")
        rows = [measure(n, args.stack, args.profile, policy=not args.no_policy) for n in sizes]
    except (ProjectError, ProgramError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(table(rows))
    return 0


if __name__ == "__main__":
    gc.disable()  # as the plan command runs (so no collector catch-up lands in the timings); measure() collects
    status = main()
    fastimport.compile_missed_later()
    before_exit()
    sys.exit(status)
