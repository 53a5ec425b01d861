"""``tillcard bench --offline``: N sales with the centre unreachable, then the back-fill.

The offline phase runs against a central URL nobody listens on, so any network call
would show as an error, not as a fast path. It measures what the cashier waits for: the
local decision plus the durable SQLite commit (WAL, synchronous=FULL). The back-fill
phase measures the first sync after the outage: settle, push in batches, pull.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tillcard.commands.bench import percentile
from tillcard.commands.bench_data import seed_cards
from tillcard.store.engine import make_engine
from tillcard.store.ledger import SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.schema import JournalRow
from tillcard.store.scratch import server_url, throwaway_database
from tillcard.store.verify import verify
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, make_central_engine
from tillcard.sync.till_sync import OfflinePolicy, TillSync

UNREACHABLE = "postgresql://tillcard@127.0.0.1:9/nowhere"  # discard port: nobody answers
BALANCE = 1_000_000


def run_offline_bench(url: str, entries: int, cards: int = 1_000, till_id: int = 1,
                      seed: int = 7) -> dict[str, Any]:
    if entries < 1 or cards < 1:  # no sales: no latency to report, median() would fail
        raise ValueError(f"offline bench needs at least one entry and one card, got "
                         f"entries={entries}, cards={cards}")
    centre = make_engine(url, pool_size=4)
    upgrade(centre)
    card_ids = seed_cards(centre, cards, BALANCE, till_id)
    rnd = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="tillcard-offline-bench-") as tmp:
        local = make_engine(str(Path(tmp) / "till.db"))
        upgrade(local)
        cache = TillCache(local, till_id)
        opts = CentralOptions(url=url, call_timeout_s=30, statement_timeout_ms=60_000)
        online = TillSync(cache, make_central_engine(opts), opts)
        t0 = time.perf_counter()
        online.probe()
        online.cycle(pull_only=True)
        initial_pull_s = time.perf_counter() - t0
        online.central.dispose()

        dead = replace(opts, url=UNREACHABLE, call_timeout_s=1, connect_timeout_s=1)
        offline = TillSync(cache, make_central_engine(dead), dead,
                           OfflinePolicy(till_cap=10**15))
        commit_ms: list[float] = []
        sold = refused = 0
        for _ in range(entries):
            req = SaleRequest(uuid.uuid4(), till_id, rnd.choice(card_ids),
                              rnd.randint(100, 1_500), datetime.now().astimezone())
            t = time.perf_counter()
            out = offline.sale(req)
            commit_ms.append((time.perf_counter() - t) * 1000)
            if out.entry is not None and out.offline:
                sold += 1
            else:
                refused += 1
        offline.central.dispose()

        back = TillSync(cache, make_central_engine(opts), opts)
        t0 = time.perf_counter()
        back.probe()
        back.link.recovering()
        report = back.cycle()
        backfill_s = time.perf_counter() - t0
        states = cache.counts()
        back.central.dispose()
        local.dispose()
    rep = verify(centre)
    with centre.connect() as conn:
        journal = int(conn.execute(select(func.count()).select_from(JournalRow)).scalar_one())
    centre.dispose()
    return {
        "entries": entries, "sold_offline": sold, "refused": refused,
        "offline_commit_p50_ms": round(statistics.median(commit_ms), 3),
        "offline_commit_p95_ms": round(percentile(commit_ms, 95), 3),
        "offline_commit_p99_ms": round(percentile(commit_ms, 99), 3),
        "initial_pull_s": round(initial_pull_s, 3),
        "backfill_s": round(backfill_s, 3),
        "backfill_per_s": round(report.pushed.applied / backfill_s, 1) if backfill_s else 0,
        "backfilled": report.pushed.applied, "batches": report.pushed.batches,
        "outbox": states, "journal_entries": journal,
        "verify_ok": rep.ok, "verify_problems": rep.problems[:5],
    }


def print_offline(res: dict[str, Any]) -> None:
    print(f"offline: {res['sold_offline']} of {res['entries']} sales recorded locally "
          f"({res['refused']} refused)")
    print(f"  local commit p50 {res['offline_commit_p50_ms']:.2f} ms  "
          f"p95 {res['offline_commit_p95_ms']:.2f} ms  p99 {res['offline_commit_p99_ms']:.2f} ms")
    print(f"  back-fill of {res['backfilled']} entries in {res['batches']} batches: "
          f"{res['backfill_s']:.2f} s ({res['backfill_per_s']:.0f}/s)")
    print(f"  verify: {'OK' if res['verify_ok'] else 'MISMATCH'}; outbox {res['outbox']}")


@contextlib.contextmanager
def scratch_db(url: str | None) -> Iterator[str]:
    """The given database, or a throwaway one on the local server (dropped afterwards)."""
    if url:
        yield url
        return
    with throwaway_database(server_url(), "tillcard_bench") as scratch:
        yield scratch
