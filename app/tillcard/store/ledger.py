"""The apply path: every balance change is a journal entry, applied once, serialised per card.

One transaction per change: lock the card's purse row (``FOR UPDATE``; ``BEGIN IMMEDIATE``
on SQLite), look the entry's UUID up (a replay returns the first result), decide with the
domain rules against the locked row, append the entry to the till's chain, move the purse.

On PostgreSQL a sale and the quote's read take one round trip each instead
(``tillcard.store.pg_sale``: the same steps in the server-side ``tillcard_sale()``); the
general path below stays for SQLite, voids, recharges, back-fill, and a central database
whose schema predates that function.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update

from tillcard.domain.cards import Card, CardStatus
from tillcard.domain.journal import Entry, EntryKind, NewGrant
from tillcard.domain.quote import Quote, make_quote, sale_refusal
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode
from tillcard.domain.wallet import Wallet
from tillcard.store.mapping import card_from, card_type_from, entry_from, entry_values, wallet_from
from tillcard.store.schema import (
    BonusGrantRow,
    CardRow,
    CardTypeRow,
    HolderRow,
    JournalRow,
    PurseRow,
    TillRow,
)

if TYPE_CHECKING:
    from tillcard.store.pg_sale import PgSale

log = logging.getLogger(__name__)

J = cast(Table, JournalRow.__table__)
P = cast(Table, PurseRow.__table__)
G = cast(Table, BonusGrantRow.__table__)
T = cast(Table, TillRow.__table__)
C = cast(Table, CardRow.__table__)
H = cast(Table, HolderRow.__table__)
CT = cast(Table, CardTypeRow.__table__)


def _prefixed(table: Table, prefix: str) -> list[Any]:
    return [c.label(prefix + c.name) for c in table.c]


def _unprefix(mapping: Any, prefix: str) -> SimpleNamespace:
    n = len(prefix)
    return SimpleNamespace(**{k[n:]: v for k, v in mapping.items() if k.startswith(prefix)})


# Statements of the hot path, built once: building a four-table select per charge cost
# more than the database took to run it.
_LOAD = (select(*_prefixed(P, "p_"), *_prefixed(C, "c_"), *_prefixed(H, "h_"),
                *_prefixed(CT, "t_"))
         .join(C, C.c.id == P.c.card_id)
         .join(H, H.c.id == C.c.holder_id)
         .join(CT, CT.c.id == C.c.card_type_id)
         .where(P.c.card_id == bindparam("card_id")))
_LOAD_LOCKED = _LOAD.with_for_update(of=P)
_GRANTS = select(G.c.id, G.c.remaining, G.c.expires_on).where(
    G.c.card_id == bindparam("card_id"), G.c.remaining != 0)
_ENTRY = select(J).where(J.c.id == bindparam("id"))
_HEAD = select(T.c.last_seq, T.c.last_hash).where(T.c.id == bindparam("till"))
_INSERT_ENTRY = insert(J)
_SET_SPEND = update(P).where(P.c.card_id == bindparam("card")).values(
    day=bindparam("day"), day_amount=bindparam("amount"), day_count=bindparam("count"),
    updated_at=bindparam("now"))


TILL_LOCK_KEY = 0x7111  # advisory-lock namespace of till chains


class EntryConflict(Exception):
    """The entry's UUID is already recorded with a different card, kind or amount."""


class LedgerError(Exception):
    """A request the ledger cannot act on (unknown sale, already voided...)."""


@dataclass(frozen=True)
class SaleRequest:
    entry_id: uuid.UUID
    till_id: int
    card_id: int
    list_amount: int
    created_at: datetime
    cashier_id: int | None = None
    split_tender: bool = False
    pin_verified: bool = False


@dataclass(frozen=True)
class Outcome:
    """What the ledger decided; ``wallet`` and ``spent`` are authoritative afterwards."""

    entry: Entry | None
    refusal: Refusal | None
    card: Card
    wallet: Wallet
    spent: DaySpend
    quote: Quote | None = None
    replayed: bool = False
    extra: tuple[Entry, ...] = field(default=())  # e.g. a bonus expiry applied first
    offline: bool = False  # recorded at the till only; the centre gets it on back-fill


@dataclass
class _Locked:
    card: Card
    wallet: Wallet
    spent: DaySpend
    day: date | None


