"""Why a charge is refused: typed reasons carrying the numbers the cashier needs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date

from tillcard.domain.cards import Card, CardStatus
from tillcard.domain.meals import MealCounter, counted_window
from tillcard.domain.money import format_plain

MAX_PIN_FAILURES = 3


class RefusalCode(enum.StrEnum):
    UNKNOWN_CARD = "unknown_card"
    FROZEN = "frozen"
    LOST = "lost"
    BLOCKED = "blocked"
    CLOSED = "closed"
    EXPIRED = "expired"
    INSUFFICIENT = "insufficient"
    OVER_TXN_LIMIT = "over_txn_limit"
    OVER_DAILY_AMOUNT = "over_daily_amount"
    OVER_DAILY_COUNT = "over_daily_count"
    PIN_REQUIRED = "pin_required"
    OUTSIDE_MEAL_WINDOW = "outside_meal_window"
    OVER_MEAL_COUNT = "over_meal_count"  # this window's meals of the day are had already
    WRONG_PIN = "wrong_pin"
    PIN_LOCKED = "pin_locked"
    NOTHING_TO_CHARGE = "nothing_to_charge"
    OFFLINE_UNKNOWN_CARD = "offline_unknown_card"
    OFFLINE_LIMIT = "offline_limit"
    OFFLINE_TILL_CAP = "offline_till_cap"
    LINK_DOWN = "link_down"
    TILL_HALTED = "till_halted"  # a twin on this till id, or a database older than the centre
    LOCAL_DISK = "local_disk"  # this till cannot write its own database: nothing charged
    LOCAL_DISK_CHARGED = "local_disk_charged"  # charged at the centre, reversed once it can
    NO_SHIFT = "no_shift"  # the till sells only inside an open shift (a drawer someone counted)
    VOID_NEEDS_APPROVAL = "void_needs_approval"  # not right after the sale: a manager signs
    NOTHING_TO_VOID = "nothing_to_void"
    ALREADY_VOIDED = "already_voided"
    RECHARGE_AT_OFFICE = "recharge_at_office"  # this till's login may not take money in
    RECHARGE_NEEDS_APPROVAL = "recharge_needs_approval"  # a cashier: a manager signs


@dataclass(frozen=True)
class Refusal:
    """A charge that will not go through; ``numbers`` are minor units (or counts)."""

    code: RefusalCode
    numbers: dict[str, int] = field(default_factory=dict)
    window: str = ""  # the meal window a refusal names (over its count)

    @property
    def message(self) -> str:
        """English text for logs and the command line; the UI translates by ``code``."""
        n = {k: format_plain(v) if not k.endswith("count") and k != "tries_left" else str(v)
             for k, v in self.numbers.items()}
        return _MESSAGES[self.code].format(window=self.window, **n)


class Refused(Exception):  # noqa: N818 (a refusal, not an error)
    """A refusal raised where no card state can go with it (the card is unknown here)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


_MESSAGES: dict[RefusalCode, str] = {
    RefusalCode.UNKNOWN_CARD: "Unknown card",
    RefusalCode.FROZEN: "Card is frozen",
    RefusalCode.LOST: "Card is reported lost",
    RefusalCode.BLOCKED: "Card is blocked (negative balance) until recharged",
    RefusalCode.CLOSED: "Card is closed",
    RefusalCode.EXPIRED: "Card has expired",
    RefusalCode.INSUFFICIENT: "Insufficient balance — short {shortfall}",
    RefusalCode.OVER_TXN_LIMIT: "Over the per-sale limit of {limit}",
    RefusalCode.OVER_DAILY_AMOUNT: "Over today's limit: {left} left of {limit}",
    RefusalCode.OVER_DAILY_COUNT: "Daily limit of {limit_count} sales reached",
    RefusalCode.PIN_REQUIRED: "PIN required above {limit}",
    RefusalCode.OUTSIDE_MEAL_WINDOW: "This card buys only at meal times",
    RefusalCode.OVER_MEAL_COUNT: "Already had {window} today ({limit_count} per day)",
    RefusalCode.WRONG_PIN: "Wrong PIN — {tries_left} tries left",
    RefusalCode.PIN_LOCKED: "PIN locked after too many wrong tries",
    RefusalCode.NOTHING_TO_CHARGE: "Enter an amount to charge",
    RefusalCode.OFFLINE_UNKNOWN_CARD: "Offline: this card is not known at this till",
    RefusalCode.OFFLINE_LIMIT: "Offline limit reached: {left} left of {limit}",
    RefusalCode.OFFLINE_TILL_CAP: "Offline cap of this till reached: {left} left of {limit}",
    RefusalCode.LINK_DOWN: "No answer from the centre — not charged",
    RefusalCode.TILL_HALTED: "This till may not sell now — see the status line",
    RefusalCode.LOCAL_DISK: "Not charged: this till cannot write to its disk",
    RefusalCode.LOCAL_DISK_CHARGED: "The centre charged the card but this till cannot write "
                                    "to its disk: the charge is reversed once it can",
    RefusalCode.NO_SHIFT: "No shift is open at this till — open one (F11) to sell",
    RefusalCode.VOID_NEEDS_APPROVAL: "Voiding an earlier sale needs a manager",
    RefusalCode.NOTHING_TO_VOID: "Nothing to void in this shift",
    RefusalCode.ALREADY_VOIDED: "This sale is already voided",
    RefusalCode.RECHARGE_AT_OFFICE: "Recharges are done at the card office",
    RefusalCode.RECHARGE_NEEDS_APPROVAL: "A recharge at the till needs a manager",
}

