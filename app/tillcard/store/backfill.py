"""Back-fill at the centre: a till's offline sales, in the till's order, in batches.

The goods are gone, so nothing is refused: the centre re-allocates each sale's card part
against the authoritative purses on the sale's business day (bonus soonest-expiring
first, then cash, the excess landing on cash), appends it to the till's chain and moves
the purses. The till's clock dates the sale, bounded: never later than the centre's now,
never earlier than the till's last entry. A sale that leaves the cash purse negative
blocks the card; a sale to a card frozen or lost meanwhile, and bonus the till used that
was gone by then (paid from cash instead), are recorded as exceptions for a manager.

On PostgreSQL this is one call of ``tillcard_backfill()`` per batch (migration 0007): one
statement, one transaction, cards locked in card order up front. Its answer carries the
touched cards' purses, grants and status, which the till writes to its replica in the same
local commit as the outbox marks, so it never decides the next offline sale on balances
that predate what it just sent. The SQLite path below is the domain's twin of that
function (tests hold the two to each other).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from tillcard.domain.cards import CardStatus
from tillcard.domain.clock import DayCounter
from tillcard.domain.journal import Entry, EntryKind, bonus_parts_from_json
from tillcard.domain.meals import MealCounter
from tillcard.domain.money import AmountError, require_amount
from tillcard.domain.site import SiteRules
from tillcard.store.ledger import (
    _HEAD,
    _SET_SPEND,
    _WINDOWS,
    CASH_CARD,
    CT,
    C,
    G,
    InvalidRequest,
    J,
    LedgerError,
    P,
    _write_meal,
)
from tillcard.store.mapping import entry_from, entry_values, wallet_from, window_from
from tillcard.store.schema import ExceptionRow
from tillcard.store.site import load_rules

NEGATIVE = "negative_balance"
CONFLICT = "conflict"
BONUS_MOVED = "bonus_moved_to_cash"
ALLOWANCE_MOVED = "allowance_moved_to_cash"
MAX_BATCH = 5000  # as tillcard_backfill()


@dataclass(frozen=True)
class Backfilled:
    """What became of one offline entry at the centre."""

    entry: Entry  # as the centre recorded it: seq, hash, allocation, time
    replayed: bool = False  # the centre had it already (a resent batch)
    exception: str | None = None  # the manager's exception kinds, comma-separated
    applied: bool = True  # False only for a UUID the centre holds with other content


@dataclass(frozen=True)
class BackfillResult:
    """The entries' fates and the touched cards as the centre holds them afterwards."""

    items: list[Backfilled]
    purses: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)  # id, status


def request(entries: Sequence[Entry], till_id: int, rules: SiteRules) -> list[dict[str, Any]]:
    """The batch as the centre takes it, checked first: a malformed entry never leaves."""
    if len(entries) > MAX_BATCH:
        raise InvalidRequest(f"at most {MAX_BATCH} entries per back-fill")
    batch = []
    for e in entries:
        if e.till_id != till_id:
            raise LedgerError(f"entry {e.id} belongs to till {e.till_id}, not {till_id}")
        if e.kind not in (EntryKind.SALE, EntryKind.CASH_SALE):
            raise LedgerError(f"entry {e.id}: only sales are made offline, not {e.kind}")
        try:
            require_amount(e.list_amount, "the amount", rules.max_amount,
                           positive=e.kind is EntryKind.CASH_SALE)
            require_amount(e.discount, "the discount", e.list_amount)
            require_amount(e.tendered_cash, "the cash part", e.list_amount - e.discount)
        except AmountError as exc:
            raise InvalidRequest(f"entry {e.id}: {exc}") from exc
        if e.kind is EntryKind.CASH_SALE and (e.discount or e.tendered_cash != e.list_amount):
            raise InvalidRequest(f"entry {e.id}: a cash sale is paid in full, in cash")
        batch.append({"id": str(e.id), "kind": str(e.kind), "card": e.card_id,
                      "list": e.list_amount,
                      "discount": e.discount, "tendered": e.tendered_cash,
                      "cashier": e.cashier_id, "at": e.created_at.isoformat(),
                      "bonus": -sum(d for _, d in e.bonus_parts),
                      "allowance": -e.allowance_delta})
    return batch


