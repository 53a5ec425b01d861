"""The apply path: every balance change is a journal entry, applied once, serialised per card.

On PostgreSQL (the centre) money moves only through the centre's functions
(``store.pg_centre``, migration 0007): they validate, take time and date from the server
and decide. On SQLite (a standalone till, and the domain's twin in tests) the same steps
run here, one transaction per change: lock the card's purse row (``BEGIN IMMEDIATE``),
look the entry's UUID up (a replay returns the first result), decide with the domain rules
against the locked row, append the entry to the till's chain, move the purse.

Either way the request is checked before anything is sent or written: amounts are ints
within the site's maximum, the same bound on both engines.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from tillcard.domain.cards import Card, CardStatus
from tillcard.domain.clock import DayCounter
from tillcard.domain.journal import Entry, EntryKind, NewGrant
from tillcard.domain.meals import MealCounter
from tillcard.domain.money import require_amount
from tillcard.domain.quote import Quote, make_quote, sale_refusal
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode, with_meals
from tillcard.domain.site import SiteRules
from tillcard.domain.wallet import Wallet
from tillcard.store.mapping import (
    card_from,
    card_type_from,
    entry_from,
    entry_values,
    wallet_from,
    window_from,
)
from tillcard.store.schema import (
    BonusGrantRow,
    CardRow,
    CardTypeRow,
    HolderRow,
    JournalRow,
    MealWindowRow,
    PurseRow,
    TillRow,
    UserRow,
)
from tillcard.store.site import load_rules

if TYPE_CHECKING:
    from tillcard.store.pg_centre import PgCentre

log = logging.getLogger(__name__)

J = cast(Table, JournalRow.__table__)
P = cast(Table, PurseRow.__table__)
G = cast(Table, BonusGrantRow.__table__)
T = cast(Table, TillRow.__table__)
C = cast(Table, CardRow.__table__)
H = cast(Table, HolderRow.__table__)
CT = cast(Table, CardTypeRow.__table__)
U = cast(Table, UserRow.__table__)
W = cast(Table, MealWindowRow.__table__)


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
_WINDOWS = select(W.c.name, W.c.start_min, W.c.end_min, W.c.count_limit, W.c.fixed_price
                  ).where(W.c.card_type_id == bindparam("type_id")).order_by(W.c.position)
_HEAD = select(T.c.last_seq, T.c.last_hash, T.c.last_at).where(T.c.id == bindparam("till"))
_INSERT_ENTRY = insert(J)
_SET_SPEND = update(P).where(P.c.card_id == bindparam("card")).values(
    day=bindparam("day"), day_amount=bindparam("amount"), day_count=bindparam("count"),
    updated_at=bindparam("now"))
_SET_MEAL = update(P).where(P.c.card_id == bindparam("card")).values(
    meal_day=bindparam("meal_day"), meal_minute=bindparam("meal_minute"),
    meal_count=bindparam("meal_count"))
_CASHIER_ACTIVE = select(U.c.active).where(U.c.id == bindparam("id"))


TILL_LOCK_KEY = 0x7111  # advisory-lock namespace of till chains
CASH_CARD = "CASH"  # the walk-in card of sales without a card (migration 0010)


class LedgerError(Exception):
    """A request the ledger cannot act on (unknown sale, already voided...)."""


class EntryConflict(LedgerError):
    """The entry's UUID is already recorded with a different card, kind or amount."""


class AlreadyVoided(LedgerError):
    """The sale has a void already; a sale is voided at most once."""


class InvalidRequest(LedgerError, ValueError):
    """An argument the centre refuses (an amount out of range, a disabled cashier...)."""


class NotPermitted(LedgerError):
    """This database login may not act for that till (it is bound to another, or none)."""


class CentreTooOld(LedgerError):
    """The central database lacks the money functions this till calls."""


@dataclass(frozen=True)
class SaleRequest:
    """What a till asks for; ``created_at`` counts only where the till is the clock.

    A standalone till's SQLite ledger and an offline sale use it; the centre takes its own
    time for online sales and bounds a back-filled sale's (see ``store.backfill``).
    """

    entry_id: uuid.UUID
    till_id: int
    card_id: int
    list_amount: int
    created_at: datetime
    cashier_id: int | None = None
    split_tender: bool = False
    pin_verified: bool = False

    def check(self, rules: SiteRules) -> None:
        """Refuse a malformed request before anything is written or sent, on any engine."""
        require_amount(self.list_amount, "the amount", rules.max_amount)
        for name in ("till_id", "card_id"):
            if type(getattr(self, name)) is not int:
                raise InvalidRequest(f"{name} must be an int")
        if self.cashier_id is not None and type(self.cashier_id) is not int:
            raise InvalidRequest("cashier_id must be an int")
        if type(self.split_tender) is not bool or type(self.pin_verified) is not bool:
            raise InvalidRequest("split_tender and pin_verified must be bools")


