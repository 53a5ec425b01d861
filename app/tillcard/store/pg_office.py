"""The card office at the centre: migration 0013's functions, called and answered.

The functions decide (time, entries, refusals, the audit row, all in their own
transaction); this module checks amounts first as the standalone path does (the same
``AmountError`` on both engines), sends the call and turns the JSON answer into the same
results ``store.office.GenericOffice`` returns. The centre's refusals (SQLSTATE TC412,
``code: text``) become ``OfficeRefused`` with that code.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tillcard.domain.cards import CardStatus
from tillcard.domain.journal import Entry, EntryKind, NewGrant
from tillcard.domain.money import require_amount
from tillcard.domain.office import (
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
    period_days,
)
from tillcard.store.ledger import EntryConflict, Ledger, LedgerError, Outcome
from tillcard.store.migrations.sql_0013 import REFUSED
from tillcard.store.office import BatchRefused
from tillcard.store.pg_centre import _ERRORS, Answers

UNIQUE = "23505"  # a card number or UID taken by a concurrent issue
NO_EXECUTE = "42501"  # a login whose role may not call the function


class PgOffice:
    """``OfficeStore`` over the centre's functions; the engine logs in as the office."""

    def __init__(self, engine: Engine, till_id: int) -> None:
        self._engine = engine
        self._till = till_id
        self._ledger = Ledger(engine)
        self._answers = Answers(lambda: self._ledger.rules.clock)

    def issue(self, user_id: int, op_id: uuid.UUID, req: IssueRequest, at: datetime
              ) -> IssueResult:
        req.check()
        require_amount(req.opening_recharge, "an opening recharge", self._max)
        d = self._call("tillcard_office_issue(:id, :till, :user, :number, :uid, :name, "
                       ":member, :phone, :type, :opening)", id=op_id, number=req.number,
                       uid=req.uid, name=req.holder_name, member=req.member_no,
                       phone=req.phone, type=req.card_type, opening=req.opening_recharge,
                       user=user_id)
        return IssueResult(d["card_id"], d["deposit"], d["fee"], d["recharged"], d["bonus"])

    def issue_many(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]],
                   at: datetime) -> list[IssueResult]:
        """Every card of ``batch`` in one transaction of the centre's own issue function.

        The function runs once per card, but a thousand cards go in one statement (over
        ``unnest`` of the columns, in order): one round trip per thousand, not per card.
        If the centre refuses one, the transaction is gone; to name the card, the batch is
        tried again card by card in a transaction that is rolled back.

        Raises:
            BatchRefused: an item was refused (its index, its error); nothing was issued.
        """
        for i, (_, req) in enumerate(batch):
            try:
                req.check()
                require_amount(req.opening_recharge, "an opening recharge", self._max)
            except ValueError as exc:
                raise BatchRefused(i, exc) from exc
        docs: list[Any] = []
        try:
            with self._engine.begin() as conn:
                for start in range(0, len(batch), ISSUE_CHUNK):
                    part = batch[start:start + ISSUE_CHUNK]
                    docs += conn.execute(_ISSUE_MANY, _columns(part, self._till, user_id)
                                         ).scalars().all()
        except DBAPIError as exc:
            raise BatchRefused(self._refused_item(user_id, batch), _translate(exc)) from exc
        return [IssueResult(d["card_id"], d["deposit"], d["fee"], d["recharged"], d["bonus"])
                for d in docs]

    def _refused_item(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]]
                      ) -> int | None:
        """The first item the centre refuses, tried one by one and rolled back."""
        with self._engine.connect() as conn:
            tx = conn.begin()
            try:
                for i, item in enumerate(batch):
                    try:
                        conn.execute(_ISSUE_MANY, _columns([item], self._till, user_id))
                    except DBAPIError:
                        return i
            finally:
                tx.rollback()
        return None

    def recharge(self, user_id: int, entry_id: uuid.UUID, card_id: int, amount: int,
                 at: datetime) -> Outcome:
        require_amount(amount, "a recharge", self._max, positive=True)
        doc = self._call("tillcard_office_recharge(:id, :till, :user, :card, :amount)",
                         id=entry_id, user=user_id, card=card_id, amount=amount)
        entry = None
        if doc["status"] == "applied":  # as PgCentre.recharge rebuilds it
            grant = None
            if doc["new_grant_id"] is not None:
                grant = NewGrant(doc["new_grant_id"], doc["new_grant_amount"],
                                 date.fromisoformat(doc["new_grant_expires"]))
            entry = Entry(
                id=entry_id, till_id=self._till, seq=doc["seq"], kind=EntryKind.RECHARGE,
                card_id=card_id, cash_delta=amount, new_grant=grant, list_amount=amount,
                cashier_id=user_id, created_at=datetime.fromisoformat(doc["at"]).astimezone(
                    UTC), prev_hash=doc["prev_hash"])
        return self._answers.changed(doc, card_id, entry)

    def set_status(self, user_id: int, card_id: int, action: StatusAction, reason: str,
                   at: datetime) -> StatusChange:
        d = self._call("tillcard_office_status(:till, :user, :card, :action, :reason)",
                       user=user_id, card=card_id, action=action.value, reason=reason)
        return StatusChange(card_id, CardStatus(d["before"]), CardStatus(d["after"]))

    def replace(self, user_id: int, op_id: uuid.UUID, old_card_id: int, number: str,
                uid: str | None, reason: str, at: datetime) -> ReplaceResult:
        d = self._call("tillcard_office_replace(:id, :till, :user, :old, :number, :uid, "
                       ":reason)", id=op_id, user=user_id, old=old_card_id, number=number,
                       uid=uid, reason=reason)
        grants = tuple(MovedGrant(g, a, date.fromisoformat(e)) for g, a, e in d["grants"])
        return ReplaceResult(d["old_card_id"], d["new_card_id"], d["cash"], d["allowance"],
                             grants)

    def close(self, user_id: int, op_id: uuid.UUID, card_id: int, reason: str,
              at: datetime) -> CloseResult:
        d = self._call("tillcard_office_close(:id, :till, :user, :card, :reason)", id=op_id,
                       user=user_id, card=card_id, reason=reason)
        return CloseResult(card_id, d["cash_refunded"], d["deposit_refunded"],
                           d["bonus_forfeited"], d["allowance_forfeited"])

    def set_pin(self, user_id: int, card_id: int, pin_hash: str | None,
                at: datetime) -> None:
        self._call("tillcard_office_pin(:till, :user, :card, :hash)", user=user_id,
                   card=card_id, hash=pin_hash)

    def set_validity(self, user_id: int, card_ids: list[int] | None, card_type: str | None,
                     until: date | None, reason: str, at: datetime) -> int:
        d = self._call("tillcard_office_validity(:till, :user, CAST(:cards AS bigint[]), "
                       ":type, CAST(:until AS date), :reason)", user=user_id,
                       cards=card_ids, type=card_type, until=until, reason=reason)
        return int(d["cards"])

    def reverse_recharge(self, user_id: int, op_id: uuid.UUID, recharge_id: uuid.UUID,
                         reason: str, confirmed: bool, at: datetime) -> CorrectionResult:
        d = self._call("tillcard_office_reverse_recharge(:id, :till, :user, :entry, "
                       ":reason, :ok)", id=op_id, user=user_id, entry=recharge_id,
                       reason=reason, ok=confirmed)
        return _correction(d)

    def add_back_charge(self, user_id: int, op_id: uuid.UUID, sale_id: uuid.UUID,
                        reason: str, confirmed: bool, at: datetime) -> CorrectionResult:
        d = self._call("tillcard_office_add_back(:id, :till, :user, :entry, :reason, :ok)",
                       id=op_id, user=user_id, entry=sale_id, reason=reason, ok=confirmed)
        return _correction(d)

    def grant_allowance(self, user_id: int, card_type: str, period: str, amount: int,
                        at: datetime) -> BatchResult:
        period_days(period)
        require_amount(amount, "an allowance", self._max, positive=True)
        d = self._call("tillcard_office_allowance(:till, :user, :type, :period, :amount)",
                       user=user_id, type=card_type, period=period, amount=amount)
        return BatchResult(card_type, period, d["cards"], d["total"], d["replayed"])

    def reset_allowance(self, user_id: int, card_type: str, period: str,
                        at: datetime) -> BatchResult:
        period_days(period)
        d = self._call("tillcard_office_allowance_reset(:till, :user, :type, :period)",
                       user=user_id, type=card_type, period=period)
        return BatchResult(card_type, period, d["cards"], d["total"], d["replayed"])

    # -- internals ------------------------------------------------------------------------

    @property
    def _max(self) -> int:
        return self._ledger.rules.max_amount

    def _call(self, call: str, **params: Any) -> Any:
        """One function call, its own transaction; its JSON answer."""
        params["till"] = self._till
        try:
            with self._engine.begin() as conn:
                return conn.execute(text(f"SELECT {call}"), params).scalar_one()
        except DBAPIError as exc:
            raise _translate(exc) from exc


