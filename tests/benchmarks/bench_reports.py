"""Reports at a busy site's size: the year's summary and a day's full report, on PostgreSQL.

    python tests/benchmarks/bench_reports.py --db URL [--runs 7]
    python tests/benchmarks/bench_reports.py --entries 10000000 --days 365 [--runs 7]

``--db`` names a database ``tillcard demo-data`` filled (kept, so the load is paid once);
without it a throwaway one is loaded first. Prints, as medians over ``--runs`` (the
machine is shared: medians, not single runs), the year's summary (issue 17: under 1 s)
and a day's full report — every report kind for the busiest business day, one after
another (issue 17: under 200 ms) — and each kind's own median for that day and for the
year. Reports read the centre's ``day_totals`` grouped in SQL (``store.day_totals``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import func, select, text

from tillcard.domain.permissions import Role
from tillcard.domain.reports import ReportKind
from tillcard.services.auth import Session
from tillcard.services.reports import ReportService
from tillcard.store.day_totals import DAY_TOTALS, facts
from tillcard.store.engine import make_engine
from tillcard.store.scratch import server_url, throwaway_database

MANAGER = Session(0, "bench", "Bench", Role.MANAGER)


@contextmanager
def _database(url: str | None, entries: int, days: int) -> Iterator[str]:
    if url:
        yield url
        return
    from tillcard.commands.demo_data import run_demo_data

    with throwaway_database(server_url(), "tillcard_bench") as scratch:
        started = time.perf_counter()
        for line in run_demo_data(scratch, entries, days, 1, 12):
            print(line)
        print(f"loaded in {time.perf_counter() - started:.1f} s")
        yield scratch


def _median_ms(fn: object, runs: int) -> float:
    assert callable(fn)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db")
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with _database(args.db, args.entries, args.days) as url:
        engine = make_engine(url)
        with engine.connect() as conn:
            entries = conn.execute(text("SELECT count(*) FROM journal")).scalar_one()
            first, last = conn.execute(select(func.min(DAY_TOTALS.c.day),
                                              func.max(DAY_TOTALS.c.day))).one()
            busiest = conn.execute(
                select(DAY_TOTALS.c.day).group_by(DAY_TOTALS.c.day)
                .order_by(func.sum(DAY_TOTALS.c.n).desc()).limit(1)).scalar_one()
            facts_rows = conn.execute(select(func.count()).select_from(DAY_TOTALS)
                                      ).scalar_one()
        print(f"{entries:,} journal entries, {facts_rows:,} day_totals rows, "
              f"{first}..{last}; busiest day {busiest}")
        service = ReportService(engine, facts=facts)
        kinds = [k for k in ReportKind if k is not ReportKind.SHIFT] + [ReportKind.SHIFT]

        def year_summary() -> None:
            service.run(MANAGER, ReportKind.SUMMARY, first, last)

        def full_day(day: date = busiest) -> None:
            for kind in kinds:
                service.run(MANAGER, kind, day, day)

        year_summary()  # warm the caches once, as a manager's second look would
        print(f"year's summary: median {_median_ms(year_summary, args.runs):.1f} ms "
              f"over {args.runs} runs (issue 17: under 1000 ms)")
        print(f"a day's full report ({len(kinds)} kinds): median "
              f"{_median_ms(full_day, args.runs):.1f} ms (issue 17: under 200 ms)")
        for kind in kinds:
            day_ms = _median_ms(lambda k=kind: service.run(MANAGER, k, busiest, busiest),
                                args.runs)
            year_ms = _median_ms(lambda k=kind: service.run(MANAGER, k, first, last),
                                 max(3, args.runs // 2))
            print(f"  {kind.value:12} day {day_ms:8.1f} ms   year {year_ms:8.1f} ms")
        engine.dispose()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
