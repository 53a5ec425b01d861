"""The card office's rules: what each action may do to a card, and what it answers.

Both the standalone store (``store.office``) and the centre's functions (migration 0013)
decide by these rules; refusals carry a code so that both engines can be held equal in
tests, and the text says what to do about it.
"""

from __future__ import annotations

import enum
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from tillcard.domain.cards import CardStatus


class OfficeCode(enum.StrEnum):
    IN_USE = "in_use"  # card number or chip UID already belongs to a card
    STATUS = "status"  # the card's status does not allow this action
    REPLACED = "replaced"  # a replaced card is blocked for ever
    NEGATIVE = "negative"  # the card owes money: settle it first
    REASON = "reason"  # a reason is mandatory
    UNCONFIRMED = "unconfirmed"  # a correction must be confirmed twice
    UNKNOWN_TYPE = "unknown_type"
    NOT_PERIOD_TYPE = "not_period_type"  # the type's allowance never resets
    PERIOD_OPEN = "period_open"  # the period has not ended yet
    LATER_PERIOD = "later_period"  # a later period is already granted
    CORRECTED = "corrected"  # the entry was corrected (or voided) already
    WRONG_ENTRY = "wrong_entry"  # not a recharge / not a sale
    NOT_HELD = "not_held"  # the card no longer holds what a correction takes back
    BATCH_CHANGED = "batch_changed"  # the same batch asked again with another amount


class OfficeRefused(Exception):  # noqa: N818 (a refusal, not an error)
    """The card office refuses an action; ``code`` is the same on every engine."""

    def __init__(self, code: OfficeCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class StatusAction(enum.StrEnum):
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    LOST = "lost"


# which statuses each action starts from, and where it leads
TRANSITIONS: dict[StatusAction, tuple[frozenset[CardStatus], CardStatus]] = {
    StatusAction.FREEZE: (frozenset({CardStatus.ACTIVE}), CardStatus.FROZEN),
    StatusAction.UNFREEZE: (frozenset({CardStatus.FROZEN}), CardStatus.ACTIVE),
    StatusAction.LOST: (frozenset({CardStatus.ACTIVE, CardStatus.FROZEN, CardStatus.BLOCKED,
                                   CardStatus.EXPIRED}), CardStatus.LOST),
}
CLOSABLE = frozenset({CardStatus.ACTIVE, CardStatus.FROZEN, CardStatus.BLOCKED,
                      CardStatus.EXPIRED})
# a recharge of a frozen card is taken (money in; the freeze stops spending, and the
# holder may top up while a dispute is settled); lost and closed cards are refused
RECHARGE_REFUSED = frozenset({CardStatus.LOST, CardStatus.CLOSED})


def next_status(current: CardStatus, action: StatusAction, *, replaced: bool) -> CardStatus:
    """The status ``action`` leads to from ``current``, or a refusal."""
    if replaced:
        raise OfficeRefused(OfficeCode.REPLACED, "this card was replaced: it stays blocked")
    allowed, to = TRANSITIONS[action]
    if current not in allowed:
        raise OfficeRefused(OfficeCode.STATUS, f"cannot {action} a card that is {current}")
    return to


def require_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise OfficeRefused(OfficeCode.REASON, "a reason is required")
    return text[:500]


PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_days(period: str) -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` period."""
    m = PERIOD.match(period)
    if m is None:
        raise ValueError(f"a period is YYYY-MM, got {period!r}")
    first = date(int(m.group(1)), int(m.group(2)), 1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def derived_id(*parts: object) -> uuid.UUID:
    """A deterministic entry id, ``md5(text)::uuid`` at the centre.

    A batch applied twice writes the same ids, so it applies once.
    """
    text = ":".join(str(p) for p in parts)
    return uuid.UUID(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest())


@dataclass(frozen=True)
class IssueRequest:
    number: str
    holder_name: str
    card_type: str  # the type's code
    uid: str | None = None
    member_no: str = ""
    phone: str = ""
    opening_recharge: int = 0

    def check(self) -> None:
        if not self.number.strip() or len(self.number.strip()) > 32:
            raise ValueError("a card number is 1..32 characters")
        if not self.holder_name.strip():
            raise ValueError("the holder's name is required")
        if self.uid is not None and not re.fullmatch(r"[0-9A-Fa-f]{1,32}", self.uid.strip()):
            raise ValueError("a chip UID is hexadecimal, up to 32 digits")


@dataclass(frozen=True)
class IssueResult:
    card_id: int
    deposit: int  # taken in cash, refunded on closing
    fee: int  # taken in cash, kept
    recharged: int = 0  # the opening recharge, to the cash purse
    bonus: int = 0  # the bonus the opening recharge granted


@dataclass(frozen=True)
class StatusChange:
    card_id: int
    before: CardStatus
    after: CardStatus


@dataclass(frozen=True)
class MovedGrant:
    id: str  # the grant's id on the new card
    amount: int
    expires_on: date


@dataclass(frozen=True)
class ReplaceResult:
    old_card_id: int
    new_card_id: int
    cash: int
    allowance: int
    grants: tuple[MovedGrant, ...]


@dataclass(frozen=True)
class CloseResult:
    card_id: int
    cash_refunded: int
    deposit_refunded: int
    bonus_forfeited: int
    allowance_forfeited: int

    @property
    def paid_out(self) -> int:
        return self.cash_refunded + self.deposit_refunded


@dataclass(frozen=True)
class CorrectionResult:
    entry_id: uuid.UUID
    card_id: int
    cash: int  # signed changes to the card
    bonus: int
    allowance: int


@dataclass(frozen=True)
class BatchResult:
    card_type: str
    period: str
    cards: int  # cards the batch moved
    total: int  # signed sum moved (a reset is negative)
    replayed: bool = False  # asked before: nothing applied this time