ISSUE_CHUNK = 1_000  # cards per statement of a batch issue
_ISSUE_MANY = text(
    "SELECT tillcard_office_issue(r.id, :till, :user, r.number, r.uid, r.name, r.member, "
    "r.phone, r.type, r.opening) "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:numbers AS text[]), CAST(:uids AS text[]), "
    "CAST(:names AS text[]), CAST(:members AS text[]), CAST(:phones AS text[]), "
    "CAST(:types AS text[]), CAST(:openings AS bigint[])) WITH ORDINALITY "
    "AS r(id, number, uid, name, member, phone, type, opening, n) ORDER BY r.n")


def _columns(batch: Sequence[tuple[uuid.UUID, IssueRequest]], till: int, user: int
             ) -> dict[str, Any]:
    """A batch as one array per argument of the issue function."""
    reqs = [r for _, r in batch]
    return {"till": till, "user": user, "ids": [op for op, _ in batch],
            "numbers": [r.number for r in reqs], "uids": [r.uid for r in reqs],
            "names": [r.holder_name for r in reqs], "members": [r.member_no for r in reqs],
            "phones": [r.phone for r in reqs], "types": [r.card_type for r in reqs],
            "openings": [r.opening_recharge for r in reqs]}


def _translate(exc: DBAPIError) -> Exception:
    state = getattr(exc.orig, "sqlstate", None) or ""
    diag = getattr(exc.orig, "diag", None)
    message = str(getattr(diag, "message_primary", None) or exc.orig)
    if state == REFUSED:
        code, _, rest = message.partition(": ")
        return OfficeRefused(OfficeCode(code), rest)
    if state == UNIQUE and "cards" in message:
        return OfficeRefused(OfficeCode.IN_USE, "the card number or chip UID is already in "
                             "use")
    if state == UNIQUE:
        return EntryConflict(message)
    if state == NO_EXECUTE:
        from tillcard.store.ledger import NotPermitted

        return NotPermitted(f"this login may not run the card office: {message}")
    error = _ERRORS.get(state)
    if error is not None:
        return error(message)
    return exc if isinstance(exc, Exception) else LedgerError(message)


def _correction(d: dict[str, Any]) -> CorrectionResult:
    return CorrectionResult(uuid.UUID(d["entry_id"]), d["card_id"], d["cash"], d["bonus"],
                            d["allowance"])
