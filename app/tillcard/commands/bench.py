"""``tillcard bench``: N concurrent tills doing quote + charge; optional naive baseline.

Each till has its own connection and its own ``Ledger`` and works in a loop: read the card
(the quote the cashier sees), then charge it. Charge latency is the charge call, from the
key press to "paid"; the quote's read and the whole cycle are reported beside it (the
naive flow's read is part of its charge).

The tills run as threads, each with its own engine, connection and ``Ledger``, in one
process per CPU core by default (``--procs P`` to choose; as many as ``--tills`` makes
each till a process of its own). Real tills run on their own machines; here they share
the server's cores, and sixteen Python processes with their context switches and cold
caches took a sixth to a quarter of the throughput from the server (interleaved runs in
the README). Threads of one process share a warm cache and switch cheaply (the driver
releases the GIL while it waits). The server sees the same sixteen concurrent
connections either way.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from tillcard.commands.bench_data import drop_naive, seed_cards, seed_naive
from tillcard.domain.quote import make_quote
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify

CARD_BALANCE = 50_000
HOT_SHARE = 0.5  # with hot cards, half of all charges go to them


@dataclass
class WorkerResult:
    latencies_ms: list[float] = field(default_factory=list)  # the charge call
    quote_ms: list[float] = field(default_factory=list)  # the card read before it
    cycle_ms: list[float] = field(default_factory=list)  # both
    refusals: Counter[str] = field(default_factory=Counter)
    applied: int = 0
    applied_minor: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Job:
    url: str
    till_ids: tuple[int, ...]
    seconds: float
    cards: list[int]
    hot: list[int]
    naive: bool
    seed: int


def _pick(rnd: random.Random, job: Job) -> int:
    if job.hot and rnd.random() < HOT_SHARE:
        return rnd.choice(job.hot)
    return rnd.choice(job.cards)


def _worker(job: Job) -> WorkerResult:
    """One process: its tills, each on a thread of its own when there are several."""
    if len(job.till_ids) == 1:
        return _till(job, job.till_ids[0])
    results: list[WorkerResult] = []
    lock = threading.Lock()

    def run(till_id: int) -> None:
        r = _till(job, till_id)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=run, args=(t,)) for t in job.till_ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    total = WorkerResult()
    for r in results:
        total.latencies_ms += r.latencies_ms
        total.quote_ms += r.quote_ms
        total.cycle_ms += r.cycle_ms
        total.refusals.update(r.refusals)
        total.applied += r.applied
        total.applied_minor += r.applied_minor
        total.errors += r.errors
    return total


def _till(job: Job, till_id: int) -> WorkerResult:
    # as a till's central engine (sync.central): no pre-ping, a busy till's connection is
    # never idle long enough to go stale, and a ping is a round trip per checkout
    engine = make_engine(job.url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    rnd = random.Random(job.seed * 1_000 + till_id)
    res = WorkerResult()
    ledger = Ledger(engine)
    end = time.perf_counter() + job.seconds
    try:
        while time.perf_counter() < end:
            card, amount = _pick(rnd, job), rnd.randint(100, 2_000)
            t0 = t1 = time.perf_counter()
            try:
                if job.naive:  # its read is part of its charge
                    ok = _naive_charge(engine, card, amount)
                    refusal = None if ok else "insufficient"
                else:
                    now = datetime.now().astimezone()
                    today = now.date()
                    c, wallet, _ = ledger.card_state(card, today)  # what the cashier sees
                    make_quote(amount, c.card_type.discount_bp, wallet, today)
                    t1 = time.perf_counter()  # the cashier presses "charge"
                    out = ledger.sale(SaleRequest(uuid.uuid4(), till_id, card, amount, now))
                    refusal = out.refusal.code.value if out.refusal else None
            except Exception:
                res.errors += 1
                continue
            t2 = time.perf_counter()
            res.latencies_ms.append((t2 - t1) * 1000)
            res.cycle_ms.append((t2 - t0) * 1000)
            if not job.naive:
                res.quote_ms.append((t1 - t0) * 1000)
            if refusal:
                res.refusals[refusal] += 1
            else:
                res.applied += 1
                res.applied_minor += amount
    finally:
        engine.dispose()
    return res


def _naive_charge(engine: Any, card: int, amount: int) -> bool:
    """The seed design: read, compute, write back the absolute balance, record. No lock."""
    with engine.connect() as conn:
        bal = conn.execute(text("SELECT balance FROM bench_naive_balances WHERE card_id = :c"),
                           {"c": card}).scalar_one()
        conn.commit()
        if bal < amount:
            return False
        conn.execute(text("UPDATE bench_naive_balances SET balance = :b WHERE card_id = :c"),
                     {"b": bal - amount, "c": card})
        conn.execute(text("INSERT INTO bench_naive_sales (id, card_id, amount) "
                          "VALUES (:i, :c, :a)"), {"i": str(uuid.uuid4()), "c": card,
                                                   "a": amount})
        conn.commit()
    return True


def _run(url: str, tills: int, seconds: float, cards: list[int], hot: list[int],
         naive: bool, procs: int) -> dict[str, Any]:
    procs = max(1, min(procs, tills))
    jobs = [Job(url, tuple(range(p + 1, tills + 1, procs)), seconds, cards, hot, naive,
                p * 7919 + int(naive)) for p in range(procs)]
    ctx = mp.get_context("fork")
    started = time.perf_counter()
    with ctx.Pool(procs) as pool:
        results = pool.map(_worker, jobs)
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
              baseline: str | None, procs: int | None = None) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    card_ids = seed_cards(engine, n_cards, CARD_BALANCE, tills)
    hot = card_ids[:hot_cards]
    procs = default_procs() if procs is None else procs
    result = _run(url, tills, seconds, card_ids, hot, naive=False, procs=procs)
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
    p.add_argument("--entries", type=int, default=10_000)
    p.add_argument("--tills", type=int, default=16)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--cards", type=int, default=10_000)
    p.add_argument("--hot-cards", type=int, default=0)
    p.add_argument("--baseline", choices=["naive"])
    p.add_argument("--procs", type=int, default=None,
                   help="processes to spread the tills over, as threads (default: one per "
                   "CPU core; --procs equal to --tills: a process for each till)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_bench)


def _cmd_bench(args: argparse.Namespace) -> int:
    if args.offline:
        return _cmd_bench_offline(args)
    if not args.db:
        raise SystemExit("tillcard bench: --db is required (a PostgreSQL URL)")
    res = run_bench(args.db, args.tills, args.seconds, args.cards, args.hot_cards,
                    args.baseline, args.procs)
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
              f"  errors {r['errors']}")
        if r["quote_p95_ms"]:
            print(f"          quote p50 {r['quote_p50_ms']:.2f} ms  p95 {r['quote_p95_ms']:.2f} ms;"
                  f"  quote + charge p50 {r['cycle_p50_ms']:.2f} ms"
                  f"  p95 {r['cycle_p95_ms']:.2f} ms")
    if "baseline" in res:
        print(f"  naive flow lost {res['baseline']['lost_minor_units']} minor units")
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
