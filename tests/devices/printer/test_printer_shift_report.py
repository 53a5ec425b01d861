"""X and Z reports sent to the TCP test printer and read back line by line."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from escpos_test_printer import EscPosTestPrinter
from test_printer_receipts import assert_fits, print_on, value_of

from tillcard.devices.printer.layout import text_width
from tillcard.devices.printer.render import ReceiptSettings
from tillcard.domain.cash import CashCount
from tillcard.domain.receipt import ShiftReport


def test_an_80mm_z_line_by_line(test_printer: EscPosTestPrinter, shift: ShiftReport) -> None:
    job = print_on(test_printer, shift, ReceiptSettings(paper_mm=80, header=("Tillcard",)))
    assert job.lines[:3] == ["Tillcard", "Canteen North", "SHIFT REPORT (Z)"]
    assert value_of(job, "Report no.") == "Z 12"
    assert value_of(job, "Till") == "T2"
    assert value_of(job, "Opened") == "2025-03-04 07:00:00"
    assert value_of(job, "Opened by") == "Ann Lee"
    assert value_of(job, "Closed") == "2025-03-04 12:05:09"
    assert value_of(job, "Closed by") == "Ann Lee"
    assert value_of(job, "Cashiers") == "Ann Lee, Bo Chen"
    assert value_of(job, "Card sales") == "131  2450.60"
    assert value_of(job, "  paid from cards") == "2300.00"
    assert value_of(job, "  cash beside cards") == "150.60"
    assert value_of(job, "Cash sales") == "4    80.00"
    assert value_of(job, "Voids") == "2    31.00"
    assert value_of(job, "  back to cards") == "26.00"
    assert value_of(job, "  cash handed back") == "5.00"
    assert value_of(job, "Recharges in cash") == "6   800.00"
    assert value_of(job, "Net sales") == "2499.60"  # 2450.60 + 80.00 - 31.00
    assert value_of(job, "Discounts given") == "12.30"
    assert value_of(job, "Float total") == "260.00"
    assert value_of(job, "Cash in") == "1030.60"
    assert value_of(job, "Cash out") == "-5.00"
    assert value_of(job, "Cash expected") == "1285.60"
    assert value_of(job, "Cash counted") == "1285.00"
    assert value_of(job, "Difference (short)") == "-0.60"
    assert value_of(job, "Comment") == "a note stuck in the drawer"
    assert value_of(job, "Approved by") == "Wang Fang"
    assert job.lines[-1].startswith("Signature")
    assert_fits(job, 48)
    assert "*** REPRINT ***" not in job.lines


def test_counts_by_denomination_line_up(test_printer: EscPosTestPrinter,
                                        shift: ShiftReport) -> None:
    job = print_on(test_printer, shift, ReceiptSettings(paper_mm=80))
    at = job.lines.index("Float")
    assert job.lines[at + 1:at + 4] == [
        "  100.00 x  2                             200.00",
        "   10.00 x  5                              50.00",
        "    1.00 x 10                              10.00",
    ]
    counted = job.lines[job.lines.index("Drawer counted") + 1:]
    assert counted[:5] == [
        "  100.00 x 12                            1200.00",
        "   50.00 x  1                              50.00",
        "   20.00 x  1                              20.00",
        "   10.00 x  1                              10.00",
        "    5.00 x  1                               5.00",
    ]
    tallies = [re.search(r"(\d+)  +\d+\.\d\d$", line) for line in job.lines
               if line.startswith(("Card sales", "Cash sales", "Voids ", "Recharges"))]
    assert len(tallies) == 4
    assert len({m.end(1) for m in tallies if m}) == 1  # counts end in one column


@pytest.mark.parametrize(("paper", "cols"), [(58, 32), (80, 48)])
def test_a_chinese_z(test_printer: EscPosTestPrinter, shift: ShiftReport, paper: int,
                     cols: int) -> None:
    job = print_on(test_printer, shift, ReceiptSettings(paper_mm=paper, language="zh"))
    assert "交班报表 (Z)" in job.lines
    assert value_of(job, "报表号") == "Z 12"
    assert value_of(job, "开班人") == "Ann Lee"
    assert value_of(job, "卡消费") == "131  2450.60"
    assert value_of(job, "现金消费") == "4    80.00"
    assert value_of(job, "应有现金") == "1285.60"
    assert value_of(job, "实点现金") == "1285.00"
    assert value_of(job, "差额 (短款)") == "-0.60"
    assert value_of(job, "审批主管") == "Wang Fang"
    assert job.lines[-1].startswith("签名")
    assert_fits(job, cols)
    assert text_width(next(x for x in job.lines if x.startswith("应有现金"))) == cols


def test_an_x_has_no_count_and_no_signature(test_printer: EscPosTestPrinter,
                                            shift: ShiftReport) -> None:
    x = dataclasses.replace(shift, z_no=None, closed_at=None, closed_by="", counted=None,
                            comment="", approved_by="")
    job = print_on(test_printer, x, ReceiptSettings(paper_mm=58))
    assert "SHIFT REPORT (X)" in job.lines
    assert value_of(job, "Report no.") == "X"
    assert value_of(job, "As at") == "2025-03-04 12:05:09"
    assert value_of(job, "Printed by") == "Ann Lee"
    assert value_of(job, "Cash expected") == "1285.60"
    assert not any(line.startswith(("Closed", "Cash counted", "Difference", "Signature"))
                   for line in job.lines)


@pytest.mark.parametrize(("counted", "label", "value"), [
    (CashCount(((10_000, 12), (5_000, 1), (2_000, 1), (1_000, 1), (500, 1), (100, 1))),
     "Difference (over)", "+0.40"),  # 1286.00 against 1285.60
    (CashCount(((10_000, 12), (5_000, 1), (2_000, 1), (1_000, 1), (500, 1), (50, 1),
                (10, 1))), "Difference", "0.00"),
])
def test_over_and_exact(test_printer: EscPosTestPrinter, shift: ShiftReport,
                        counted: CashCount, label: str, value: str) -> None:
    z = dataclasses.replace(shift, counted=counted, comment="", approved_by="")
    job = print_on(test_printer, z, ReceiptSettings())
    assert value_of(job, label) == value
    assert not any(line.startswith(("Comment", "Approved by")) for line in job.lines)


def test_a_reprinted_z_says_so_and_prints_the_same_figures(
        test_printer: EscPosTestPrinter, shift: ShiftReport) -> None:
    first = print_on(test_printer, shift, ReceiptSettings())
    later = dataclasses.replace(shift.ctx, cashier="Wang Fang",
                                at=shift.ctx.at.replace(day=5))
    again = print_on(test_printer, dataclasses.replace(shift, ctx=later, reprint=True),
                     ReceiptSettings())
    assert "*** REPRINT ***" in again.lines
    assert value_of(again, "Reprinted") == "2025-03-05 12:05:09"
    assert value_of(again, "Printed by") == "Wang Fang"
    lines = list(again.lines)
    lines.remove("*** REPRINT ***")
    at = next(i for i, line in enumerate(lines) if line.startswith("Reprinted"))
    assert lines[at - 1] == "-" * 48 and lines[at + 1].startswith("Printed by")
    del lines[at - 1:at + 2]
    assert lines == first.lines


def test_the_readme_shows_this_z(test_printer: EscPosTestPrinter, shift: ShiftReport) -> None:
    """The README's Z is what the printer prints, so it cannot drift from the layout."""
    readme = Path(__file__).resolve().parents[3] / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = text.split("<!-- z-report -->\n```text\n", 1)[1].split("\n```", 1)[0]
    job = print_on(test_printer, shift, ReceiptSettings(paper_mm=80, header=("Tillcard",)))
    assert block.splitlines() == [line.rstrip() for line in job.lines]
