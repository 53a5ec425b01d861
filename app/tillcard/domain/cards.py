"""Holders, card types and cards: the reference data a charge is decided against."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from tillcard.domain.meals import MealWindow
from tillcard.domain.wallet import DEFAULT_ORDER, check_order


class CardStatus(enum.StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    LOST = "lost"
    BLOCKED = "blocked"  # went negative through an offline back-fill
    CLOSED = "closed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class BonusTier:
    """Recharge at least ``min_amount`` and receive ``bonus`` on top."""

    min_amount: int
    bonus: int


@dataclass(frozen=True)
class RechargeRule:
    """Bonus credit granted on a recharge: a percentage, or the best matching tier."""

    bonus_bp: int = 0
    tiers: tuple[BonusTier, ...] = ()
    bonus_expiry_days: int = 30

    def bonus_for(self, amount: int) -> int:
        from tillcard.domain.money import apply_rate_half_up

        tier_bonus = max((t.bonus for t in self.tiers if amount >= t.min_amount), default=0)
        return max(tier_bonus, apply_rate_half_up(amount, self.bonus_bp))


@dataclass(frozen=True)
class CardType:
    """Limits and discount for a class of cards; zero or ``None`` means no limit."""

    code: str
    name: str
    discount_bp: int = 0  # 1000 = 10 % off
    per_txn_limit: int | None = None
    daily_amount_limit: int | None = None
    daily_count_limit: int | None = None
    pin_above: int | None = None
    offline_limit: int | None = None
    validity_days: int | None = None
    recharge: RechargeRule = field(default_factory=RechargeRule)
    meal_windows: tuple[MealWindow, ...] = ()
    refuse_outside_windows: bool = False  # a tap outside every window is refused
    spend_order: tuple[str, ...] = DEFAULT_ORDER  # which purse pays first
    allowance_reset: str = "never"  # never | period: what is left leaves at period's end

    def __post_init__(self) -> None:
        if not 0 <= self.discount_bp <= 10_000:
            raise ValueError(f"discount must be 0..10000 basis points, got {self.discount_bp}")
        check_order(self.spend_order)
        if self.allowance_reset not in ("never", "period"):
            raise ValueError(f"allowance reset is never or period, got {self.allowance_reset}")


@dataclass(frozen=True)
class Holder:
    id: int
    name: str
    staff_no: str = ""

    @property
    def short_name(self) -> str:
        """Name printed on receipts: family name + initial for Latin names, full for CJK."""
        parts = self.name.split()
        if len(parts) < 2:
            return self.name
        return f"{parts[0]} {parts[1][0]}."


@dataclass(frozen=True)
class Card:
    id: int
    number: str  # printed on the card; cashiers can type it
    uid: str | None  # chip UID in upper-case hex or a reader's number
    holder: Holder
    card_type: CardType
    status: CardStatus
    valid_until: date | None = None
    pin_hash: str | None = None
    pin_failures: int = 0
    status_reason: str = ""  # why it was frozen, reported lost or closed: said at the counter

    @property
    def masked_number(self) -> str:
        return "•••• " + self.number[-4:]
