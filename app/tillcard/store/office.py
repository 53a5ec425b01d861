"""The card office's writes on a standalone database: the centre's functions, in Python.

Each action is one transaction (``BEGIN IMMEDIATE`` on SQLite: the card cannot change
under it) that checks the acting user, decides by ``domain.office``, appends its journal
entries to the office's till chain through the ledger's own append (the database's trigger
moves the purses) and writes its audit row. Migration 0013's functions do the same steps
in the same order at the centre; ``office_store`` picks the one for an engine, and
``tests/services/test_card_office.py`` runs every action through both.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, insert, select, update

from tillcard.domain.cards import CardStatus
from tillcard.domain.journal import Entry, EntryKind, NewGrant
from tillcard.domain.money import require_amount
from tillcard.domain.office import (
    CLOSABLE,
    BatchResult,
    CloseResult,
    CorrectionResult,
    IssueRequest,
    IssueResult,
    MovedGrant,
    OfficeCode,
    OfficeRefused,
    ReplaceResult,
    StatusAction,
    StatusChange,
    derived_id,
    next_status,
    period_days,
    require_reason,
)
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.store.ledger import (
    CASH_CARD,
    InvalidRequest,
    Ledger,
    LedgerError,
    NotPermitted,
    Outcome,
)
from tillcard.store.mapping import entry_from
from tillcard.store.schema import (
    AllowanceBatchRow,
    AuditRow,
    BonusGrantRow,
    CardRow,
    CardTypeRow,
    HolderRow,
    JournalRow,
    PurseRow,
    UserRow,
)

ADMIN = ("admin",)
RECHARGERS = ("manager", "admin")


class OfficeStore(Protocol):
    """What the card office service asks of a database (standalone or the centre)."""

    def issue(self, user_id: int, op_id: uuid.UUID, req: IssueRequest, at: datetime
              ) -> IssueResult: ...
    def issue_many(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]],
                   at: datetime) -> list[IssueResult]: ...
    def recharge(self, user_id: int, entry_id: uuid.UUID, card_id: int, amount: int,
                 at: datetime) -> Outcome: ...
    def set_status(self, user_id: int, card_id: int, action: StatusAction, reason: str,
                   at: datetime) -> StatusChange: ...
    def replace(self, user_id: int, op_id: uuid.UUID, old_card_id: int, number: str,
                uid: str | None, reason: str, at: datetime) -> ReplaceResult: ...
    def close(self, user_id: int, op_id: uuid.UUID, card_id: int, reason: str,
              at: datetime) -> CloseResult: ...
    def set_pin(self, user_id: int, card_id: int, pin_hash: str | None,
                at: datetime) -> None: ...
    def set_validity(self, user_id: int, card_ids: list[int] | None, card_type: str | None,
                     until: date | None, reason: str, at: datetime) -> int: ...
    def reverse_recharge(self, user_id: int, op_id: uuid.UUID, recharge_id: uuid.UUID,
                         reason: str, confirmed: bool, at: datetime) -> CorrectionResult: ...
    def add_back_charge(self, user_id: int, op_id: uuid.UUID, sale_id: uuid.UUID,
                        reason: str, confirmed: bool, at: datetime) -> CorrectionResult: ...
    def grant_allowance(self, user_id: int, card_type: str, period: str, amount: int,
                        at: datetime) -> BatchResult: ...
    def reset_allowance(self, user_id: int, card_type: str, period: str,
                        at: datetime) -> BatchResult: ...


def office_store(engine: Engine, till_id: int) -> OfficeStore:
    """The centre's functions on PostgreSQL, this module's Python elsewhere."""
    if engine.dialect.name == "postgresql":
        from tillcard.store.pg_office import PgOffice

        return PgOffice(engine, till_id)
    return GenericOffice(engine, till_id)


def _doc(**kw: Any) -> str:
    return json.dumps(kw, default=str, sort_keys=True)


def check_uid(uid: str | None) -> str | None:
    u = (uid or "").strip().upper()
    return u or None


class BatchRefused(Exception):  # noqa: N818 (a refusal, not an error)
    """An item of a batch was refused, so none of it was applied; ``index`` is its place.

    ``index`` is None when the centre refused the batch and the item could not be told.
    """

    def __init__(self, index: int | None, error: Exception) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


@dataclass(frozen=True)
class ImportFacts:
    """What an import file is checked against before anything is written."""

    card_types: frozenset[str]  # codes (never the walk-in type)
    numbers_in_use: frozenset[str]
    uids_in_use: frozenset[str]
    max_amount: int


@dataclass(frozen=True)
class ExportLine:
    number: str
    uid: str | None
    holder: str
    member_no: str
    phone: str
    card_type: str  # the code, as an import names it
    status: str
    valid_until: date | None
    deposit_held: int
    cash: int
    bonus: int
    allowance: int


class CardRegister:
    """The reads of an import (what is taken already) and of an export (every card).

    Both engines alike: plain SELECTs an admin's login may run. Lists are asked in chunks
    (SQLite's limit on parameters; PostgreSQL plans short IN lists well).
    """

    CHUNK = 500

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def import_facts(self, numbers: Collection[str], uids: Collection[str]) -> ImportFacts:
        nums, ids = sorted(set(numbers)), sorted(set(uids))
        with self._engine.connect() as conn:
            types = frozenset(conn.execute(select(CardTypeRow.code).where(
                CardTypeRow.code != "walk_in")).scalars())
            used_nums = {n for i in range(0, len(nums), self.CHUNK) for n in conn.execute(
                select(CardRow.number).where(CardRow.number.in_(nums[i:i + self.CHUNK])))
                .scalars()}
            used_uids = {u for i in range(0, len(ids), self.CHUNK) for u in conn.execute(
                select(CardRow.uid).where(CardRow.uid.in_(ids[i:i + self.CHUNK])))
                .scalars() if u is not None}
        return ImportFacts(types, frozenset(used_nums), frozenset(used_uids),
                           Ledger(self._engine).rules.max_amount)

    def export_lines(self) -> Iterator[ExportLine]:
        """Every card people hold (not the walk-in card), by number, streamed."""
        q = (select(CardRow.number, CardRow.uid, HolderRow.name, HolderRow.staff_no,
                    HolderRow.phone, CardTypeRow.code, CardRow.status, CardRow.valid_until,
                    CardRow.deposit_held, func.coalesce(PurseRow.cash, 0),
                    func.coalesce(PurseRow.bonus, 0), func.coalesce(PurseRow.allowance, 0))
             .join(HolderRow, HolderRow.id == CardRow.holder_id)
             .join(CardTypeRow, CardTypeRow.id == CardRow.card_type_id)
             .outerjoin(PurseRow, PurseRow.card_id == CardRow.id)
             .where(CardRow.number != CASH_CARD).order_by(CardRow.number))
        with self._engine.connect() as conn:
            rows: Any = conn.execution_options(yield_per=1_000).execute(q)
            for row in rows:
                yield ExportLine(*row)


class GenericOffice:
    """The card office on the database of a standalone till (SQLite)."""

    def __init__(self, engine: Engine, till_id: int, ledger: Ledger | None = None) -> None:
        self._engine = engine
        self._till = till_id
        self._ledger = ledger or Ledger(engine)

    # -- the actions ----------------------------------------------------------------------

    def issue(self, user_id: int, op_id: uuid.UUID, req: IssueRequest, at: datetime
              ) -> IssueResult:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            return self._issue_in(conn, user_id, op_id, req, at)

    def issue_many(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]],
                   at: datetime) -> list[IssueResult]:
        """Every card of ``batch`` in one transaction, or none (an import is all or nothing).

        Raises:
            BatchRefused: an item was refused (its index, its error); nothing was issued.
        """
        results: list[IssueResult] = []
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            for i, (op_id, req) in enumerate(batch):
                try:
                    results.append(self._issue_in(conn, user_id, op_id, req, at))
                except (OfficeRefused, LedgerError, ValueError) as exc:
                    raise BatchRefused(i, exc) from exc
        return results

    def _issue_in(self, conn: Connection, user_id: int, op_id: uuid.UUID, req: IssueRequest,
                  at: datetime) -> IssueResult:
        number, uid = req.number.strip(), check_uid(req.uid)
        req.check()
        require_amount(req.opening_recharge, "an opening recharge", self._max)
        t = conn.execute(select(CardTypeRow).where(
            CardTypeRow.code == req.card_type, CardTypeRow.code != "walk_in")).first()
        if t is None:
            raise OfficeRefused(OfficeCode.UNKNOWN_TYPE, f"no card type {req.card_type}")
        self._not_in_use(conn, number, uid)
        holder = conn.execute(insert(HolderRow).values(
            name=req.holder_name.strip(), staff_no=req.member_no.strip(),
            phone=req.phone.strip(), updated_at=_now()).returning(HolderRow.id)
        ).scalar_one()
        today = self._day(at)
        until = None if t.validity_days is None else today + timedelta(
            days=t.validity_days)
        card = int(conn.execute(insert(CardRow).values(
            number=number, uid=uid, holder_id=holder, card_type_id=t.id,
            status=CardStatus.ACTIVE.value, valid_until=until, pin_failures=0,
            updated_at=_now(), deposit_held=t.deposit, status_reason="",
        ).returning(CardRow.id)).scalar_one())
        if t.deposit + t.card_fee > 0:
            self._append(conn, Entry(
                id=op_id, till_id=self._till, seq=0, kind=EntryKind.DEPOSIT, card_id=card,
                cash_delta=0, list_amount=t.deposit, tendered_cash=t.deposit + t.card_fee,
                cashier_id=user_id, created_at=at))
        bonus = 0
        if req.opening_recharge:
            out = self._recharge_in(conn, derived_id(op_id, "recharge"), card,
                                    req.opening_recharge, at, user_id)
            grant = out.entry.new_grant if out.entry else None
            bonus = grant.amount if grant else 0
        self._audit(conn, user_id, "card_issued", f"card {number}", at, detail=_doc(
            card_id=card, holder=req.holder_name.strip(), card_type=req.card_type,
            deposit=t.deposit, fee=t.card_fee, opening=req.opening_recharge,
            bonus=bonus), after=_doc(status="active"))
        return IssueResult(card, t.deposit, t.card_fee, req.opening_recharge, bonus)

    def recharge(self, user_id: int, entry_id: uuid.UUID, card_id: int, amount: int,
                 at: datetime) -> Outcome:
        require_amount(amount, "a recharge", self._max, positive=True)
        with self._begin() as conn:
            self._user(conn, user_id, RECHARGERS)
            before = self._card(conn, card_id, lock=True)
            out = self._recharge_in(conn, entry_id, card_id, amount, at, user_id)
            if out.entry is not None and not out.replayed:
                grant = out.entry.new_grant
                self._audit(conn, user_id, "card_recharged", f"card {before.number}", at,
                            detail=_doc(amount=amount, bonus=grant.amount if grant else 0,
                                        entry=entry_id),
                            before=_doc(cash=before.cash), after=_doc(cash=out.wallet.cash))
            return out

    def set_status(self, user_id: int, card_id: int, action: StatusAction, reason: str,
                   at: datetime) -> StatusChange:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            why = require_reason(reason)
            c = self._card(conn, card_id, lock=True)
            before = CardStatus(c.status)
            after = next_status(before, action, replaced=c.replaced_by is not None)
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                status=after.value, status_reason=why, updated_at=_now()))
            self._audit(conn, user_id, f"card_{action}", f"card {c.number}", at,
                        before=_doc(status=before.value), after=_doc(status=after.value),
                        reason=why)
        return StatusChange(card_id, before, after)

    def replace(self, user_id: int, op_id: uuid.UUID, old_card_id: int, number: str,
                uid: str | None, reason: str, at: datetime) -> ReplaceResult:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            why = require_reason(reason)
            IssueRequest(number, "-", "-", uid).check()
            c = self._card(conn, old_card_id, lock=True)
            self._not_replaced(c)
            if c.status != CardStatus.LOST.value:
                raise OfficeRefused(OfficeCode.STATUS, "report the card lost before "
                                    f"replacing it (it is {c.status})")
            number, new_uid = number.strip(), check_uid(uid)
            self._not_in_use(conn, number, new_uid)
            new = int(conn.execute(insert(CardRow).values(
                number=number, uid=new_uid, holder_id=c.holder_id,
                card_type_id=c.card_type_id, status=CardStatus.ACTIVE.value,
                valid_until=c.valid_until, pin_hash=c.pin_hash, pin_failures=0,
                updated_at=_now(), deposit_held=c.deposit_held, status_reason="",
            ).returning(CardRow.id)).scalar_one())
            conn.execute(update(CardRow).where(CardRow.id == old_card_id).values(
                replaced_by=new, deposit_held=0, status_reason=why, updated_at=_now()))
            grants = self._grants(conn, old_card_id)
            bonus = sum(g.remaining for g in grants)
            moved: list[MovedGrant] = []
            if c.cash or c.allowance or grants:
                self._append(conn, Entry(
                    id=op_id, till_id=self._till, seq=0, kind=EntryKind.TRANSFER_OUT,
                    card_id=old_card_id, cash_delta=-c.cash,
                    bonus_parts=tuple((g.id, -g.remaining) for g in grants),
                    allowance_delta=-c.allowance, cashier_id=user_id, created_at=at))
                for i in range(max(len(grants), 1)):
                    in_id = derived_id(op_id, "in", i)
                    grant = None
                    if i < len(grants):
                        g = grants[i]
                        grant = NewGrant(str(in_id), g.remaining, g.expires_on)
                        moved.append(MovedGrant(grant.id, grant.amount, grant.expires_on))
                    self._append(conn, Entry(
                        id=in_id, till_id=self._till, seq=0, kind=EntryKind.TRANSFER_IN,
                        card_id=new, cash_delta=c.cash if i == 0 else 0, new_grant=grant,
                        allowance_delta=c.allowance if i == 0 else 0, refers_to=op_id,
                        cashier_id=user_id, created_at=at))
            self._audit(conn, user_id, "card_replaced", f"card {c.number}", at,
                        detail=_doc(new_card_id=new, new_number=number),
                        before=_doc(cash=c.cash, bonus=bonus, allowance=c.allowance),
                        after=_doc(cash=0, bonus=0, allowance=0), reason=why)
        return ReplaceResult(old_card_id, new, c.cash, c.allowance, tuple(moved))

    def close(self, user_id: int, op_id: uuid.UUID, card_id: int, reason: str,
              at: datetime) -> CloseResult:
        why = reason.strip()
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            c = self._card(conn, card_id, lock=True)
            self._not_replaced(c)
            if CardStatus(c.status) not in CLOSABLE:
                raise OfficeRefused(OfficeCode.STATUS, f"cannot close a card that is {c.status}")
            if c.cash < 0:
                raise OfficeRefused(OfficeCode.NEGATIVE, f"the card owes {-c.cash}: settle "
                                    "it before closing")
            grants = self._grants(conn, card_id)
            bonus = sum(g.remaining for g in grants)
            self._append(conn, Entry(
                id=op_id, till_id=self._till, seq=0, kind=EntryKind.REFUND, card_id=card_id,
                cash_delta=-c.cash, bonus_parts=tuple((g.id, -g.remaining) for g in grants),
                allowance_delta=-c.allowance, list_amount=c.deposit_held,
                tendered_cash=c.cash + c.deposit_held, cashier_id=user_id, created_at=at))
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                status=CardStatus.CLOSED.value, deposit_held=0, status_reason=why,
                updated_at=_now()))
            result = CloseResult(card_id, c.cash, c.deposit_held, bonus, c.allowance)
            self._audit(conn, user_id, "card_closed", f"card {c.number}", at, detail=_doc(
                cash_refunded=c.cash, deposit_refunded=c.deposit_held, bonus_forfeited=bonus,
                allowance_forfeited=c.allowance), before=_doc(status=c.status),
                after=_doc(status="closed"), reason=why)
        return result

    def set_pin(self, user_id: int, card_id: int, pin_hash: str | None,
                at: datetime) -> None:
        if pin_hash is not None and not pin_hash.startswith("$argon2"):
            raise InvalidRequest("a PIN is stored as an argon2 hash")
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            c = self._card(conn, card_id, lock=True)
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                pin_hash=pin_hash, pin_failures=0, updated_at=_now()))
            self._audit(conn, user_id, "pin_reset" if pin_hash is None else "pin_set",
                        f"card {c.number}", at)

    def set_validity(self, user_id: int, card_ids: list[int] | None, card_type: str | None,
                     until: date | None, reason: str, at: datetime) -> int:
        if (card_ids is None) == (card_type is None):
            raise InvalidRequest("name cards or a card type, not both")
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            q = select(CardRow.id, CardRow.number, CardRow.valid_until).where(
                CardRow.number != CASH_CARD)
            if card_type is not None:
                type_id = self._type(conn, card_type).id
                q = q.where(CardRow.card_type_id == type_id)
            else:
                assert card_ids is not None
                wanted = set(card_ids)
                found = conn.execute(select(CardRow.id).where(
                    CardRow.id.in_(wanted), CardRow.number != CASH_CARD)).scalars().all()
                if len(found) != len(wanted):
                    raise LedgerError(f"unknown card id in {sorted(card_ids)}")
                q = q.where(CardRow.id.in_(wanted))
            rows = conn.execute(q.where(CardRow.status != CardStatus.CLOSED.value)
                                .order_by(CardRow.id)).all()
            for r in rows:
                conn.execute(update(CardRow).where(CardRow.id == r.id).values(
                    valid_until=until, updated_at=_now()))
                self._audit(conn, user_id, "validity_set", f"card {r.number}", at,
                            before=_doc(valid_until=r.valid_until),
                            after=_doc(valid_until=until), reason=reason.strip())
        return len(rows)

    def reverse_recharge(self, user_id: int, op_id: uuid.UUID, recharge_id: uuid.UUID,
                         reason: str, confirmed: bool, at: datetime) -> CorrectionResult:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            why = _confirmed(reason, confirmed)
            e = self._journal(conn, recharge_id, EntryKind.RECHARGE)
            c = self._card(conn, e.card_id, lock=True)
            if conn.execute(select(JournalRow.id).where(
                    JournalRow.kind == EntryKind.CORRECTION.value,
                    JournalRow.refers_to == recharge_id)).first() is not None:
                raise OfficeRefused(OfficeCode.CORRECTED, "this recharge was corrected "
                                    "already")
            self._correctable(c)
            if c.cash < e.cash_delta:
                raise OfficeRefused(OfficeCode.NOT_HELD, f"the card holds {c.cash} of the "
                                    f"{e.cash_delta} this recharge put in")
            take = 0
            if e.grant_id is not None:
                left = conn.execute(select(BonusGrantRow.remaining).where(
                    BonusGrantRow.id == e.grant_id)).scalar_one()
                take = min(max(left, 0), e.grant_amount)
            parts = ((e.grant_id, -take),) if take > 0 else ()
            self._append(conn, Entry(
                id=op_id, till_id=self._till, seq=0, kind=EntryKind.CORRECTION,
                card_id=e.card_id, cash_delta=-e.cash_delta, bonus_parts=parts,
                list_amount=e.list_amount, refers_to=recharge_id, cashier_id=user_id,
                created_at=at))
            self._audit(conn, user_id, "correction_recharge", f"card {c.number}", at,
                        detail=_doc(entry=recharge_id, correction=op_id),
                        before=_doc(cash=c.cash, bonus=c.bonus),
                        after=_doc(cash=c.cash - e.cash_delta, bonus=c.bonus - take),
                        reason=why)
        return CorrectionResult(op_id, e.card_id, -e.cash_delta, -take, 0)

    def add_back_charge(self, user_id: int, op_id: uuid.UUID, sale_id: uuid.UUID,
                        reason: str, confirmed: bool, at: datetime) -> CorrectionResult:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            why = _confirmed(reason, confirmed)
            e = self._journal(conn, sale_id, EntryKind.SALE)
            c = self._card(conn, e.card_id, lock=True)
            if conn.execute(select(JournalRow.id).where(
                    JournalRow.void_of == sale_id)).first() is not None:
                raise OfficeRefused(OfficeCode.CORRECTED, "this sale was voided or "
                                    "corrected already")
            self._correctable(c)
            sale = entry_from(e)
            self._append(conn, Entry(
                id=op_id, till_id=self._till, seq=0, kind=EntryKind.VOID, card_id=e.card_id,
                cash_delta=-sale.cash_delta,
                bonus_parts=tuple((g, -d) for g, d in sale.bonus_parts),
                tendered_cash=sale.tendered_cash, refers_to=sale_id,
                allowance_delta=-sale.allowance_delta, cashier_id=user_id, created_at=at))
            self._audit(conn, user_id, "correction_charge", f"card {c.number}", at,
                        detail=_doc(entry=sale_id, correction=op_id),
                        before=_doc(cash=c.cash, bonus=c.bonus, allowance=c.allowance),
                        after=_doc(cash=c.cash - sale.cash_delta,
                                   bonus=c.bonus - sale.bonus_delta,
                                   allowance=c.allowance - sale.allowance_delta),
                        reason=why)
        return CorrectionResult(op_id, e.card_id, -sale.cash_delta, -sale.bonus_delta,
                                -sale.allowance_delta)

    def grant_allowance(self, user_id: int, card_type: str, period: str, amount: int,
                        at: datetime) -> BatchResult:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            period_days(period)
            require_amount(amount, "an allowance", self._max, positive=True)
            t = self._type(conn, card_type)
            done = self._batch(conn, t.id, card_type, period, "grant", amount, user_id, at)
            if done is not None:
                return done
            cards = conn.execute(select(CardRow.id).where(
                CardRow.card_type_id == t.id, CardRow.status == CardStatus.ACTIVE.value,
                CardRow.number != CASH_CARD).order_by(CardRow.id)).scalars().all()
            for card in cards:
                self._append(conn, Entry(
                    id=derived_id("allowance", card_type, period, card), till_id=self._till,
                    seq=0, kind=EntryKind.ALLOWANCE, card_id=card, cash_delta=0,
                    list_amount=amount, allowance_delta=amount, cashier_id=user_id,
                    created_at=at))
            return self._batch_done(conn, user_id, card_type, period, "allowance_granted",
                                    len(cards), len(cards) * amount, at, amount=amount)

    def reset_allowance(self, user_id: int, card_type: str, period: str,
                        at: datetime) -> BatchResult:
        with self._begin() as conn:
            self._user(conn, user_id, ADMIN)
            _, last = period_days(period)
            t = self._type(conn, card_type)
            if t.allowance_reset != "period":
                raise OfficeRefused(OfficeCode.NOT_PERIOD_TYPE, f"the allowance of "
                                    f"{card_type} never resets")
            if self._day(at) <= last:
                raise OfficeRefused(OfficeCode.PERIOD_OPEN, f"{period} ends on {last}: "
                                    "reset it after that day")
            later = conn.execute(select(AllowanceBatchRow.id).where(
                AllowanceBatchRow.card_type_id == t.id, AllowanceBatchRow.kind == "grant",
                AllowanceBatchRow.period > period)).first()
            if later is not None:
                raise OfficeRefused(OfficeCode.LATER_PERIOD, f"a later period of "
                                    f"{card_type} is granted already: reset {period} before "
                                    "granting the next")
            done = self._batch(conn, t.id, card_type, period, "reset", 0, user_id, at)
            if done is not None:
                return done
            rows = conn.execute(select(PurseRow.card_id, PurseRow.allowance).join(
                CardRow, CardRow.id == PurseRow.card_id).where(
                CardRow.card_type_id == t.id, PurseRow.allowance > 0
            ).order_by(PurseRow.card_id)).all()
            for r in rows:
                self._append(conn, Entry(
                    id=derived_id("allowance_reset", card_type, period, r.card_id),
                    till_id=self._till, seq=0, kind=EntryKind.ALLOWANCE_RESET,
                    card_id=r.card_id, cash_delta=0, list_amount=r.allowance,
                    allowance_delta=-r.allowance, cashier_id=user_id, created_at=at))
            total = -sum(r.allowance for r in rows)
            return self._batch_done(conn, user_id, card_type, period, "allowance_reset",
                                    len(rows), total, at)

    # -- internals ------------------------------------------------------------------------

    def _begin(self) -> Any:
        """A write transaction; the site's rules read first (not under its lock)."""
        _ = self._ledger.rules
        return self._engine.begin()

    @property
    def _max(self) -> int:
        return self._ledger.rules.max_amount

    def _day(self, at: datetime) -> date:
        return self._ledger.rules.clock.business_day(at)

    def _append(self, conn: Connection, entry: Entry) -> Entry:
        # the ledger's own append: chain, hash, and the trigger that moves the purses
        return self._ledger._append(conn, entry, None)  # noqa: SLF001

    @staticmethod
    def _user(conn: Connection, user_id: int, roles: tuple[str, ...]) -> None:
        u = conn.execute(select(UserRow.role, UserRow.active).where(
            UserRow.id == user_id)).first()
        if u is None or not u.active or u.role not in roles:
            raise NotPermitted(f"user {user_id} may not do this in the card office")

    @staticmethod
    def _card(conn: Connection, card_id: int, *, lock: bool) -> Any:
        q = select(CardRow.id, CardRow.number, CardRow.uid, CardRow.holder_id,
                   CardRow.card_type_id, CardRow.status, CardRow.valid_until,
                   CardRow.pin_hash, CardRow.deposit_held, CardRow.replaced_by,
                   PurseRow.cash, PurseRow.allowance, PurseRow.bonus).join(
            PurseRow, PurseRow.card_id == CardRow.id).where(CardRow.id == card_id)
        c = conn.execute(q.with_for_update() if lock else q).first()
        if c is None:
            raise LedgerError(f"unknown card id {card_id}")
        if c.number == CASH_CARD:
            raise InvalidRequest("the walk-in card is not a card of the card office")
        return c

    @staticmethod
    def _grants(conn: Connection, card_id: int) -> list[Any]:
        rows = conn.execute(select(BonusGrantRow.id, BonusGrantRow.remaining,
                                   BonusGrantRow.expires_on).where(
            BonusGrantRow.card_id == card_id, BonusGrantRow.remaining != 0)).all()
        return sorted(rows, key=lambda g: (g.expires_on, g.id))

    @staticmethod
    def _type(conn: Connection, code: str) -> Any:
        t = conn.execute(select(CardTypeRow).where(CardTypeRow.code == code,
                                                   CardTypeRow.code != "walk_in")).first()
        if t is None:
            raise OfficeRefused(OfficeCode.UNKNOWN_TYPE, f"no card type {code}")
        return t

    @staticmethod
    def _journal(conn: Connection, entry_id: uuid.UUID, kind: EntryKind) -> Any:
        e = conn.execute(select(JournalRow).where(JournalRow.id == entry_id)).first()
        if e is None:
            raise LedgerError(f"no such entry {entry_id}")
        if e.kind != kind.value:
            raise OfficeRefused(OfficeCode.WRONG_ENTRY, f"entry {entry_id} is a {e.kind}, "
                                f"not a {kind.value}")
        return e

    @staticmethod
    def _not_in_use(conn: Connection, number: str, uid: str | None) -> None:
        if conn.execute(select(CardRow.id).where(CardRow.number == number)).first():
            raise OfficeRefused(OfficeCode.IN_USE, f"card number {number} is already in use")
        if uid is not None and conn.execute(select(CardRow.id).where(
                CardRow.uid == uid)).first():
            raise OfficeRefused(OfficeCode.IN_USE, f"chip UID {uid} is already in use")

    @staticmethod
    def _not_replaced(c: Any) -> None:
        if c.replaced_by is not None:
            raise OfficeRefused(OfficeCode.REPLACED, "this card was replaced: it stays "
                                "blocked")

    def _correctable(self, c: Any) -> None:
        self._not_replaced(c)
        if c.status == CardStatus.CLOSED.value:
            raise OfficeRefused(OfficeCode.STATUS, "cannot correct a card that is closed")

    def _recharge_in(self, conn: Connection, entry_id: uuid.UUID, card_id: int,
                     amount: int, at: datetime, user_id: int) -> Outcome:
        """``Ledger.recharge`` inside the caller's transaction (so the audit row joins it)."""
        led = self._ledger
        today = self._day(at)
        locked = led._lock(conn, card_id)  # noqa: SLF001
        replay = led._replay(conn, entry_id, card_id, EntryKind.RECHARGE,  # noqa: SLF001
                             amount, locked, today)
        if replay:
            return replay
        spent = locked.spent(today)
        if locked.card.status in (CardStatus.CLOSED, CardStatus.LOST):
            return Outcome(None, Refusal(RefusalCode(locked.card.status.value)),
                           locked.card, locked.wallet, spent)
        rule = locked.card.card_type.recharge
        bonus = rule.bonus_for(amount)
        grant = NewGrant(str(entry_id), bonus, today + timedelta(days=rule.bonus_expiry_days)
                         ) if bonus else None
        entry = self._append(conn, Entry(
            id=entry_id, till_id=self._till, seq=0, kind=EntryKind.RECHARGE, card_id=card_id,
            cash_delta=amount, new_grant=grant, list_amount=amount, cashier_id=user_id,
            created_at=at))
        wallet = led._wallet(conn, card_id)  # noqa: SLF001
        card = locked.card
        if card.status is CardStatus.BLOCKED and wallet.balance(today) >= 0:
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                status=CardStatus.ACTIVE.value, updated_at=_now()))
            card = replace(card, status=CardStatus.ACTIVE)
        return Outcome(entry, None, card, wallet, spent)

    def _batch(self, conn: Connection, type_id: int, code: str, period: str, kind: str,
               amount: int, user_id: int, at: datetime) -> BatchResult | None:
        """Record the batch, or answer what it did the first time (``None``: go on)."""
        old = conn.execute(select(AllowanceBatchRow).where(
            AllowanceBatchRow.card_type_id == type_id, AllowanceBatchRow.period == period,
            AllowanceBatchRow.kind == kind)).first()
        if old is None:
            conn.execute(insert(AllowanceBatchRow).values(
                card_type_id=type_id, period=period, kind=kind, amount=amount, cards=0,
                total=0, at=at, user_id=user_id))
            return None
        b = old
        if b.amount != amount:
            raise OfficeRefused(OfficeCode.BATCH_CHANGED, f"the batch of {code} for {period} "
                                f"was {b.amount} per card")
        return BatchResult(code, period, b.cards, b.total, replayed=True)

    def _batch_done(self, conn: Connection, user_id: int, code: str, period: str,
                    action: str, cards: int, total: int, at: datetime, **detail: Any
                    ) -> BatchResult:
        kind = "grant" if action == "allowance_granted" else "reset"
        conn.execute(update(AllowanceBatchRow).where(
            AllowanceBatchRow.period == period, AllowanceBatchRow.kind == kind,
            AllowanceBatchRow.card_type_id == select(CardTypeRow.id).where(
                CardTypeRow.code == code).scalar_subquery()).values(cards=cards, total=total))
        self._audit(conn, user_id, action, f"card type {code}", at,
                    detail=_doc(period=period, cards=cards, total=total, **detail))
        return BatchResult(code, period, cards, total)

    def _audit(self, conn: Connection, user_id: int, action: str, subject: str,
               at: datetime, *, detail: str = "", before: str = "", after: str = "",
               reason: str = "") -> None:
        conn.execute(insert(AuditRow).values(
            at=at, user_id=user_id, action=action, subject=subject[:80], detail=detail,
            till_id=self._till, before=before, after=after, reason=reason))


def _confirmed(reason: str, confirmed: bool) -> str:
    why = require_reason(reason)
    if confirmed is not True:
        raise OfficeRefused(OfficeCode.UNCONFIRMED, "a correction must be confirmed")
    return why


def _now() -> datetime:
    return datetime.now(UTC)
