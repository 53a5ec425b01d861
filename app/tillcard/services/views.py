"""What the services hand to any front-end: immutable snapshots, no database rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from tillcard.domain.cards import Card
from tillcard.domain.journal import Entry
from tillcard.domain.quote import Quote
from tillcard.domain.rules import DaySpend, Refusal
from tillcard.domain.wallet import BonusGrant, Wallet


@dataclass(frozen=True)
class TillInfo:
    till_id: int
    till_name: str
    site: str


@dataclass(frozen=True)
class CardView:
    """A card as the cashier sees it at this moment."""

    card: Card
    wallet: Wallet
    spent: DaySpend
    today: date

    @property
    def balance(self) -> int:
        return self.wallet.balance(self.today)

    @property
    def bonus(self) -> int:
        return self.wallet.bonus(self.today)

    @property
    def nearest_expiry(self) -> BonusGrant | None:
        return self.wallet.nearest_expiry(self.today)

    @property
    def daily_left(self) -> int | None:
        limit = self.card.card_type.daily_amount_limit
        return None if not limit else max(0, limit - self.spent.amount)


@dataclass(frozen=True)
class ChargeResult:
    """The outcome of a charge, void or recharge as the till should show it."""

    entry: Entry | None
    refusal: Refusal | None
    view: CardView | None
    quote: Quote | None = None
    replayed: bool = False
    offline: bool = False  # paid, recorded at the till; the centre gets it on back-fill
    cash_back: int = 0  # a void: the cash the cashier hands back across the counter

    @property
    def ok(self) -> bool:
        return self.entry is not None and self.refusal is None


@dataclass(frozen=True)
class LastSale:
    """This shift's last sale, for the cashier's status line, reprint and void."""

    entry_id: uuid.UUID
    card_id: int
    holder: str
    charge: int
    balance_after: int
    at: datetime  # when the sale was recorded, not when it is looked at
    voided: bool = False
    cash: int = 0  # the cash part of a split sale (handed back if voided)
    shift_id: uuid.UUID | None = None  # a sale is voided only inside the shift that made it