def backfill(engine: Engine, till_id: int, entries: Sequence[Entry], *,
             rules: SiteRules | None = None, now: datetime | None = None) -> BackfillResult:
    """Apply ``entries`` (one till's, in its order) exactly once; results in the same order.

    ``now`` (SQLite only) stands for the centre's clock; PostgreSQL uses its own.
    """
    if not entries:
        return BackfillResult([])
    if rules is None:
        with engine.connect() as conn:
            rules = load_rules(conn)
    batch = request(entries, till_id, rules)
    if engine.dialect.name == "postgresql":
        from tillcard.store.pg_centre import PgCentre

        return _from_answer(entries, PgCentre(engine).backfill(till_id, batch))
    return _backfill_sqlite(engine, till_id, entries, rules, now or datetime.now(UTC))


def _from_answer(entries: Sequence[Entry], doc: dict[str, Any]) -> BackfillResult:
    from tillcard.store.pg_centre import entry_from_json

    items = []
    for e, r in zip(entries, doc["results"], strict=True):
        if r["status"] in ("replayed", "conflict"):
            same = r["status"] == "replayed"
            items.append(Backfilled(entry_from_json(r["entry"]), replayed=same,
                                    exception=None if same else CONFLICT, applied=same))
            continue
        applied = replace(e, card_id=r.get("card") or e.card_id, seq=r["seq"],
                          prev_hash=r["prev_hash"], cash_delta=r["cash"],
                          bonus_parts=bonus_parts_from_json(r["parts"]), new_grant=None,
                          allowance_delta=r.get("allowance", 0),
                          created_at=datetime.fromisoformat(r["at"]).astimezone(UTC))
        if applied.hash != r["hash"]:
            raise LedgerError(f"the centre hashed entry {e.id} differently")
        items.append(Backfilled(applied, exception=", ".join(r["exceptions"]) or None))
    purses = [{**p, "day": _date(p["day"]),
               **({"meal_day": _date(p["meal_day"])} if "meal_day" in p else {})}
              for p in doc["purses"]]
    grants = [{**g, "expires_on": _date(g["expires_on"]),
               "origin_entry": uuid.UUID(g["origin_entry"])} for g in doc["grants"]]
    return BackfillResult(items, purses, grants, doc["cards"])


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _backfill_sqlite(engine: Engine, till_id: int, entries: Sequence[Entry],
                     rules: SiteRules, now: datetime) -> BackfillResult:
    clock = rules.clock
    card_ids = sorted({e.card_id for e in entries if e.kind is EntryKind.SALE})
    with engine.begin() as conn:
        _check_cards(conn, card_ids)
        cash_card = conn.execute(select(C.c.id).where(C.c.number == CASH_CARD)).scalar_one()
        head = conn.execute(_HEAD, {"till": till_id}).first()
        if head is None:
            raise LedgerError(f"unknown till {till_id}")
        last_at = head.last_at
        items: list[Backfilled] = []
        for e in entries:
            old = conn.execute(select(J).where(J.c.id == e.id)).first()
            if old is not None:
                same = (old.card_id == e.card_id and old.kind == str(e.kind)
                        and old.list_amount == e.list_amount)
                items.append(Backfilled(entry_from(old), replayed=same,
                                        exception=None if same else CONFLICT, applied=same))
                continue
            when = min(e.created_at, now)
            if last_at is not None and when < last_at:
                when = last_at
            if e.kind is EntryKind.CASH_SALE:  # no card: nothing allocated, nothing counted
                head = conn.execute(_HEAD, {"till": till_id}).one()
                applied = replace(e, card_id=cash_card, seq=head.last_seq + 1,
                                  prev_hash=head.last_hash, cash_delta=0, bonus_parts=(),
                                  new_grant=None, created_at=when)
                conn.execute(insert(J), {**entry_values(applied), "recorded_at": now})
                last_at = when if last_at is None else max(last_at, when)
                items.append(Backfilled(applied))
                continue
            day = clock.business_day(when)
            part = e.list_amount - e.discount - e.tendered_cash
            purse = conn.execute(select(P.c.cash, P.c.allowance, P.c.day, P.c.day_amount,
                                        P.c.day_count, C.c.status, CT.c.spend_order,
                                        P.c.meal_day, P.c.meal_minute, P.c.meal_count,
                                        C.c.card_type_id)
                                 .join(C, C.c.id == P.c.card_id)
                                 .join(CT, CT.c.id == C.c.card_type_id)
                                 .where(P.c.card_id == e.card_id)).one()
            grants = conn.execute(select(G.c.id, G.c.remaining, G.c.expires_on).where(
                G.c.card_id == e.card_id, G.c.remaining != 0)).all()
            alloc = wallet_from(purse.cash, grants, purse.allowance).allocate(
                part, day, tuple(purse.spend_order.split(",")))
            head = conn.execute(_HEAD, {"till": till_id}).one()
            applied = replace(e, seq=head.last_seq + 1, prev_hash=head.last_hash,
                              cash_delta=-alloc.cash,
                              bonus_parts=tuple((g, -a) for g, a in alloc.bonus_parts),
                              new_grant=None, created_at=when,
                              allowance_delta=-alloc.allowance)
            conn.execute(insert(J), {**entry_values(applied), "recorded_at": now})
            counter = DayCounter(purse.day, purse.day_amount, purse.day_count).add(day, part)
            conn.execute(_SET_SPEND, {"card": e.card_id, "day": counter.day,
                                      "amount": counter.amount, "count": counter.count,
                                      "now": now})
            # an offline meal over the window's limit is counted all the same: eaten
            meal = MealCounter(purse.meal_day, purse.meal_minute, purse.meal_count or 0)
            windows = [window_from(w) for w in conn.execute(
                _WINDOWS, {"type_id": purse.card_type_id})]
            _write_meal(conn, e.card_id, meal, meal.add(day, clock.minute(when), windows,
                                                        clock.cutoff_minutes))
            last_at = when if last_at is None else max(last_at, when)
            kinds = _exceptions(conn, applied, CardStatus(purse.status),
                                -sum(d for _, d in e.bonus_parts) - alloc.bonus,
                                -e.allowance_delta - alloc.allowance, now)
            items.append(Backfilled(applied, exception=", ".join(kinds) or None))
        return BackfillResult(items, *_touched(conn, card_ids))


