"""How fast the data verifier compares PostgreSQL -> PostgreSQL, and how much memory it holds (not a test).

    python -m cutover.bench_verify                      # 100k and 1M rows
    python -m cutover.bench_verify --rows 50000,200000 --chunk-rows 20000

Starts a throwaway PostgreSQL cluster (the tests' fixture code), loads the same rows into a source
and a target database, then times ``verify`` over them: rows per second (rows of the source table
compared against the target), the peak of the verifier's Python allocations (tracemalloc) and the
process's peak resident set (``ru_maxrss``, which includes the interpreter and the drivers). The
databases do the hashing in their own processes on the same machine, so the wall time is the whole
cost. Target (issue 12): 1M rows in under a minute on 2 cores, under 200 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# functions/verifier/ is Lambda code that Pulumi archives: importing it must not leave __pycache__ there.
sys.dont_write_bytecode = True
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_ROWS = (100_000, 1_000_000)
TABLE = """CREATE TABLE public.bookings (id bigint PRIMARY KEY, user_id integer NOT NULL, class_id integer NOT NULL,
    note text, starts_at timestamptz NOT NULL, amount numeric(10, 2))"""
LOAD = """INSERT INTO public.bookings SELECT g, g % 9973, g % 211, CASE WHEN g % 10 = 0 THEN NULL ELSE 'note ' || g END,
    timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second', (g % 10000) / 100.0
    FROM generate_series(1, {rows}) g"""


@dataclass(frozen=True)
class Result:
    rows: int
    seconds: float
    traced_peak_mb: float
    maxrss_mb: float
    clean: bool

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def measure(server: object, rows: int, chunk_rows: int) -> Result:
    import pg8000.native

    from functions.verifier import core, postgres
    from functions.verifier.spec import DatasetSpec, Endpoint

    host, port, user = server.host, server.port, server.user  # type: ignore[attr-defined]
    admin = pg8000.native.Connection(user, host=host, port=port, database="postgres")
    names = (f"bench_src_{rows}", f"bench_tgt_{rows}")
    for name in names:
        admin.run(f"DROP DATABASE IF EXISTS {name}")
        admin.run(f"CREATE DATABASE {name}")
        conn = pg8000.native.Connection(user, host=host, port=port, database=name)
        conn.run(TABLE)
        conn.run(LOAD.format(rows=rows))
        conn.run("VACUUM ANALYZE public.bookings")
        conn.close()
    spec = DatasetSpec("bench", "postgres->postgres", Endpoint(host, port, names[0], tls=False),
                       Endpoint(host, port, names[1], tls=False), None, chunk_rows=chunk_rows, recheck_seconds=0)
    src, tgt = (pg8000.native.Connection(user, host=host, port=port, database=n) for n in names)
    for conn in (src, tgt):
        postgres.prepare(conn)
    tracemalloc.start()
    started = time.perf_counter()
    receipt = core.verify(spec, src, tgt)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    src.close()
    tgt.close()
    for name in names:
        admin.run(f"DROP DATABASE {name}")
    admin.close()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return Result(rows, seconds, peak / 2**20, maxrss_kb / 1024, receipt.clean)


def table(results: list[Result]) -> str:
    lines = [f"{'rows':>10} {'seconds':>8} {'rows/s':>10} {'py peak MB':>10} {'maxrss MB':>9} clean",
             "-" * 56]
    lines += [f"{r.rows:>10,} {r.seconds:>8.2f} {r.rows_per_second:>10,.0f} {r.traced_peak_mb:>10.2f} "
              f"{r.maxrss_mb:>9.1f} {r.clean}" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cutover.bench_verify", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default=",".join(str(n) for n in DEFAULT_ROWS),
                        help="comma-separated table sizes (default: 100000,1000000)")
    parser.add_argument("--chunk-rows", type=int, default=50_000, help="rows per checksummed key range")
    args = parser.parse_args(argv)
    try:
        sizes = [int(n) for n in args.rows.split(",") if n.strip()]
    except ValueError:
        print(f"error: --rows: expected comma-separated integers, got {args.rows!r}", file=sys.stderr)
        return 2
    if not sizes or min(sizes) < 1 or args.chunk_rows < 2:
        print("error: --rows must be positive and --chunk-rows >= 2", file=sys.stderr)
        return 2
    from tests.servers import start_postgres, stop

    running = start_postgres()
    try:
        results = []
        for n in sizes:
            results.append(measure(running.server, n, args.chunk_rows))
            print(table(results[-1:]).splitlines()[-1] if len(results) > 1 else table(results), flush=True)
    finally:
        stop(running)
    return 0 if all(r.clean for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
