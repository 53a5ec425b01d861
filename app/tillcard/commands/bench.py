"""``tillcard bench``: N concurrent tills doing quote + charge; optional naive baseline.

Each till has its own connection and works in a loop: read the card (the quote the
cashier sees), then charge it, with the till's own statements and answer handling
(``bench_tills``). Charge latency is the charge call, from the key press to "paid"; the
quote's read and the whole cycle are reported beside it (the naive flow's read is part of
its charge).

The tills are spread over one process per CPU core by default (``--procs P`` to choose; as
many as ``--tills`` makes each till a process of its own), and a process's tills share one
event loop. Real tills run on their own machines; here they share the server's cores, and
the CPU the load generator spends waking up is taken from the server (``bench_tills``
says how much). The server sees the same sixteen concurrent connections either way.

``--feed-ping``: each till also pings the live console after its charges, as a real
till does (``sync.feed_ping``), so a run shows what the console's wake-ups cost the sale.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections import Counter
from typing import Any

import psycopg
from sqlalchemy import func, select, text

from tillcard.commands.argtypes import non_negative_int, positive_float, positive_int
from tillcard.commands.bench_data import drop_naive, seed_cards, seed_naive
from tillcard.commands.bench_tills import Job, run_job
from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify

CARD_BALANCE = 50_000


def _run(url: str, tills: int, seconds: float, cards: list[int], hot: list[int],
         naive: bool, procs: int, feed_ping: bool = False) -> dict[str, Any]:
    procs = max(1, min(procs, tills))
    jobs = [Job(url, tuple(range(p + 1, tills + 1, procs)), seconds, cards, hot, naive,
                p * 7919 + int(naive), feed_ping) for p in range(procs)]
    ctx = mp.get_context("fork")
    started = time.perf_counter()
    try:
        with ctx.Pool(procs) as pool:
            results = pool.map(run_job, jobs)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"tillcard bench: {exc}") from exc
    wall = time.perf_counter() - started
    lat = sorted(x for r in results for x in r.latencies_ms)
    quote = sorted(x for r in results for x in r.quote_ms)
    cycle = sorted(x for r in results for x in r.cycle_ms)
    refusals: Counter[str] = Counter()
    for r in results:
        refusals.update(r.refusals)
    applied = sum(r.applied for r in results)
    return {
        "charges_per_s": round(applied / seconds, 1),
        "attempts_per_s": round(len(lat) / seconds, 1),
        "applied": applied,
        "applied_minor": sum(r.applied_minor for r in results),
        "p50_ms": round(percentile(lat, 50), 2), "p95_ms": round(percentile(lat, 95), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "quote_p50_ms": round(percentile(quote, 50), 2),
        "quote_p95_ms": round(percentile(quote, 95), 2),
        "cycle_p50_ms": round(percentile(cycle, 50), 2),
        "cycle_p95_ms": round(percentile(cycle, 95), 2),
        "refusals": dict(refusals), "errors": sum(r.errors for r in results),
        "wall_s": round(wall, 2),
        "feed_pings": sum(r.pings for r in results),
        # what the load generator took from the cores it shares with the server
        "till_cpu_ms_per_cycle": round(1000 * sum(r.cpu_s for r in results)
                                       / max(1, len(lat)), 3),
    }


def percentile(sorted_values: list[float], p: int) -> float:
    """The p-th percentile (inclusive method); the benchmarks quote these, never means."""
    if not sorted_values:
        return 0.0
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[p - 1]


def default_procs() -> int:
    """One till process per usable core: as few interpreters as keep every core busy."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def run_bench(url: str, tills: int, seconds: float, n_cards: int, hot_cards: int,
              baseline: str | None, procs: int | None = None, *, feed_ping: bool = False
              ) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    card_ids = seed_cards(engine, n_cards, CARD_BALANCE, tills)
    hot = card_ids[:hot_cards]
    procs = default_procs() if procs is None else procs
    result = _run(url, tills, seconds, card_ids, hot, naive=False, procs=procs,
                  feed_ping=feed_ping)
    with engine.connect() as conn:
        final = conn.execute(select(func.coalesce(func.sum(PurseRow.cash + PurseRow.bonus), 0))
                             .where(PurseRow.card_id.in_(card_ids))).scalar_one()
    # money the flow lost: what is left on the cards beyond initial minus what was charged
    result["lost_minor_units"] = int(final) - (CARD_BALANCE * len(card_ids)
                                               - result["applied_minor"])
    rep = verify(engine)
    result.update({"tills": tills, "procs": min(procs, tills), "seconds": seconds,
                   "cards": n_cards,
                   "hot_cards": hot_cards, "verify_ok": rep.ok,
                   "verify_problems": rep.problems[:5]})
    if baseline == "naive":
        seed_naive(engine, card_ids, CARD_BALANCE)
        base = _run(url, tills, seconds, card_ids, hot, naive=True, procs=procs)
        with engine.connect() as conn:
            final = conn.execute(text("SELECT COALESCE(SUM(balance), 0) FROM "
                                      "bench_naive_balances")).scalar_one()
            sold = conn.execute(text("SELECT COALESCE(SUM(amount), 0) FROM "
                                     "bench_naive_sales")).scalar_one()
        expected = CARD_BALANCE * len(card_ids) - int(sold)
        base["lost_minor_units"] = int(final) - expected
        result["baseline"] = base
        drop_naive(engine)
    engine.dispose()
    return result


