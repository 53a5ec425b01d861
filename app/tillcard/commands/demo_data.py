"""``tillcard demo-data``: fill a database with a realistic site's years of entries, fast.

For reports and benchmarks at the size of a busy site (10 million entries a year): the
generator (``services.demo_activity``) follows the ledger's rules day by day in the site's
time zone and business-day cut-off, and the loader (``store.bulk_load``) writes with COPY
in one transaction. ``tillcard verify`` accepts the result like any ledger.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, ProgrammingError

from tillcard.commands.argtypes import positive_int

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tillcard.services.demo_activity import Activity

log = logging.getLogger(__name__)

MAX_DAYS = 3_660  # ten years
MAX_TILLS = 200
MAX_SQLITE_ENTRIES = 1_000_000  # beyond: PostgreSQL (the SQLite path goes through triggers)
DEMO_PASSWORD, DEMO_PIN = "demo", "1234"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def add_demo_data_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo-data", help="fill a database with a realistic site's entries "
                                         "(tills, cards, peaks, recharges, allowances...)")
    p.add_argument("--db", required=True, help="database URL (PostgreSQL; a SQLite path for "
                   f"up to {MAX_SQLITE_ENTRIES:,} entries); created or migrated first")
    p.add_argument("--entries", type=positive_int, required=True, help="journal entries")
    p.add_argument("--days", type=positive_int, required=True,
                   help="business days, ending with --until")
    p.add_argument("--seed", type=int, default=1, help="the same seed, the same site")
    p.add_argument("--tills", type=positive_int, default=8, help="selling tills (and one "
                   "card office)")
    p.add_argument("--until", type=_day, help="the last business day, YYYY-MM-DD "
                   "(default: yesterday's)")
    p.set_defaults(func=_cmd_demo_data)


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.days > MAX_DAYS:
        return f"argument --days: at most {MAX_DAYS}, got {args.days}"
    if args.tills > MAX_TILLS:
        return f"argument --tills: at most {MAX_TILLS}, got {args.tills}"
    if "://" not in args.db and args.entries > MAX_SQLITE_ENTRIES:
        return (f"argument --entries: SQLite takes at most {MAX_SQLITE_ENTRIES:,}; use a "
                "PostgreSQL URL for more")
    return None


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from tillcard.store.bulk_load import LoadRefused

    problem = _usage_problem(args)
    if problem:
        print(f"tillcard demo-data: error: {problem}", file=sys.stderr)
        return 2
    try:
        summary = run_demo_data(args.db, args.entries, args.days, args.seed, args.tills,
                                args.until)
    except LoadRefused as exc:
        print(f"tillcard demo-data: {exc}", file=sys.stderr)
        return 1
    except (IntegrityError, ProgrammingError) as exc:  # a constraint; a login not the owner
        print(f"tillcard demo-data: the database refused the load: {exc.orig}",
              file=sys.stderr)
        return 1
    for line in summary:
        print(line)
    return 0


def run_demo_data(url: str, entries: int, days: int, seed: int, tills: int,
                  until: date | None = None) -> list[str]:
    """Generate and load; the lines of a summary for the command line."""
    from tillcard.services.auth import SecretHasher
    from tillcard.services.demo_activity import Activity, DemoPlan
    from tillcard.services.demo_site import build_site, card_count
    from tillcard.store.bulk_load import id_base
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import upgrade
    from tillcard.store.site import site_rules

    started = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        clock = site_rules(engine).clock
        last = until or clock.business_day(datetime.now(UTC)) - timedelta(days=1)
        plan = DemoPlan(entries, days, last, seed)
        rng = random.Random(seed)
        site = build_site(rng, clock, tills, card_count(entries, days), id_base(engine),
                          plan.first_day)
        act = Activity(site, plan, rng)
        hasher = SecretHasher()
        _load(engine, act, hasher.hash(DEMO_PASSWORD), hasher.hash(DEMO_PIN))
    finally:
        engine.dispose()
    took = time.perf_counter() - started
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(act.kinds.items()))
    return [
        f"demo site: {act.chains.lines} entries over {days} business days "
        f"({plan.first_day} to {plan.last_day}, {clock.time_zone}), {len(site.tills)} tills "
        f"and a card office, {len(act.states)} cards",
        f"entries by kind: {kinds}",
        f"users demo_cashier<till>_<1|2>, demo_manager…, demo_admin…: password "
        f"{DEMO_PASSWORD!r}, PIN {DEMO_PIN}",
        f"loaded in {took:.1f} s ({act.chains.lines / max(took, 1e-9):,.0f} entries/s)",
    ]


def _load(engine: Engine, act: Activity, password_hash: str, pin_hash: str) -> None:
    from tillcard.services.demo_activity import Projection
    from tillcard.services.demo_chain import COLUMNS
    from tillcard.store.bulk_load import CardStatusRow, bulk_load

    site = act.site
    with bulk_load(engine) as load:
        load.tills([(t.id, t.name, t.booth) for t in (*site.tills, site.office)])
        load.users([(u.id, u.login, u.name, u.role) for u in site.users], password_hash,
                   pin_hash)
        for type_id, kind in zip(site.type_ids, site.types, strict=True):
            load.card_type(type_id, kind.card_type, kind.deposit, kind.card_fee)
        load.pause_projection()
        for done, batch in enumerate(act.run(), start=1):
            load.cards([(h.id, h.name, h.staff_no) for h in batch.holders],
                       [(c.id, c.number, c.uid, c.holder.id, site.type_ids[c.type_index],
                         c.valid_until, act.states[c.id].deposit if c.id in act.states
                         else 0) for c in batch.cards])
            load.lines(COLUMNS, batch.lines)
            if done % 30 == 0:
                log.info("demo-data: %s, %d entries", batch.day, act.chains.lines)
        p = Projection(act)
        load.finish(p.purses(), p.grants(), p.heads(),
                    [CardStatusRow(*s) for s in p.statuses()], act.batches, act.exceptions)
