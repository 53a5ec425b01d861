"""``tillcard demo-data``: fill a database with a realistic site's years of entries, fast.

For reports and benchmarks at the size of a busy site (10 million entries a year): the
generator (``services.demo_activity``) follows the ledger's rules day by day in the site's
time zone and business-day cut-off, and the loader (``store.bulk_load``) writes with COPY
in one transaction. On PostgreSQL the generator runs in a child process on one core and
sends its records in chunks through a pipe, while this process chains them (``Hasher``) and
streams them into one COPY beside the server on the other; then indexes, foreign keys and
the reports' day totals are built once, set-based. ``tillcard verify`` accepts the result
like any ledger.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
import sys
import time
import traceback
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError

from tillcard.commands.argtypes import iso_day, positive_int

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from sqlalchemy import Engine

    from tillcard.domain.clock import SiteClock
    from tillcard.services.demo_activity import DemoPlan
    from tillcard.services.demo_site import DemoSite
    from tillcard.store.bulk_load import IdBase

log = logging.getLogger(__name__)

MAX_DAYS = 3_660  # ten years
MAX_TILLS = 200
MAX_SQLITE_ENTRIES = 1_000_000  # beyond: PostgreSQL (the SQLite path goes through triggers)
DEMO_PASSWORD, DEMO_PIN = "demo", "1234"
CHUNK_LINES = 8_192  # journal lines per message from the generator (about 3 MB)

Holders = list[tuple[int, str, str]]
Cards = list[tuple[int, str, str, int, int, "date | None", int]]
Message = (tuple[Literal["cards"], Holders, Cards] | tuple[Literal["lines"], str]
           | tuple[Literal["end"], "Generated"] | tuple[Literal["error"], str])


@dataclass(frozen=True)
class DemoSpec:
    """What the generator needs (picklable: a child process builds the same site from it)."""

    plan: DemoPlan
    clock: SiteClock
    tills: int
    cards: int
    base: IdBase

    def site(self) -> tuple[DemoSite, random.Random]:
        """The site and the generator, drawn from the plan's seed: the same in every process."""
        from tillcard.services.demo_site import build_site

        rng = random.Random(self.plan.seed)
        return build_site(rng, self.clock, self.tills, self.cards, self.base,
                          self.plan.first_day), rng


@dataclass
class Generated:
    """The generator's last word: what the journal leaves, and what it cost."""

    lines: int
    cards: int
    kinds: dict[str, int]
    purses: list[tuple[object, ...]]
    grants: list[tuple[object, ...]]
    heads: list[tuple[int, int, datetime]]  # till, last seq, latest instant
    statuses: list[tuple[int, str, int, int | None, str]]
    batches: list[tuple[object, ...]]
    exceptions: list[tuple[object, ...]]
    busy: float = 0.0  # seconds generating (not waiting for the loader)
    cpu: float = 0.0  # CPU seconds the generator used


@dataclass
class Phases:
    """Wall-clock seconds of each phase of a load, in order."""

    at: float
    took: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.took[name], self.at = now - self.at, now

    def line(self, out: Generated) -> str:
        return ", ".join([*(f"{k} {v:.1f} s" for k, v in self.took.items()),
                          f"(generating {out.busy:.1f} s of the copy, {out.cpu:.1f} s CPU)"])


def _messages(spec: DemoSpec) -> Iterator[Message]:
    """The generator's output in order: cards before the lines that use them, then the end."""
    from tillcard.services.demo_activity import Activity, Projection

    cpu = time.process_time()
    site, rng = spec.site()
    act = Activity(site, spec.plan, rng)
    pending: list[str] = []
    busy, at = 0.0, time.perf_counter()
    for batch in act.run():
        if batch.cards:
            busy += time.perf_counter() - at
            yield "lines", "".join(pending)
            pending = []
            yield ("cards", [(h.id, h.name, h.staff_no) for h in batch.holders], [
                (c.id, c.number, c.uid, c.holder.id, site.type_ids[c.type_index],
                 c.valid_until, act.states[c.id].deposit if c.id in act.states else 0)
                for c in batch.cards])
            at = time.perf_counter()
        pending += batch.lines
        if len(pending) >= CHUNK_LINES:
            busy += time.perf_counter() - at
            yield "lines", "".join(pending)
            pending = []
            at = time.perf_counter()
    yield "lines", "".join(pending)
    p = Projection(act)
    yield "end", Generated(act.chains.lines, len(act.states), act.kinds, p.purses(),
                           p.grants(), p.heads(), p.statuses(), p.batches(), act.exceptions,
                           busy + time.perf_counter() - at, time.process_time() - cpu)


