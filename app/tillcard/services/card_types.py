"""Card types for admins: list them, add one, edit one (limits, bonus, fees, meal windows).

Admin only (``Permission.CARD_TYPES``) and audited in the same transaction as the change;
an edit's audit row names only what changed, before and after.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from tillcard.domain.cards import CardType
from tillcard.domain.meals import MealWindow, check_windows
from tillcard.domain.money import Currency, format_plain
from tillcard.domain.permissions import Permission
from tillcard.services.auth import Session
from tillcard.services.users import require_current
from tillcard.store.audit import AuditEvent
from tillcard.store.reference import CardTypeSetup, ReferenceStore

__all__ = ["WALK_IN", "CardTypeAdmin", "CardTypeError", "CardTypeInputError", "CardTypeSetup",
           "describe_card_type"]

WALK_IN = "walk_in"  # the type of the till's own card for sales without one: not edited

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


def _pct(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


def _window_fact(w: MealWindow, currency: Currency | None) -> str:
    parts = [w.label]
    if w.count_limit:
        parts.append(f"x{w.count_limit}")
    if w.fixed_price:
        parts.append(f"@{format_plain(w.fixed_price, currency)}")
    return " ".join(parts)


def setup_facts(setup: CardTypeSetup, currency: Currency | None = None) -> dict[str, str]:
    """Every setting of a type as text, for an edit's before and after in the audit."""
    ct, rr = setup.card_type, setup.card_type.recharge

    def m(minor: int | None) -> str:
        return _limit(minor, currency)

    return {
        "name": ct.name, "discount": _pct(ct.discount_bp),
        "per_sale_limit": m(ct.per_txn_limit), "daily_limit": m(ct.daily_amount_limit),
        "daily_count": str(ct.daily_count_limit or "none"), "pin_above": m(ct.pin_above),
        "offline_limit": m(ct.offline_limit),
        "validity_days": str(ct.validity_days or "none"),
        "bonus": _pct(rr.bonus_bp),
        "bonus_tiers": ",".join(f"{format_plain(t.min_amount, currency)}:"
                                f"{format_plain(t.bonus, currency)}" for t in rr.tiers)
        or "none",
        "bonus_expiry_days": str(rr.bonus_expiry_days),
        "deposit": format_plain(setup.deposit, currency),
        "card_fee": format_plain(setup.card_fee, currency),
        "allowance_reset": ct.allowance_reset, "spend_order": ",".join(ct.spend_order),
        "refuse_outside_windows": "yes" if ct.refuse_outside_windows else "no",
        "meal_windows": "; ".join(_window_fact(w, currency)
                                  for w in check_windows(ct.meal_windows)) or "none",
    }


def changed_facts(old: CardTypeSetup, new: CardTypeSetup,
                  currency: Currency | None = None) -> tuple[str, str]:
    """What an edit changed, as the audit's before and after; both empty: nothing."""
    a, b = setup_facts(old, currency), setup_facts(new, currency)
    keys = [k for k in a if a[k] != b[k]]
    return (" ".join(f"{k}={a[k]}" for k in keys), " ".join(f"{k}={b[k]}" for k in keys))


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

    def setups(self, session: Session) -> list[CardTypeSetup]:
        """The types cards are issued with, each with its deposit and fee."""
        require_current(self._refs, session, Permission.CARD_TYPES)
        return [t for t in self._refs.card_type_setups() if t.card_type.code != WALK_IN]

    def add(self, session: Session, card_type: CardType, *, deposit: int = 0,
            card_fee: int = 0) -> int:
        require_current(self._refs, session, Permission.CARD_TYPES)
        code = card_type.code
        if not _CODE.match(code):
            raise CardTypeInputError(f"a card type's code is letters, digits, _ and - (at most "
                                f"40), got {code!r}")
        check_setup(CardTypeSetup(card_type, deposit, card_fee))
        if any(t.code == code for t in self._refs.card_types()):
            raise CardTypeError(f"a card type {code!r} exists already")
        event = AuditEvent(self._clock(), session.user_id, "card_type_add",
                           f"card_type:{code}", "", self._till_id, "",
                           describe_card_type(card_type, self._currency))
        try:
            return self._refs.add_card_type(card_type, deposit=deposit, card_fee=card_fee,
                                            audit=event)
        except IntegrityError:  # added meanwhile by someone else
            raise CardTypeError(f"a card type {code!r} exists already") from None

    def update(self, session: Session, setup: CardTypeSetup, *, reason: str = "") -> bool:
        """Edit the type ``setup`` names (its code stays); ``False`` if nothing changed.

        Cards of the type follow at once: limits and windows are read at every sale. A
        deposit or fee applies to cards issued from now on (a held deposit stays as taken).
        """
        require_current(self._refs, session, Permission.CARD_TYPES)
        code = setup.card_type.code
        if code == WALK_IN:
            raise CardTypeError("walk_in is the tills' own type for sales without a card: "
                                "it has nothing to edit")
        check_setup(setup)
        old = next((t for t in self._refs.card_type_setups() if t.card_type.code == code),
                   None)
        if old is None:
            raise CardTypeError(f"no card type {code!r}")
        before, after = changed_facts(old, setup, self._currency)
        if not after and not before:
            return False
        event = AuditEvent(self._clock(), session.user_id, "card_type_edit",
                           f"card_type:{code}", "", self._till_id, before, after,
                           reason.strip())
        if not self._refs.update_card_type(setup, audit=event):
            raise CardTypeError(f"no card type {code!r}")
        return True


def _positive(value: int | None, what: str) -> None:
    if value is not None and (type(value) is not int or value <= 0):
        raise CardTypeInputError(f"{what} is above 0, or none; got {value!r}")


def check_setup(setup: CardTypeSetup) -> None:
    """Refuse a type no till could sell with; the message names the field."""
    ct = setup.card_type
    if not ct.name.strip() or len(ct.name) > 120:
        raise CardTypeInputError("a card type needs a name (at most 120 characters)")
    for value, what in ((ct.per_txn_limit, "a per-sale limit"),
                        (ct.daily_amount_limit, "a daily limit"),
                        (ct.daily_count_limit, "a daily count limit"),
                        (ct.pin_above, "a PIN threshold"),
                        (ct.offline_limit, "an offline limit"),
                        (ct.validity_days, "a validity in days")):
        _positive(value, what)
    for value, what in ((setup.deposit, "a deposit"), (setup.card_fee, "a card fee"),
                        (ct.recharge.bonus_bp, "a bonus rate")):
        if type(value) is not int or value < 0:
            raise CardTypeInputError(f"{what} is 0 or more, got {value!r}")
    if ct.recharge.bonus_bp > 10_000:
        raise CardTypeInputError("a bonus rate is at most 100 %")
    _positive(ct.recharge.bonus_expiry_days, "a bonus's expiry in days")
    mins = [t.min_amount for t in ct.recharge.tiers]
    if len(set(mins)) != len(mins):
        raise CardTypeInputError("two bonus tiers start at the same amount")
    for t in ct.recharge.tiers:
        _positive(t.min_amount, "a bonus tier's recharge")
        _positive(t.bonus, "a bonus tier's bonus")
    try:
        check_windows(ct.meal_windows)
    except ValueError as exc:
        raise CardTypeInputError(str(exc)) from None
    for w in ct.meal_windows:
        if len(w.name) > 40:
            raise CardTypeInputError(f"a meal window's name is at most 40 characters: "
                                     f"{w.name!r}")
        _positive(w.count_limit, f"the count limit of {w.name!r}")
        _positive(w.fixed_price, f"the fixed price of {w.name!r}")
