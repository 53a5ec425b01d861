"""Bulk loading of a generated ledger: COPY on PostgreSQL, plain inserts on SQLite.

One transaction for everything, so a failed load leaves the database as it was. On
PostgreSQL the owner, for the load only, switches off the journal's row triggers (the
projection, the day totals, the live feed: ``ALTER TABLE … DISABLE TRIGGER``, undone before
commit) and the new card's purse trigger, and drops the journal's non-unique indexes and
its foreign keys; the journal then streams in through one long COPY of preformatted text.
Before commit the indexes are built again from their own definitions (a sorted build, not
ten million insertions), the foreign keys are added again (which checks every row), the
purses, bonus grants, chain heads and exceptions computed by the generator are written and
the day totals rebuilt. Every unique index and check constraint stays on throughout. A
partitioned journal (migration 0020) gets each month's partition before the COPY reaches
it, and its side tables of ids, voids and corrections are filled at once afterwards. On
SQLite, for small loads, the journal goes in through its triggers like any entry, which
project it; only what no trigger writes (day counters, card statuses) is written
afterwards. Either way ``tillcard verify`` is the judge.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update

from tillcard.domain.cards import CardType
from tillcard.domain.journal import GENESIS_HASH
from tillcard.store import partitions
from tillcard.store.schema import (
    AllowanceBatchRow,
    CardRow,
    CardTypeRow,
    ExceptionRow,
    HolderRow,
    JournalRow,
    MealWindowRow,
    PurseRow,
    TillRow,
    UserRow,
)

J = cast(Table, JournalRow.__table__)
# the journal's columns, in the order of every line a load streams
COLUMNS = ("id", "till_id", "seq", "kind", "card_id", "cash_delta", "bonus_delta",
           "bonus_parts", "allowance_delta", "grant_id", "grant_amount", "grant_expires_on",
           "list_amount", "discount", "tendered_cash", "refers_to", "void_of", "cashier_id",
           "created_at", "recorded_at", "prev_hash", "hash")
NULL = "\\N"  # COPY's text format for NULL
# the journal's own triggers that fire on insert: the projection, the totals, the feed
_INSERT_TRIGGERS = """SELECT tgname FROM pg_trigger WHERE tgrelid = 'journal'::regclass
                       AND NOT tgisinternal AND tgtype & 4 <> 0 ORDER BY tgname"""
# full non-unique indexes only: a partial one (voids and corrections) takes few entries,
# and rebuilt from its definition its predicate would read back differently
_PLAIN_INDEXES = """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
                      JOIN pg_class c ON c.oid = i.indexrelid
                     WHERE i.indrelid = 'journal'::regclass AND NOT i.indisunique
                       AND i.indpred IS NULL
                     ORDER BY c.relname"""
_FOREIGN_KEYS = """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE conrelid = 'journal'::regclass AND contype = 'f' ORDER BY conname"""
_UUIDS = frozenset(("id", "refers_to", "void_of"))
_INSTANTS = frozenset(("created_at", "recorded_at"))
_TEXTS = frozenset(("kind", "bonus_parts", "grant_id", "prev_hash", "hash"))
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
SERIAL = ("tills", "users", "card_types", "holders", "cards")
HOLDER_COLUMNS = ("id", "name", "staff_no", "updated_at", "phone")
CARD_COLUMNS = ("id", "number", "uid", "holder_id", "card_type_id", "status", "valid_until",
                "pin_failures", "updated_at", "status_reason", "deposit_held")
PURSE_COLUMNS = ("card_id", "cash", "bonus", "allowance", "day", "day_amount", "day_count",
                 "updated_at", "version", "meal_day", "meal_minute", "meal_count")
GRANT_COLUMNS = ("id", "card_id", "remaining", "expires_on", "origin_entry", "version")
EXCEPTION_COLUMNS = ("entry_id", "till_id", "card_id", "cashier_id", "kind", "amount",
                     "sold_at", "recorded_at")
BATCH_COLUMNS = ("card_type_id", "period", "kind", "amount", "cards", "total", "at",
                 "user_id")


class LoadRefused(Exception):
    """The database cannot take a demo load (it holds entries already, or is not owned)."""


@dataclass(frozen=True)
class IdBase:
    """The highest ids in the database and its walk-in card: new rows are numbered after."""

    till: int
    user: int
    card_type: int
    holder: int
    card: int
    walk_in: int


@dataclass(frozen=True)
class CardStatusRow:
    card_id: int
    status: str
    deposit_held: int
    replaced_by: int | None
    reason: str


def id_base(engine: Engine) -> IdBase:
    """Where the demo's ids start; refuses a database whose journal is not empty."""
    with engine.connect() as conn:
        if conn.execute(select(J.c.id).limit(1)).first() is not None:
            raise LoadRefused("the database holds journal entries already: demo-data fills "
                              "a new one")
        top = [int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one())
               for t in SERIAL]
        walk_in = conn.execute(select(CardRow.id).where(CardRow.number == "CASH")
                               ).scalar_one_or_none()
    if walk_in is None:
        raise LoadRefused("the database has no walk-in card: run `tillcard db upgrade`")
    till, user, card_type, holder, card = top
    return IdBase(till, user, card_type, holder, card, int(walk_in))


