"""Outage benchmark: N offline sales with the centre unreachable, then the back-fill.

    python tests/benchmarks/bench_offline.py [--entries 10000] [--db URL] [--runs 3]

Prints each run's JSON and the medians. Targets (issue 4): an offline sale commits
locally in under 5 ms p95; 10,000 entries back-fill in under 10 s. The same as
``tillcard bench --offline --entries N --json``, repeated.
"""

from __future__ import annotations

import argparse
import json
import statistics

from tillcard.commands.bench_offline import run_offline_bench, scratch_db


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--entries", type=int, default=10_000)
    p.add_argument("--db")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    runs = []
    for _ in range(args.runs):
        with scratch_db(args.db) as url:
            res = run_offline_bench(url, args.entries)
        print(json.dumps(res))
        runs.append(res)
    for key in ("offline_commit_p50_ms", "offline_commit_p95_ms", "backfill_s"):
        print(f"median {key}: {statistics.median(r[key] for r in runs)}")
    print(f"all verified: {all(r['verify_ok'] for r in runs)}")


if __name__ == "__main__":
    main()