def _produce(spec: DemoSpec, out: Connection) -> None:
    """The child process: generates and sends; a failure is sent as its traceback."""
    try:
        for message in _messages(spec):
            out.send(message)
    except BaseException:
        out.send(("error", traceback.format_exc()))
        raise
    finally:
        out.close()


def stream(spec: DemoSpec, *, in_child: bool) -> Generator[Message, None, None]:
    """The generator's messages, from a child process or from this one.

    In a child (PostgreSQL), the generator has one core while this process and the server
    copy on the other; the pipe's small buffer keeps the two in step.
    """
    if not in_child:
        yield from _messages(spec)
        return
    ctx = multiprocessing.get_context("spawn")  # no copy of this process's connections
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce, args=(spec, sender), name="demo-data generator",
                        daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                message: Message = receiver.recv()
            except EOFError:
                raise GeneratorFailed("the generator ended without its last word") from None
            if message[0] == "error":
                raise GeneratorFailed(message[1])
            yield message
            if message[0] == "end":
                break
        child.join(timeout=60)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
            child.join()


class GeneratorFailed(RuntimeError):
    """The generator's child process failed; its traceback is the message."""


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
    p.add_argument("--until", type=iso_day, help="the last business day, YYYY-MM-DD "
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
    from tillcard.services.demo_activity import DemoPlan
    from tillcard.services.demo_site import card_count
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
        spec = DemoSpec(plan, clock, tills, card_count(entries, days), id_base(engine))
        hasher = SecretHasher()
        phases = Phases(time.perf_counter())
        out = _load(engine, spec, hasher.hash(DEMO_PASSWORD), hasher.hash(DEMO_PIN), phases)
    finally:
        engine.dispose()
    took = time.perf_counter() - started
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(out.kinds.items()))
    return [
        f"demo site: {out.lines} entries over {days} business days "
        f"({plan.first_day} to {plan.last_day}, {clock.time_zone}), {tills} tills "
        f"and a card office, {out.cards} cards",
        f"entries by kind: {kinds}",
        f"users demo_cashier<till>_<1|2>, demo_manager…, demo_admin…: password "
        f"{DEMO_PASSWORD!r}, PIN {DEMO_PIN}",
        f"phases: {phases.line(out)}",
        f"loaded in {took:.1f} s ({out.lines / max(took, 1e-9):,.0f} entries/s)",
    ]


def _load(engine: Engine, spec: DemoSpec, password_hash: str, pin_hash: str,
          phases: Phases) -> Generated:
    """Reference data, the stream of the generator, then what completes the ledger."""
    from tillcard.services.demo_chain import Hasher
    from tillcard.store.bulk_load import CardStatusRow, bulk_load

    site, _ = spec.site()
    with bulk_load(engine) as load:
        load.tills([(t.id, t.name, t.booth) for t in (*site.tills, site.office)])
        load.users([(u.id, u.login, u.name, u.role) for u in site.users], password_hash,
                   pin_hash)
        for type_id, kind in zip(site.type_ids, site.types, strict=True):
            load.card_type(type_id, kind.card_type, kind.deposit, kind.card_fee)
        load.prepare()
        phases.mark("setup")
        out: Generated | None = None
        hasher = Hasher()
        with closing(stream(spec, in_child=load.pg)) as messages:  # a failure ends the child
            for message in messages:
                if message[0] == "cards":
                    load.cards(message[1], message[2])
                elif message[0] == "lines":
                    load.lines(hasher.rows(message[1]))
                elif message[0] == "end":
                    out = message[1]
        assert out is not None
        load.end_lines()
        phases.mark("copy")
        hashes = hasher.hashes()
        load.finish(out.purses, out.grants, [(t, n, hashes[t], at) for t, n, at in out.heads],
                    [CardStatusRow(*s) for s in out.statuses], out.batches, out.exceptions)
        phases.mark("purses")
        load.restore()
        phases.mark("index")
        load.day_totals()
        phases.mark("totals")
    phases.mark("commit")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        phases.mark("analyze")
    return out
