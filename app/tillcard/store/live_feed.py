"""The live feed: every journal entry as it is applied, and the names to show it with.

On PostgreSQL nothing in a sale's own transaction notifies (a notifying commit takes a
database-wide lock until its WAL is flushed: migration 0017 says why). Notifications are
wake-ups, not payloads: a till pings channel ``tillcard_feed`` with its id after its sale
has committed (``sync.feed_ping``), every heartbeat pings it too, and the centre's apply
trigger notifies ``tillcard_changes`` for every entry that is not a sale (recharges,
voids, transfers). ``PgFeed`` LISTENs on both and, on any wake-up, reads the journal by a
cursor per till: the entries after the last seq it has shown of each till. A lost or
coalesced notification loses nothing (the next one, at the latest that till's next
heartbeat, reads what was missed), and a bulk load needs no note of its own.

On SQLite (a standalone site, the demo) there is no NOTIFY: ``SqliteFeed`` looks for new
journal rows once a second. It reads by ``rowid``, not ``recorded_at``: the journal is
append-only, so its rowid is the order rows were recorded in, and a rowid range is a
B-tree seek where ``recorded_at`` (unindexed) would scan the table every second.

Either way ``LiveStore.lines`` turns notes into display lines (till, booth, holder, card
number, cashier) with three small look-ups for a whole batch.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import psycopg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    Integer,
    column,
    func,
    literal_column,
    select,
    text,
)

from tillcard.domain.journal import EntryKind
from tillcard.domain.report_facts import Fact
from tillcard.store.engine import libpq_url
from tillcard.store.report_facts import journal_facts
from tillcard.store.schema import (
    CardRow,
    HolderRow,
    JournalRow,
    MealWindowRow,
    TillRow,
    UserRow,
)
from tillcard.store.site import load_rules
from tillcard.store.till_health import server_now

log = logging.getLogger(__name__)
FEED_CHANNEL = "tillcard_feed"  # a till's ping and heartbeat (payload: its id)
CHANGES_CHANNEL = "tillcard_changes"  # the apply trigger, for every entry but a sale
BATCH_S = 0.05  # after a first wake-up, gather what else arrives this long (one read)
SAFETY_S = 30.0  # PostgreSQL: read at least this often without any wake-up
PER_TILL = 500  # entries of one till per read; a till further behind is read again at once
SKIP_AHEAD = 10_000  # a till this far behind (a bulk load): skipped, told as a BulkNote
POLL_S = 1.0  # SQLite: how often the journal is looked at


@dataclass(frozen=True)
class FeedNote:
    """One journal entry as the feed shows it; amounts signed as in the journal."""

    id: uuid.UUID
    till_id: int
    seq: int
    kind: str
    card_id: int
    cashier_id: int | None
    created_at: datetime
    list_amount: int = 0
    discount: int = 0
    cash_delta: int = 0
    bonus_delta: int = 0
    allowance_delta: int = 0
    grant_amount: int = 0
    tendered_cash: int = 0

    @property
    def purse_delta(self) -> int:
        """What the entry did to the holder's purses, all three together."""
        return self.cash_delta + self.bonus_delta + self.allowance_delta


@dataclass(frozen=True)
class BulkNote:
    """``count`` entries of a till far behind the feed (a bulk load): counted, not listed.

    More than the console keeps on screen, so listing them one by one would only churn.
    """

    count: int


Note = FeedNote | BulkNote


@dataclass(frozen=True)
class FeedLine:
    """A note with the names a manager reads; ``holder`` may be Chinese, or empty."""

    note: FeedNote
    till_name: str
    booth: str
    holder: str
    card_number: str
    cashier: str


class FeedSource(Protocol):
    """Blocking source of notes for one worker thread; ``close`` from any thread."""

    def wait(self, timeout: float) -> list[Note]: ...

    def close(self) -> None: ...


_J = JournalRow
_NOTE_COLUMNS = (_J.id, _J.till_id, _J.seq, _J.kind, _J.card_id, _J.cashier_id,
                 _J.created_at, _J.list_amount, _J.discount, _J.cash_delta, _J.bonus_delta,
                 _J.allowance_delta, _J.grant_amount, _J.tendered_cash)
_NAMES = ", ".join(f"j.{c.key}" for c in _NOTE_COLUMNS)