class Ledger:
    """Applies journal entries to one database (the till's SQLite or the central server)."""

    def __init__(self, engine: Engine, *, fast: bool = True) -> None:
        """``fast=False`` keeps PostgreSQL on the general path (tests compare the two)."""
        self._engine = engine
        self._pg: PgSale | None = None
        if fast and engine.dialect.name == "postgresql":
            from tillcard.store.pg_sale import PgSale  # it imports this module

            self._pg = PgSale(engine, TILL_LOCK_KEY)

    # -- use cases ------------------------------------------------------------------------

    def sale(self, req: SaleRequest) -> Outcome:
        if self._pg is not None:
            from tillcard.store.pg_sale import SaleFunctionMissing

            try:
                return self._pg.sale(req)
            except SaleFunctionMissing:
                log.warning("the central database has no tillcard_sale() (migration 0004);"
                            " sales take the general path until it is upgraded")
                self._pg = None
        return self._sale(req)

    def _sale(self, req: SaleRequest) -> Outcome:
        """The general path: lock, replay, expire, decide, append, in SQL statements."""
        today = req.created_at.date()
        with self._engine.begin() as conn:
            locked = self._lock(conn, req.card_id, today)
            replay = self._replay(conn, req.entry_id, req.card_id, EntryKind.SALE,
                                  req.list_amount, locked)
            if replay:
                return replay
            expired = self._expire(conn, req.till_id, locked, req.created_at, req.cashier_id)
            quote = make_quote(req.list_amount, locked.card.card_type.discount_bp,
                               locked.wallet, today)
            refusal = sale_refusal(locked.card, quote, locked.spent, today,
                                   split_tender=req.split_tender,
                                   pin_verified=req.pin_verified)
            if refusal:
                return Outcome(None, refusal, locked.card, locked.wallet, locked.spent, quote,
                               extra=expired)
            alloc = quote.allocation
            entry = Entry(
                id=req.entry_id, till_id=req.till_id, seq=0, kind=EntryKind.SALE,
                card_id=req.card_id, cash_delta=-alloc.cash,
                bonus_parts=tuple((g, -a) for g, a in alloc.bonus_parts),
                list_amount=req.list_amount, discount=quote.discount,
                tendered_cash=quote.shortfall, cashier_id=req.cashier_id,
                created_at=req.created_at,
            )
            spent = DaySpend(locked.spent.amount + alloc.total, locked.spent.count + 1)
            entry = self._append(conn, entry, spent, today)
            return Outcome(entry, None, locked.card, locked.wallet.after(alloc), spent, quote,
                           extra=expired)

    def void(self, entry_id: uuid.UUID, till_id: int, sale_id: uuid.UUID,
             created_at: datetime, cashier_id: int | None = None) -> Outcome:
        """Reverse a sale: money back to the purses it came from, cash back to the customer."""
        sale = self.entry(sale_id)
        if sale is None or sale.kind is not EntryKind.SALE:
            raise LedgerError("no such sale to void")
        today = created_at.date()
        with self._engine.begin() as conn:
            locked = self._lock(conn, sale.card_id, today)
            replay = self._replay(conn, entry_id, sale.card_id, EntryKind.VOID, 0, locked)
            if replay:
                return replay
            done = conn.execute(select(J.c.id).where(J.c.void_of == sale_id)).first()
            if done is not None:
                raise LedgerError("this sale is already voided")
            entry = Entry(
                id=entry_id, till_id=till_id, seq=0, kind=EntryKind.VOID,
                card_id=sale.card_id, cash_delta=-sale.cash_delta,
                bonus_parts=tuple((g, -d) for g, d in sale.bonus_parts),
                tendered_cash=sale.tendered_cash, refers_to=sale_id, cashier_id=cashier_id,
                created_at=created_at,
            )
            spent = locked.spent
            if locked.day == sale.created_at.date():
                spent = DaySpend(max(0, spent.amount + sale.total_delta),
                                 max(0, spent.count - 1))
            entry = self._append(conn, entry, spent, today)
            return Outcome(entry, None, locked.card, self._wallet(conn, sale.card_id), spent)

    def recharge(self, entry_id: uuid.UUID, till_id: int, card_id: int, amount: int,
                 created_at: datetime, cashier_id: int | None = None) -> Outcome:
        """Cash in, plus the card type's bonus as a grant that expires; unblocks a card."""
        if amount <= 0:
            raise LedgerError("a recharge must be a positive amount")
        today = created_at.date()
        with self._engine.begin() as conn:
            locked = self._lock(conn, card_id, today)
            replay = self._replay(conn, entry_id, card_id, EntryKind.RECHARGE, amount, locked)
            if replay:
                return replay
            if locked.card.status in (CardStatus.CLOSED, CardStatus.LOST):
                return Outcome(None, Refusal(RefusalCode(locked.card.status.value)),
                               locked.card, locked.wallet, locked.spent)
            rule = locked.card.card_type.recharge
            bonus = rule.bonus_for(amount)
            grant = NewGrant(str(entry_id), bonus, today + timedelta(days=rule.bonus_expiry_days)
                             ) if bonus else None
            entry = Entry(
                id=entry_id, till_id=till_id, seq=0, kind=EntryKind.RECHARGE, card_id=card_id,
                cash_delta=amount, new_grant=grant, list_amount=amount,
                cashier_id=cashier_id, created_at=created_at,
            )
            entry = self._append(conn, entry, locked.spent, today)
            wallet = self._wallet(conn, card_id)
            card = locked.card
            if card.status is CardStatus.BLOCKED and wallet.balance(today) >= 0:
                conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                    status=CardStatus.ACTIVE.value, updated_at=_now()))
                card = replace(card, status=CardStatus.ACTIVE)
            return Outcome(entry, None, card, wallet, locked.spent)

    # -- reads ----------------------------------------------------------------------------

    def entry(self, entry_id: uuid.UUID) -> Entry | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(J).where(J.c.id == entry_id)).first()
            return entry_from(row) if row else None

    def card_state(self, card_id: int, today: date) -> tuple[Card, Wallet, DaySpend]:
        """Card, wallet and today's spend without locking (for display)."""
        if self._pg is not None:
            state = self._pg.card_state(card_id, today)
            if state is None:
                raise LedgerError(f"unknown card id {card_id}")
            return state
        with self._engine.connect() as conn:
            return self.card_state_in(conn, card_id, today)

    def card_state_in(self, conn: Connection, card_id: int, today: date
                      ) -> tuple[Card, Wallet, DaySpend]:
        """``card_state`` on a connection the caller holds (to read more in one go)."""
        locked = self._load(conn, card_id, today, lock=False)
        return locked.card, locked.wallet, locked.spent

    # -- internals ------------------------------------------------------------------------

    def _lock(self, conn: Connection, card_id: int, today: date) -> _Locked:
        return self._load(conn, card_id, today, lock=True)

    def _load(self, conn: Connection, card_id: int, today: date, *, lock: bool) -> _Locked:
        q = _LOAD_LOCKED if lock else _LOAD
        row = conn.execute(q, {"card_id": card_id}).first()
        if row is None:
            raise LedgerError(f"unknown card id {card_id}")
        m = row._mapping
        card, holder, ctype = (_unprefix(m, "c_"), _unprefix(m, "h_"), _unprefix(m, "t_"))
        cash, day, day_amount, day_count = m["p_cash"], m["p_day"], m["p_day_amount"], \
            m["p_day_count"]
        grants = conn.execute(_GRANTS, {"card_id": card_id}).all()
        spent = DaySpend(day_amount, day_count) if day == today else DaySpend()
        return _Locked(card_from(card, holder, card_type_from(ctype)),
                       wallet_from(cash, grants), spent, day)

    def _wallet(self, conn: Connection, card_id: int) -> Wallet:
        cash = conn.execute(select(P.c.cash).where(P.c.card_id == card_id)).scalar_one()
        grants = conn.execute(_GRANTS, {"card_id": card_id}).all()
        return wallet_from(cash, grants)

    def _replay(self, conn: Connection, entry_id: uuid.UUID, card_id: int, kind: EntryKind,
                amount: int, locked: _Locked) -> Outcome | None:
        row = conn.execute(_ENTRY, {"id": entry_id}).first()
        if row is None:
            return None
        if row.card_id != card_id or row.kind != kind or (amount and row.list_amount != amount):
            raise EntryConflict(f"entry {entry_id} exists with a different card, kind or "
                                "amount")
        return Outcome(entry_from(row), None, locked.card, locked.wallet, locked.spent,
                       replayed=True)

    def _expire(self, conn: Connection, till_id: int, locked: _Locked, at: datetime,
                cashier_id: int | None) -> tuple[Entry, ...]:
        """Take expired bonus remainders out through an ``expire`` entry, so all is explained."""
        today = at.date()
        stale = [g for g in locked.wallet.grants if g.remaining > 0 and g.expires_on < today]
        if not stale:
            return ()
        entry = Entry(id=uuid.uuid4(), till_id=till_id, seq=0, kind=EntryKind.BONUS_EXPIRE,
                      card_id=locked.card.id, cash_delta=0,
                      bonus_parts=tuple((g.id, -g.remaining) for g in stale),
                      cashier_id=cashier_id, created_at=at)
        entry = self._append(conn, entry, locked.spent, today)
        stale_ids = {g.id for g in stale}
        locked.wallet = Wallet(locked.wallet.cash, tuple(
            g for g in locked.wallet.grants if g.id not in stale_ids))
        return (entry,)

    def _append(self, conn: Connection, entry: Entry, spent: DaySpend, today: date) -> Entry:
        """Insert the entry; the database's journal trigger moves purses, grants and head.

        Today's spend is the one projection written here: it is a limit counter, not
        money, and it must change under the same lock as the decision.
        """
        # Entries of one till are serialised (card lock first, then the till's, always in
        # that order); the journal trigger still refuses any entry that would fork the chain.
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k, :t)"),
                         {"k": TILL_LOCK_KEY, "t": entry.till_id})
        head = conn.execute(_HEAD, {"till": entry.till_id}).first()
        if head is None:
            raise LedgerError(f"unknown till {entry.till_id}")
        entry = replace(entry, seq=head.last_seq + 1, prev_hash=head.last_hash)
        now = _now()
        conn.execute(_INSERT_ENTRY, {**entry_values(entry), "recorded_at": now})
        conn.execute(_SET_SPEND, {"card": entry.card_id, "day": today, "amount": spent.amount,
                                  "count": spent.count, "now": now})
        return entry


def _now() -> datetime:
    return datetime.now(UTC)