def _check_cards(conn: Connection, card_ids: list[int]) -> None:
    found = set(conn.execute(select(P.c.card_id).where(P.c.card_id.in_(card_ids))).scalars())
    if len(found) != len(card_ids):
        raise LedgerError(f"unknown card id(s) {sorted(set(card_ids) - found)}")


def _exceptions(conn: Connection, e: Entry, status: CardStatus, bonus_moved: int,
                allowance_moved: int, now: datetime) -> list[str]:
    """What a manager must chase about this back-filled sale (tillcard_backfill's rules)."""
    cash = conn.execute(select(P.c.cash).where(P.c.card_id == e.card_id)).scalar_one()
    kinds = [NEGATIVE] if cash < 0 else []  # recorded by the journal trigger
    rows = []
    base = {"entry_id": e.id, "till_id": e.till_id, "card_id": e.card_id,
            "cashier_id": e.cashier_id, "sold_at": e.created_at, "recorded_at": now}
    if status not in (CardStatus.ACTIVE, CardStatus.BLOCKED):
        rows.append({**base, "kind": f"sold_while_{status.value}", "amount": cash,
                     "note": ""})
    if allowance_moved > 0:
        rows.append({**base, "kind": ALLOWANCE_MOVED, "amount": allowance_moved,
                     "note": "allowance the till used offline was no longer there; paid "
                             "from cash"})
    if bonus_moved > 0:
        rows.append({**base, "kind": BONUS_MOVED, "amount": bonus_moved,
                     "note": "bonus the till used offline was no longer there; paid from "
                             "cash"})
    if rows:
        conn.execute(insert(ExceptionRow), rows)
    return kinds + [str(r["kind"]) for r in rows]


def _touched(conn: Connection, card_ids: list[int]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    purses = [dict(r._mapping) for r in conn.execute(
        select(P.c.card_id, P.c.cash, P.c.bonus, P.c.allowance, P.c.day, P.c.day_amount,
               P.c.day_count, P.c.version, P.c.meal_day, P.c.meal_minute, P.c.meal_count
               ).where(P.c.card_id.in_(card_ids)))]
    grants = [dict(r._mapping) for r in conn.execute(
        select(G.c.id, G.c.card_id, G.c.remaining, G.c.expires_on, G.c.origin_entry,
               G.c.version).where(G.c.card_id.in_(card_ids)))]
    cards = [dict(r._mapping) for r in conn.execute(
        select(C.c.id, C.c.status).where(C.c.id.in_(card_ids)))]
    return purses, grants, cards


def applied_ids(engine: Engine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Entry]:
    """The entries among ``ids`` the centre has recorded (for settling after a crash)."""
    if not ids:
        return {}
    with engine.connect() as conn:
        return {r.id: entry_from(r) for r in conn.execute(select(J).where(J.c.id.in_(ids)))}

