"""Bulk loading of a generated ledger: COPY on PostgreSQL, plain inserts on SQLite.

One transaction for everything, so a failed load leaves the database as it was. On
PostgreSQL the owner switches off the journal's projection trigger and the new card's
purse trigger for the load (``ALTER TABLE … DISABLE TRIGGER``, undone before commit) and
writes purses, bonus grants, chain heads and exceptions computed by the generator; every
other trigger (change marks, notifications) and every constraint stays on. On SQLite, for
small loads, the journal goes in through its triggers like any entry, which project it;
only what no trigger writes (day counters, card statuses) is written afterwards. Either
way ``tillcard verify`` is the judge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update

from tillcard.domain.cards import CardType
from tillcard.domain.journal import GENESIS_HASH
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
PAUSED = (("journal", "journal_apply"), ("cards", "cards_purse"))
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

    def pause_projection(self) -> None:
        if self.pg:
            for table, trigger in PAUSED:
                self.conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))

    def lines(self, columns: Sequence[str], lines: Sequence[Sequence[Any]]) -> None:
        """Journal lines in each till's chain order (SQLite's trigger checks the chain)."""
        if self.pg:
            raw = self.conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur, cur.copy(
                    f"COPY journal ({', '.join(columns)}) FROM STDIN") as copy:
                for start in range(0, len(lines), 5_000):
                    copy.write("".join(map(_copy_text, lines[start:start + 5_000])))
        elif lines:
            self.conn.execute(insert(J), [_sqlite_line(columns, line) for line in lines])

    # -- what the trigger would have written ----------------------------------------------

    def finish(self, purses: Sequence[Sequence[Any]], grants: Sequence[Sequence[Any]],
               heads: Iterable[tuple[int, int, str, datetime]],
               statuses: Sequence[CardStatusRow], batches: Sequence[Sequence[Any]],
               exceptions: Sequence[Sequence[Any]]) -> None:
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
            for table, trigger in PAUSED:
                c.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
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

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
              ) -> None:
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _b(name: str) -> Any:
    return bindparam(name)


def _copy_text(line: Sequence[Any]) -> str:
    """A journal line in COPY's text format.

    Its values hold no tab, newline or backslash: UUIDs, numbers, kinds, bonus parts of
    UUIDs and numbers, dates and instants.
    """
    return "\t".join(["\\N" if v is None else str(v) for v in line]) + "\n"


def _sqlite_line(columns: Sequence[str], line: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(columns, line, strict=True))
    for key in ("id", "refers_to", "void_of"):
        if row[key] is not None:
            row[key] = uuid.UUID(row[key])
    return row


@contextmanager
def bulk_load(engine: Engine) -> Iterator[BulkLoad]:
    """One transaction for the whole load; ``ANALYZE`` afterwards (fresh statistics)."""
    with engine.begin() as conn:
        yield BulkLoad(conn)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