_STATUS_REFUSALS = {
    CardStatus.FROZEN: RefusalCode.FROZEN,
    CardStatus.LOST: RefusalCode.LOST,
    CardStatus.BLOCKED: RefusalCode.BLOCKED,
    CardStatus.CLOSED: RefusalCode.CLOSED,
    CardStatus.EXPIRED: RefusalCode.EXPIRED,
}


@dataclass(frozen=True)
class DaySpend:
    """What a card has spent today (card parts of applied sales, less voids).

    ``meal_minute`` and ``meal_count``: the card's last counted meal window of this day
    (named by the minute of its first sale there) and its sales in it (``MealCounter``).
    """

    amount: int = 0
    count: int = 0
    meal_minute: int | None = None
    meal_count: int = 0


def with_meals(spent: DaySpend, meal: MealCounter, day: date) -> DaySpend:
    """``spent`` with the card's meal counter, where it counts on ``day`` (the decision's)."""
    if meal.day != day or meal.minute is None:
        return spent
    return replace(spent, meal_minute=meal.minute, meal_count=meal.count)


def card_state_refusal(card: Card, today: date) -> Refusal | None:
    """Refusal due to the card itself (status, validity, PIN lock), before any amount."""
    code = _STATUS_REFUSALS.get(card.status)
    if code is not None:
        return Refusal(code)
    if card.valid_until is not None and today > card.valid_until:
        return Refusal(RefusalCode.EXPIRED)
    if card.pin_failures >= MAX_PIN_FAILURES:
        return Refusal(RefusalCode.PIN_LOCKED)
    return None


def window_refusal(card: Card, minute: int | None) -> Refusal | None:
    """A card type that buys only in its meal windows, tapped outside every one of them.

    ``minute``: local minutes after midnight of the sale; ``None`` where no time is known
    (the rule is then the centre's to apply).
    """
    ct = card.card_type
    if minute is None or not ct.refuse_outside_windows:
        return None
    if any(w.contains(minute) for w in ct.meal_windows):
        return None
    return Refusal(RefusalCode.OUTSIDE_MEAL_WINDOW)


def meal_refusal(card: Card, spent: DaySpend, minute: int | None) -> Refusal | None:
    """The window of ``minute`` has had its meals of the day (``MealWindow.count_limit``)."""
    if minute is None:
        return None
    w = counted_window(card.card_type.meal_windows, minute)
    if w is None or w.count_limit is None:
        return None
    had = spent.meal_count if spent.meal_minute is not None and w.contains(
        spent.meal_minute) else 0
    if had + 1 > w.count_limit:
        return Refusal(RefusalCode.OVER_MEAL_COUNT, {"limit_count": w.count_limit},
                       window=w.name)
    return None


def limit_refusal(card: Card, card_part: int, spent: DaySpend) -> Refusal | None:
    """Refusal due to the card type's limits on the part the card pays."""
    ct = card.card_type
    if ct.per_txn_limit and card_part > ct.per_txn_limit:
        return Refusal(RefusalCode.OVER_TXN_LIMIT, {"limit": ct.per_txn_limit})
    if ct.daily_count_limit and spent.count + 1 > ct.daily_count_limit:
        return Refusal(RefusalCode.OVER_DAILY_COUNT, {"limit_count": ct.daily_count_limit})
    if ct.daily_amount_limit and spent.amount + card_part > ct.daily_amount_limit:
        left = max(0, ct.daily_amount_limit - spent.amount)
        return Refusal(RefusalCode.OVER_DAILY_AMOUNT, {"left": left,
                                                       "limit": ct.daily_amount_limit})
    return None


def pin_refusal(card: Card, card_part: int, pin_verified: bool) -> Refusal | None:
    ct = card.card_type
    if ct.pin_above is not None and card_part > ct.pin_above and not pin_verified:
        return Refusal(RefusalCode.PIN_REQUIRED, {"limit": ct.pin_above})
    return None


def offline_refusal(card: Card, card_part: int, card_offline_today: int,
                    till_offline_today: int, till_cap: int) -> Refusal | None:
    """Refusal of a sale decided without the centre, on top of the usual rules.

    The card type's ``offline_limit`` bounds what one card may spend offline per day at
    this till (``None``: no limit beyond the cached balance); ``till_cap`` bounds the
    till's offline sales of the business day, all cards together, sent or not (a link
    that flaps must not reset either) — the most the site can lose if cards were emptied
    elsewhere meanwhile.
    """
    limit = card.card_type.offline_limit
    if limit is not None and card_offline_today + card_part > limit:
        return Refusal(RefusalCode.OFFLINE_LIMIT,
                       {"left": max(0, limit - card_offline_today), "limit": limit})
    if till_offline_today + card_part > till_cap:
        return Refusal(RefusalCode.OFFLINE_TILL_CAP,
                       {"left": max(0, till_cap - till_offline_today), "limit": till_cap})
    return None
