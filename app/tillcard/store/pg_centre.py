"""The centre's money functions over libpq: a sale and a quote in one round trip each.

Migration 0007's SECURITY DEFINER functions are the only way money moves at the centre
(``tillcard_sale``, ``tillcard_void``, ``tillcard_recharge``, ``tillcard_backfill``); this
module calls them and turns their JSON answers into the ledger's ``Outcome``. The centre
decides time, business day and allocation; the till rebuilds the very entry the centre
hashed from the answer and checks the hash where the answer carries one.

Why a sale is decided in PL/pgSQL and not in Python between two round trips (measured on
the 2-core machines, one till, sales on 10,000 cards, CPU per sale; the figures of
``tillcard bench`` are in docs/):

    ========================  ===========  ===========  ==========
    per sale                  server CPU   client CPU   wall time
    ========================  ===========  ===========  ==========
    (a) function              0.6-0.8 ms   0.3 ms       1.1-1.4 ms
    (b) Python, pipelined     1.0 ms       1.1 ms       2.2 ms
    ========================  ===========  ===========  ==========

(b) would keep the rules in one place, but holds the card's row lock across a network
round trip (what a hot card waits on) and cannot be the only door to the money: a till
that may run statements may run other statements. The price of (a) — the rules exist
twice — is paid in tests: ``tests/store/test_pg_sale_rules.py`` drives random cards,
wallets, limits, clocks and sales through the domain (the SQLite ledger) and through the
functions and requires the same decisions, balances and day counters.

Why libpq directly: connections still come from the engine's pool (pool limits and
``connect`` events apply, ``checkout`` events fire; a broken connection is invalidated)
and the engine's ``before_cursor_execute`` listeners are told (the sync watchdog finds the
socket it must cut through them), but the call goes through ``psycopg.pq`` as a named
prepared statement with one JSON value back: SQLAlchemy's and psycopg's result layers cost
more CPU than the server spends on the whole sale. Each call is its own transaction, a
single statement: no session can sit idle in a transaction holding a card's lock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, NoReturn, cast

import psycopg
from psycopg import pq
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import PoolProxiedConnection

from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.clock import DayCounter, SiteClock
from tillcard.domain.journal import Entry, EntryKind, NewGrant, bonus_parts_from_json
from tillcard.domain.meals import MealCounter, MealWindow
from tillcard.domain.quote import Quote
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode, with_meals
from tillcard.domain.wallet import Allocation, BonusGrant, Wallet
from tillcard.store.ledger import (
    AlreadyVoided,
    CentreTooOld,
    EntryConflict,
    InvalidRequest,
    LedgerError,
    NotPermitted,
    Outcome,
    SaleRequest,
)
from tillcard.store.mapping import card_type_from

SALE_SQL = "SELECT tillcard_sale($1, $2, $3, $4, $5, $6, $7)"

# The quote: card, purse and grants, unlocked, as the sale function answers them.
STATE_SQL = (
    "SELECT json_build_object('card', row_to_json(c), 'grant_ids', g.ids, "
    "'grant_remaining', g.remaining, 'grant_expires', g.expires) FROM ("
    "SELECT p.card_id, p.cash, p.allowance, p.day, p.day_amount, p.day_count, p.version, "
    "p.meal_day, p.meal_minute, p.meal_count, cd.number, cd.uid, cd.status, cd.valid_until, "
    "cd.pin_hash, cd.pin_failures, "
    "cd.status_reason, h.id AS holder_id, h.name AS holder_name, h.staff_no, t.code, "
    "t.name AS type_name, "
    "t.discount_bp, t.per_txn_limit, t.daily_amount_limit, t.daily_count_limit, "
    "t.pin_above, t.offline_limit, t.validity_days, t.bonus_bp, t.bonus_tiers, "
    "t.bonus_expiry_days, t.refuse_outside_windows, t.spend_order, t.allowance_reset, "
    "(SELECT json_agg(json_build_array(w.name, w.start_min, w.end_min, w.count_limit, "
    "w.fixed_price) ORDER BY w.position) FROM meal_windows w "
    "WHERE w.card_type_id = t.id) AS windows "
    "FROM purses p JOIN cards cd ON cd.id = p.card_id JOIN holders h ON h.id = cd.holder_id "
    "JOIN card_types t ON t.id = cd.card_type_id WHERE p.card_id = $1) c "
    "CROSS JOIN LATERAL (SELECT array_agg(b.id) AS ids, array_agg(b.remaining) AS remaining, "
    "array_agg(b.expires_on) AS expires FROM bonus_grants b "
    "WHERE b.card_id = c.card_id AND b.remaining <> 0) g")

# the card type's columns in the card's JSON row ("name" is the holder's there)
_TYPE_KEYS = ("code", "discount_bp", "per_txn_limit", "daily_amount_limit",
              "daily_count_limit", "pin_above", "offline_limit", "validity_days", "bonus_bp",
              "bonus_tiers", "bonus_expiry_days", "type_name", "refuse_outside_windows",
              "spend_order", "allowance_reset")

# Prepared-statement names carry a version: a changed statement gets a new name.
SALE_STATEMENT = (b"tillcard_sale_2", SALE_SQL)
STATE_STATEMENT = (b"tillcard_state_6", STATE_SQL)
VOID_STATEMENT = (b"tillcard_void_1", "SELECT tillcard_void($1, $2, $3, $4)")
RECHARGE_STATEMENT = (b"tillcard_recharge_1", "SELECT tillcard_recharge($1, $2, $3, $4, $5)")
BACKFILL_STATEMENT = (b"tillcard_backfill_1", "SELECT tillcard_backfill($1, $2)")
PIN_STATEMENT = (b"tillcard_pin_1", "SELECT json_build_object('ok', true) "
                 "FROM tillcard_set_pin_failures($1, $2, $3)")
_PREPARED = "tillcard_prepared"  # key in the pooled connection's info: names prepared

_decode = json.JSONDecoder().decode  # json.loads, less its per-call argument checks

NOT_PERMITTED = "TC403"  # the login may not write this till's chain
UNKNOWN = "TC404"  # unknown card, till or sale (LedgerError)
CONFLICT = "TC409"  # the UUID is recorded with other content (EntryConflict)
VOIDED = "TC410"  # the sale is voided already
INVALID = "TC422"  # an argument or reference row the domain refuses
UNIQUE = "23505"  # the same UUID raced in for another card
UNDEFINED_FUNCTION = "42883"  # the centre's schema predates migration 0007
NO_SUCH_STATEMENT = "26000"  # the session lost its prepared statements (DISCARD ALL)
_ERRORS: dict[str, type[LedgerError]] = {
    NOT_PERMITTED: NotPermitted, UNKNOWN: LedgerError, CONFLICT: EntryConflict,
    VOIDED: AlreadyVoided, INVALID: InvalidRequest, UNIQUE: EntryConflict,
}


def _int(value: int) -> bytes:
    return b"%d" % value


def _opt(value: int | None) -> bytes | None:
    return None if value is None else b"%d" % value


def sale_params(req: SaleRequest) -> list[bytes | None]:
    """``tillcard_sale()``'s parameters for a request, as text (``None`` is NULL).

    No time, no date, no PIN rule, no lock key: the centre takes those from itself.
    """
    return [str(req.entry_id).encode(), _int(req.till_id), _int(req.card_id),
            _int(req.list_amount), _opt(req.cashier_id),
            b"t" if req.split_tender else b"f", b"t" if req.pin_verified else b"f"]


def state_params(card_id: int) -> list[bytes | None]:
    """The quote's parameters (``STATE_SQL``)."""
    return [_int(card_id)]


