"""Receipts rendered, sent over TCP to the test printer, and read back line by line."""

from __future__ import annotations

import re

import pytest
from escpos_test_printer import ENTRY_ID, EscPosTestPrinter

from tillcard.devices.printer.connections import TcpPrinter, open_printer
from tillcard.devices.printer.decode import DecodedPrint
from tillcard.devices.printer.layout import text_width
from tillcard.devices.printer.render import ReceiptSettings, render_receipt
from tillcard.domain.receipt import (
    CardActionReceipt,
    Receipt,
    RechargeReceipt,
    SaleReceipt,
    ShiftReport,
    VoidReceipt,
)


def print_on(printer: EscPosTestPrinter, receipt: Receipt,
             settings: ReceiptSettings) -> DecodedPrint:
    conn = open_printer(printer.uri)
    assert isinstance(conn, TcpPrinter)
    before = len(printer.jobs)
    conn.send(render_receipt(receipt, settings))
    assert printer.wait_for_jobs(before + 1)
    return printer.jobs[-1]


def value_of(job: DecodedPrint, label: str) -> str:
    """The right-aligned value on the line that starts with ``label``."""
    for line in job.lines:
        if line.startswith(label + " "):
            return line[len(label):].strip()
    raise AssertionError(f"no line {label!r} in\n{job.text}")


def assert_fits(job: DecodedPrint, cols: int) -> None:
    for line in job.lines:
        assert text_width(line) <= cols, line


@pytest.mark.parametrize(("paper", "cols"), [(58, 32), (80, 48)])
def test_sale_receipt_line_by_line(test_printer: EscPosTestPrinter, sale: SaleReceipt,
                                   paper: int, cols: int) -> None:
    settings = ReceiptSettings(paper_mm=paper, header=("Tillcard Canteen",),
                               footer=("Thank you!",))
    job = print_on(test_printer, sale, settings)
    assert job.lines[0] == "Tillcard Canteen"
    assert job.lines[1] == "Canteen North"
    assert job.lines[2] == "SALE"
    assert value_of(job, "Items") == "12.50*2+3.00"
    assert value_of(job, "Amount") == "28.00"
    assert value_of(job, "Discount (staff 10 %)") == "-2.80"
    assert value_of(job, "Total charged") == "25.20"
    assert value_of(job, "  from bonus") == "5.00"
    assert value_of(job, "  from card cash") == "15.20"
    assert value_of(job, "Cash paid") == "5.00"
    assert value_of(job, "Balance before") == "100.00"
    assert value_of(job, "Balance after") == "79.80"
    assert value_of(job, "Card") == "**** **** 4321"
    assert value_of(job, "Holder") == "Wang L."
    assert value_of(job, "Till") == "T2"
    assert value_of(job, "Cashier") == "Ann Lee"
    assert value_of(job, "Time") == "2025-03-04 12:05:09"
    assert value_of(job, "Ref") == "0f1e2d3c"
    assert job.lines[-1] == "Thank you!"
    assert_fits(job, cols)
    assert len(job.lines[job.lines.index("SALE") + 1]) == cols  # the rule spans the paper
    [qr] = job.of("qr")
    assert qr.value == str(ENTRY_ID)
    assert job.lines[qr.line - 1].startswith("Ref")
    assert [e.kind for e in job.events][-1] == "cut"
    assert not job.of("drawer")


def test_columns_come_from_the_profile(test_printer: EscPosTestPrinter,
                                       sale: SaleReceipt) -> None:
    settings = ReceiptSettings(paper_mm=80, profile="TM-T88V")
    assert settings.cols == 42
    job = print_on(test_printer, sale, settings)
    assert max(len(line) for line in job.lines) == 42


def test_no_cut_when_the_profile_has_no_cutter(test_printer: EscPosTestPrinter,
                                               sale: SaleReceipt) -> None:
    job = print_on(test_printer, sale, ReceiptSettings(paper_mm=58, profile="POS-5890"))
    assert not job.of("cut")
    assert value_of(job, "Balance after") == "79.80"


def test_sale_without_discount_or_cash_leaves_those_lines_out(
        test_printer: EscPosTestPrinter, sale: SaleReceipt) -> None:
    plain = SaleReceipt(**{**sale.__dict__, "discount": 0, "tendered_cash": 0,
                           "offline": True})
    job = print_on(test_printer, plain, ReceiptSettings())
    assert not any(line.startswith(("Discount", "Cash paid")) for line in job.lines)
    assert "OFFLINE - pending sync" in job.lines


