"""The till's own SQLite: a replica of what it needs from the centre, and its outbox.

Replicated rows (card types, holders, users, cards, purses, bonus grants) are written
only by the pull; the till's own entries live in ``outbox`` with their life-cycle state.
What the till shows offline is the replica less its own unconfirmed entries: ``offline``
entries by their allocation, ``authorizing`` ones (fate unknown) held back in full.
Every outbox write is its own transaction on a WAL database with synchronous=FULL: once
a method returns, the entry survives a power cut.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    String,
    Table,
    Text,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tillcard.domain.cards import Card
from tillcard.domain.clock import SiteClock
from tillcard.domain.journal import (
    Entry,
    EntryKind,
    EntryState,
    bonus_parts_from_json,
    bonus_parts_to_json,
)
from tillcard.domain.meals import MealCounter
from tillcard.domain.rules import DaySpend, with_meals
from tillcard.domain.wallet import BonusGrant, Wallet
from tillcard.store.backfill import BackfillResult
from tillcard.store.ledger import Ledger, Outcome
from tillcard.store.reference import ReferenceStore
from tillcard.store.schema import (
    BonusGrantRow,
    CardRow,
    CardTypeRow,
    HolderRow,
    MealWindowRow,
    OutboxRow,
    PurseRow,
    SiteRow,
    SyncStateRow,
    UserRow,
)

OUT: Table = OutboxRow.__table__  # type: ignore[assignment]

# One statement for any settling: a back-filled batch marks hundreds of entries at once;
# a NULL keeps the column as it was.
_SETTLE = update(OUT).where(OUT.c.id == bindparam("eid")).values(
    state=bindparam("st"), note=bindparam("nt"), settled_at=bindparam("at"),
    cash_delta=func.coalesce(bindparam("cd", type_=BigInteger), OUT.c.cash_delta),
    allowance_delta=func.coalesce(bindparam("ad", type_=BigInteger), OUT.c.allowance_delta),
    bonus_parts=func.coalesce(bindparam("bp", type_=Text), OUT.c.bonus_parts),
    discount=func.coalesce(bindparam("dc", type_=BigInteger), OUT.c.discount),
    tendered_cash=func.coalesce(bindparam("tc", type_=BigInteger), OUT.c.tendered_cash),
    seq=func.coalesce(bindparam("sq", type_=BigInteger), OUT.c.seq),
    hash=func.coalesce(bindparam("hs", type_=String), OUT.c.hash))

UNSENT = (EntryState.OFFLINE.value, EntryState.AUTHORIZING.value)
_COUNTED = (EntryState.APPLIED.value, EntryState.OFFLINE.value, EntryState.EXCEPTION.value)
_UNSENT_OF_CARD = select(OUT.c.state, OUT.c.cash_delta, OUT.c.allowance_delta,
                         OUT.c.bonus_parts, OUT.c.list_amount,
                         OUT.c.discount, OUT.c.tendered_cash, OUT.c.created_at).where(
    OUT.c.card_id == bindparam("card"), OUT.c.state.in_(UNSENT),
    OUT.c.kind == EntryKind.SALE.value)
# what counts against offline limits: every sale decided here without the centre, sent or
# not (a flapping link must not reset them), and sales of unknown fate (held in full)
_OFFLINE_DEBITS = (
    (OUT.c.state == EntryState.AUTHORIZING.value)
    | (OUT.c.sold_offline & OUT.c.state.in_((EntryState.OFFLINE.value,
                                             EntryState.APPLIED.value,
                                             EntryState.EXCEPTION.value))))

# Foreign keys point up this list: upserts go in this order.
REPLICATED: tuple[tuple[type[Any], str], ...] = (
    (SiteRow, "id"), (CardTypeRow, "id"), (MealWindowRow, "id"), (HolderRow, "id"),
    (UserRow, "id"), (CardRow, "id"), (PurseRow, "card_id"), (BonusGrantRow, "id"),
)
# rows a till may hold newer than the centre's last pull (an answer's): kept by version
VERSIONED = ("purses", "bonus_grants")
CURSOR_KEY = "pull_cursor"
LAST_PULL_KEY = "last_pull_at"
LOCAL_ID_KEY = "local_id"
HEAD_KEY = "chain_head"  # "<seq> <hash>": the newest entry of this till's chain it knows


@dataclass(frozen=True)
class OutboxItem:
    entry: Entry
    state: EntryState
    sent_at: datetime | None
    note: str


def _entry(r: Any) -> Entry:
    return Entry(id=r.id, till_id=0, seq=r.seq or 0, kind=EntryKind(r.kind), card_id=r.card_id,
                 cash_delta=r.cash_delta, bonus_parts=bonus_parts_from_json(r.bonus_parts),
                 allowance_delta=r.allowance_delta,
                 list_amount=r.list_amount, discount=r.discount,
                 tendered_cash=r.tendered_cash, refers_to=r.refers_to,
                 cashier_id=r.cashier_id, created_at=r.created_at)


def _now() -> datetime:
    return datetime.now(UTC)


class TillCache:
    def __init__(self, engine: Engine, till_id: int) -> None:
        self.engine = engine
        self.till_id = till_id
        self.ledger = Ledger(engine)
        self.refs = ReferenceStore(engine)
        # Offline debits, summed from the outbox on first use and then kept up to date
        # by ``add``; any settling drops them (the next use sums again). An offline sale
        # must not scan a long outage's outbox twice per sale.
        self._tally_lock = threading.RLock()
        self._unsent: int | None = None
        self._debits: dict[date, tuple[int, dict[int, int]]] = {}

    @property
    def clock(self) -> SiteClock:
        """The site clock, as last pulled from the centre."""
        return self.ledger.rules.clock

    # -- outbox ---------------------------------------------------------------------------

    def add(self, entry: Entry, state: EntryState, *, split_tender: bool = False,
            pin_verified: bool = False, sent_at: datetime | None = None) -> None:
        with self._tally_lock:  # the insert and the tallies move together
            with self.engine.begin() as conn:
                conn.execute(OUT.insert().values(
                    id=entry.id, state=state.value, kind=str(entry.kind),
                    card_id=entry.card_id, cash_delta=entry.cash_delta,
                    allowance_delta=entry.allowance_delta,
                    bonus_parts=bonus_parts_to_json(entry.bonus_parts),
                    list_amount=entry.list_amount, discount=entry.discount,
                    tendered_cash=entry.tendered_cash, refers_to=entry.refers_to,
                    cashier_id=entry.cashier_id, created_at=entry.created_at,
                    split_tender=split_tender, pin_verified=pin_verified, sent_at=sent_at,
                    sold_offline=state is EntryState.OFFLINE, note=""))
            self._count_in(entry, state)

    def set_state(self, entry_id: uuid.UUID, state: EntryState, *,
                  entry: Entry | None = None, note: str = "") -> None:
        self.set_states([(entry_id, state, entry, note)])

    def set_states(self, changes: Iterable[tuple[uuid.UUID, EntryState, Entry | None, str]]
                   ) -> None:
        """Settle several entries in one durable transaction."""
        changes = list(changes)
        params = [_settle_params(*change, _now()) for change in changes]
        if not params:
            return
        with self._tally_lock, self.engine.begin() as conn:
            self._forget_tallies()
            conn.execute(_SETTLE, params)
            self._advance_head(conn, [entry for _, _, entry, _ in changes])

    def item(self, entry_id: uuid.UUID) -> OutboxItem | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(OUT).where(OUT.c.id == entry_id)).first()
        return None if r is None else OutboxItem(_entry(r), EntryState(r.state), r.sent_at,
                                                 r.note)

    def items(self, states: Sequence[EntryState] = ()) -> list[OutboxItem]:
        q = select(OUT).order_by(OUT.c.n)
        if states:
            q = q.where(OUT.c.state.in_([s.value for s in states]))
        with self.engine.connect() as conn:
            return [OutboxItem(_entry(r), EntryState(r.state), r.sent_at, r.note)
                    for r in conn.execute(q)]

    def offline_batch(self, limit: int) -> list[Entry]:
        """The oldest entries waiting for back-fill, in the till's order."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(OUT).where(OUT.c.state == EntryState.OFFLINE.value)
                                .order_by(OUT.c.n).limit(limit)).all()
        return [replace(_entry(r), till_id=self.till_id) for r in rows]

    def authorizing(self, sent_before: datetime) -> list[OutboxItem]:
        """Sales whose fate is unknown and old enough to be settled (see settle_margin_s)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(OUT).where(
                OUT.c.state == EntryState.AUTHORIZING.value, OUT.c.sent_at < sent_before)
                .order_by(OUT.c.n)).all()
        return [OutboxItem(replace(_entry(r), till_id=self.till_id), EntryState(r.state),
                           r.sent_at, r.note) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {s: int(n) for s, n in conn.execute(
                select(OUT.c.state, func.count()).group_by(OUT.c.state))}

    def own_head(self) -> tuple[int, str] | None:
        """The newest entry of this till's chain it knows the centre recorded: (seq, hash)."""
        with self.engine.connect() as conn:
            r = conn.execute(select(OUT.c.seq, OUT.c.hash).where(OUT.c.seq.is_not(None))
                             .order_by(OUT.c.seq.desc()).limit(1)).first()
        return None if r is None else (int(r.seq), str(r.hash))

    def unsent_count(self) -> int:
        with self._tally_lock:
            if self._unsent is None:
                with self.engine.connect() as conn:
                    self._unsent = int(conn.execute(select(func.count()).where(
                        OUT.c.state.in_(UNSENT))).scalar_one())
            return self._unsent

    def _count_in(self, entry: Entry, state: EntryState) -> None:
        if state.value not in UNSENT:
            return
        with self._tally_lock:  # held by the caller too
            if self._unsent is not None:
                self._unsent += 1
            day = self.clock.business_day(entry.created_at)
            if entry.kind is EntryKind.SALE and day in self._debits:
                debit = (entry.list_amount if state is EntryState.AUTHORIZING
                         else entry.list_amount - entry.discount - entry.tendered_cash)
                total, cards = self._debits[day]
                cards[entry.card_id] = cards.get(entry.card_id, 0) + debit
                self._debits[day] = (total + debit, cards)

    def _forget_tallies(self) -> None:
        with self._tally_lock:
            self._unsent = None
            self._debits.clear()

    def offline_debits(self, today: date, card_id: int) -> tuple[int, int]:
        """Card parts of this till's offline sales of a business day: all cards, one card.

        Sold offline and already back-filled still count (a link that flaps must not
        reset the offline limits); sales of unknown fate count in full.
        """
        with self._tally_lock:
            known = self._debits.get(today) or self._sum_debits(today)
            return known[0], known[1].get(card_id, 0)

    def _sum_debits(self, today: date) -> tuple[int, dict[int, int]]:
        start, end = self.clock.day_bounds(today)
        debit = case((OUT.c.state == EntryState.AUTHORIZING.value, OUT.c.list_amount),
                     else_=OUT.c.list_amount - OUT.c.discount - OUT.c.tendered_cash)
        q = (select(OUT.c.card_id, func.sum(debit))
             .where(_OFFLINE_DEBITS, OUT.c.kind == EntryKind.SALE.value,
                    OUT.c.created_at >= start, OUT.c.created_at < end)
             .group_by(OUT.c.card_id))
        with self.engine.connect() as conn:
            cards = {int(c): int(d) for c, d in conn.execute(q)}
        self._debits[today] = (sum(cards.values()), cards)
        return self._debits[today]

    # -- reads for the counter ------------------------------------------------------------

    def card_state(self, card_id: int, today: date) -> tuple[Card, Wallet, DaySpend]:
        """The replica's card, less this till's unconfirmed sales of the card.

        Its offline sales count toward meal windows too (a till offline sells no second
        lunch); a sale of unknown fate does not (it is the one being decided again when
        the till sells it offline after all, and it settles either way).
        """
        clock = self.clock
        with self.engine.connect() as conn:  # one connection, prebuilt statements
            card, wallet, spent = self.ledger.card_state_in(conn, card_id, today)
            rows = conn.execute(_UNSENT_OF_CARD, {"card": card_id}).all()
        cash, withheld, allowance = wallet.cash, wallet.withheld, wallet.allowance
        grants = {g.id: g.remaining for g in wallet.grants}
        amount, count = spent.amount, spent.count
        meal = MealCounter(today, spent.meal_minute, spent.meal_count)
        windows = card.card_type.meal_windows
        for r in sorted(rows, key=lambda r: r.created_at):
            if r.state == EntryState.OFFLINE.value:
                if windows:
                    meal = meal.add(clock.business_day(r.created_at),
                                    clock.minute(r.created_at), windows, clock.cutoff_minutes)
                cash += r.cash_delta
                allowance += r.allowance_delta
                for gid, d in bonus_parts_from_json(r.bonus_parts):
                    grants[gid] = grants.get(gid, 0) + d
            else:
                withheld += r.list_amount
            if clock.business_day(r.created_at) == today:
                amount += _debit(r)
                count += 1
        adjusted = Wallet(cash, tuple(BonusGrant(g.id, grants[g.id], g.expires_on)
                                      for g in wallet.grants), withheld, allowance)
        return card, adjusted, with_meals(DaySpend(amount, count), meal, today)

    def find_card_id(self, token: str) -> int | None:
        return self.refs.find_card_id(token)

    # -- writes from the centre -----------------------------------------------------------

    def apply_pull(self, rows: dict[str, list[dict[str, Any]]], cursor: int) -> int:
        """Upsert pulled rows in foreign-key order and move the cursor, atomically.

        Purses and grants are kept where this till already holds a newer version (an
        online sale's answer that arrived after the pull's snapshot was taken).
        """
        n = 0
        with self.engine.begin() as conn:
            for model, key in REPLICATED:
                table: Table = model.__table__
                if model is MealWindowRow:
                    _drop_removed_windows(conn, rows)
                batch = rows.get(table.name, [])
                if not batch:
                    continue
                _upsert(conn, table, key, batch)
                n += len(batch)
            self._put(conn, CURSOR_KEY, str(cursor))
            self._put(conn, LAST_PULL_KEY, _now().isoformat())
        if rows.get("site"):
            self.ledger.forget_rules()
        return n

    def applied_online(self, out: Outcome) -> None:
        """An online sale confirmed: its outbox row and the replica's balances, one commit."""
        if out.entry is None:
            raise ValueError("only an applied sale can be recorded as applied")
        params = _settle_params(out.entry.id, EntryState.APPLIED, out.entry, "", _now())
        with self._tally_lock, self.engine.begin() as conn:
            self._forget_tallies()
            conn.execute(_SETTLE, params)
            self._write_card(conn, out)
            self._advance_head(conn, [out.entry, *out.extra])

    def record_centre(self, out: Outcome) -> None:
        """The card as the centre answered a call (a void): into the replica if newer."""
        with self.engine.begin() as conn:
            self._write_card(conn, out)
            self._advance_head(conn, [out.entry, *out.extra])

    def record_applied(self, entry: Entry) -> None:
        """An entry the centre made for this till (a void, a reversal): kept for its shift."""
        with self.engine.begin() as conn:
            if conn.execute(select(OUT.c.n).where(OUT.c.id == entry.id)).first() is None:
                conn.execute(OUT.insert().values(
                    id=entry.id, state=EntryState.APPLIED.value, kind=str(entry.kind),
                    card_id=entry.card_id, cash_delta=entry.cash_delta,
                    allowance_delta=entry.allowance_delta,
                    bonus_parts=bonus_parts_to_json(entry.bonus_parts),
                    list_amount=entry.list_amount, discount=entry.discount,
                    tendered_cash=entry.tendered_cash, refers_to=entry.refers_to,
                    cashier_id=entry.cashier_id, created_at=entry.created_at,
                    settled_at=_now(), seq=entry.seq or None,
                    hash=entry.hash if entry.seq else None, note=""))
            self._advance_head(conn, [entry])

    def till_mark(self) -> int:
        """The outbox's last row: a shift's entries come after one mark."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(OUT.c.n), 0))).scalar_one())

    def till_entries(self, after: int, upto: int | None = None) -> list[Entry]:
        """What this till recorded after one mark, up to another (a shift's), in its order.

        Sold (online or offline) and centre-made entries of this till; not sales whose fate
        is unknown (the cashier never saw them confirmed) nor those refused or abandoned.
        A sale of unknown fate at a shift's close that later turns out applied appears,
        with the reversal that follows, in the shift that learns it.
        """
        q = select(OUT).where(OUT.c.state.in_(_COUNTED), OUT.c.n > after)
        if upto is not None:
            q = q.where(OUT.c.n <= upto)
        with self.engine.connect() as conn:
            return [replace(_entry(r), till_id=self.till_id)
                    for r in conn.execute(q.order_by(OUT.c.n))]

    def local_id(self) -> str:
        """This database file's own id, made once: the holder of the till's lease.

        A till restarted after a crash on the same file (the lock file guarantees one
        process) renews its own lease at once; another file, a twin, is refused.
        """
        with self.engine.begin() as conn:
            value = conn.execute(select(SyncStateRow.value).where(
                SyncStateRow.key == LOCAL_ID_KEY)).scalar_one_or_none()
            if value is None:
                value = uuid.uuid4().hex
                self._put(conn, LOCAL_ID_KEY, value)
        return str(value)

    def adopt_head(self, head: tuple[int, str]) -> None:
        """Take the centre's head as this till's own (an admin's re-provisioning)."""
        with self.engine.begin() as conn:
            self._put(conn, HEAD_KEY, f"{head[0]} {head[1]}")

    def head_and_pending(self) -> tuple[tuple[int, str] | None, int]:
        """This till's head and its unsent entries (offline or in flight), in one snapshot."""
        with self.engine.connect().execution_options(sqlite_deferred=True) as conn, \
                conn.begin():
            value = conn.execute(select(SyncStateRow.value).where(
                SyncStateRow.key == HEAD_KEY)).scalar_one_or_none()
            pending = conn.execute(select(func.count()).where(
                OUT.c.state.in_(UNSENT))).scalar_one()
        return _head(value), int(pending)

    def chain_head(self) -> tuple[int, str] | None:
        """The newest entry of this till's chain the centre has told this till of."""
        return _head(self.get(HEAD_KEY))

    def _advance_head(self, conn: Any, entries: Iterable[Entry | None]) -> None:
        """Keep this till's own copy of its chain head, in the commit that learnt it.

        The centre writes a till's chain only for that till (its login is bound to it),
        so a centre whose head differs from this one was changed behind the till's back —
        or this database is older than the centre's copy of its chain.
        """
        known = [e for e in entries if e is not None and e.seq and e.till_id == self.till_id]
        if not known:
            return
        newest = max(known, key=lambda e: e.seq)
        current = conn.execute(select(SyncStateRow.value).where(
            SyncStateRow.key == HEAD_KEY)).scalar_one_or_none()
        if current is None or int(current.partition(" ")[0]) < newest.seq:
            self._put(conn, HEAD_KEY, f"{newest.seq} {newest.hash}")

    @staticmethod
    def _write_card(conn: Any, out: Outcome) -> None:
        if out.version is None:
            return
        values: dict[str, Any] = {"cash": out.wallet.cash,
                                  "bonus": sum(g.remaining for g in out.wallet.grants),
                                  "allowance": out.wallet.allowance,
                                  "version": out.version}
        if out.counter is not None:
            values.update(day=out.counter.day, day_amount=out.counter.amount,
                          day_count=out.counter.count)
        if out.meal is not None:
            values.update(meal_day=out.meal.day, meal_minute=out.meal.minute,
                          meal_count=out.meal.count)
        moved = conn.execute(update(PurseRow).where(
            PurseRow.card_id == out.card.id, PurseRow.version < out.version).values(**values))
        if moved.rowcount:
            for g in out.wallet.grants:
                conn.execute(update(BonusGrantRow).where(
                    BonusGrantRow.id == g.id, BonusGrantRow.version < out.version
                ).values(remaining=g.remaining, version=out.version))

    def apply_backfill(self, result: BackfillResult,
                       changes: Iterable[tuple[uuid.UUID, EntryState, Entry | None, str]]
                       ) -> None:
        """A back-filled batch: outbox marks and the cards as the centre now holds them.

        One commit, so the next offline sale is never decided on balances that predate
        what was just sent (the entries stop counting as unsent in the same moment).
        """
        params = [_settle_params(*change, _now()) for change in changes]
        with self._tally_lock, self.engine.begin() as conn:
            self._forget_tallies()
            if params:
                conn.execute(_SETTLE, params)
            self._advance_head(conn, [r.entry for r in result.items if r.applied])
            _upsert(conn, PurseRow.__table__, "card_id",  # type: ignore[arg-type]
                    [{**p, "updated_at": _now()} for p in result.purses], partial=True)
            _upsert(conn, BonusGrantRow.__table__, "id",  # type: ignore[arg-type]
                    result.grants, partial=True)
            for c in result.cards:
                conn.execute(update(CardRow).where(CardRow.id == c["id"]).values(
                    status=c["status"]))

    # -- sync state -----------------------------------------------------------------------

    def get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(SyncStateRow.value).where(SyncStateRow.key == key)
                                ).scalar_one_or_none()

    def cursor(self) -> int:
        return int(self.get(CURSOR_KEY) or 0)

    @staticmethod
    def _put(conn: Any, key: str, value: str) -> None:
        stmt = sqlite_insert(SyncStateRow).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"],
                                                set_={"value": value}))


