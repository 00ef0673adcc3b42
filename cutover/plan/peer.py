"""The offline plan beside its closest peer, the AWS CDK with cdk-nag (a benchmark, not a test).

    python -m cutover.plan.peer                 # make bench-peer
    python -m cutover.plan.peer --runs 9 --peer ../shared/peers/cdk-pos

The peer is a CDK program equivalent to the pos-serverless prod stack (``../shared/peers/cdk-pos``,
227 CloudFormation resources, cdk-nag's AwsSolutions checks). It is copied to ``.bench/cdk-pos`` (the
shared copy is read-only), installed once with ``npm install`` and compiled with ``tsc``.

Both commands run as whole processes, in turn (A B A B ...) after one warm-up each, so a machine
whose speed drifts slows both alike:

* ours: ``python -m cutover.plan prod --profile pos-serverless``, exactly as the README's first
  command runs it (resource tree, policies and cost estimate included);
* the peer: ``node dist/bin/app.js`` with ``CDK_VALIDATION=false`` (cdk-nag on; CDK's built-in
  template validator off, the peer's fastest setting).

CPU seconds (user + system, from ``wait4``) are the figure to quote on a shared machine; the ratio is
the median of the per-pair ratios. A cold run is our first run in a fresh copy of the project (no
``__pycache__``) with an empty plan bytecode cache (``cutover.plan.fastimport``): what a fresh clone
pays once, with the provider SDK's own ``.pyc`` files as pip installed them. Each cold run (``--cold-runs``)
is paired with a warm run right after it, and the cold figure is the median of those pairs' ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cutover.plan.project import ROOT

TARGET_RATIO = 0.8  # issue: the warm plan uses at most 0.8 times the peer's CPU
COLD_LIMIT = 2.0  # and a cold first run stays under twice a warm run
PLAN = ["-m", "cutover.plan", "prod", "--profile", "pos-serverless"]


@dataclass(frozen=True)
class Run:
    cpu_s: float
    wall_s: float
    peak_mb: float
    status: int


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """One whole process: CPU (user + sys) and peak RSS from the kernel's accounting (``wait4``)."""
    import time

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, proc.returncode)


def prepare_peer(source: Path, build: Path) -> Path:
    """Copy the peer program (writable), install its packages once, compile it."""
    if not (source / "package.json").is_file():
        raise SystemExit(f"error: no CDK peer at {source} (package.json missing); give --peer")
    target = build / "cdk-pos"
    if not (target / "package.json").is_file():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("node_modules", "dist", "cdk.out"))
        for path in target.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
    npm, npx = shutil.which("npm"), shutil.which("npx")
    if npm is None or npx is None:
        raise SystemExit("error: the peer needs Node.js and npm (apt-get install nodejs npm)")
    if not (target / "node_modules").is_dir():
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, check=True)
    if not (target / "dist" / "bin" / "app.js").is_file():
        subprocess.run([npx, "tsc", "-p", "."], cwd=target, check=True)
    return target


def fresh_copy(dest: Path) -> Path:
    """The project's tracked files (what a clone holds), without any bytecode."""
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]  # tracked, and new files
    files = subprocess.run(listing, cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cutover.plan.peer", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="counted runs of each command (default 5)")
    p.add_argument("--peer", type=Path, default=ROOT.parent / "shared" / "peers" / "cdk-pos",
                   help="the CDK peer's directory (default ../shared/peers/cdk-pos)")
    p.add_argument("--build", type=Path, default=ROOT / ".bench", help="where the peer is installed")
    p.add_argument("--cold-runs", type=int, default=3,
                   help="cold first runs, each in its own fresh copy and paired with a warm run (default 3)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    if args.runs < 1 or args.cold_runs < 1:
        p.error("--runs and --cold-runs must be at least 1")
    args.build.mkdir(parents=True, exist_ok=True)
    peer = prepare_peer(args.peer.resolve(), args.build.resolve())
    node = shutil.which("node") or "node"
    peer_env = {**os.environ, "CDK_VALIDATION": "false", "CDK_OUTDIR": str(peer / "cdk.out")}
    ours_cmd, peer_cmd = [sys.executable, *PLAN], [node, "dist/bin/app.js"]

    ours, theirs = [], []
    for i in range(args.runs + 1):  # run 0 warms both up and is not counted
        a, b = timed(ours_cmd, ROOT), timed(peer_cmd, peer, peer_env)
        if a.status not in (0, 1) or b.status != 0:
            raise SystemExit(f"error: a command failed (plan exit {a.status}, peer exit {b.status})")
        if i:
            ours.append(a)
            theirs.append(b)
    # Each cold run is paired with a warm run right after it, and the figure is the median of the pairs'
    # ratios: one cold run against the warm median moved by a third as the host's speed drifted.
    colds: list[Run] = []
    cold_ratios: list[float] = []
    for _ in range(args.cold_runs):
        with tempfile.TemporaryDirectory(prefix="cutover-cold-") as tmp:
            clone = fresh_copy(Path(tmp) / "clone")
            cold_env = {**os.environ, "CUTOVER_PLAN_BYTECODE": str(Path(tmp) / "bytecode")}
            cold = timed([sys.executable, *PLAN], clone, cold_env)
            if cold.status not in (0, 1):
                raise SystemExit(f"error: the cold run failed (exit {cold.status}): run it by hand in a clone")
        after = timed(ours_cmd, ROOT)
        colds.append(cold)
        cold_ratios.append(cold.cpu_s / after.cpu_s)

    ratios = [a.cpu_s / b.cpu_s for a, b in zip(ours, theirs, strict=True)]
    ratio = median(ratios)
    rows = [("cutover plan (tree, policies, cost)", ours), ("CDK peer: node app.js, cdk-nag, no validator", theirs)]
    print(f"pos-serverless prod: {args.runs} interleaved warm runs each after one warm-up; medians "
          f"(min-max) of whole-process figures")
    print(f"{'':46} {'CPU s':>17} {'wall s':>17} {'peak MB':>9}")
    for label, runs in rows:
        cpu, wall = [r.cpu_s for r in runs], [r.wall_s for r in runs]
        print(f"{label:46} {median(cpu):6.2f} ({min(cpu):.2f}-{max(cpu):.2f}) "
              f"{median(wall):6.2f} ({min(wall):.2f}-{max(wall):.2f}) {median([r.peak_mb for r in runs]):9.0f}")
    print(f"CPU ratio cutover / peer (median of pairs): {ratio:.2f}  (target <= {TARGET_RATIO})")
    print(f"cold first run (fresh copy, no bytecode; median of {args.cold_runs}): "
          f"{median([c.cpu_s for c in colds]):.2f} CPU s = {median(cold_ratios):.2f} x the warm run after it "
          f"(target < {COLD_LIMIT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
