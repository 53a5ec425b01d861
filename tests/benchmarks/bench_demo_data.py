"""`tillcard demo-data` throughput on PostgreSQL: entries per second, and 10 M extrapolated.

    python tests/benchmarks/bench_demo_data.py [--entries 1000000] [--days 365] [--db URL]
        [--verify]

Loads a throwaway database on the local server (or ``--db``, which must be new), prints
the command's summary with its phases (setup, copy — the generator's child process running
beside it —, purses, index, totals, commit, analyze), the entries per second, the CPU
seconds of the generator and of this process, and the time 10,000,000 entries would take at
that rate (issue 17: under 10 minutes). ``--verify`` runs ``tillcard verify`` after.
The machine's load average is printed too: other work on the two cores stretches the wall
clock, not the CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tillcard.commands.demo_data import run_demo_data
from tillcard.store.scratch import server_url, throwaway_database

TEN_MILLION = 10_000_000


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with throwaway_database(server_url(), "tillcard_bench") as scratch:
        yield scratch


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--tills", type=int, default=12)
    p.add_argument("--db")
    p.add_argument("--verify", action="store_true")
    args = p.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with _database(args.db) as url:
        cpu = time.process_time()
        started = time.perf_counter()
        for line in run_demo_data(url, args.entries, args.days, 1, args.tills):
            print(line)
        took = time.perf_counter() - started
        rate = args.entries / took
        print(f"{args.entries:,} entries in {took:.1f} s: {rate:,.0f} entries/s; "
              f"10,000,000 at this rate: {TEN_MILLION / rate / 60:.1f} min; this process "
              f"{time.process_time() - cpu:.1f} s CPU; load average after: "
              f"{os.getloadavg()[0]:.1f}")
        if args.verify:
            from tillcard.store.engine import make_engine
            from tillcard.store.verify import verify

            engine = make_engine(url)
            t = time.perf_counter()
            rep = verify(engine)
            engine.dispose()
            print(f"verify: {'OK' if rep.ok else 'MISMATCH'} ({rep.entries:,} entries, "
                  f"{time.perf_counter() - t:.1f} s) {rep.problems[:3]}")


if __name__ == "__main__":
    main()