def decode_answer(value: bytes | None) -> Any:
    """A statement's single JSON value, parsed (``None`` for SQL NULL)."""
    return None if value is None else _decode(value.decode())


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _meal(row: dict[str, Any]) -> MealCounter:
    """The purse's meal counter in a JSON answer (empty from a centre before 0015)."""
    return MealCounter(_day(row.get("meal_day")), row.get("meal_minute"),
                       row.get("meal_count") or 0)


class Answers:
    """The domain objects a till gets from the functions' JSON answers.

    Apart from the transport so that ``tillcard bench`` can drive many tills' connections
    from one event loop and still build exactly what a till builds. Card types are few, so
    each is built once.
    """

    def __init__(self, clock: Callable[[], SiteClock] | None = None) -> None:
        self._types: dict[tuple[Any, ...], CardType] = {}
        self._clock = clock or SiteClock

    def _business_day(self, at: datetime) -> date:
        return self._clock().business_day(at)

    def outcome(self, req: SaleRequest, doc: dict[str, Any]) -> Outcome:
        """``Ledger.sale``'s outcome from ``tillcard_sale()``'s answer to ``req``."""
        card = self._card(doc["card"], req.card_id)
        wallet = _wallet(doc)
        at = _at(doc["at"])
        day = doc.get("today")  # only when it differs from the business day of ``at``
        counter = DayCounter(date.fromisoformat(day) if day else self._business_day(at),
                             doc["spent"], doc["spent_count"])
        assert counter.day is not None
        # the meal counter on the decision's day, as the sale left it (migration 0015)
        meal = MealCounter(counter.day, doc.get("meal_minute"), doc.get("meal_count") or 0)
        spent = with_meals(DaySpend(doc["spent"], doc["spent_count"]), meal, counter.day)
        known = meal if "meal_count" in doc else None
        if doc["status"] == "replayed":
            return Outcome(entry_from_json(doc["entry"]), None, card, wallet, spent,
                           replayed=True, version=doc["version"], counter=counter, meal=known)
        alloc = Allocation(tuple(zip(doc["alloc_ids"], doc["alloc_amounts"], strict=True)),
                           doc["alloc_cash"], doc.get("alloc_allowance", 0))
        quote = Quote(list_amount=req.list_amount, discount=doc["discount"],
                      charge=doc["charge"], balance_before=doc["balance"],
                      available=doc["available"], allocation=alloc,
                      shortfall=doc["shortfall"])
        extra: tuple[Entry, ...] = ()
        if doc["expire_id"] is not None:
            extra = (Entry(
                id=uuid.UUID(doc["expire_id"]), till_id=req.till_id, seq=doc["expire_seq"],
                kind=EntryKind.BONUS_EXPIRE, card_id=req.card_id, cash_delta=0,
                bonus_parts=bonus_parts_from_json(doc["expire_parts"]),
                cashier_id=req.cashier_id, created_at=at,
                prev_hash=doc["expire_prev_hash"]),)
        if doc["status"] == "refused":
            refusal = Refusal(RefusalCode(doc["refusal"]), dict(doc["numbers"] or {}),
                              window=doc.get("window") or "")
            return Outcome(None, refusal, card, wallet, spent, quote, extra=extra,
                           version=doc["version"], counter=counter, meal=known)
        entry = Entry(
            id=req.entry_id, till_id=req.till_id, seq=doc["seq"], kind=EntryKind.SALE,
            card_id=req.card_id, cash_delta=-alloc.cash,
            bonus_parts=tuple((g, -a) for g, a in alloc.bonus_parts),
            list_amount=req.list_amount, discount=quote.discount,
            tendered_cash=quote.shortfall, cashier_id=req.cashier_id,
            created_at=at, prev_hash=doc["prev_hash"], allowance_delta=-alloc.allowance)
        return Outcome(entry, None, card, wallet.after(alloc), spent, quote, extra=extra,
                       version=doc["version"], counter=counter, meal=known)

    def changed(self, doc: dict[str, Any], card_id: int, entry: Entry | None) -> Outcome:
        """A void's or a recharge's outcome: the card as locked, the purses after."""
        card = self._card(doc["card"], card_id)
        wallet = Wallet(doc["cash"], _grants(doc),
                        allowance=doc.get("allowance", doc["card"].get("allowance")) or 0)
        today = date.fromisoformat(doc["today"])
        counter = DayCounter(_day(doc["day"]), doc["day_amount"], doc["day_count"])
        meal = _meal(doc)
        spent = with_meals(counter.spent(today), meal, counter.effective_day(today))
        kw: dict[str, Any] = {"version": doc["version"], "counter": counter}
        if "meal_count" in doc:  # a centre from migration 0015 on
            kw["meal"] = meal
        if doc["status"] == "replayed":
            return Outcome(entry_from_json(doc["entry"]), None, card, wallet, spent,
                           replayed=True, **kw)
        if doc["status"] == "refused":
            return Outcome(None, Refusal(RefusalCode(doc["refusal"])), card, wallet, spent,
                           **kw)
        assert entry is not None
        if entry.hash != doc["hash"]:
            raise LedgerError(f"the centre hashed entry {entry.id} differently: its canonical "
                              "form and this till's disagree")
        return Outcome(entry, None, card, wallet, spent, **kw)

    def state(self, doc: dict[str, Any], card_id: int, today: date
              ) -> tuple[Card, Wallet, DaySpend]:
        """``card_state`` from the quote statement's answer."""
        c = doc["card"]
        counter = DayCounter(_day(c["day"]), c["day_amount"], c["day_count"])
        spent = with_meals(counter.spent(today), _meal(c), counter.effective_day(today))
        return self._card(c, card_id), _wallet(doc), spent

    def _card(self, c: dict[str, Any], card_id: int) -> Card:
        windows = c.get("windows") or ()
        key = (*(c.get(k) for k in _TYPE_KEYS), json.dumps(windows))
        ctype = self._types.get(key)
        if ctype is None:
            if len(self._types) > 256:
                self._types.clear()
            ctype = self._types[key] = card_type_from(SimpleNamespace(
                **{k: c.get(k) for k in _TYPE_KEYS}, name=c["type_name"]),
                [MealWindow(*w) for w in windows])
        valid_until = c["valid_until"]
        return Card(id=card_id, number=c["number"], uid=c["uid"],
                    holder=Holder(c["holder_id"], c["holder_name"], c["staff_no"]),
                    card_type=ctype, status=CardStatus(c["status"]),
                    valid_until=None if valid_until is None else date.fromisoformat(
                        valid_until),
                    pin_hash=c["pin_hash"], pin_failures=c["pin_failures"],
                    status_reason=c.get("status_reason") or "")


