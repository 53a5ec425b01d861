"""What goes on a receipt, as plain data; the printer layer lays it out and encodes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from tillcard.domain.cash import CashCount


@dataclass(frozen=True)
class ReceiptContext:
    """Who and where: the same on every receipt of a shift."""

    site: str
    till: str
    cashier: str
    at: datetime


@dataclass(frozen=True)
class SaleReceipt:
    ctx: ReceiptContext
    entry_id: uuid.UUID
    card_masked: str
    holder_short: str
    expression: str
    list_amount: int
    discount: int
    discount_label: str  # "staff 10 %"
    charge: int
    bonus_part: int
    cash_part: int  # from the card's cash purse
    tendered_cash: int  # paid in notes/coins for a split
    balance_before: int
    balance_after: int
    offline: bool = False
    allowance_part: int = 0  # from the employer's allowance purse


@dataclass(frozen=True)
class VoidReceipt:
    ctx: ReceiptContext
    entry_id: uuid.UUID
    voided_id: uuid.UUID
    card_masked: str
    holder_short: str
    refunded_to_card: int
    cash_returned: int
    balance_after: int


@dataclass(frozen=True)
class CashSaleReceipt:
    """A sale without a card: the customer's only proof of what the cash paid for.

    ``received`` is what the cashier took (None: the exact amount); the change follows.
    """

    ctx: ReceiptContext
    entry_id: uuid.UUID
    amount: int
    received: int | None = None

    @property
    def change(self) -> int:
        return 0 if self.received is None else max(0, self.received - self.amount)


@dataclass(frozen=True)
class RechargeReceipt:
    ctx: ReceiptContext
    entry_id: uuid.UUID
    card_masked: str
    holder_short: str
    amount: int
    bonus: int
    bonus_expires_on: date | None
    balance_after: int


@dataclass(frozen=True)
class CardActionReceipt:
    """Card issue, replacement or closing; ``refund`` is cash paid out on closing."""

    ctx: ReceiptContext
    action: str  # "issue" | "replace" | "close"
    card_masked: str
    holder_short: str
    balance_after: int
    refund: int = 0
    old_card_masked: str = ""


@dataclass(frozen=True)
class ShiftReport:
    """An X report (``z_no`` None: the shift so far) or a Z (the closed shift, numbered).

    ``ctx`` says where, who printed it and when. Amounts are minor units; the float and the
    drawer count are by denomination. The cash figures add up on paper: float + cash in
    - cash out is what the drawer should hold, against which the count is compared.
    """

    ctx: ReceiptContext
    z_no: int | None
    opened_at: datetime
    opened_by: str
    float_count: CashCount
    sales_count: int  # card sales, split ones included
    sales_total: int  # what they charged: card part + cash beside cards
    card_total: int  # paid from cards
    sale_cash: int  # cash beside cards (split tender)
    cash_sales_count: int
    cash_sales_total: int
    voids_count: int
    voided_to_cards: int
    cash_handed_back: int  # cash given back for voided split sales
    recharges_count: int
    recharge_cash: int
    cash_expected: int
    refunds_paid: int = 0  # cash paid out when closing cards
    discounts: int = 0
    cashiers: tuple[str, ...] = ()
    closed_at: datetime | None = None
    closed_by: str = ""
    counted: CashCount | None = None
    comment: str = ""
    approved_by: str = ""
    reprint: bool = False

    @property
    def cash_in(self) -> int:
        return self.sale_cash + self.cash_sales_total + self.recharge_cash

    @property
    def cash_out(self) -> int:
        return self.cash_handed_back + self.refunds_paid

    @property
    def net_sales(self) -> int:
        """Sales and cash sales less voids, card and cash parts alike."""
        return (self.sales_total + self.cash_sales_total - self.voided_to_cards
                - self.cash_handed_back)

    @property
    def cash_counted(self) -> int | None:
        return None if self.counted is None else self.counted.total

    @property
    def difference(self) -> int | None:
        """Counted less expected: negative is cash missing."""
        counted = self.cash_counted
        return None if counted is None else counted - self.cash_expected


Receipt = (SaleReceipt | VoidReceipt | RechargeReceipt | CardActionReceipt | ShiftReport
           | CashSaleReceipt)
