"""The numbers a cashier sees before charging: discount, charge, balances, shortfall."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from tillcard.domain.cards import Card
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.money import apply_rate_half_up
from tillcard.domain.rules import (
    DaySpend,
    Refusal,
    RefusalCode,
    card_state_refusal,
    limit_refusal,
    meal_refusal,
    pin_refusal,
    window_refusal,
)
from tillcard.domain.wallet import DEFAULT_ORDER, Allocation, Wallet


@dataclass(frozen=True)
class Quote:
    """A priced sale against one card; ``card_part + shortfall == charge``."""

    list_amount: int
    discount: int
    charge: int
    balance_before: int
    available: int
    allocation: Allocation  # what the card pays, split over purses
    shortfall: int  # what the card cannot pay (cash, if the cashier splits)

    @property
    def card_part(self) -> int:
        return self.allocation.total

    @property
    def balance_after(self) -> int:
        return self.balance_before - self.card_part

    @property
    def covered(self) -> bool:
        return self.shortfall == 0


def make_quote(list_amount: int, discount_bp: int, wallet: Wallet, today: date,
               order: tuple[str, ...] = DEFAULT_ORDER) -> Quote:
    """Price a sale; the discount is rounded half up once, on the whole amount."""
    if list_amount < 0:
        raise ValueError("amount must be non-negative")
    discount = apply_rate_half_up(list_amount, discount_bp)
    charge = list_amount - discount
    available = wallet.available(today)
    card_part = min(charge, available)
    return Quote(
        list_amount=list_amount,
        discount=discount,
        charge=charge,
        balance_before=wallet.balance(today),
        available=available,
        allocation=wallet.allocate(card_part, today, order),
        shortfall=charge - card_part,
    )


def sale_refusal(card: Card, quote: Quote, spent: DaySpend, today: date, *,
                 split_tender: bool = False, pin_verified: bool = False,
                 minute: int | None = None) -> Refusal | None:
    """The first reason this sale cannot go through, or ``None`` when it can.

    With ``split_tender`` the shortfall is paid in cash, so only the card's part must fit.
    Order: the card itself, meal times (outside every window, then the window's meals of
    the day used up), the balance, the limits on the amount, the PIN. A used-up meal
    window comes before the balance because no amount and no cash beside the card cures
    it: the cashier says it at the tap, before anything is keyed (``spent`` carries the
    window's count, ``minute`` is the site clock's).
    """
    if quote.list_amount == 0:
        return Refusal(RefusalCode.NOTHING_TO_CHARGE)
    state = (card_state_refusal(card, today) or window_refusal(card, minute)
             or meal_refusal(card, spent, minute))
    if state is not None:
        return state
    if quote.shortfall and not split_tender:
        return Refusal(RefusalCode.INSUFFICIENT, {"shortfall": quote.shortfall,
                                                  "available": quote.available})
    return limit_refusal(card, quote.card_part, spent) or pin_refusal(
        card, quote.card_part, pin_verified)


def sale_entry(entry_id: uuid.UUID, till_id: int, card_id: int, quote: Quote,
               cashier_id: int | None, created_at: datetime) -> Entry:
    """The journal entry of a quoted sale (unnumbered: the chain's owner numbers it)."""
    alloc = quote.allocation
    return Entry(
        id=entry_id, till_id=till_id, seq=0, kind=EntryKind.SALE, card_id=card_id,
        cash_delta=-alloc.cash, bonus_parts=tuple((g, -a) for g, a in alloc.bonus_parts),
        list_amount=quote.list_amount, discount=quote.discount,
        tendered_cash=quote.shortfall, cashier_id=cashier_id, created_at=created_at,
        allowance_delta=-alloc.allowance,
    )