class PgCentre:
    """A ``Ledger``'s calls to the centre's functions; thread-safe like the engine's pool."""

    def __init__(self, engine: Engine, clock: Callable[[], SiteClock] | None = None) -> None:
        self._engine = engine
        self._answers = Answers(clock)

    # -- use cases ------------------------------------------------------------------------

    def sale(self, req: SaleRequest) -> Outcome:
        """``Ledger.sale`` in one round trip, with the same outcome and the same errors."""
        doc = self._call(SALE_STATEMENT, sale_params(req))
        assert doc is not None
        return self._answers.outcome(req, doc)

    def card_state(self, card_id: int, today: date) -> tuple[Card, Wallet, DaySpend] | None:
        """Card, wallet and today's spend without locking, or ``None`` for no such card."""
        doc = self._call(STATE_STATEMENT, state_params(card_id))
        return None if doc is None else self._answers.state(doc, card_id, today)

    def void(self, entry_id: uuid.UUID, till_id: int, sale_id: uuid.UUID,
             cashier_id: int | None) -> Outcome:
        doc = self._call(VOID_STATEMENT, [str(entry_id).encode(), _int(till_id),
                                          str(sale_id).encode(), _opt(cashier_id)])
        entry = None
        if doc["status"] == "applied":
            entry = Entry(
                id=entry_id, till_id=till_id, seq=doc["seq"], kind=EntryKind.VOID,
                card_id=doc["card_id"], cash_delta=doc["cash_delta"],
                bonus_parts=bonus_parts_from_json(doc["bonus_parts"]),
                tendered_cash=doc["tendered"], refers_to=sale_id, cashier_id=cashier_id,
                created_at=_at(doc["at"]), prev_hash=doc["prev_hash"],
                allowance_delta=doc.get("allowance_delta", 0))
        return self._answers.changed(doc, doc["card"]["card_id"], entry)

    def recharge(self, entry_id: uuid.UUID, till_id: int, card_id: int, amount: int,
                 cashier_id: int | None) -> Outcome:
        doc = self._call(RECHARGE_STATEMENT, [str(entry_id).encode(), _int(till_id),
                                              _int(card_id), _int(amount), _opt(cashier_id)])
        entry = None
        if doc["status"] == "applied":
            grant = None
            if doc["new_grant_id"] is not None:
                grant = NewGrant(doc["new_grant_id"], doc["new_grant_amount"],
                                 date.fromisoformat(doc["new_grant_expires"]))
            entry = Entry(
                id=entry_id, till_id=till_id, seq=doc["seq"], kind=EntryKind.RECHARGE,
                card_id=card_id, cash_delta=amount, new_grant=grant, list_amount=amount,
                cashier_id=cashier_id, created_at=_at(doc["at"]), prev_hash=doc["prev_hash"])
        return self._answers.changed(doc, card_id, entry)

    def backfill(self, till_id: int, batch: list[dict[str, Any]]) -> dict[str, Any]:
        """``tillcard_backfill()``'s answer to a batch (``store.backfill`` reads it)."""
        doc = self._call(BACKFILL_STATEMENT, [_int(till_id), json.dumps(batch).encode()])
        assert isinstance(doc, dict)
        return doc

    def set_pin_failures(self, till_id: int, card_id: int, failures: int) -> None:
        self._call(PIN_STATEMENT, [_int(till_id), _int(card_id), _int(failures)])

    # -- internals ------------------------------------------------------------------------

    def _call(self, statement: tuple[bytes, str], params: Sequence[bytes | None]) -> Any:
        """Run a prepared statement as its own transaction; its single JSON value, parsed.

        ``None`` when the statement returned no row. A SQLAlchemy ``Connection`` is made
        only when someone listens to the engine's cursor events (it is what they expect).
        """
        if self._engine.dispatch.before_cursor_execute:
            with self._engine.connect() as conn:
                return self._run(conn.connection, conn, statement, params)
        fairy = self._engine.raw_connection()
        try:
            return self._run(fairy, None, statement, params)
        finally:
            fairy.close()

    def _run(self, fairy: PoolProxiedConnection, conn: Connection | None,
             statement: tuple[bytes, str], params: Sequence[bytes | None]) -> Any:
        name, sql = statement
        pg = cast(psycopg.Connection[Any], fairy.driver_connection)
        pgconn = pg.pgconn
        for attempt in (1, 2):
            if pgconn.transaction_status != pq.TransactionStatus.IDLE:
                pg.rollback()  # never run inside someone's open transaction
            prepared: set[bytes] = fairy.info.setdefault(_PREPARED, set())
            if name not in prepared:
                res = pgconn.prepare(name, sql.encode())
                if res.status != pq.ExecStatus.COMMAND_OK:
                    _raise(fairy, conn, pgconn, res, sql, params)
                prepared.add(name)
            if conn is not None:
                for fn in conn.dispatch.before_cursor_execute:
                    fn(conn, None, sql, params, None, False)
            res = pgconn.exec_prepared(name, cast(Sequence[bytes], params))  # None: NULL
            if res.status == pq.ExecStatus.TUPLES_OK:
                if res.ntuples == 0:
                    return None
                return decode_answer(res.get_value(0, 0))
            if attempt == 1 and _sqlstate(res) == NO_SUCH_STATEMENT:
                prepared.discard(name)
                continue
            _raise(fairy, conn, pgconn, res, sql, params)
        raise AssertionError("unreachable")


