"""The back office's card list at a large site: opening it and answering a search.

    python tests/benchmarks/bench_card_list.py [--cards 100000] [--runs 20] [--server URL]

Fills a throwaway database on the real PostgreSQL server (migrated as a site's centre)
with ``--cards`` holders and cards (Chinese and Latin names, member numbers, phones, UIDs;
loaded with COPY, the purse trigger firing per card as in production), then times what
the list does, at the service level the window calls on its worker thread:

- open: the first page (200 lines, in card-number order) and the count of all cards;
- a search for each way the office types: a card number, a UID, part of a common name
  (many hits: the first page), part of a rare name, part of a phone, a member number,
  nothing found; each the first page and how many match in all;
- scrolling: the next page after the 100th (keyset: as cheap as the first).

Prints the median and the worst of ``--runs`` per line. Target (issue 15): < 200 ms.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from tillcard.domain.cards import CardType  # noqa: E402
from tillcard.domain.permissions import Role  # noqa: E402
from tillcard.services.auth import Session  # noqa: E402
from tillcard.services.card_directory import CardList  # noqa: E402
from tillcard.store.card_directory import CardDirectory  # noqa: E402
from tillcard.store.card_file import CardFiles  # noqa: E402
from tillcard.store.engine import make_engine  # noqa: E402
from tillcard.store.migrate import upgrade  # noqa: E402
from tillcard.store.reference import ReferenceStore  # noqa: E402
from tillcard.store.scratch import server_url, throwaway_database  # noqa: E402

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
LATIN = ["Li Na", "Wang Wei", "Zhang Min", "Chen Jie", "Liu Yang", "Zhao Lei"]


def fill(engine: object, cards: int, rng: random.Random) -> None:
    refs = ReferenceStore(engine)  # type: ignore[arg-type]
    type_id = refs.add_card_type(CardType("staff", "Staff"))
    now = datetime.now(UTC).isoformat()
    with engine.connect() as conn:  # type: ignore[attr-defined]
        base = int(conn.execute(text("SELECT greatest(coalesce(max(h.id), 0), "
                                     "(SELECT coalesce(max(id), 0) FROM cards)) "
                                     "FROM holders h")).scalar_one())
    holders, rows = io.StringIO(), io.StringIO()
    for n in range(1, cards + 1):
        i = base + n
        if n % 10 == 0:
            name = f"{rng.choice(LATIN)} {n}"
        else:
            name = rng.choice(FAMILY) + rng.choice(GIVEN) + (rng.choice(GIVEN)
                                                           if rng.random() < 0.5 else "")
        phone = f"1{rng.randrange(30, 90)}{rng.randrange(10**8):08d}"
        holders.write(f"{i}\t{name}\tM{n:07d}\t{phone}\t{now}\n")
        uid = f"{rng.getrandbits(56):014X}" if n % 3 else "\\N"  # 7-byte chip UIDs
        rows.write(f"{i}\t{100000 + n}\t{uid}\t{i}\t{type_id}\tactive\t0\t{now}\n")
    raw = engine.raw_connection()  # type: ignore[attr-defined]
    try:
        driver = raw.driver_connection
        with driver.cursor() as cur:
            with cur.copy("COPY holders (id, name, staff_no, phone, updated_at) "
                          "FROM STDIN") as copy:
                copy.write(holders.getvalue())
            with cur.copy("COPY cards (id, number, uid, holder_id, card_type_id, status, "
                          "pin_failures, updated_at) FROM STDIN") as copy:
                copy.write(rows.getvalue())
            cur.execute("SELECT setval(pg_get_serial_sequence('holders', 'id'), %s)",
                        (base + cards,))
            cur.execute("SELECT setval(pg_get_serial_sequence('cards', 'id'), %s)",
                        (base + cards,))
            cur.execute("ANALYZE")
        driver.commit()
    finally:
        raw.close()


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm: the first call plans and reads the pages into the cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--server", default=server_url())
    args = ap.parse_args()
    if args.cards < 10 or args.runs < 1:
        ap.error("--cards must be at least 10 and --runs at least 1")
    rng = random.Random(7)
    with throwaway_database(args.server, "tillcard_bench") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            start = time.perf_counter()
            fill(engine, args.cards, rng)
            print(f"{args.cards:,} cards loaded in {time.perf_counter() - start:.1f} s")
            cards = CardList(CardDirectory(engine), CardFiles(engine))
            office = Session(1, "admin", "Admin", Role.ADMIN)
            sample_uid = next(line.uid for line in cards.search(office, "").lines if line.uid)
            searches = [
                ("open: first page + count", ""),
                ("card number", str(100000 + args.cards // 2)),
                ("UID", sample_uid or ""),
                ("part of a common name (王)", "王"),
                ("part of a rare name", "Zhao Lei 9"),
                ("part of a phone", "1386"),
                ("member number", f"M{args.cards // 3:07d}"),
                ("nothing found", "nobody-at-all"),
            ]
            print(f"{'search':32} {'hits':>8} {'median ms':>10} {'worst ms':>9}")
            for label, query in searches:
                hits = cards.search(office, query).total or 0
                median, worst = timed(lambda q=query: cards.search(office, q),  # type: ignore[misc]
                                      args.runs)
                print(f"{label:32} {hits:>8,} {median:>10.1f} {worst:>9.1f}")
            deep = str(100000 + 100 * 200)
            median, worst = timed(lambda: cards.page(office, "", deep), args.runs)
            print(f"{'scroll: a page after 20,000':32} {200:>8,} {median:>10.1f} {worst:>9.1f}")
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