@dataclass(frozen=True)
class Outcome:
    """What the ledger decided; ``wallet`` and ``spent`` are authoritative afterwards.

    ``version`` is the card's purse version after the call, where the centre told it: a
    till writes those balances to its replica only over an older version.
    """

    entry: Entry | None
    refusal: Refusal | None
    card: Card
    wallet: Wallet
    spent: DaySpend
    quote: Quote | None = None
    replayed: bool = False
    extra: tuple[Entry, ...] = field(default=())  # e.g. a bonus expiry applied first
    offline: bool = False  # recorded at the till only; the centre gets it on back-fill
    version: int | None = None
    counter: DayCounter | None = None  # the stored day counter, where it is known
    meal: MealCounter | None = None  # the stored meal counter, where it is known


@dataclass
class _Locked:
    card: Card
    wallet: Wallet
    counter: DayCounter
    meal: MealCounter

    def spent(self, day: date) -> DaySpend:
        return with_meals(self.counter.spent(day), self.meal, self.counter.effective_day(day))


class Ledger:
    """Applies journal entries to one database (the till's SQLite or the central server)."""

    def __init__(self, engine: Engine, rules: SiteRules | None = None) -> None:
        """``rules`` default to the database's ``site`` row, read on first use."""
        self._engine = engine
        self._rules = rules
        self._pg: PgCentre | None = None
        if engine.dialect.name == "postgresql":
            from tillcard.store.pg_centre import PgCentre  # it imports this module

            self._pg = PgCentre(engine, lambda: self.rules.clock)

    @property
    def rules(self) -> SiteRules:
        if self._rules is None:
            with self._engine.connect() as conn:
                self._rules = load_rules(conn)
        return self._rules

    def forget_rules(self) -> None:
        """Read the site row again next time (a pull brought a new one)."""
        self._rules = None

    # -- use cases ------------------------------------------------------------------------

    def sale(self, req: SaleRequest) -> Outcome:
        req.check(self.rules)
        if self._pg is not None:
            return self._pg.sale(req)
        return self._sale(req)

    def _sale(self, req: SaleRequest) -> Outcome:
        """SQLite: lock, replay, expire, decide, append, as the centre's function does."""
        with self._engine.begin() as conn:
            locked = self._lock(conn, req.card_id)
            # the clock's day decides expiry and validity; a counter already on a later
            # day (a clock that stepped back) keeps counting there (DayCounter)
            today = self.rules.clock.business_day(req.created_at)
            replay = self._replay(conn, req.entry_id, req.card_id, EntryKind.SALE,
                                  req.list_amount, locked, today)
            if replay:
                return replay
            self._check_cashier(conn, req.cashier_id)
            expired = self._expire(conn, req.till_id, locked, req.created_at, req.cashier_id,
                                   today)
            quote = make_quote(req.list_amount, locked.card.card_type.discount_bp,
                               locked.wallet, today, locked.card.card_type.spend_order)
            spent = locked.spent(today)
            refusal = sale_refusal(locked.card, quote, spent, today,
                                   split_tender=req.split_tender,
                                   pin_verified=req.pin_verified,
                                   minute=self.rules.clock.minute(req.created_at))
            if refusal:
                return Outcome(None, refusal, locked.card, locked.wallet, spent, quote,
                               extra=expired, counter=locked.counter, meal=locked.meal)
            alloc = quote.allocation
            entry = Entry(
                id=req.entry_id, till_id=req.till_id, seq=0, kind=EntryKind.SALE,
                card_id=req.card_id, cash_delta=-alloc.cash,
                bonus_parts=tuple((g, -a) for g, a in alloc.bonus_parts),
                list_amount=req.list_amount, discount=quote.discount,
                tendered_cash=quote.shortfall, cashier_id=req.cashier_id,
                created_at=req.created_at, allowance_delta=-alloc.allowance,
            )
            day = locked.counter.effective_day(today)
            counter = locked.counter.add(day, alloc.total)
            entry = self._append(conn, entry, counter)
            meal = locked.meal.add(day, self.rules.clock.minute(req.created_at),
                                   locked.card.card_type.meal_windows,
                                   self.rules.clock.cutoff_minutes)
            _write_meal(conn, req.card_id, locked.meal, meal)
            return Outcome(entry, None, locked.card, locked.wallet.after(alloc),
                           with_meals(counter.spent(today), meal, day), quote, extra=expired,
                           counter=counter, meal=meal)

    def void(self, entry_id: uuid.UUID, till_id: int, sale_id: uuid.UUID,
             created_at: datetime, cashier_id: int | None = None) -> Outcome:
        """Reverse a sale: money back to the purses it came from, cash back to the customer.

        The sale's spend leaves the day counter only if the counter is still on the sale's
        business day. At the centre the server's clock dates the void (``created_at`` is
        the till's, used by SQLite only).
        """
        if self._pg is not None:
            return self._pg.void(entry_id, till_id, sale_id, cashier_id)
        sale = self.entry(sale_id)
        if sale is None or sale.kind is not EntryKind.SALE:
            raise LedgerError("no such sale to void")
        clock = self.rules.clock
        with self._engine.begin() as conn:
            locked = self._lock(conn, sale.card_id)
            today = clock.business_day(created_at)
            replay = self._replay(conn, entry_id, sale.card_id, EntryKind.VOID, 0, locked,
                                  today, refers_to=sale_id)
            if replay:
                return replay
            self._check_cashier(conn, cashier_id)
            done = conn.execute(select(J.c.id).where(J.c.void_of == sale_id)).first()
            if done is not None:
                raise AlreadyVoided("this sale is already voided")
            entry = Entry(
                id=entry_id, till_id=till_id, seq=0, kind=EntryKind.VOID,
                card_id=sale.card_id, cash_delta=-sale.cash_delta,
                bonus_parts=tuple((g, -d) for g, d in sale.bonus_parts),
                tendered_cash=sale.tendered_cash, refers_to=sale_id, cashier_id=cashier_id,
                created_at=created_at, allowance_delta=-sale.allowance_delta,
            )
            sale_day = clock.business_day(sale.created_at)
            counter = locked.counter.remove(sale_day, -sale.total_delta)
            entry = self._append(conn, entry, counter)
            meal = locked.meal.remove(sale_day, clock.minute(sale.created_at),
                                      locked.card.card_type.meal_windows)
            _write_meal(conn, sale.card_id, locked.meal, meal)
            return Outcome(entry, None, locked.card, self._wallet(conn, sale.card_id),
                           with_meals(counter.spent(today), meal, counter.effective_day(today)),
                           counter=counter, meal=meal)

    def recharge(self, entry_id: uuid.UUID, till_id: int, card_id: int, amount: int,
                 created_at: datetime, cashier_id: int | None = None) -> Outcome:
        """Cash in, plus the card type's bonus as a grant that expires; unblocks a card."""
        require_amount(amount, "a recharge", self.rules.max_amount, positive=True)
        if self._pg is not None:
            return self._pg.recharge(entry_id, till_id, card_id, amount, cashier_id)
        today = self.rules.clock.business_day(created_at)
        with self._engine.begin() as conn:
            locked = self._lock(conn, card_id)
            replay = self._replay(conn, entry_id, card_id, EntryKind.RECHARGE, amount, locked,
                                  today)
            if replay:
                return replay
            self._check_cashier(conn, cashier_id)
            spent = locked.spent(today)
            if locked.card.status in (CardStatus.CLOSED, CardStatus.LOST):
                return Outcome(None, Refusal(RefusalCode(locked.card.status.value)),
                               locked.card, locked.wallet, spent)
            rule = locked.card.card_type.recharge
            bonus = rule.bonus_for(amount)
            grant = NewGrant(str(entry_id), bonus, today + timedelta(days=rule.bonus_expiry_days)
                             ) if bonus else None
            entry = Entry(
                id=entry_id, till_id=till_id, seq=0, kind=EntryKind.RECHARGE, card_id=card_id,
                cash_delta=amount, new_grant=grant, list_amount=amount,
                cashier_id=cashier_id, created_at=created_at,
            )
            entry = self._append(conn, entry, locked.counter)
            wallet = self._wallet(conn, card_id)
            card = locked.card
            if card.status is CardStatus.BLOCKED and wallet.balance(today) >= 0:
                conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                    status=CardStatus.ACTIVE.value, updated_at=_now()))
                card = replace(card, status=CardStatus.ACTIVE)
            return Outcome(entry, None, card, wallet, spent)

    def cash_sale(self, entry_id: uuid.UUID, till_id: int, amount: int, created_at: datetime,
                  cashier_id: int | None = None) -> Entry:
        """A sale without a card (standalone): the walk-in card's entry; no purse moves.

        A till of the central profile records cash sales in its outbox and sends them
        like offline sales (``TillSync.cash_sale``): no card, nothing for the centre to
        decide.
        """
        require_amount(amount, "a cash sale", self.rules.max_amount, positive=True)
        if self._pg is not None:
            raise LedgerError("cash sales reach the centre through the back-fill")
        with self._engine.begin() as conn:
            card = conn.execute(select(C.c.id).where(C.c.number == CASH_CARD)).scalar_one()
            old = conn.execute(_ENTRY, {"id": entry_id}).first()
            if old is not None:
                if old.kind != EntryKind.CASH_SALE or old.list_amount != amount:
                    raise EntryConflict(f"entry {entry_id} exists with a different card, "
                                        "kind or amount")
                return entry_from(old)
            self._check_cashier(conn, cashier_id)
            entry = Entry(id=entry_id, till_id=till_id, seq=0, kind=EntryKind.CASH_SALE,
                          card_id=card, cash_delta=0, list_amount=amount, tendered_cash=amount,
                          cashier_id=cashier_id, created_at=created_at)
            return self._append(conn, entry, None)

    def set_pin_failures(self, till_id: int, card_id: int, failures: int) -> None:
        """Count wrong PINs where the card's decisions are made (a till's own, online)."""
        if self._pg is not None:
            self._pg.set_pin_failures(till_id, card_id, failures)
            return
        with self._engine.begin() as conn:
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                pin_failures=failures, updated_at=_now()))

    def business_day(self, at: datetime) -> date:
        return self.rules.clock.business_day(at)

    def till_mark(self, till_id: int) -> int:
        """The till's chain head: a shift's entries are numbered after one mark."""
        with self._engine.connect() as conn:
            head = conn.execute(_HEAD, {"till": till_id}).first()
        return 0 if head is None else int(head.last_seq)

    def till_entries(self, till_id: int, after: int, upto: int | None = None
                     ) -> list[Entry]:
        """A till's entries numbered after ``after``, up to ``upto`` (a shift's), in order."""
        q = select(J).where(J.c.till_id == till_id, J.c.seq > after)
        if upto is not None:
            q = q.where(J.c.seq <= upto)
        with self._engine.connect() as conn:
            return [entry_from(r) for r in conn.execute(q.order_by(J.c.seq))]

    # -- reads ----------------------------------------------------------------------------

    def entry(self, entry_id: uuid.UUID) -> Entry | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(J).where(J.c.id == entry_id)).first()
            return entry_from(row) if row else None

    def card_state(self, card_id: int, today: date) -> tuple[Card, Wallet, DaySpend]:
        """Card, wallet and the spend counted against ``today`` (a business day), unlocked."""
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
        locked = self._load(conn, card_id, lock=False)
        return locked.card, locked.wallet, locked.spent(today)

    # -- internals ------------------------------------------------------------------------

    def _lock(self, conn: Connection, card_id: int) -> _Locked:
        return self._load(conn, card_id, lock=True)

    def _load(self, conn: Connection, card_id: int, *, lock: bool) -> _Locked:
        q = _LOAD_LOCKED if lock else _LOAD
        row = conn.execute(q, {"card_id": card_id}).first()
        if row is None:
            raise LedgerError(f"unknown card id {card_id}")
        m = row._mapping
        card, holder, ctype = (_unprefix(m, "c_"), _unprefix(m, "h_"), _unprefix(m, "t_"))
        grants = conn.execute(_GRANTS, {"card_id": card_id}).all()
        windows = [window_from(w) for w in conn.execute(_WINDOWS, {"type_id": ctype.id})]
        counter = DayCounter(m["p_day"], m["p_day_amount"], m["p_day_count"])
        meal = MealCounter(m["p_meal_day"], m["p_meal_minute"], m["p_meal_count"] or 0)
        return _Locked(card_from(card, holder, card_type_from(ctype, windows)),
                       wallet_from(m["p_cash"], grants, m["p_allowance"]), counter, meal)

    def _wallet(self, conn: Connection, card_id: int) -> Wallet:
        purse = conn.execute(select(P.c.cash, P.c.allowance).where(
            P.c.card_id == card_id)).one()
        grants = conn.execute(_GRANTS, {"card_id": card_id}).all()
        return wallet_from(purse.cash, grants, purse.allowance)

    @staticmethod
    def _check_cashier(conn: Connection, cashier_id: int | None) -> None:
        if cashier_id is None:
            return
        if conn.execute(_CASHIER_ACTIVE, {"id": cashier_id}).scalar_one_or_none() is not True:
            raise InvalidRequest(f"cashier {cashier_id} is unknown or disabled")

    def _replay(self, conn: Connection, entry_id: uuid.UUID, card_id: int, kind: EntryKind,
                amount: int, locked: _Locked, today: date, *,
                refers_to: uuid.UUID | None = None) -> Outcome | None:
        row = conn.execute(_ENTRY, {"id": entry_id}).first()
        if row is None:
            return None
        if (row.card_id != card_id or row.kind != kind or (amount and row.list_amount != amount)
                or (refers_to is not None and row.refers_to != refers_to)):
            raise EntryConflict(f"entry {entry_id} exists with a different card, kind or "
                                "amount")
        return Outcome(entry_from(row), None, locked.card, locked.wallet, locked.spent(today),
                       replayed=True, counter=locked.counter, meal=locked.meal)

    def _expire(self, conn: Connection, till_id: int, locked: _Locked, at: datetime,
                cashier_id: int | None, today: date) -> tuple[Entry, ...]:
        """Take expired bonus remainders out through an ``expire`` entry, so all is explained."""
        stale = [g for g in locked.wallet.grants if g.remaining > 0 and g.expires_on < today]
        if not stale:
            return ()
        entry = Entry(id=uuid.uuid4(), till_id=till_id, seq=0, kind=EntryKind.BONUS_EXPIRE,
                      card_id=locked.card.id, cash_delta=0,
                      bonus_parts=tuple((g.id, -g.remaining) for g in stale),
                      cashier_id=cashier_id, created_at=at)
        entry = self._append(conn, entry, locked.counter)
        stale_ids = {g.id for g in stale}
        locked.wallet = replace(locked.wallet, grants=tuple(
            g for g in locked.wallet.grants if g.id not in stale_ids))
        return (entry,)

    def _append(self, conn: Connection, entry: Entry, counter: DayCounter | None) -> Entry:
        """Insert the entry; the database's journal trigger moves purses, grants and head.

        The day counter is the one projection written here: it is a limit, not money, and
        it must change under the same lock as the decision. The owner's direct path (tests
        seed the centre this way); tills reach the centre only through its functions.
        """
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k, :t)"),
                         {"k": TILL_LOCK_KEY, "t": entry.till_id})
        head = conn.execute(_HEAD, {"till": entry.till_id}).first()
        if head is None:
            raise LedgerError(f"unknown till {entry.till_id}")
        entry = replace(entry, seq=head.last_seq + 1, prev_hash=head.last_hash)
        now = _now()
        try:
            conn.execute(_INSERT_ENTRY, {**entry_values(entry), "recorded_at": now})
        except IntegrityError as exc:  # the same UUID raced in for another card
            if any(k in str(exc.orig) for k in ("journal.id", "pk_journal")):
                raise EntryConflict(f"entry {entry.id} exists with a different card, kind "
                                    "or amount") from exc
            raise
        if counter is not None:  # None: a cash sale, no card's limits involved
            conn.execute(_SET_SPEND, {"card": entry.card_id, "day": counter.day,
                                      "amount": counter.amount, "count": counter.count,
                                      "now": now})
        return entry


def _write_meal(conn: Connection, card_id: int, before: MealCounter,
                after: MealCounter) -> None:
    """The meal counter beside the day counters, under the same lock (when it moved)."""
    if after != before:
        conn.execute(_SET_MEAL, {"card": card_id, "meal_day": after.day,
                                 "meal_minute": after.minute, "meal_count": after.count})


def _now() -> datetime:
    return datetime.now(UTC)
