"""What the reports' totals and the live feed's pings cost the checkout (``tillcard bench``).

    python tests/benchmarks/bench_totals_upkeep.py [--rounds 5] [--seconds 8] [--tills 16]
                                                   [--cards 10000] [--server URL]
    python tests/benchmarks/bench_totals_upkeep.py --instructions [--cycles 400]

One database, seeded once; then rounds of ``tillcard bench``'s load (``commands.bench``:
16 tills doing quote + charge through ``tillcard_sale``), the variants alternating within
every round (ABAB…, or ABCABC…) so all see the same drift of a shared two-core machine:

- ``with``: every trigger on, as in production, the tills selling only;
- ``no totals``: the projection trigger's function (``tillcard_journal_apply``, which
  keeps the day totals since migration 0019) replaced by the same function without the
  totals' upsert (the migration's own text with the upsert left out), put back after;
- ``with ping``: every trigger on, and each till pinging the live console after its
  charges as a real till does (``--feed-ping`` of ``tillcard bench``: ``pg_notify`` in a
  transaction of its own, at most one per 50 ms per till; the journal has no NOTIFY
  trigger, migration 0017 says why).

Prints every run, each variant's median charges/s, and each cost as ``1 - with /
without`` of the medians and as the median of the rounds' own ratios (the bar: under
10 %). Then the table's HOT share of updates and a ``rebuild_day_totals`` of
the whole journal (the rounds without the trigger left it short), checked against the
journal's own sums.

Throughput on the shared two-core machines drifts by tens of percent within minutes, so
``--instructions`` counts instead: the server backend's instructions per quote + sale under
callgrind (``bench_sale_instructions.py``'s private single-user cluster and statements),
once per variant, the triggers set by the script's first statements.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from typing import Any

import bench_sale_instructions as ir  # beside this file: run as a script
from sqlalchemy import Engine, text

from tillcard.commands.bench import CARD_BALANCE, _run, default_procs
from tillcard.commands.bench_data import seed_cards
from tillcard.commands.bench_offline import scratch_db
from tillcard.store.day_totals import rebuild_day_totals
from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade
from tillcard.store.migrations.earlier import migration

# the projection as migrations 0019 and 0020 leave it, with the day totals and without
_M19, _M20 = migration("0019"), migration("0020")
APPLY = {"with": _M20.apply_with_keys(_M19.APPLY.replace("{totals}", _M19.totals_insert())),
         "no totals": _M20.apply_with_keys(_M19.APPLY.replace("{totals}", ""))}


def one_line(sql: str) -> str:
    """A statement for the single-user backend, which ends a command at a newline."""
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())


def switch(engine: Engine, totals: bool) -> None:
    """The projection with the day totals' upsert, or without it."""
    with engine.begin() as conn:
        conn.execute(text(APPLY["with" if totals else "no totals"]))


def cost(label: str, runs: dict[str, list[float]], without: str, with_all: str = "with"
         ) -> None:
    with_, wo = runs[with_all], runs[without]
    by_medians = 1 - statistics.median(with_) / statistics.median(wo)
    by_rounds = statistics.median(1 - a / b for a, b in zip(with_, wo, strict=True))
    print(f"{label}: costs {100 * by_medians:.1f} % of throughput by the medians, "
          f"{100 * by_rounds:.1f} % by the rounds' median ratio "
          f"(with {statistics.median(with_):.0f}/s, without {statistics.median(wo):.0f}/s)")


def check_rebuild(engine: Engine) -> None:
    with engine.begin() as conn:
        stats = conn.execute(text(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'day_totals'")).one()
        started = time.perf_counter()
        rows = rebuild_day_totals(conn)
        took = time.perf_counter() - started
        entries, kept, direct = conn.execute(text(
            "SELECT (SELECT count(*) FROM journal), (SELECT sum(n) FROM day_totals), "
            "(SELECT sum(list_amount) FROM journal) - (SELECT sum(list_amount) "
            "FROM day_totals)")).one()
    hot = 100 * stats.n_tup_hot_upd / max(1, stats.n_tup_upd)
    print(f"day_totals upkeep: {stats.n_tup_upd} updates, {hot:.0f} % HOT")
    print(f"rebuild_day_totals: {entries} entries -> {rows} facts in {took:.2f} s; "
          f"entries counted {kept}, list amount difference {direct}")
    if kept != entries or direct != 0:
        raise SystemExit("the rebuilt totals do not add up to the journal")


def count_instructions(cycles: int) -> None:
    """Instructions per quote + sale with every trigger on, and with each upkeep off."""
    import shutil
    import tempfile
    from pathlib import Path

    user = "bench"
    with tempfile.TemporaryDirectory(prefix="tillcard-ir-") as tmp:
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres")
        data = Path(tmp, "data")
        sql = ir.prepare(ir.HERE, data, user)
        few = max(cycles // 10, 2)
        per: dict[str, float] = {}
        for label in ("with", "no totals"):
            head = one_line(APPLY[label]) + "\n"
            low = ir.instructions(data, user, head + ir.script(sql, few), Path(tmp, "a"))
            high = ir.instructions(data, user, head + ir.script(sql, cycles), Path(tmp, "b"))
            per[label] = (high - low) / (cycles - few)
            print(f"{label:>9}: {per[label]:,.0f} instructions per quote + sale", flush=True)
    for label in per:
        if label != "with":
            print(f"with vs {label}: +{100 * (per['with'] / per[label] - 1):.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instructions", action="store_true",
                    help="count the server's instructions per sale instead (callgrind)")
    ap.add_argument("--cycles", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--tills", type=int, default=16)
    ap.add_argument("--cards", type=int, default=10_000)
    ap.add_argument("--server", help="a database to use (default: a throwaway one)")
    args = ap.parse_args()
    if args.instructions:
        count_instructions(args.cycles)
        return
    with scratch_db(args.server) as url:
        engine = make_engine(url)
        upgrade(engine)
        cards = seed_cards(engine, args.cards, CARD_BALANCE, args.tills)
        # variant: (the day totals kept, tills ping the feed)
        variants: dict[str, tuple[bool, bool]] = {
            "with": (True, False), "no totals": (False, False), "with ping": (True, True)}
        print(f"{args.tills} tills, "
              f"{args.cards} cards, {args.rounds} rounds of {args.seconds:g} s each")
        runs: dict[str, list[float]] = {v: [] for v in variants}
        try:
            for r in range(args.rounds):
                order = list(variants)
                order = order[r % len(order):] + order[:r % len(order)]  # rotate the lead
                for v in order:
                    totals, ping = variants[v]
                    switch(engine, totals)
                    res: dict[str, Any] = _run(url, args.tills, args.seconds, cards, [],
                                               naive=False, procs=default_procs(),
                                               feed_ping=ping)
                    runs[v].append(res["charges_per_s"])
                    print(f"round {r + 1} {v:>9}: {res['charges_per_s']:.0f} charges/s "
                          f"p95 {res['p95_ms']} ms errors {res['errors']} "
                          f"pings {res['feed_pings'] / args.seconds:.0f}/s", flush=True)
        finally:
            switch(engine, True)
        for v, rates in runs.items():
            print(f"median {v:>9}: {statistics.median(rates):.0f} charges/s "
                  f"({min(rates):.0f}-{max(rates):.0f})")
        cost("day totals upkeep", runs, "no totals")
        cost("live feed pings", runs, "with", "with ping")
        check_rebuild(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
