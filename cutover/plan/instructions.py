"""Instructions per warm plan, counted under valgrind's callgrind (a benchmark, not a test).

    python -m cutover.plan.instructions                        # pos-serverless prod
    python -m cutover.plan.instructions --stack dev --profile yoga-serverless

CPU seconds on a shared machine move with the host's speed (by half within an hour on the machine this
was built on), so two versions timed an hour apart, or even side by side, can differ by more than the
change between them. The number of instructions a plan executes does not move: this runs the program
under the mocks, as the plan command does (its import loader included; no policies, no rendering), in
two processes under callgrind at once, one planning once and one planning three times. Half the
difference is the cost of one warm plan: the interpreter's start, the imports and the first plan cancel
out. Needs valgrind (Debian: ``apt-get install valgrind``); about two minutes on two cores.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr

from cutover.plan import fastimport

if __name__ == "__main__" and "--inner" in sys.argv:  # before anything imports the provider SDK
    fastimport.install()

RUNS = (1, 3)  # plans per process: the difference is (3 - 1) warm plans
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def parse_refs(report: str) -> int:
    """The instruction count callgrind prints when the process ends (``==1== I   refs:  13,317,242,540``)."""
    found = _REFS.findall(report)
    if not found:
        raise ValueError("callgrind printed no instruction count:\n" + report[-2000:])
    return int(found[-1].replace(",", ""))


def per_warm_plan(counts: dict[int, int]) -> float:
    """Instructions of one warm plan from the counts of processes that planned ``RUNS`` times."""
    low, high = RUNS
    return (counts[high] - counts[low]) / (high - low)


def _count(stack: str, profile: str, runs: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same string hashes, so the same dict and set layouts
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m",
                           "cutover.plan.instructions", "--inner", str(runs), "--stack", stack, "--profile", profile],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the plan under callgrind failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return parse_refs(done.stderr)


def _plan(stack: str, profile: str, runs: int) -> None:
    from cutover.plan.engine import run_program
    from cutover.plan.project import load_stack

    settings = load_stack(stack, sets=[f"profile={profile}"])
    for _ in range(runs):
        with redirect_stderr(io.StringIO()):  # the profile's placeholder warnings, once per plan
            run_program(settings)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cutover.plan.instructions", description=__doc__.split("\n\n")[0])
    p.add_argument("--stack", default="prod", help="stack to plan (default prod)")
    p.add_argument("--profile", default="pos-serverless", help="profile to plan (default pos-serverless)")
    p.add_argument("--inner", type=int, metavar="N", help=argparse.SUPPRESS)  # the counted process: plan N times
    args = p.parse_args(argv)
    if args.inner is not None:
        _plan(args.stack, args.profile, args.inner)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(len(RUNS)) as pool:  # one process per core
        counts = dict(zip(RUNS, pool.map(lambda n: _count(args.stack, args.profile, n), RUNS), strict=True))
    print(f"{args.profile} {args.stack}: {per_warm_plan(counts) / 1e9:.3f} billion instructions per warm plan "
          f"(callgrind; processes planning {' and '.join(map(str, RUNS))} times: "
          f"{', '.join(f'{c / 1e9:.3f}' for c in counts.values())} billion)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
