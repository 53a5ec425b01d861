"""Back-fill at the centre: a till's offline sales, in the till's order, in batches.

The goods are gone, so nothing is refused: the centre re-allocates each sale's card part
against the authoritative purses (bonus soonest-expiring first, then cash, the excess
landing on cash), appends it to the till's chain and moves the purses. A sale that leaves
the cash purse negative blocks the card and records an exception (the journal trigger
does both, so a till's role needs no UPDATE on card status); a sale to a card that was
frozen or lost meanwhile is recorded as an exception here.

One transaction per batch: all the batch's cards are locked up front in card order (two
batches, or a batch and an online sale, can never wait on each other in a cycle), the
already-applied UUIDs are looked up at once (a resent batch is a replay, applied once),
and rows go in as one multi-row insert. Ten thousand entries are a few dozen round trips
instead of a few per entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, insert, select, text

from tillcard.domain.cards import CardStatus
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.wallet import Wallet
from tillcard.store.ledger import (
    _HEAD,
    _SET_SPEND,
    TILL_LOCK_KEY,
    C,
    G,
    J,
    LedgerError,
    P,
)
from tillcard.store.mapping import entry_from, entry_values, wallet_from
from tillcard.store.schema import ExceptionRow

NEGATIVE = "negative_balance"
CONFLICT = "conflict"


@dataclass(frozen=True)
class Backfilled:
    """What became of one offline entry at the centre."""

    entry: Entry  # as the centre recorded it: seq, hash, allocation
    replayed: bool = False  # the centre had it already (a resent batch)
    exception: str | None = None  # the manager's exception kind, if one was raised
    applied: bool = True  # False only for a UUID the centre holds with other content


@dataclass
class _CardState:
    wallet: Wallet
    status: CardStatus
    day: date | None
    day_amount: int
    day_count: int


def sale_day(entry: Entry) -> date:
    """The site's calendar day of a sale (tills and centre share the site's time zone)."""
    return entry.created_at.astimezone().date()


def backfill(engine: Engine, till_id: int, entries: Sequence[Entry]) -> list[Backfilled]:
    """Apply ``entries`` (one till's, in its order) exactly once; results in the same order."""
    if not entries:
        return []
    for e in entries:
        if e.till_id != till_id:
            raise LedgerError(f"entry {e.id} belongs to till {e.till_id}, not {till_id}")
        if e.kind is not EntryKind.SALE:
            raise LedgerError(f"entry {e.id}: only sales are made offline, not {e.kind}")
    with engine.begin() as conn:
        states = _lock_cards(conn, sorted({e.card_id for e in entries}))
        known = {r.id: r for r in conn.execute(
            select(J).where(J.c.id.in_([e.id for e in entries])))}
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k, :t)"),
                         {"k": TILL_LOCK_KEY, "t": till_id})
        head = conn.execute(_HEAD, {"till": till_id}).first()
        if head is None:
            raise LedgerError(f"unknown till {till_id}")
        seq, prev = head.last_seq, head.last_hash
        now = datetime.now(UTC)
        results: list[Backfilled] = []
        rows: list[dict[str, object]] = []
        spends: dict[int, dict[str, object]] = {}
        odd_status: list[dict[str, object]] = []
        for e in entries:
            old = known.get(e.id)
            if old is not None:
                same = (old.card_id == e.card_id and old.kind == str(e.kind)
                        and old.list_amount == e.list_amount)
                results.append(Backfilled(entry_from(old), replayed=same,
                                          exception=None if same else CONFLICT, applied=same))
                continue
            st = states[e.card_id]
            day = sale_day(e)
            part = -e.total_delta
            alloc = st.wallet.allocate(part, day)
            seq += 1
            applied = replace(e, seq=seq, prev_hash=prev, cash_delta=-alloc.cash,
                              bonus_parts=tuple((g, -a) for g, a in alloc.bonus_parts),
                              new_grant=None)
            prev = applied.hash
            st.wallet = st.wallet.after(alloc)
            if st.day is None or day > st.day:
                st.day, st.day_amount, st.day_count = day, 0, 0
            if day == st.day:
                st.day_amount += part
                st.day_count += 1
                spends[e.card_id] = {"card": e.card_id, "day": st.day,
                                     "amount": st.day_amount, "count": st.day_count,
                                     "now": now}
            if st.status is not CardStatus.ACTIVE and st.wallet.cash >= 0:
                odd_status.append({"entry_id": e.id, "till_id": till_id, "card_id": e.card_id,
                                   "cashier_id": e.cashier_id,
                                   "kind": f"sold_while_{st.status.value}",
                                   "amount": st.wallet.cash, "sold_at": e.created_at,
                                   "recorded_at": now, "note": ""})
            if st.wallet.cash < 0 and st.status is CardStatus.ACTIVE:
                st.status = CardStatus.BLOCKED  # the trigger blocks it in the database
            rows.append({**entry_values(applied), "recorded_at": now})
            results.append(Backfilled(applied))
        if rows:
            conn.execute(insert(J), rows)
        if spends:
            conn.execute(_SET_SPEND, list(spends.values()))
        if odd_status:
            conn.execute(insert(ExceptionRow), odd_status)
        flagged = {r.entry_id: r.kind for r in conn.execute(
            select(ExceptionRow.entry_id, ExceptionRow.kind).where(
                ExceptionRow.entry_id.in_([e.id for e in entries])))}
    return [replace(r, exception=r.exception or flagged.get(r.entry.id)) for r in results]


def _lock_cards(conn: Connection, card_ids: list[int]) -> dict[int, _CardState]:
    q = (select(P.c.card_id, P.c.cash, P.c.day, P.c.day_amount, P.c.day_count, C.c.status)
         .join(C, C.c.id == P.c.card_id).where(P.c.card_id.in_(card_ids))
         .order_by(P.c.card_id).with_for_update(of=P))
    purses = conn.execute(q).all()
    if len(purses) != len(card_ids):
        missing = set(card_ids) - {p.card_id for p in purses}
        raise LedgerError(f"unknown card id(s) {sorted(missing)}")
    grants: dict[int, list[object]] = {}
    for g in conn.execute(select(G.c.card_id, G.c.id, G.c.remaining, G.c.expires_on).where(
            G.c.card_id.in_(card_ids), G.c.remaining != 0)):
        grants.setdefault(g.card_id, []).append(g)
    return {p.card_id: _CardState(wallet_from(p.cash, grants.get(p.card_id, [])),
                                  CardStatus(p.status), p.day, p.day_amount, p.day_count)
            for p in purses}


def applied_ids(engine: Engine, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Entry]:
    """The entries among ``ids`` the centre has recorded (for settling after a crash)."""
    if not ids:
        return {}
    with engine.connect() as conn:
        return {r.id: entry_from(r) for r in conn.execute(select(J).where(J.c.id.in_(ids)))}