class BulkLoad:
    """The writes of one load, on the connection of its one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.now = datetime.now(UTC)
        self._journal: tuple[ExitStack, Any] | None = None  # the open COPY
        self._paused: list[tuple[str, str]] = []
        self._dropped: list[tuple[str, str]] = []  # index name, its CREATE statement
        self._foreign: list[tuple[str, str]] = []  # constraint name, its definition
        self._partitioned = False
        self._months: set[date] = set()  # the journal's monthly partitions (PostgreSQL)

    # -- reference data -------------------------------------------------------------------

    def tills(self, rows: Iterable[tuple[int, str, str]]) -> None:
        self.conn.execute(insert(TillRow), [
            {"id": i, "name": n, "site": booth, "last_seq": 0, "last_hash": GENESIS_HASH}
            for i, n, booth in rows])

    def users(self, rows: Iterable[tuple[int, str, str, str]], password_hash: str,
              pin_hash: str | None) -> None:
        self.conn.execute(insert(UserRow), [
            {"id": i, "login": login, "name": name, "role": role, "password_hash": password_hash,
             "active": True, "pin_hash": pin_hash if role != "admin" else None,
             "updated_at": self.now} for i, login, name, role in rows])

    def card_type(self, type_id: int, ct: CardType, deposit: int, fee: int) -> None:
        rr = ct.recharge
        self.conn.execute(insert(CardTypeRow).values(
            id=type_id, code=ct.code, name=ct.name, discount_bp=ct.discount_bp,
            per_txn_limit=ct.per_txn_limit, daily_amount_limit=ct.daily_amount_limit,
            daily_count_limit=ct.daily_count_limit, pin_above=ct.pin_above,
            offline_limit=ct.offline_limit, validity_days=ct.validity_days,
            bonus_bp=rr.bonus_bp, bonus_expiry_days=rr.bonus_expiry_days,
            bonus_tiers="[" + ",".join(f"[{t.min_amount},{t.bonus}]" for t in rr.tiers) + "]",
            updated_at=self.now, refuse_outside_windows=ct.refuse_outside_windows,
            spend_order=",".join(ct.spend_order), allowance_reset=ct.allowance_reset,
            deposit=deposit, card_fee=fee))
        if ct.meal_windows:
            self.conn.execute(insert(MealWindowRow), [
                {"card_type_id": type_id, "position": p, "name": w.name,
                 "start_min": w.start_min, "end_min": w.end_min, "count_limit": w.count_limit,
                 "fixed_price": w.fixed_price, "updated_at": self.now}
                for p, w in enumerate(ct.meal_windows, start=1)])

    def cards(self, holders: Sequence[tuple[int, str, str]],
              cards: Sequence[tuple[int, str, str, int, int, date | None, int]]) -> None:
        """Holders and their new cards (active, empty, the deposit they hold)."""
        hs = [(i, name, no, self.now, "") for i, name, no in holders]
        cs = [(i, number, uid, holder, ctype, "active", until, 0, self.now, "", deposit)
              for i, number, uid, holder, ctype, until, deposit in cards]
        if self.pg:
            self._copy("holders", HOLDER_COLUMNS, hs)
            self._copy("cards", CARD_COLUMNS, cs)
            return
        if hs:
            self.conn.execute(insert(HolderRow), [dict(zip(HOLDER_COLUMNS, h, strict=True))
                                                  for h in hs])
        if cs:
            self.conn.execute(insert(CardRow), [dict(zip(CARD_COLUMNS, c, strict=True))
                                                for c in cs])

    # -- the journal ----------------------------------------------------------------------

    def prepare(self) -> None:
        """PostgreSQL: row triggers off, non-unique indexes and foreign keys out (``restore``)."""
        if not self.pg:
            return
        c = self.conn
        self._paused = [("cards", "cards_purse"), *(("journal", str(t)) for t in c.execute(
            text(_INSERT_TRIGGERS)).scalars())]
        for table, trigger in self._paused:
            c.execute(text(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"'))
        self._dropped = [(str(n), str(d)) for n, d in c.execute(text(_PLAIN_INDEXES))]
        self._foreign = [(str(n), str(d)) for n, d in c.execute(text(_FOREIGN_KEYS))]
        for name, _ in self._foreign:
            c.execute(text(f'ALTER TABLE journal DROP CONSTRAINT "{name}"'))
        for name, _ in self._dropped:
            c.execute(text(f'DROP INDEX "{name}"'))
        self._partitioned = partitions.is_partitioned(c)
        if self._partitioned:
            self._months = set(partitions.months(c))

    def lines(self, chunk: str) -> None:
        """Journal lines in COPY's text format, in each till's chain order.

        On PostgreSQL they join one COPY that stays open until the next other write; on
        SQLite they are decoded and inserted (its trigger checks the chain).
        """
        if not chunk:
            return
        if not self.pg:
            self.conn.execute(insert(J), [decode_line(line)
                                          for line in chunk.splitlines()])
            return
        if self._partitioned:
            self._partitions_for(chunk)
        if self._journal is None:
            stack = ExitStack()
            raw = self._raw()
            cur = stack.enter_context(raw.cursor())
            self._journal = stack, stack.enter_context(cur.copy(
                f"COPY journal ({', '.join(COLUMNS)}) FROM STDIN"))
        self._journal[1].write(chunk)

    def _partitions_for(self, chunk: str) -> None:
        """Partitions for the months from the chunk's first line to its last, before COPY.

        Lines come in time order; a stray one lands in the default partition, split out by
        ``restore``.
        """
        first = chunk[:chunk.find("\n")].rsplit("\t", 4)[1]
        last = chunk.rstrip("\n").rsplit("\n", 1)[-1].rsplit("\t", 4)[1]
        m = partitions.month_of(date.fromisoformat(first[:7] + "-01"))
        end = partitions.month_of(date.fromisoformat(last[:7] + "-01"))
        while m <= end:
            if m not in self._months:
                self.end_lines()  # DDL between two COPYs
                partitions.create_month(self.conn, m)
                self._months.add(m)
            m = partitions.next_month(m)

    def end_lines(self, exc: BaseException | None = None) -> None:
        """Ends the open COPY: done, or (``exc``) abandoned so the transaction can roll back."""
        if self._journal is None:
            return
        stack, self._journal = self._journal[0], None
        if exc is None:
            stack.close()
        else:
            stack.__exit__(type(exc), exc, exc.__traceback__)

    def restore(self) -> None:
        """Indexes built again, foreign keys added again (each row checked), triggers on.

        The builds may use both cores and a generous sort memory, for this transaction only.
        """
        if not self.pg:
            return
        self.end_lines()
        c = self.conn
        c.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        c.execute(text("SET LOCAL max_parallel_maintenance_workers = 2"))
        if self._partitioned:  # the uniqueness the side tables keep (migration 0020)
            for sql in partitions.SIDE_FILL:
                c.execute(text(sql))
        for _, definition in self._dropped:
            # a partitioned index reads "ON ONLY journal": built so, it would cover no month
            c.execute(text(definition.replace(" ON ONLY ", " ON ", 1)))
        for name, definition in self._foreign:
            c.execute(text(f'ALTER TABLE journal ADD CONSTRAINT "{name}" {definition}'))
        for table, trigger in self._paused:
            c.execute(text(f'ALTER TABLE {table} ENABLE TRIGGER "{trigger}"'))
        if self._partitioned:  # a stray line in the default partition: its month split out
            oldest = c.execute(text(f"SELECT min(created_at) FROM {partitions.DEFAULT}")
                               ).scalar_one()
            if oldest is not None:
                partitions.ensure_partitions(c, since=partitions.month_of(oldest))

    # -- what the trigger would have written ----------------------------------------------

    def finish(self, purses: Sequence[Sequence[Any]], grants: Sequence[Sequence[Any]],
               heads: Iterable[tuple[int, int, str, datetime]],
               statuses: Sequence[CardStatusRow], batches: Sequence[Sequence[Any]],
               exceptions: Sequence[Sequence[Any]]) -> None:
        """Purses, grants, heads and exceptions (PostgreSQL), then statuses and batches.

        On PostgreSQL, called between the journal and ``restore`` (the purse trigger off).
        """
        self.end_lines()
        c = self.conn
        if self.pg:
            self._copy("purses", PURSE_COLUMNS, purses)
            self._copy("bonus_grants", GRANT_COLUMNS, grants)
            c.execute(update(TillRow).where(TillRow.id == _b("till")).values(
                last_seq=_b("seq"), last_hash=_b("hash"), last_at=_b("at")),
                [{"till": t, "seq": s, "hash": h, "at": at} for t, s, h, at in heads])
            if exceptions:
                c.execute(insert(ExceptionRow), [
                    {**dict(zip(EXCEPTION_COLUMNS, e, strict=True)), "note": ""}
                    for e in exceptions])
            for table in SERIAL:
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))"))
        else:  # the trigger moved purses, grants and heads; the counters are the ledger's
            c.execute(update(PurseRow).where(PurseRow.card_id == _b("card")).values(
                day=_b("day"), day_amount=_b("amount"), day_count=_b("count"),
                meal_day=_b("meal_day"), meal_minute=_b("meal_minute"),
                meal_count=_b("meal_count")),
                [{"card": p[0], "day": p[4], "amount": p[5], "count": p[6], "meal_day": p[9],
                  "meal_minute": p[10], "meal_count": p[11]} for p in purses])
        if statuses:
            c.execute(update(CardRow).where(CardRow.id == _b("card")).values(
                status=_b("status"), deposit_held=_b("deposit"), replaced_by=_b("by"),
                status_reason=_b("reason"), updated_at=self.now),
                [{"card": s.card_id, "status": s.status, "deposit": s.deposit_held,
                  "by": s.replaced_by, "reason": s.reason} for s in statuses])
        if batches:
            c.execute(insert(AllowanceBatchRow), [dict(zip(BATCH_COLUMNS, b, strict=True))
                                                  for b in batches])

    def day_totals(self) -> int:
        """PostgreSQL: the reports' table recomputed from the loaded journal; its rows."""
        if not self.pg:
            return 0
        from tillcard.store.day_totals import rebuild_day_totals

        return rebuild_day_totals(self.conn)

    def _raw(self) -> Any:
        raw = self.conn.connection.driver_connection
        assert raw is not None
        return raw

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
              ) -> None:
        self.end_lines()
        with self._raw().cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _b(name: str) -> Any:
    return bindparam(name)