def _raise(fairy: PoolProxiedConnection, conn: Connection | None, pgconn: pq.abc.PGconn,
           res: pq.abc.PGresult, sql: str, params: Sequence[bytes | None]) -> NoReturn:
    """The ledger's exception for our SQLSTATEs; SQLAlchemy's for anything else."""
    state = _sqlstate(res)
    message = (res.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"").decode(
        "utf-8", "replace")
    error = _ERRORS.get(state)
    if error is not None:
        raise error(message)
    if state == UNDEFINED_FUNCTION and "tillcard_" in message:
        raise CentreTooOld("the central database predates migration 0007 (the centre's "
                           "money functions): run `tillcard db upgrade` there")
    lost = pgconn.status == pq.ConnStatus.BAD
    err: Exception = (psycopg.OperationalError(pgconn.get_error_message())
                      if lost and not state else psycopg.errors.error_from_result(res))
    if lost:
        if conn is not None:
            conn.invalidate(err)
        else:
            fairy.invalidate(err)
    raise sa_exc.DBAPIError.instance(sql, list(params), err, psycopg.Error,
                                     connection_invalidated=lost) from err


def _sqlstate(res: pq.abc.PGresult) -> str:
    return (res.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()


def _grants(doc: dict[str, Any]) -> tuple[BonusGrant, ...]:
    return tuple(BonusGrant(g, r, date.fromisoformat(e)) for g, r, e in zip(
        doc["grant_ids"] or (), doc["grant_remaining"] or (), doc["grant_expires"] or (),
        strict=True))


def _wallet(doc: dict[str, Any]) -> Wallet:
    """The wallet as the card was read (before the call's own entry)."""
    return Wallet(doc["card"]["cash"], _grants(doc),
                  allowance=doc["card"].get("allowance") or 0)


def entry_from_json(j: dict[str, Any]) -> Entry:
    """``mapping.entry_from`` for a journal row as ``row_to_json`` writes it."""
    grant = None
    if j["grant_id"] is not None:
        grant = NewGrant(j["grant_id"], j["grant_amount"],
                         date.fromisoformat(j["grant_expires_on"]))
    return Entry(
        id=uuid.UUID(j["id"]), till_id=j["till_id"], seq=j["seq"], kind=EntryKind(j["kind"]),
        card_id=j["card_id"], cash_delta=j["cash_delta"],
        bonus_parts=bonus_parts_from_json(j["bonus_parts"]), new_grant=grant,
        list_amount=j["list_amount"], discount=j["discount"],
        tendered_cash=j["tendered_cash"],
        refers_to=None if j["refers_to"] is None else uuid.UUID(j["refers_to"]),
        cashier_id=j["cashier_id"],
        created_at=datetime.fromisoformat(j["created_at"]).astimezone(UTC),
        prev_hash=j["prev_hash"], allowance_delta=j.get("allowance_delta") or 0)