# Every till with entries after its cursor: its head (a backward seek of the unique
# (till_id, seq) index) and its next PER_TILL entries (a forward range of the same index);
# a till more than SKIP_AHEAD behind gets its head only. Tills unknown to the cursors
# (added since the feed opened) start at 0.
_AFTER_CURSORS = text(f"""
WITH c AS (SELECT * FROM unnest(CAST(:tills AS integer[]), CAST(:seqs AS bigint[]))
           AS c(till_id, seq))
SELECT t.id AS cursor_till, h.head, {_NAMES}
  FROM tills t
  LEFT JOIN c ON c.till_id = t.id
 CROSS JOIN LATERAL (SELECT coalesce(max(x.seq), 0) AS head FROM journal x
                      WHERE x.till_id = t.id) h
  LEFT JOIN LATERAL (SELECT * FROM journal j
                      WHERE j.till_id = t.id AND j.seq > coalesce(c.seq, 0)
                        AND h.head - coalesce(c.seq, 0) <= :skip
                      ORDER BY j.seq LIMIT :n) j ON true
 WHERE h.head > coalesce(c.seq, 0)
 ORDER BY j.recorded_at, t.id, j.seq
""").columns(column("cursor_till", Integer), column("head", BigInteger), *_NOTE_COLUMNS)


class JournalCursor:
    """The last seq shown per till; ``read`` returns what came after, and moves on."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        with engine.connect() as conn:
            self._after: dict[int, int] = {r[0]: r[1] for r in conn.execute(
                select(TillRow.id, TillRow.last_seq))}
        self.behind = False  # the last read was capped: more is waiting

    def read(self) -> list[Note]:
        with self._engine.connect() as conn:
            rows = conn.execute(_AFTER_CURSORS, {
                "tills": list(self._after), "seqs": list(self._after.values()),
                "skip": SKIP_AHEAD, "n": PER_TILL}).all()
        notes: list[Note] = []
        got: dict[int, int] = {}
        for r in rows:
            after = self._after.get(r.cursor_till, 0)
            if r.id is None:  # too far behind to list
                notes.append(BulkNote(int(r.head) - after))
                self._after[r.cursor_till] = int(r.head)
                continue
            notes.append(_note_of(r))
            got[r.cursor_till] = got.get(r.cursor_till, 0) + 1
            self._after[r.cursor_till] = max(after, int(r.seq))
        self.behind = any(n >= PER_TILL for n in got.values())
        return notes


class PgFeed:
    """Wake-ups by ``LISTEN`` on a dedicated autocommit connection; entries by cursor.

    A wake-up is a ping or heartbeat on ``tillcard_feed`` or a change on
    ``tillcard_changes``; a burst is gathered for ``BATCH_S`` and read once. Every
    ``SAFETY_S`` without one, the listening connection is checked (a dead one raises, and
    the caller reconnects) and the journal read anyway: a safety net, not how entries
    arrive (every till's heartbeat wakes the feed every few seconds).
    """

    def __init__(self, engine: Engine, *, connect_timeout: int = 5,
                 safety_s: float = SAFETY_S) -> None:
        url = engine.url.render_as_string(hide_password=False)
        self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
            libpq_url(url), autocommit=True, connect_timeout=connect_timeout,
            application_name="tillcard-live-feed",
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
        self._closed = threading.Event()
        try:
            self._conn.execute(f"LISTEN {FEED_CHANNEL}")
            self._conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            self._cursor = JournalCursor(engine)  # after LISTEN: nothing falls between
        except BaseException:
            self._conn.close()
            raise
        self._safety_s = safety_s
        self._check_at = time.monotonic() + safety_s
        self.wakeups = 0  # notifications heard (a test's and a benchmark's figure)

    def wait(self, timeout: float) -> list[Note]:
        """Block up to ``timeout`` for a wake-up; then the entries after the cursors."""
        if self._closed.is_set():
            return []
        if not self._cursor.behind and not self._woken(timeout):
            return []
        self._check_at = time.monotonic() + self._safety_s
        return self._cursor.read()

    def _woken(self, timeout: float) -> bool:
        left = max(0.0, min(timeout, self._check_at - time.monotonic()))
        heard = sum(1 for _ in self._conn.notifies(timeout=left, stop_after=1))
        if heard:
            heard += sum(1 for _ in self._conn.notifies(timeout=BATCH_S))
            self.wakeups += heard
            return True
        if time.monotonic() < self._check_at:
            return False
        self._conn.execute("SELECT 1")  # the safety net: is the listener still there?
        return True

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(Exception):
            self._conn.close()


class SqliteFeed:
    """The demo's fallback: new journal rows by rowid, looked for every ``POLL_S``."""

    def __init__(self, engine: Engine, *, every: float = POLL_S) -> None:
        self._engine, self._every = engine, every
        self._stop = threading.Event()
        with engine.connect() as conn:
            self._after = int(conn.execute(
                select(func.coalesce(func.max(literal_column("rowid")), 0))
                .select_from(JournalRow)).scalar_one())

    def wait(self, timeout: float) -> list[Note]:
        notes = self._read()
        if not notes and not self._stop.wait(min(timeout, self._every)):
            notes = self._read()
        return notes

    def _read(self) -> list[Note]:
        rowid: ColumnElement[int] = literal_column("rowid", Integer)
        with self._engine.connect() as conn:
            rows = conn.execute(select(rowid.label("rid"), *_NOTE_COLUMNS)
                                .where(rowid > self._after).order_by(rowid)
                                .limit(5_000)).all()
        if rows:
            self._after = int(rows[-1].rid)
        return [_note_of(r) for r in rows]

    def close(self) -> None:
        self._stop.set()


def _note_of(r: Any) -> FeedNote:
    return FeedNote(r.id, r.till_id, r.seq, r.kind, r.card_id, r.cashier_id, r.created_at,
                    r.list_amount, r.discount, r.cash_delta, r.bonus_delta,
                    r.allowance_delta, r.grant_amount, r.tendered_cash)


class LiveStore:
    """Display lines for notes, the latest entries, and the feed source of this database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_feed(self) -> FeedSource:
        """PostgreSQL: a listener (connects now); SQLite: the poller."""
        if self._engine.dialect.name == "postgresql":
            return PgFeed(self._engine)
        return SqliteFeed(self._engine)

    def recent(self, since: datetime, limit: int) -> list[FeedLine]:
        """The latest ``limit`` entries made since ``since``, newest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(*_NOTE_COLUMNS).where(_J.created_at >= since)
                                .order_by(_J.created_at.desc()).limit(limit)).all()
        return self.lines([_note_of(r) for r in rows])

    def lines(self, notes: Sequence[FeedNote]) -> list[FeedLine]:
        """The notes with their names, in the same order (unknown ids show empty)."""
        if not notes:
            return []
        tills = {n.till_id for n in notes}
        cards = {n.card_id for n in notes}
        users = {n.cashier_id for n in notes if n.cashier_id is not None}
        with self._engine.connect() as conn:
            till_rows = {r.id: (r.name, r.site) for r in conn.execute(
                select(TillRow.id, TillRow.name, TillRow.site).where(TillRow.id.in_(tills)))}
            card_rows = {r.id: (r.number, r.name) for r in conn.execute(
                select(CardRow.id, CardRow.number, HolderRow.name)
                .join(HolderRow, HolderRow.id == CardRow.holder_id)
                .where(CardRow.id.in_(cards)))}
            names = {r.id: r.name for r in conn.execute(
                select(UserRow.id, UserRow.name).where(UserRow.id.in_(users)))}
        out = []
        for n in notes:
            till = till_rows.get(n.till_id, (f"#{n.till_id}", ""))
            card = card_rows.get(n.card_id, ("", ""))
            out.append(FeedLine(n, till[0], till[1], card[1], card[0],
                                names.get(n.cashier_id, "") if n.cashier_id else ""))
        return out


