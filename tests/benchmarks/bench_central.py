"""Central PostgreSQL benchmark: the README's table for issue 3, reproducible in one command.

    python tests/benchmarks/bench_central.py [--runs 5] [--seconds 10] [--hot-runs 3]
                                             [--ceiling] [--server URL]

Each round runs ``tillcard bench --tills 16 --cards 10000`` twice, on fresh throwaway
databases: the default layout (till threads in a process per core) and a process per
till (``--procs 16``), alternately, so both see the same drift of a shared machine. Then
``--hot-runs`` runs with one hot card and the naive baseline. Prints every run's JSON and
the medians. Targets: 1,500 charges/s and p95 <= 15 ms with 16 tills on 10,000 cards, no
lost update on a hot card.

``--ceiling`` adds the server's own ceiling: ``pgbench`` (C clients, no Python) sending
the very statements a till sends — the quote's card read and ``tillcard_sale()`` — on 16
connections, one till each.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from typing import Any

from sqlalchemy.engine import make_url

from tillcard.commands.bench import CARD_BALANCE, run_bench
from tillcard.commands.bench_data import seed_cards
from tillcard.commands.bench_offline import scratch_db
from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade
from tillcard.store.pg_sale import STATE_SQL

TILLS = 16
CARDS = 10_000
KEYS = ("charges_per_s", "p50_ms", "p95_ms", "p99_ms", "quote_p95_ms", "cycle_p95_ms")


def medians(label: str, runs: list[dict[str, Any]]) -> None:
    figures = "  ".join(f"{k} {statistics.median(r[k] for r in runs):g}" for k in KEYS)
    rates = [r["charges_per_s"] for r in runs]
    verified = [r["verify_ok"] for r in runs if "verify_ok" in r]  # not the naive flow's
    print(f"median of {len(runs)} {label}: {figures}  (charges/s {min(rates):g}–"
          f"{max(rates):g}; lost {sorted(r['lost_minor_units'] for r in runs)}"
          + (f"; verified {all(verified)})" if verified else ")"))


def one(server: str | None, seconds: float, procs: int | None, hot: int = 0) -> dict[str, Any]:
    with scratch_db(server) as url:
        res = run_bench(url, TILLS, seconds, CARDS, hot, "naive" if hot else None, procs)
    print(json.dumps(res), flush=True)
    return res


def pgbench_ceiling(server: str | None, seconds: float) -> float:
    """Quote + sale cycles/s from pgbench on 16 connections (one till each)."""
    binary = shutil.which("pgbench") or next(iter(sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None)
    if binary is None:
        raise SystemExit("pgbench not found (Debian: postgresql-client or the server package)")
    with scratch_db(server) as url:
        engine = make_engine(url)
        upgrade(engine)
        ids = seed_cards(engine, CARDS, CARD_BALANCE, TILLS)
        engine.dispose()
        if ids != list(range(ids[0], ids[0] + len(ids))):
            raise SystemExit("card ids are not contiguous; pgbench picks them by range")
        script = (f"\\set card random({ids[0]}, {ids[-1]})\n\\set amt random(100, 2000)\n"
                  + STATE_SQL.replace("$1", ":card") + ";\n"
                  "SELECT tillcard_sale(gen_random_uuid(), :client_id + 1, :card, :amt, "
                  "now(), current_date, NULL, false, false, 3, 4242);\n")
        libpq = make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(script)
        try:
            out = subprocess.run(
                [binary, "-n", "-c", str(TILLS), "-j", str(os.cpu_count() or 1),
                 "-T", str(int(seconds)), "-M", "prepared", "-f", f.name, libpq],
                capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(f.name)
    found = re.search(r"tps = ([\d.]+)", out)
    if found is None:
        raise SystemExit(f"pgbench printed no tps:\n{out}")
    return float(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5, help="rounds of the two layouts")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--hot-runs", type=int, default=3)
    p.add_argument("--ceiling", action="store_true", help="also pgbench's cycles/s")
    p.add_argument("--server", help="a database URL on the server (default: the local one)")
    args = p.parse_args()
    threads: list[dict[str, Any]] = []
    procs: list[dict[str, Any]] = []
    for _ in range(args.runs):
        threads.append(one(args.server, args.seconds, None))
        procs.append(one(args.server, args.seconds, TILLS))
    hot = [one(args.server, args.seconds, None, hot=1) for _ in range(args.hot_runs)]
    if threads:
        medians("default layout (till threads, a process per core)", threads)
        medians("a process per till (--procs 16)", procs)
    if hot:
        medians("one hot card", hot)
        medians("naive flow, same runs", [h["baseline"] for h in hot])
    if args.ceiling:
        print(f"pgbench ceiling (quote + sale, 16 connections): "
              f"{pgbench_ceiling(args.server, args.seconds):.0f} cycles/s")


if __name__ == "__main__":
    main()
