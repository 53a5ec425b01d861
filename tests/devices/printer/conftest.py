"""Fixtures for the printer tests: the TCP test printer and one receipt of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from escpos_test_printer import ENTRY_ID, VOIDED_ID, EscPosTestPrinter

from tillcard.domain.cash import CashCount
from tillcard.domain.receipt import (
    CardActionReceipt,
    ReceiptContext,
    RechargeReceipt,
    SaleReceipt,
    ShiftReport,
    VoidReceipt,
)


@pytest.fixture
def test_printer() -> Iterator[EscPosTestPrinter]:
    printer = EscPosTestPrinter()
    yield printer
    printer.close()


@pytest.fixture
def intl_test_printer() -> Iterator[EscPosTestPrinter]:
    """An Epson international model: code pages at power on, Chinese only inside FS &."""
    printer = EscPosTestPrinter(chinese_at_power_on=False)
    yield printer
    printer.close()


@pytest.fixture
def ctx() -> ReceiptContext:
    return ReceiptContext("Canteen North", "T2", "Ann Lee", datetime(2025, 3, 4, 12, 5, 9))


@pytest.fixture
def sale(ctx: ReceiptContext) -> SaleReceipt:
    return SaleReceipt(
        ctx=ctx, entry_id=ENTRY_ID, card_masked="**** **** 4321", holder_short="Wang L.",
        expression="12.50*2+3.00", list_amount=2800, discount=280,
        discount_label="staff 10 %", charge=2520, bonus_part=500, cash_part=1520,
        tendered_cash=500, balance_before=10000, balance_after=7980)


@pytest.fixture
def void(ctx: ReceiptContext) -> VoidReceipt:
    return VoidReceipt(ctx, ENTRY_ID, VOIDED_ID, "**** **** 4321", "Wang L.",
                       refunded_to_card=2020, cash_returned=500, balance_after=10000)


@pytest.fixture
def recharge(ctx: ReceiptContext) -> RechargeReceipt:
    return RechargeReceipt(ctx, ENTRY_ID, "**** **** 4321", "Wang L.", amount=20000,
                           bonus=2000, bonus_expires_on=date(2025, 4, 3), balance_after=32000)


@pytest.fixture
def card_close(ctx: ReceiptContext) -> CardActionReceipt:
    return CardActionReceipt(ctx, "close", "**** **** 4321", "Wang L.", balance_after=0,
                             refund=6550)


@pytest.fixture
def card_replace(ctx: ReceiptContext) -> CardActionReceipt:
    return CardActionReceipt(ctx, "replace", "**** **** 9999", "Wang L.", balance_after=6550,
                             old_card_masked="**** **** 4321")


@pytest.fixture
def shift(ctx: ReceiptContext) -> ShiftReport:
    """Z 12 of a busy canteen till: 0.60 short, a manager signed it off."""
    return ShiftReport(
        ctx, z_no=12, opened_at=datetime(2025, 3, 4, 7, 0, 0), opened_by="Ann Lee",
        float_count=CashCount(((10_000, 2), (1_000, 5), (100, 10))),  # 260.00
        sales_count=131, sales_total=245_060, card_total=230_000, sale_cash=15_060,
        cash_sales_count=4, cash_sales_total=8_000,
        voids_count=2, voided_to_cards=2_600, cash_handed_back=500,
        recharges_count=6, recharge_cash=80_000, discounts=1_230,
        cash_expected=128_560,  # 260.00 + 150.60 + 80.00 + 800.00 - 5.00
        cashiers=("Ann Lee", "Bo Chen"),
        closed_at=datetime(2025, 3, 4, 12, 5, 9), closed_by="Ann Lee",
        counted=CashCount(((10_000, 12), (5_000, 1), (2_000, 1), (1_000, 1), (500, 1))),
        # 1285.00 counted against 1285.60 expected: 0.60 short
        comment="a note stuck in the drawer", approved_by="Wang Fang")