def add_bench_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bench", help="concurrent checkout load against a database")
    p.add_argument("--db", help="database URL (PostgreSQL for a real test); with --offline "
                   "default: a throwaway database on the local server")
    p.add_argument("--offline", action="store_true", help="one till sells --entries times "
                   "with the centre unreachable, then back-fills")
    p.add_argument("--entries", type=positive_int, default=10_000)
    p.add_argument("--tills", type=positive_int, default=16)
    p.add_argument("--seconds", type=positive_float, default=10.0)
    p.add_argument("--cards", type=positive_int, default=10_000)
    p.add_argument("--hot-cards", type=non_negative_int, default=0,
                   help="this many of the cards take most of the sales (at most --cards)")
    p.add_argument("--baseline", choices=["naive"])
    p.add_argument("--procs", type=positive_int, default=None,
                   help="processes to spread the tills over, as threads (default: one per "
                   "CPU core; --procs equal to --tills: a process for each till)")
    p.add_argument("--feed-ping", action="store_true",
                   help="each till pings the live console after its charges, as a real "
                   "till does")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_bench)


def _usage_problem(args: argparse.Namespace) -> str | None:
    """What argparse cannot see option by option: options that contradict each other."""
    if args.offline:
        return None
    if not args.db:
        return "--db is required (a PostgreSQL URL)"
    if args.hot_cards > args.cards:
        return (f"argument --hot-cards: {args.hot_cards} is more than --cards "
                f"({args.cards})")
    return None


def _cmd_bench(args: argparse.Namespace) -> int:
    problem = _usage_problem(args)
    if problem:
        print(f"tillcard bench: error: {problem}", file=sys.stderr)
        return 2
    if args.offline:
        return _cmd_bench_offline(args)
    res = run_bench(args.db, args.tills, args.seconds, args.cards, args.hot_cards,
                    args.baseline, args.procs, feed_ping=args.feed_ping)
    if args.json:
        print(json.dumps(res))
    else:
        _print_human(res)
    return 0 if res["verify_ok"] else 1


def _print_human(res: dict[str, Any]) -> None:
    print(f"{res['tills']} tills in {res['procs']} processes × {res['seconds']} s on "
          f"{res['cards']} cards ({res['hot_cards']} hot)")
    rows = [("ledger", res)] + ([("naive", res["baseline"])] if "baseline" in res else [])
    for name, r in rows:
        print(f"  {name:7s} {r['charges_per_s']:8.1f} charges/s  p50 {r['p50_ms']:.2f} ms  "
              f"p95 {r['p95_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  refusals {r['refusals']}"
              f"  errors {r['errors']}  till CPU {r['till_cpu_ms_per_cycle']:.3f} ms/cycle")
        if r["quote_p95_ms"]:
            print(f"          quote p50 {r['quote_p50_ms']:.2f} ms  p95 {r['quote_p95_ms']:.2f} ms;"
                  f"  quote + charge p50 {r['cycle_p50_ms']:.2f} ms"
                  f"  p95 {r['cycle_p95_ms']:.2f} ms")
    if "baseline" in res:
        print(f"  naive flow lost {res['baseline']['lost_minor_units']} minor units")
    if res["feed_pings"]:
        print(f"  live feed pings: {res['feed_pings']} "
              f"({res['feed_pings'] / res['seconds']:.0f}/s)")
    print(f"  ledger flow lost {res['lost_minor_units']} minor units")
    print(f"  verify: {'OK' if res['verify_ok'] else 'MISMATCH'}")


def _cmd_bench_offline(args: argparse.Namespace) -> int:
    from tillcard.commands.bench_offline import print_offline, run_offline_bench, scratch_db

    with scratch_db(args.db) as url:
        res = run_offline_bench(url, args.entries)
    if args.json:
        print(json.dumps(res))
    else:
        print_offline(res)
    return 0 if res["verify_ok"] else 1
