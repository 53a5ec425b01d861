"""What goes on a receipt, as plain data; the printer layer lays it out and encodes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


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
    """Z report at shift close."""

    ctx: ReceiptContext
    opened_at: datetime
    sales_count: int
    sales_total: int
    voids_count: int
    voids_total: int
    card_total: int
    cash_tendered_total: int
    recharge_total: int
    cash_counted: int | None
    cash_expected: int


Receipt = SaleReceipt | VoidReceipt | RechargeReceipt | CardActionReceipt | ShiftReport
