"""Fixtures for the printer tests: the TCP test printer and one receipt of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from escpos_test_printer import ENTRY_ID, VOIDED_ID, EscPosTestPrinter

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
    return ShiftReport(ctx, opened_at=datetime(2025, 3, 4, 7, 0, 0), sales_count=131,
                       sales_total=245_060, voids_count=2, voids_total=3_100,
                       card_total=230_000, cash_tendered_total=15_060,
                       recharge_total=80_000, cash_counted=95_000, cash_expected=95_060)
