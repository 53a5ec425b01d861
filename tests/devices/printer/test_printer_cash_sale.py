"""The receipt of a sale without a card: laid out, sent over TCP, read back line by line."""

from __future__ import annotations

import uuid

import pytest
from escpos_test_printer import ENTRY_ID, EscPosTestPrinter
from test_printer_receipts import assert_fits, print_on, value_of
from tests.conftest import NOW, Books

from tillcard.devices.printer.connections import open_printer
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.render import ReceiptSettings
from tillcard.domain.receipt import CashSaleReceipt, ReceiptContext
from tillcard.services.auth import Role, SecretHasher, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import TillInfo


@pytest.fixture
def cash_sale(ctx: ReceiptContext) -> CashSaleReceipt:
    return CashSaleReceipt(ctx, ENTRY_ID, amount=1_250, received=2_000)


@pytest.mark.parametrize(("paper", "cols"), [(58, 32), (80, 48)])
def test_a_cash_sale_line_by_line(test_printer: EscPosTestPrinter, cash_sale: CashSaleReceipt,
                                  paper: int, cols: int) -> None:
    job = print_on(test_printer, cash_sale, ReceiptSettings(paper_mm=paper,
                                                            footer=("Thank you!",)))
    assert job.lines[:2] == ["Canteen North", "CASH SALE"]
    assert value_of(job, "Amount") == "12.50"
    assert value_of(job, "Cash received") == "20.00"
    assert value_of(job, "Change") == "7.50"
    assert value_of(job, "Till") == "T2"
    assert value_of(job, "Cashier") == "Ann Lee"
    assert value_of(job, "Time") == "2025-03-04 12:05:09"
    assert value_of(job, "Ref") == "0f1e2d3c"
    assert not any(line.startswith(("Card", "Holder", "Balance")) for line in job.lines)
    [qr] = job.of("qr")
    assert qr.value == str(ENTRY_ID)
    assert job.lines[-1] == "Thank you!"
    assert_fits(job, cols)


def test_the_exact_amount_prints_no_change_line(test_printer: EscPosTestPrinter,
                                                ctx: ReceiptContext) -> None:
    job = print_on(test_printer, CashSaleReceipt(ctx, ENTRY_ID, amount=800),
                   ReceiptSettings())
    assert value_of(job, "Amount") == "8.00"
    assert not any(line.startswith(("Cash received", "Change")) for line in job.lines)


@pytest.mark.parametrize(("paper", "cols"), [(58, 32), (80, 48)])
def test_a_chinese_cash_sale(test_printer: EscPosTestPrinter, cash_sale: CashSaleReceipt,
                             paper: int, cols: int) -> None:
    job = print_on(test_printer, cash_sale, ReceiptSettings(paper_mm=paper, language="zh"))
    assert "现金消费" in job.lines
    assert value_of(job, "金额") == "12.50"
    assert value_of(job, "实收现金") == "20.00"
    assert value_of(job, "找零") == "7.50"
    assert value_of(job, "收银员") == "Ann Lee"
    assert_fits(job, cols)


def test_the_checkout_prints_the_cash_sale_it_records(test_printer: EscPosTestPrinter,
                                                      books: Books,
                                                      hasher: SecretHasher) -> None:
    """``CheckoutService.cash_sale`` hands the receipt to the real queue and TCP printer."""
    till = TillInfo(1, "Till 1", "Site")
    queue = PrintQueue(open_printer(test_printer.uri), ReceiptSettings())
    try:
        checkout = CheckoutService(books.ledger, books.refs, queue, till, hasher,
                                   ReceiptBuilder(till), clock=lambda: NOW)
        cashier = Session(1, "books-cashier", "Li Na", Role.CASHIER)
        entry_id = uuid.uuid4()
        result = checkout.cash_sale(cashier, 1_230, received=5_000, entry_id=entry_id)
        assert result.ok
        assert test_printer.wait_for_jobs(2)  # the drawer's kick and the receipt
        jobs = test_printer.jobs
    finally:
        queue.close()
    assert any(j.of("drawer") for j in jobs)  # the cash went in: the drawer opened
    [job] = [j for j in jobs if "CASH SALE" in j.lines]
    assert value_of(job, "Amount") == "12.30"
    assert value_of(job, "Cash received") == "50.00"
    assert value_of(job, "Change") == "37.70"
    assert value_of(job, "Cashier") == "Li Na"
    assert value_of(job, "Till") == "Till 1"
    assert value_of(job, "Time") == NOW.strftime("%Y-%m-%d %H:%M:%S")
    assert value_of(job, "Ref") == entry_id.hex[:8]