@dataclass(frozen=True)
class TodayData:
    """What today's figures are computed from: the facts of the site's business day."""

    day: date
    as_of: datetime  # the server's clock
    facts: list[Fact]
    meal_names: dict[tuple[int, int], str]  # (card type, position) -> window name
    cards: int  # distinct cards that bought (sales, net of nothing)


class TodayQueries:
    """Today (the site clock's business day, by the server's clock) added up from the journal.

    The facts come from ``store.report_facts.journal_facts``; the centre's ``day_totals``
    may take its place later without the console noticing.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def day_start(self) -> tuple[datetime, datetime]:
        """The server's time now and the start of its business day."""
        with self._engine.connect() as conn:
            now = server_now(conn)
            clock = load_rules(conn).clock
        return now, clock.day_bounds(clock.business_day(now))[0]

    def start_of_day_of(self, at: datetime) -> datetime:
        with self._engine.connect() as conn:
            clock = load_rules(conn).clock
        return clock.day_bounds(clock.business_day(at))[0]

    def read(self) -> TodayData:
        with self._engine.connect() as conn:
            now = server_now(conn)
            clock = load_rules(conn).clock
            day = clock.business_day(now)
            start, end = clock.day_bounds(day)
            facts = journal_facts(conn, day, day)
            names = {(r.card_type_id, r.position): r.name for r in conn.execute(
                select(MealWindowRow.card_type_id, MealWindowRow.position,
                       MealWindowRow.name))}
            cards = conn.execute(select(func.count(func.distinct(_J.card_id))).where(
                _J.created_at >= start, _J.created_at < end,
                _J.kind == EntryKind.SALE.value)).scalar_one()
        return TodayData(day, now, facts, names, int(cards))