def _unescape(value: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), value)


def decode_line(line: str) -> dict[str, Any]:
    """A journal line in COPY's text format (``COLUMNS``), decoded to the row it holds.

    Read by a SQLite load and by ``store.archive`` (files PostgreSQL wrote, with ``+00``
    offsets and backslash escapes).
    """
    row: dict[str, Any] = {}
    for key, value in zip(COLUMNS, line.split("\t"), strict=True):
        if value == NULL:
            row[key] = None
        elif key in _UUIDS:
            row[key] = uuid.UUID(value)
        elif key in _INSTANTS:
            row[key] = datetime.fromisoformat(value + (":00" if value[-3] in "+-" else ""))
        elif key == "grant_expires_on":
            row[key] = date.fromisoformat(value)
        elif key in _TEXTS:
            row[key] = _unescape(value)
        else:
            row[key] = int(value)
    return row


@contextmanager
def bulk_load(engine: Engine) -> Iterator[BulkLoad]:
    """One transaction for the whole load; ``ANALYZE`` afterwards (fresh statistics)."""
    with engine.begin() as conn:
        load = BulkLoad(conn)
        try:
            yield load
        except BaseException as exc:
            with suppress(Exception):  # the COPY may have failed already: the first error
                load.end_lines(exc)
            raise
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