def _head(value: str | None) -> tuple[int, str] | None:
    if not value:
        return None
    seq, _, digest = value.partition(" ")
    return int(seq), digest


def _upsert(conn: Any, table: Table, key: str, batch: list[dict[str, Any]], *,
            partial: bool = False) -> None:
    """Insert or update replicated rows; versioned tables keep a newer local copy.

    ``partial``: the rows carry only some columns (an answer's), so only those are set.
    """
    if not batch:
        return
    stmt = sqlite_insert(table)
    names = batch[0].keys() if partial else [c.name for c in table.c]
    cols = {n: stmt.excluded[n] for n in names if n != key}
    where = table.c.version <= stmt.excluded.version if table.name in VERSIONED else None
    conn.execute(stmt.on_conflict_do_update(index_elements=[key], set_=cols, where=where),
                 batch)


def _settle_params(entry_id: uuid.UUID, state: EntryState, entry: Entry | None, note: str,
                   now: datetime) -> dict[str, Any]:
    """Parameters of ``_SETTLE``; ``None`` leaves a column as it was."""
    p: dict[str, Any] = {"eid": entry_id, "st": state.value, "nt": note,
                         "at": None if state is EntryState.OFFLINE else now,
                         "cd": None, "ad": None, "bp": None, "dc": None, "tc": None,
                         "sq": None, "hs": None}
    if entry is not None:
        p.update(cd=entry.cash_delta, ad=entry.allowance_delta,
                 bp=bonus_parts_to_json(entry.bonus_parts),
                 dc=entry.discount, tc=entry.tendered_cash)
        if entry.seq:
            p.update(sq=entry.seq, hs=entry.hash)
    return p


def _debit(r: Any) -> int:
    """A sale's card part: known for offline entries, the list amount as a bound otherwise."""
    if r.state == EntryState.OFFLINE.value:
        return int(r.list_amount - r.discount - r.tendered_cash)
    return int(r.list_amount)


def _drop_removed_windows(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Meal windows the centre removed from a pulled card type: gone here too.

    A pull only carries rows that changed, never deletions. The centre rewrites every
    window of a type in the transaction that changes the type (``update_card_type``), so
    a pulled type arrives with all its current windows: any other window of that type
    held here was removed. Dropped before the windows are upserted, so a window re-added
    at a removed one's position does not collide with it.
    """
    types = [r["id"] for r in rows.get("card_types", [])]
    if not types:
        return
    current = [w["id"] for w in rows.get("meal_windows", [])]
    conn.execute(delete(MealWindowRow).where(MealWindowRow.card_type_id.in_(types),
                                             MealWindowRow.id.not_in(current)))
