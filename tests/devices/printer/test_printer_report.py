"""Reports printed on the TCP test printer at 58 and 80 mm and read back from the bytes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from escpos_test_printer import EscPosTestPrinter

from tillcard.devices.printer.connections import open_printer
from tillcard.devices.printer.decode import DecodedPrint
from tillcard.devices.printer.layout import text_width
from tillcard.devices.printer.report_layout import (
    ReportNotPrinted,
    layout_report,
    print_report,
    print_report_to,
    report_text,
)
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.reports import Column, Report, ReportKind, ValueType

PAPERS = [(58, 32), (80, 48)]
HOLDERS = ["王小明", "欧阳娜娜", "Ann Lee", "司马相如长名字的持卡人"]


@pytest.fixture
def summary() -> Report:
    """A summary-style report: one label column and figures, a long label, a Chinese one."""
    cols = (Column("item", "Item", "what is counted", ValueType.TEXT),
            Column("n", "Count", "entries", ValueType.COUNT),
            Column("amount", "Amount", "in the currency", ValueType.MONEY))
    rows = (("Sales", 1234, 5_678_900), ("Voids", 3, -1_500),
            ("Recharges in cash and by bank transfer", 45, 2_000_000),
            ("补助发放", 10, 300_000))
    return Report(ReportKind.SUMMARY, "Summary 汇总", date(2025, 3, 1), date(2025, 3, 31),
                  cols, rows, ("Net cash", None, 7_977_400),
                  notes=("Bonus expired: 12.00",))


@pytest.fixture
def top_cards() -> Report:
    """Several text columns: too wide for a table on a receipt, so each row is a block."""
    cols = (Column("card", "Card", "masked number", ValueType.TEXT),
            Column("holder", "Holder", "card holder", ValueType.TEXT),
            Column("sales", "Sales", "sales count", ValueType.COUNT),
            Column("amount", "Amount charged", "after discount", ValueType.MONEY),
            Column("share", "Share", "of all sales", ValueType.PERCENT))
    rows = tuple((f"**** {4321 + i}", h, 10 - i, 12_345 * (4 - i), 2_500)
                 for i, h in enumerate(HOLDERS))
    return Report(ReportKind.TOP_CARDS, "Top cards 消费排行", date(2025, 3, 1),
                  date(2025, 3, 31), cols, rows, ("Total", None, 34, 123_450, 10_000))


def send(printer: EscPosTestPrinter, report: Report, settings: ReceiptSettings) -> DecodedPrint:
    before = len(printer.jobs)
    print_report(report, open_printer(printer.uri), settings,
                 printed_at=datetime(2025, 4, 1, 9, 30))
    assert printer.wait_for_jobs(before + 1)
    return printer.jobs[-1]


def assert_fits(job: DecodedPrint, cols: int) -> None:
    assert job.lines
    for line in job.lines:
        assert text_width(line) <= cols, line


def line_with(job: DecodedPrint, start: str) -> str:
    for line in job.lines:
        if line.startswith(start):
            return line
    raise AssertionError(f"no line starting {start!r} in\n{job.text}")


@pytest.mark.parametrize(("paper", "cols"), PAPERS)
def test_summary_prints_as_a_table(test_printer: EscPosTestPrinter, summary: Report,
                                   paper: int, cols: int) -> None:
    job = send(test_printer, summary, ReceiptSettings(paper_mm=paper, header=("Tillcard",)))
    assert job.lines[:2] == ["Tillcard", "Summary 汇总"]
    assert line_with(job, "Period").endswith("2025-03-01 - 2025-03-31")
    assert line_with(job, "Printed").endswith("2025-04-01 09:30")
    assert line_with(job, "Item").split() == ["Item", "Count", "Amount"]
    assert line_with(job, "Sales").split() == ["Sales", "1234", "56789.00"]
    assert line_with(job, "Voids").split() == ["Voids", "3", "-15.00"]
    assert line_with(job, "补助发放").split() == ["补助发放", "10", "3000.00"]
    assert line_with(job, "Net cash").split() == ["Net", "cash", "79774.00"]
    assert job.lines[-1] == "Bonus expired: 12.00"
    # every figure ends in the same column, the paper's last
    figures = [ln for ln in job.lines[:-1] if ln.rstrip().endswith(("00", "Amount"))]
    assert len(figures) >= 6
    assert {text_width(ln) for ln in figures} == {cols}
    assert_fits(job, cols)
    assert job.of("cut")


@pytest.mark.parametrize(("paper", "cols"), PAPERS)
def test_a_long_label_wraps_and_keeps_its_figures(test_printer: EscPosTestPrinter,
                                                  summary: Report, paper: int,
                                                  cols: int) -> None:
    job = send(test_printer, summary, ReceiptSettings(paper_mm=paper))
    start = job.lines.index(line_with(job, "Recharges"))
    block = job.lines[start:start + 4]
    words = " ".join(block).split()
    assert words[:7] == ["Recharges", "in", "cash", "and", "by", "bank", "transfer"]
    assert "45" in words and "20000.00" in words
    assert_fits(job, cols)


@pytest.mark.parametrize(("paper", "cols"), PAPERS)
def test_top_cards_in_chinese_print_as_blocks(test_printer: EscPosTestPrinter,
                                              top_cards: Report, paper: int,
                                              cols: int) -> None:
    job = send(test_printer, top_cards, ReceiptSettings(paper_mm=paper, language="zh"))
    assert "Top cards 消费排行" in job.lines
    assert line_with(job, "统计期间").endswith("2025-03-31")
    assert line_with(job, "打印时间").endswith("2025-04-01 09:30")
    text = job.text
    for name in HOLDERS:
        assert name in text.replace("\n    ", "")  # a long name may wrap under its title
    first = job.lines.index("**** 4321")
    assert job.lines[first + 1].split() == ["Holder", "王小明"]
    assert job.lines[first + 2].split() == ["Sales", "10"]
    assert job.lines[first + 3].split() == ["Amount", "charged", "493.80"]
    assert job.lines[first + 4].split() == ["Share", "25.00%"]
    total = job.lines.index("Total")
    assert job.lines[total + 1].split() == ["Sales", "34"]
    assert job.lines[total + 2].split() == ["Amount", "charged", "1234.50"]
    assert job.lines[total + 3].split() == ["Share", "100.00%"]
    assert_fits(job, cols)


def test_an_empty_totals_label_is_filled_in_the_language(top_cards: Report) -> None:
    report = Report(top_cards.kind, top_cards.title, top_cards.first_day, top_cards.last_day,
                    top_cards.columns, top_cards.rows, (None, None, 34, 123_450, 10_000))
    assert "合计" in report_text(report, ReceiptSettings(paper_mm=58, language="zh")).split("\n")
    assert "Total" in report_text(report, ReceiptSettings(paper_mm=58)).split("\n")


def test_a_long_report_stops_at_a_roll_and_says_so(summary: Report) -> None:
    rows = tuple((f"Day {i}", i, i * 100) for i in range(1200))
    big = Report(summary.kind, summary.title, summary.first_day, summary.last_day,
                 summary.columns, rows, ("Total", 0, 0))
    lines = [getattr(b, "text", "") for b in layout_report(big, ReceiptSettings(), max_rows=50)]
    assert any(ln.startswith("Day 49 ") for ln in lines)
    assert not any(ln.startswith("Day 50 ") for ln in lines)
    assert "... 1150 more rows: see the PDF or spreadsheet" in lines
    assert any(ln.startswith("Total") for ln in lines)


def test_a_printer_out_of_paper_is_not_sent_the_report(test_printer: EscPosTestPrinter,
                                                       summary: Report) -> None:
    test_printer.set_state("paper_out")
    with pytest.raises(ReportNotPrinted, match="paper out"):
        print_report(summary, open_printer(test_printer.uri), ReceiptSettings())
    test_printer.set_state("ok")
    assert not [j for j in test_printer.jobs if j.lines]


def test_print_by_uri(test_printer: EscPosTestPrinter, summary: Report) -> None:
    status = print_report_to(test_printer.uri, summary, ReceiptSettings(paper_mm=58))
    assert status.can_print
    assert test_printer.wait_for_jobs(1)
    assert "Summary 汇总" in test_printer.texts[-1]


def test_the_print_queue_takes_a_report_behind_its_receipts(
        test_printer: EscPosTestPrinter, summary: Report) -> None:
    """The back office prints through the queue its receipts use: one printer, one line."""
    from functools import partial

    from tillcard.devices.printer.queue import PrintQueue
    from tillcard.devices.printer.report_layout import render_report

    queue = PrintQueue(open_printer(test_printer.uri), ReceiptSettings(paper_mm=58))
    try:
        queue.submit_document("summary", partial(render_report, summary))
        assert test_printer.wait_for_jobs(1)
    finally:
        queue.close()
    job = test_printer.jobs[-1]
    assert "Summary 汇总" in job.lines
    assert_fits(job, 32)
