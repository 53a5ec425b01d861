"""A sale paid partly from the employer's allowance says so on the receipt."""

from __future__ import annotations

import dataclasses

import pytest
from escpos_test_printer import EscPosTestPrinter
from test_printer_receipts import print_on, value_of

from tillcard.devices.printer.render import ReceiptSettings
from tillcard.domain.receipt import SaleReceipt


@pytest.mark.parametrize(("language", "label"), [("en", "  from allowance"),
                                                 ("zh", "  补助支付")])
def test_the_allowance_part_is_printed(test_printer: EscPosTestPrinter, sale: SaleReceipt,
                                       language: str, label: str) -> None:
    receipt = dataclasses.replace(sale, allowance_part=1_000, cash_part=520)
    job = print_on(test_printer, receipt, ReceiptSettings(paper_mm=80, language=language))
    assert value_of(job, label) == "10.00"


def test_no_allowance_line_without_allowance(test_printer: EscPosTestPrinter,
                                             sale: SaleReceipt) -> None:
    job = print_on(test_printer, sale, ReceiptSettings(paper_mm=80))
    assert not any("allowance" in line for line in job.lines)
