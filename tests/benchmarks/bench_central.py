"""Central PostgreSQL benchmark: the README's table for issue 3, reproducible in one command.

    python tests/benchmarks/bench_central.py [--runs 5] [--seconds 10] [--hot-runs 3]
                                             [--ceiling] [--server URL]

Each round runs ``tillcard bench --tills 16 --cards 10000`` twice, on fresh throwaway
databases: the default layout (a process per core, its tills on one event loop) and a
process per till (``--procs 16``), alternately, so both see the same drift of a shared
machine. Then ``--hot-runs`` runs with one hot card and the naive baseline. Prints every
run's JSON and the medians. Targets: 1,500 charges/s and p95 <= 15 ms with 16 tills on
10,000 cards, no lost update on a hot card.

``--ceiling`` adds the server's own ceiling: ``pgbench`` (C clients, no Python) sending
the very statements a till sends — the quote's card read and ``tillcard_sale()`` — on 16
connections, one till each, then on one connection (``--clients 1,2,4,8,16`` for more
points). With the server on this machine it also prints the server's CPU per cycle (every
``postgres`` process, from ``/proc``): a figure that drifts less than cycles/s on a
shared machine, and whose values show what concurrent connections cost on two cores.
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
import time
from typing import Any

from sqlalchemy.engine import make_url

from tillcard.commands.bench import CARD_BALANCE, run_bench
from tillcard.commands.bench_data import seed_cards
from tillcard.commands.bench_offline import scratch_db
from tillcard.store.engine import libpq_url, make_engine
from tillcard.store.migrate import upgrade
from tillcard.store.pg_centre import STATE_SQL

TILLS = 16
CARDS = 10_000
KEYS = ("charges_per_s", "p50_ms", "p95_ms", "p99_ms", "quote_p95_ms", "cycle_p95_ms",
        "till_cpu_ms_per_cycle")


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


def _postgres_processes() -> dict[int, list[str]]:
    """Every ``postgres`` process here: pid → the fields of its ``/proc`` stat line."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        if stat[stat.index("(") + 1:stat.rindex(")")] == "postgres":
            found[int(pid)] = stat[stat.rindex(")") + 2:].split()
    return found


def _cpu_ticks(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12])  # utime + stime, the process's own


def run_measuring_server(cmd: list[str]) -> tuple[str, float]:
    """Run ``cmd``; its output and the CPU seconds the ``postgres`` processes here spent.

    Backends that start meanwhile are sampled every 50 ms until they exit: once reaped,
    a backend's CPU only shows in the postmaster's total for its children, mixed with
    every other backend's (the seeding's, the last database's). The long-lived processes
    (WAL writer, checkpointer, ...) count by their difference.
    """
    first = {pid: _cpu_ticks(f) for pid, f in _postgres_processes().items()}
    last = dict(first)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        while proc.poll() is None:
            for pid, fields in _postgres_processes().items():
                last[pid] = _cpu_ticks(fields)
            time.sleep(0.05)
        out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed:\n{err}")
    for pid, fields in _postgres_processes().items():
        last[pid] = _cpu_ticks(fields)
    ticks = sum(v - first.get(pid, 0) for pid, v in last.items())
    return out, ticks / os.sysconf("SC_CLK_TCK")


def pgbench_ceiling(server: str | None, seconds: float, clients: int = TILLS
                    ) -> tuple[float, float | None]:
    """Quote + sale cycles/s from pgbench on ``clients`` connections (one till each).

    With it, the server's CPU milliseconds per cycle when the server runs here (else None).
    """
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
                  "NULL, false, false);\n")
        libpq = libpq_url(url)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(script)
        local = make_url(url).host in (None, "", "localhost", "127.0.0.1", "::1")
        try:
            out, used = run_measuring_server(
                [binary, "-n", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)),
                 "-T", str(int(seconds)), "-M", "prepared", "-f", f.name, libpq])
        finally:
            os.unlink(f.name)
    found = re.search(r"tps = ([\d.]+)", out)
    done = re.search(r"number of transactions actually processed: (\d+)", out)
    if found is None or done is None:
        raise SystemExit(f"pgbench printed no tps:\n{out}")
    cycles = int(done.group(1))
    return float(found.group(1)), (1000 * used / cycles if local and cycles else None)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5, help="rounds of the two layouts")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--hot-runs", type=int, default=3)
    p.add_argument("--ceiling", action="store_true", help="also pgbench's cycles/s")
    p.add_argument("--clients", default=f"{TILLS},1",
                   help="pgbench connection counts for --ceiling, comma-separated")
    p.add_argument("--server", help="a database URL on the server (default: the local one)")
    args = p.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    if not all(1 <= c <= TILLS for c in clients):  # pgbench's client n is till n + 1
        p.error(f"--clients: each count must be 1..{TILLS}")
    shared: list[dict[str, Any]] = []
    procs: list[dict[str, Any]] = []
    for _ in range(args.runs):
        shared.append(one(args.server, args.seconds, None))
        procs.append(one(args.server, args.seconds, TILLS))
    hot = [one(args.server, args.seconds, None, hot=1) for _ in range(args.hot_runs)]
    if shared:
        medians("default layout (a process per core, an event loop of tills each)", shared)
        medians("a process per till (--procs 16)", procs)
    if hot:
        medians("one hot card", hot)
        medians("naive flow, same runs", [h["baseline"] for h in hot])
    if args.ceiling:
        for n in clients:
            rate, cpu_ms = pgbench_ceiling(args.server, args.seconds, n)
            print(f"pgbench (quote + sale, {n} connection{'s' * (n > 1)}): "
                  f"{rate:.0f} cycles/s" + (f", server CPU {cpu_ms:.2f} ms per cycle"
                                            if cpu_ms is not None else ""))


if __name__ == "__main__":
    main()
