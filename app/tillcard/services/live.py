"""The managers' live console: every entry as it is applied, today's figures, till health.

Reading any of it asks for ``Permission.REPORTS`` here, on every call (a back-office
session lasts hours). The feed itself is a blocking source for one worker thread
(``LiveConsole.open_feed``): the UI runs it off its own thread and gets display lines by
signal. Today is the site clock's business day by the server's clock; the figures are
added up from the day's facts (``domain.report_facts``) and their definitions are here,
once, for every screen that shows them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tillcard.domain.journal import EntryKind
from tillcard.domain.permissions import Permission
from tillcard.domain.report_facts import NO_MEAL, Fact
from tillcard.services.auth import Session
from tillcard.store.live_feed import (
    BulkNote,
    FeedLine,
    FeedNote,
    FeedSource,
    LiveStore,
    Note,
    TodayData,
    TodayQueries,
)
from tillcard.store.till_health import HealthQueries, HealthRecord
from tillcard.sync.heartbeat import HEARTBEAT_S

__all__ = ["BulkNote", "FeedLine", "FeedNote", "HealthFlag", "LiveConsole", "LiveFeed",
           "MealFigure", "TillHealth", "TodayFigures", "figures_of", "health_of",
           "shown_amount"]

SILENT_AFTER = 3 * HEARTBEAT_S  # no heartbeat for this long: the till is flagged silent
UNSENT_ALARM = 20  # unsent entries flagged even while the till says it is online
PRINTER_FAULTS = frozenset({"paper out", "cover open", "offline", "unreachable"})


class HealthFlag(enum.StrEnum):
    SILENT = "silent"  # no heartbeat for more than three intervals
    OFFLINE = "offline"  # its last heartbeat says it cannot reach the centre as it should
    UNSENT = "unsent"  # sales it holds that the centre has not got
    PRINTER = "printer"  # out of paper, cover open, off or unreachable
    READER = "reader"  # its card reader is missing or failing
    SHIFT_DIFFERENCE = "shift_difference"  # a shift closed today off by more than allowed


@dataclass(frozen=True)
class TillHealth:
    record: HealthRecord
    flags: frozenset[HealthFlag]
    silent_s: float | None  # since its last heartbeat (None: it never sent one)


def health_of(r: HealthRecord, now: datetime, today_start: datetime,
              difference_alarm: int) -> TillHealth:
    """A till's flags from its last heartbeat, judged by the server's clock ``now``."""
    flags: set[HealthFlag] = set()
    silent_s = None if r.seen_at is None else max(0.0, (now - r.seen_at).total_seconds())
    if silent_s is not None:
        if silent_s > SILENT_AFTER:
            flags.add(HealthFlag.SILENT)
        if r.link_state != "online":
            flags.add(HealthFlag.OFFLINE)
        if r.unsent > 0 and (r.link_state != "online" or r.unsent >= UNSENT_ALARM):
            flags.add(HealthFlag.UNSENT)
        if r.printer in PRINTER_FAULTS:
            flags.add(HealthFlag.PRINTER)
        if r.reader_ok is False:
            flags.add(HealthFlag.READER)
    if (r.last_closed_at is not None and r.last_closed_at >= today_start
            and abs(r.last_difference or 0) > difference_alarm):
        flags.add(HealthFlag.SHIFT_DIFFERENCE)
    return TillHealth(r, frozenset(flags), silent_s)


@dataclass(frozen=True)
class MealFigure:
    name: str  # the meal window's name; "" outside every window
    revenue: int
    sales: int


@dataclass(frozen=True)
class TodayFigures:
    """Today so far; the definitions below are the figures' tooltips on screen.

    - revenue: card and cash sales at their charged price (list less discount), less
      what voids gave back;
    - sales: card sales and cash sales, less voids;
    - cards: distinct cards with at least one card sale today;
    - by meal window: revenue and sales of the entries made in each window of the
      card's type (named as the card types name them; "" outside every window).
    """

    day: date
    as_of: datetime
    revenue: int
    sales: int
    cards: int
    meals: tuple[MealFigure, ...]


_SOLD = {EntryKind.SALE.value, EntryKind.CASH_SALE.value}


def _revenue(f: Fact) -> int:
    m = f.key.kind
    if m in _SOLD:
        return f.m.list_amount - f.m.discount
    if m == EntryKind.VOID.value:  # what went back to the purses and the customer's hand
        return -(f.m.purse_delta + f.m.tendered_cash)
    return 0


def _sales(f: Fact) -> int:
    if f.key.kind in _SOLD:
        return f.m.n
    return -f.m.n if f.key.kind == EntryKind.VOID.value else 0


def figures_of(data: TodayData) -> TodayFigures:
    revenue = sales = 0
    meals: dict[str, list[int]] = {}
    for f in data.facts:
        r, s = _revenue(f), _sales(f)
        if not (r or s):
            continue
        revenue, sales = revenue + r, sales + s
        name = "" if f.key.meal == NO_MEAL else data.meal_names.get(
            (f.key.card_type_id, f.key.meal), str(f.key.meal))
        acc = meals.setdefault(name, [0, 0])
        acc[0], acc[1] = acc[0] + r, acc[1] + s
    ordered = sorted(meals.items(), key=lambda kv: (kv[0] == "", kv[0]))
    return TodayFigures(data.day, data.as_of, revenue, sales, data.cards,
                        tuple(MealFigure(n, v[0], v[1]) for n, v in ordered))


def shown_amount(note: FeedNote) -> int:
    """The one amount a feed line shows, signed as money into the site's tills.

    A sale: its charged price (list less discount, card and cash together); a cash sale:
    its price; a void: what it gave back (negative); anything else: what it did to the
    holder's purses (a recharge positive, an expiry or a refund negative).
    """
    if note.kind == EntryKind.SALE.value:
        return note.list_amount - note.discount
    if note.kind == EntryKind.CASH_SALE.value:
        return note.list_amount
    if note.kind == EntryKind.VOID.value:
        return -(note.purse_delta + note.tendered_cash)
    return note.purse_delta


class LiveFeed:
    """An open feed for one worker thread: ``next`` blocks up to ``timeout`` for lines.

    Entries come in capped batches read by a cursor per till; a till far behind the feed
    (a bulk load of more entries than the console keeps) comes as a ``BulkNote``.
    """

    def __init__(self, source: FeedSource, store: LiveStore) -> None:
        self._source, self._store = source, store

    def next(self, timeout: float) -> tuple[list[FeedLine], list[BulkNote]]:
        notes: list[Note] = self._source.wait(timeout)
        entries = [n for n in notes if isinstance(n, FeedNote)]
        bulks = [n for n in notes if isinstance(n, BulkNote)]
        return self._store.lines(entries), bulks

    def close(self) -> None:
        self._source.close()


class LiveConsole:
    """What the console reads; ``difference_alarm``: minor units a shift may be off."""

    def __init__(self, store: LiveStore, today: TodayQueries, health: HealthQueries,
                 difference_alarm: int = 1_000) -> None:
        self._store, self._today, self._health = store, today, health
        self.difference_alarm = difference_alarm

    def open_feed(self, session: Session) -> LiveFeed:
        """Start listening now (PostgreSQL connects here: call it off the GUI thread)."""
        session.require(Permission.REPORTS)
        return LiveFeed(self._store.open_feed(), self._store)

    def recent(self, session: Session, limit: int) -> list[FeedLine]:
        """Today's latest entries, newest first (the feed's first screen)."""
        session.require(Permission.REPORTS)
        _now, start = self._today.day_start()
        return self._store.recent(start, limit)

    def today(self, session: Session) -> TodayFigures:
        session.require(Permission.REPORTS)
        return figures_of(self._today.read())

    def health(self, session: Session) -> list[TillHealth]:
        session.require(Permission.REPORTS)
        now, records = self._health.read()
        start = self._today.start_of_day_of(now)
        return [health_of(r, now, start, self.difference_alarm) for r in records]


def flagged(rows: Sequence[TillHealth]) -> int:
    return sum(1 for r in rows if r.flags)
