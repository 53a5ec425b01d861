"""Reports for managers: any kind over any range of business days, as a ``Report``.

One use case, ``run``: it checks the session may read reports (``Permission.REPORTS``,
on every call: the screen hiding a button is not the guard), reads the site clock, the
names and the range's facts on one connection (a repeatable-read snapshot on PostgreSQL,
so every figure of a report is of the same moment), and hands them to the builders.
Outputs (screen, PDF, CSV/XLSX, receipt printer) render the result; they never compute.

The facts come from an injected source: the journal itself by default, the centre's
``day_totals`` once it is wired (``store.day_totals.facts``). The engine may be a
replica: every read here is a plain SELECT.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from tillcard.domain import report_build as build
from tillcard.domain.clock import SiteClock
from tillcard.domain.permissions import Permission
from tillcard.domain.report_facts import Fact
from tillcard.domain.reports import Report, ReportKind
from tillcard.services.auth import Session
from tillcard.store import report_queries as q
from tillcard.store.report_facts import journal_facts
from tillcard.store.site import load_rules

__all__ = ["FactsSource", "ReportService"]

class FactsSource(Protocol):
    """The facts of a range, grouped by the key fields in ``keep``.

    A source may add up over the fields not kept before it answers (the centre does it
    in SQL); one that does not returns every fact whole.
    """

    def __call__(self, conn: Connection, first: date, last: date, /,
                 keep: Sequence[str] | None = None) -> list[Fact]: ...


# the key fields each report reads from facts (the kind always)
GROUPS: dict[ReportKind, tuple[str, ...]] = {
    ReportKind.SUMMARY: (), ReportKind.CARD_OFFICE: (), ReportKind.LIABILITY: (),
    ReportKind.HOURLY: ("hour",), ReportKind.DAILY: ("day",), ReportKind.MONTHLY: ("day",),
    ReportKind.TILLS: ("till_id",), ReportKind.BOOTHS: ("booth",),
    ReportKind.CASHIERS: ("cashier_id",), ReportKind.CARD_TYPES: ("card_type_id",),
    ReportKind.MEALS: ("card_type_id", "meal", "booth"),
    ReportKind.ALLOWANCE: ("day", "card_type_id"),
}

# the kinds added up from facts alone (with names): builder by kind
_FACT_BUILDERS: dict[ReportKind, Callable[[list[Fact], build.Frame, build.Names], Report]] = {
    ReportKind.SUMMARY: lambda f, fr, _n: build.summary(f, fr),
    ReportKind.HOURLY: lambda f, fr, _n: build.hourly(f, fr),
    ReportKind.DAILY: lambda f, fr, _n: build.daily(f, fr),
    ReportKind.MONTHLY: lambda f, fr, _n: build.monthly(f, fr),
    ReportKind.TILLS: build.tills,
    ReportKind.BOOTHS: build.booths,
    ReportKind.CASHIERS: build.cashiers,
    ReportKind.CARD_TYPES: build.card_types,
    ReportKind.MEALS: build.meals,
    ReportKind.ALLOWANCE: build.allowance,
}


REFERENCE_TTL_S = 30.0


class ReportService:
    """Runs reports on ``engine`` (the centre, a replica or a standalone SQLite)."""

    def __init__(self, engine: Engine, facts: FactsSource = journal_facts, *,
                 top_cards: int = 50, currency: str = "CNY",
                 now: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._facts = facts
        self._top = top_cards
        self._currency = currency
        self._now = now or (lambda: datetime.now().astimezone())
        self._reference: tuple[float, SiteClock, build.Names] | None = None
        self._lock = threading.Lock()

    def run(self, session: Session, kind: ReportKind | str, first: date, last: date,
            language: str = "en", *, shift_id: uuid.UUID | None = None) -> Report:
        """The report of business days ``first``..``last`` (inclusive).

        ``shift_id`` (kind ``shift`` only) reprints that one Z whatever the days.

        Raises:
            PermissionDenied: the session may not read reports.
            ValueError: an unknown kind, ``first`` after ``last``, or no such shift.
        """
        session.require(Permission.REPORTS)
        kind = ReportKind(kind)
        if first > last:
            raise ValueError(f"the first day {first} is after the last day {last}")
        with self._connect() as conn:
            clock, names = self._clock_and_names(conn)
            frame = build.Frame(first, last, language, self._currency, clock.cutoff_minutes // 60)
            return self._build(conn, kind, frame, clock, names, shift_id)

    def _clock_and_names(self, conn: Connection) -> tuple[SiteClock, build.Names]:
        """The site clock and the names, read at most every ``REFERENCE_TTL_S``.

        A manager runs several reports in a row (a day's full report is fifteen); the
        names of tills, people and card types change seldom, and six round trips per
        report were a third of a day's report. A renamed till shows within the TTL.
        """
        with self._lock:
            cached = self._reference
            if cached is not None and time.monotonic() - cached[0] < REFERENCE_TTL_S:
                return cached[1], cached[2]
        clock, names = load_rules(conn).clock, q.names(conn)
        with self._lock:
            self._reference = (time.monotonic(), clock, names)
        return clock, names

    def _connect(self) -> Any:
        if self._engine.dialect.name == "postgresql":
            return self._engine.connect().execution_options(isolation_level="REPEATABLE READ")
        return self._engine.connect()

    def _build(self, conn: Connection, kind: ReportKind, frame: build.Frame,
               clock: SiteClock, names: build.Names, shift_id: uuid.UUID | None) -> Report:
        start, end = clock.day_bounds(frame.first)[0], clock.day_bounds(frame.last)[1]
        builder = _FACT_BUILDERS.get(kind)
        keep = GROUPS.get(kind)
        if builder is not None:
            return builder(self._facts(conn, frame.first, frame.last, keep=keep), frame, names)
        if kind is ReportKind.CARD_OFFICE:
            return build.card_office(self._facts(conn, frame.first, frame.last, keep=keep),
                                     q.audit_counts(conn, start, end), frame)
        if kind is ReportKind.LIABILITY:
            today = clock.business_day(self._now())
            return build.liability(q.purse_totals(conn, today),
                                   self._facts(conn, frame.first, frame.last, keep=keep),
                                   frame)
        if kind is ReportKind.TOP_CARDS:
            return q.top_cards(conn, frame, start, end, self._top)
        if kind is ReportKind.EXCEPTIONS:
            return q.exceptions(conn, frame, clock, start, end, names)
        return q.shifts(conn, frame, clock, start, end, names, shift_id)
