"""A till that doubles as a card office: deposits in and refunds out pass its drawer."""

from __future__ import annotations

import uuid

from tillcard.domain.cash import CashCount
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.shift import shift_totals


def entry(kind: EntryKind, cash_delta: int, *, list_amount: int = 0,
          tendered: int = 0) -> Entry:
    return Entry(uuid.uuid4(), 3, 1, kind, 7, cash_delta, list_amount=list_amount,
                 tendered_cash=tendered, cashier_id=1)


def test_a_deposit_and_fee_come_in_and_a_closing_refund_goes_out_with_the_deposit() -> None:
    totals = shift_totals([
        entry(EntryKind.DEPOSIT, 0, list_amount=2_000, tendered=2_500),  # 20.00 + 5.00 fee
        entry(EntryKind.RECHARGE, 10_000, list_amount=10_000),
        entry(EntryKind.REFUND, -4_000, list_amount=2_000, tendered=6_000),  # cash + deposit
    ])
    assert (totals.deposits, totals.recharge_cash, totals.refunds) == (2_500, 10_000, 6_000)
    assert totals.cash_in == 12_500 and totals.cash_out == 6_000
    assert totals.net_sales == 0  # issuing and closing cards sells nothing
    float_count = CashCount(((10_000, 1),))
    assert float_count.total + totals.cash_in - totals.cash_out == 16_500
