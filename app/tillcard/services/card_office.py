"""The card office: issue, recharge, freeze, replace, close, PINs, validity, corrections, allowance.

One service for the back office and the command line alike. Every method checks the
session's permission first (a cashier is refused here, whatever a window shows), then
asks the store, which decides and records the change, its journal entries and its audit
row in one transaction — the centre's functions at a central site (migration 0013), the
same rules in Python on a standalone till (``store.office``).

Decided here, for both engines: a recharge of a frozen card is taken (money in; a freeze
stops spending, and a holder may top up while it is settled); lost and closed cards are
refused. A correction needs a reason and ``confirmed=True`` (the window asks twice).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from tillcard.domain.office import (
    BatchResult,
    CloseResult,
    CorrectionResult,
    IssueRequest,
    IssueResult,
    OfficeCode,
    OfficeRefused,
    ReplaceResult,
    StatusAction,
    StatusChange,
)
from tillcard.domain.permissions import Permission
from tillcard.services.auth import SecretHasher, Session, check_pin
from tillcard.store.ledger import Outcome
from tillcard.store.office import OfficeStore

__all__ = ["CardOffice", "IssueRequest", "OfficeCode", "OfficeRefused"]

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class CardOffice:
    """The card office's use cases; the till its entries are chained on is the store's."""

    def __init__(self, store: OfficeStore, hasher: SecretHasher, clock: Clock = _now
                 ) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    # -- card life cycle ------------------------------------------------------------------

    def issue(self, session: Session, req: IssueRequest) -> IssueResult:
        """A new card for a holder: the type's deposit and fee, an optional opening recharge."""
        session.require(Permission.CARD_OFFICE)
        return self._store.issue(session.user_id, uuid.uuid4(), req, self._clock())

    def recharge(self, session: Session, card_id: int, amount: int,
                 entry_id: uuid.UUID | None = None) -> Outcome:
        """Cash in and the type's bonus; ``entry_id`` makes a retry apply once."""
        session.require(Permission.RECHARGE)
        out = self._store.recharge(session.user_id, entry_id or uuid.uuid4(), card_id,
                                   amount, self._clock())
        if out.refusal is not None:
            raise OfficeRefused(OfficeCode.STATUS,
                                f"cannot recharge a card that is {out.card.status}")
        return out

    def freeze(self, session: Session, card_id: int, reason: str) -> StatusChange:
        return self._status(session, card_id, StatusAction.FREEZE, reason)

    def unfreeze(self, session: Session, card_id: int, reason: str) -> StatusChange:
        return self._status(session, card_id, StatusAction.UNFREEZE, reason)

    def report_lost(self, session: Session, card_id: int, reason: str) -> StatusChange:
        return self._status(session, card_id, StatusAction.LOST, reason)

    def replace(self, session: Session, old_card_id: int, number: str, reason: str, *,
                uid: str | None = None) -> ReplaceResult:
        """Every purse of a lost card onto a new one (grants keep their expiry)."""
        session.require(Permission.CARD_OFFICE)
        return self._store.replace(session.user_id, uuid.uuid4(), old_card_id, number, uid,
                                   reason, self._clock())

    def close(self, session: Session, card_id: int, reason: str = "") -> CloseResult:
        """Cash and deposit paid out; bonus and allowance forfeited (and said)."""
        session.require(Permission.CARD_OFFICE)
        return self._store.close(session.user_id, uuid.uuid4(), card_id, reason,
                                 self._clock())

    def set_pin(self, session: Session, card_id: int, pin: str) -> None:
        """The holder's new PIN (argon2); the count of wrong tries starts again."""
        session.require(Permission.CARD_OFFICE)
        check_pin(pin)
        self._store.set_pin(session.user_id, card_id, self._hasher.hash(pin), self._clock())

    def reset_pin(self, session: Session, card_id: int) -> None:
        """No PIN any more (the holder sets a new one at the office); tries cleared."""
        session.require(Permission.CARD_OFFICE)
        self._store.set_pin(session.user_id, card_id, None, self._clock())

    def set_validity(self, session: Session, until: date | None, *,
                     card_ids: list[int] | None = None, card_type: str | None = None,
                     reason: str = "") -> int:
        """The last valid day of some cards, or of every card of a type; how many changed."""
        session.require(Permission.CARD_OFFICE)
        return self._store.set_validity(session.user_id, card_ids, card_type, until, reason,
                                        self._clock())

    # -- corrections ----------------------------------------------------------------------

    def reverse_recharge(self, session: Session, recharge_id: uuid.UUID, reason: str, *,
                         confirmed: bool = False) -> CorrectionResult:
        """Take a wrong recharge back: its cash and what is left of its bonus."""
        session.require(Permission.CORRECTIONS)
        return self._store.reverse_recharge(session.user_id, uuid.uuid4(), recharge_id,
                                            reason, confirmed, self._clock())

    def add_back_charge(self, session: Session, sale_id: uuid.UUID, reason: str, *,
                        confirmed: bool = False) -> CorrectionResult:
        """Give a wrong charge back to the purses it came from.

        A void on the office's chain: the sale can then never be voided again.
        """
        session.require(Permission.CORRECTIONS)
        return self._store.add_back_charge(session.user_id, uuid.uuid4(), sale_id, reason,
                                           confirmed, self._clock())

    # -- allowance ------------------------------------------------------------------------

    def grant_allowance(self, session: Session, card_type: str, period: str,
                        amount: int) -> BatchResult:
        """``amount`` to every active card of the type for ``period`` (YYYY-MM), once."""
        session.require(Permission.ALLOWANCE)
        return self._store.grant_allowance(session.user_id, card_type, period, amount,
                                           self._clock())

    def reset_allowance(self, session: Session, card_type: str, period: str) -> BatchResult:
        """After ``period`` ended: what is left of the allowance leaves, once."""
        session.require(Permission.ALLOWANCE)
        return self._store.reset_allowance(session.user_id, card_type, period,
                                           self._clock())

    def _status(self, session: Session, card_id: int, action: StatusAction,
                reason: str) -> StatusChange:
        session.require(Permission.CARD_OFFICE)
        return self._store.set_status(session.user_id, card_id, action, reason,
                                      self._clock())
