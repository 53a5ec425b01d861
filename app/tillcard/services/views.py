"""What the services hand to any front-end: immutable snapshots, no database rows."""

from __future__ import annotations

import enum
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
    minute: int | None = None  # the site's wall-clock minute of the read: meal windows

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


@dataclass(frozen=True)
class RecentSale:
    """One card sale of this shift as the recent-sales list shows it (F7)."""

    entry_id: uuid.UUID
    at: datetime
    card_id: int
    card_masked: str
    holder: str
    charge: int  # what the sale charged: the card's part and the cash beside it
    cash: int  # the cash part of a split sale (handed back if voided)
    voided: bool = False


# -- what the checkout flow (services/flow.py) hands its front-end -------------------------


class Flash(enum.StrEnum):
    """What the front-end should flash (and beep for) after the last input."""

    AMOUNT = "amount"  # a refused key: the amount, with its maximum
    BAND = "band"  # a refused Enter, Cash key or tap: the reason shown


class NoticeKind(enum.StrEnum):
    AMOUNT_CLEARED = "amount_cleared"  # an amount keyed for another card was dropped
    REPRINTING = "reprinting"
    NOTHING_TO_REPRINT = "nothing_to_reprint"
    RECEIVED_SHORT = "received_short"  # the cash keyed as received is less than due
    NOTHING_TO_VOID = "nothing_to_void"  # no sale of this shift left to void
    VOID_NOT_APPROVED = "void_not_approved"  # a later void, and no manager approved it
    ALREADY_VOIDED = "already_voided"  # the sale picked was voided meanwhile
    REPEAT_TAP = "repeat_tap"  # fixed price: this card paid a moment ago; Enter sells again
    SET_PRICE = "set_price"  # fixed price: a key refused, the price is set, not keyed


@dataclass(frozen=True)
class Notice:
    """A neutral one-line message about the cashier's last action; gone at the next one."""

    kind: NoticeKind
    amount: int = 0


@dataclass(frozen=True)
class ChargeIntent:
    """What the front-end should ask the checkout service to do."""

    card_id: int
    list_amount: int
    expression: str
    split_tender: bool
    needs_pin: bool
    cash_received: int = 0  # split tender: the cash the cashier took (≥ the cash part)


@dataclass(frozen=True)
class CashSaleIntent:
    """A sale without a card the front-end should record (``CheckoutService.cash_sale``)."""

    amount: int
    cash_received: int  # what the cashier took (≥ the amount); the change is the rest


@dataclass(frozen=True)
class Collect:
    """The cash step: what the card pays, what to collect in cash, the change.

    ``without_card``: a cash sale, the whole amount in cash (``card_part`` and
    ``balance_after`` are zero and mean nothing).
    """

    cash_part: int
    card_part: int
    balance_after: int
    received: int | None  # None: nothing keyed, the exact cash part is taken
    without_card: bool = False

    @property
    def change(self) -> int | None:
        """Change to hand over; ``None`` while nothing or too little is keyed."""
        if self.received is None or self.received < self.cash_part:
            return None
        return self.received - self.cash_part


@dataclass(frozen=True)
class TopUp:
    """A recharge at the counter: what went onto the card, the new balance, the change."""

    amount: int
    bonus: int
    balance_after: int
    change: int = 0


@dataclass(frozen=True)
class VoidBack:
    """What a void gave back: to the card's purses, and in cash across the counter."""

    to_card: int
    cash: int