def test_chinese_sale_on_a_chinese_market_printer(test_printer: EscPosTestPrinter,
                                                  sale: SaleReceipt) -> None:
    settings = ReceiptSettings(paper_mm=58, language="zh", cjk_mode="gb18030",
                               footer=("谢谢惠顾，欢迎再来",))
    data = render_receipt(sale, settings)
    assert b"\x1c&" not in data
    job = print_on(test_printer, sale, settings)
    assert job.lines[1] == "消费小票"
    assert value_of(job, "合计") == "25.20"
    assert value_of(job, "余额") == "79.80"
    assert value_of(job, "原余额") == "100.00"
    assert value_of(job, "折扣 (staff 10 %)") == "-2.80"
    assert value_of(job, "流水号") == "0f1e2d3c"
    assert job.lines[-1] == "谢谢惠顾，欢迎再来"
    assert_fits(job, 32)
    # Wide characters count double: every label/value line fills exactly 32 columns.
    assert text_width(next(x for x in job.lines if x.startswith("余额"))) == 32
    assert job.of("qr")[0].value == str(ENTRY_ID)


def test_chinese_sale_on_an_epson_international_model(
        intl_test_printer: EscPosTestPrinter, sale: SaleReceipt) -> None:
    settings = ReceiptSettings(paper_mm=80, language="zh", cjk_mode="fs")
    data = render_receipt(sale, settings)
    assert data.count(b"\x1c&") >= 10  # one FS & ... FS . block per Chinese line
    assert data.count(b"\x1c.") == data.count(b"\x1c&") + 1  # and FS . after ESC @
    job = print_on(intl_test_printer, sale, settings)
    assert value_of(job, "余额") == "79.80"
    assert value_of(job, "持卡人") == "Wang L."
    assert_fits(job, 48)


def test_gb18030_without_fs_is_garbage_on_an_international_model(
        intl_test_printer: EscPosTestPrinter, sale: SaleReceipt) -> None:
    job = print_on(intl_test_printer, sale,
                   ReceiptSettings(language="zh", cjk_mode="gb18030"))
    assert not any("余额" in line for line in job.lines)


def test_void_receipt(test_printer: EscPosTestPrinter, void: VoidReceipt) -> None:
    job = print_on(test_printer, void, ReceiptSettings())
    assert "VOID / REFUND" in job.lines
    assert value_of(job, "Voided ref") == "a1b2c3d4"
    assert value_of(job, "Refunded to card") == "20.20"
    assert value_of(job, "Cash returned") == "5.00"
    assert value_of(job, "Balance after") == "100.00"
    assert job.of("qr")[0].value == str(ENTRY_ID)
    assert job.of("cut")


def test_recharge_receipt_in_chinese(test_printer: EscPosTestPrinter,
                                     recharge: RechargeReceipt) -> None:
    job = print_on(test_printer, recharge, ReceiptSettings(language="zh"))
    assert "充值" in job.lines
    assert value_of(job, "充值金额") == "200.00"
    assert value_of(job, "赠送") == "20.00"
    assert value_of(job, "赠送有效期至") == "2025-04-03"
    assert value_of(job, "余额") == "320.00"


def test_card_close_shows_the_refund(test_printer: EscPosTestPrinter,
                                     card_close: CardActionReceipt) -> None:
    job = print_on(test_printer, card_close, ReceiptSettings())
    assert "CARD CLOSED" in job.lines
    assert value_of(job, "Refund paid out") == "65.50"
    assert value_of(job, "Balance") == "0.00"
    assert not job.of("qr")


def test_card_replace_names_both_cards(test_printer: EscPosTestPrinter,
                                       card_replace: CardActionReceipt) -> None:
    job = print_on(test_printer, card_replace, ReceiptSettings(language="zh"))
    assert "补卡" in job.lines
    assert value_of(job, "卡号") == "**** **** 9999"
    assert value_of(job, "原卡号") == "**** **** 4321"


def test_shift_report(test_printer: EscPosTestPrinter, shift: ShiftReport) -> None:
    job = print_on(test_printer, shift, ReceiptSettings(paper_mm=58))
    assert "SHIFT REPORT (Z)" in job.lines
    assert value_of(job, "Report no.") == "Z 12"
    assert value_of(job, "Card sales") == "131  2450.60"
    assert value_of(job, "Voids") == "2    31.00"
    assert value_of(job, "Cash expected") == "1285.60"
    assert value_of(job, "Cash counted") == "1285.00"
    assert value_of(job, "Difference (short)") == "-0.60"
    assert re.fullmatch(r"Signature +_+", job.lines[-1])
    assert_fits(job, 32)


def test_long_expression_wraps_under_its_label(test_printer: EscPosTestPrinter,
                                               sale: SaleReceipt) -> None:
    long_sale = SaleReceipt(**{**sale.__dict__, "expression": "+".join(["1.25"] * 12)})
    job = print_on(test_printer, long_sale, ReceiptSettings(paper_mm=58))
    start = job.lines.index("Items")
    assert job.lines[start + 1].startswith("  1.25+")
    assert "".join(x.strip() for x in job.lines[start + 1:start + 3]) == long_sale.expression
