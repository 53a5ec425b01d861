"""Card types for admins: list them and add one (the back office edits the rest of a type).

Admin only (``Permission.CARD_TYPES``) and audited in the same transaction as the change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from tillcard.domain.cards import CardType
from tillcard.domain.money import Currency, format_plain
from tillcard.domain.permissions import Permission
from tillcard.services.auth import Session
from tillcard.services.users import require_current
from tillcard.store.audit import AuditEvent
from tillcard.store.reference import ReferenceStore

__all__ = ["CardTypeAdmin", "CardTypeError", "CardTypeInputError", "describe_card_type"]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
Clock = Callable[[], datetime]


class CardTypeError(ValueError):
    """A card type that cannot be added as given; the message says why."""


class CardTypeInputError(CardTypeError):
    """A value that can never be right (a malformed code, no name): fix the input."""


def _now() -> datetime:
    return datetime.now(UTC)


def _limit(minor: int | None, currency: Currency | None) -> str:
    return "none" if not minor else format_plain(minor, currency)


def describe_card_type(ct: CardType, currency: Currency | None = None) -> str:
    """One line of facts about a type: the audit's "after" and ``card-types list``."""
    pct = f"{ct.discount_bp // 100}.{ct.discount_bp % 100:02d}%"
    return (f"code={ct.code} name={ct.name} discount={pct} "
            f"per_sale_limit={_limit(ct.per_txn_limit, currency)} "
            f"daily_limit={_limit(ct.daily_amount_limit, currency)}")


class CardTypeAdmin:
    """``currency`` formats the limits in the audit, ``till_id`` says where (audit)."""

    def __init__(self, refs: ReferenceStore, *, currency: Currency | None = None,
                 till_id: int | None = None, clock: Clock = _now) -> None:
        self._refs = refs
        self._currency = currency
        self._till_id = till_id
        self._clock = clock

    def card_types(self, session: Session) -> list[CardType]:
        require_current(self._refs, session, Permission.CARD_TYPES)
        return self._refs.card_types()

    def add(self, session: Session, card_type: CardType) -> int:
        require_current(self._refs, session, Permission.CARD_TYPES)
        code = card_type.code
        if not _CODE.match(code):
            raise CardTypeInputError(f"a card type's code is letters, digits, _ and - (at most "
                                f"40), got {code!r}")
        if not card_type.name.strip() or len(card_type.name) > 120:
            raise CardTypeInputError("a card type needs a name (at most 120 characters)")
        if any(t.code == code for t in self._refs.card_types()):
            raise CardTypeError(f"a card type {code!r} exists already")
        event = AuditEvent(self._clock(), session.user_id, "card_type_add",
                           f"card_type:{code}", "", self._till_id, "",
                           describe_card_type(card_type, self._currency))
        try:
            return self._refs.add_card_type(card_type, audit=event)
        except IntegrityError:  # added meanwhile by someone else
            raise CardTypeError(f"a card type {code!r} exists already") from None
