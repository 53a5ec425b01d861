"""Reports on the receipt printer: a compact table, or label/value rows, in 32 or 48 columns.

A report whose figures fit beside their labels prints as a table (a summary, hours, tills,
booths); one with several text columns or too many figures (top cards, exceptions) prints
each row as a block: its label in bold, then one "title  value" line per column. Chinese
counts double width, as on receipts, and no line is wider than the paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tillcard.devices.printer.base import PrinterConnection, PrinterStatus
from tillcard.devices.printer.connections import open_printer
from tillcard.devices.printer.layout import Block, TextLine, blocks_text, pair, text_width, wrap
from tillcard.devices.printer.render import encode_blocks
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.money import format_plain
from tillcard.domain.reports import Cell, Column, Report, ValueType

REPORT_LABELS: dict[str, dict[str, str]] = {
    "en": {"period": "Period", "total": "Total", "printed": "Printed",
           "more": "... {n} more rows: see the PDF or spreadsheet"},
    "zh": {"period": "统计期间", "total": "合计", "printed": "打印时间",
           "more": "…… 另有 {n} 行，请看 PDF 或表格"},
}
MAX_ROWS = 500  # a roll of paper is not an archive; the rest is in the PDF
MIN_LABEL = 8  # label columns narrower than this make a table unreadable


class ReportNotPrinted(OSError):
    """The printer cannot take the report now (paper out, cover open, unreachable)."""


def value_text(column: Column, value: Cell, settings: ReceiptSettings) -> str:
    """One cell as printed: amounts as on receipts ("1234.50"), percent with two decimals."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column.type is ValueType.MONEY:
        return format_plain(value, settings.currency)
    if column.type is ValueType.PERCENT:
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}%"
    return str(value)


class _Paper:
    """Lines of one printed report in one width and language."""

    def __init__(self, report: Report, settings: ReceiptSettings) -> None:
        self.r = report
        self.s = settings
        self.cols = settings.cols
        self.words = REPORT_LABELS[settings.language]
        self.blocks: list[Block] = []

    def text(self, text: str, *, bold: bool = False, align: str = "left") -> None:
        for part in wrap(text, self.cols):
            self.blocks.append(TextLine(part, "center" if align == "center" else "left", bold))

    def cells(self, row: Sequence[Cell]) -> list[str]:
        return [value_text(c, v, self.s) for c, v in zip(self.r.columns, row, strict=True)]

    def totals(self) -> list[Cell] | None:
        if self.r.totals is None:
            return None
        totals = list(self.r.totals)
        if not totals[0]:
            totals[0] = self.words["total"]
        return totals

    def rule(self) -> None:
        self.blocks.append(TextLine("-" * self.cols))

    def top(self, printed_at: datetime | None) -> None:
        for line in self.s.header:
            self.text(line, align="center")
        title = self.r.title
        if text_width(title) <= self.cols // 2:
            self.blocks.append(TextLine(title, "center", True, True))
        else:
            self.text(title, bold=True, align="center")
        first, last = self.r.first_day.isoformat(), self.r.last_day.isoformat()
        period = first if first == last else f"{first} - {last}"
        if text_width(self.words["period"]) + 1 + text_width(period) <= self.cols:
            self.blocks.append(TextLine(pair(self.words["period"], period, self.cols)))
        else:
            self.text(self.words["period"])
            self.text(period, align="center")
        if printed_at is not None:
            self.blocks.append(TextLine(pair(self.words["printed"],
                                             printed_at.strftime("%Y-%m-%d %H:%M"), self.cols)))
        self.rule()

    def notes(self) -> None:
        for note in self.r.notes:
            self.text(note)


class _Table(_Paper):
    """Label on the left, figures in right-aligned columns, titles wrapped above them."""

    def __init__(self, report: Report, settings: ReceiptSettings, widths: list[int]) -> None:
        super().__init__(report, settings)
        self.widths = widths  # the figure columns, after the label
        self.label = self.cols - sum(widths) - len(widths)

    def line(self, label: str, figures: Sequence[str], *, bold: bool = False) -> None:
        right = "".join(" " + f.rjust(w - text_width(f) + len(f))
                        for f, w in zip(figures, self.widths, strict=True))
        parts = wrap(label, self.label)  # a long label wraps; figures go on its last line
        for part in parts[:-1]:
            self.blocks.append(TextLine(part, bold=bold))
        label = parts[-1]
        pad = " " * (self.label - text_width(label))
        self.blocks.append(TextLine(label + pad + right, bold=bold))

    def body(self, rows: Sequence[Sequence[Cell]]) -> None:
        titles = [wrap(c.title, w) for c, w in zip(self.r.columns[1:], self.widths, strict=True)]
        head = wrap(self.r.columns[0].title, self.label)
        height = max(len(t) for t in (head, *titles))
        for k in range(height):
            label = head[k] if k < len(head) else ""
            self.line(label, [t[k] if k < len(t) else "" for t in titles], bold=True)
        self.rule()
        for row in rows:
            texts = self.cells(row)
            self.line(texts[0], texts[1:])
        totals = self.totals()
        if totals is not None:
            self.rule()
            texts = self.cells(totals)
            self.line(texts[0], texts[1:], bold=True)


class _Records(_Paper):
    """Each row as a block: the first cell in bold, then "title  value" per column."""

    def record(self, row: Sequence[Cell], *, bold: bool = False) -> None:
        texts = self.cells(row)
        self.text(texts[0], bold=True)
        for col, value in zip(self.r.columns[1:], texts[1:], strict=True):
            if not value:
                continue
            title = "  " + col.title
            if text_width(title) + 1 + text_width(value) <= self.cols:
                self.blocks.append(TextLine(pair(title, value, self.cols), bold=bold))
                continue
            self.text(title, bold=bold)
            for part in wrap(value, self.cols - 4):
                self.blocks.append(TextLine("    " + part, bold=bold))

    def body(self, rows: Sequence[Sequence[Cell]]) -> None:
        for row in rows:
            self.record(row)
        totals = self.totals()
        if totals is not None:
            self.rule()
            self.record(totals, bold=True)


def _table_widths(report: Report, settings: ReceiptSettings) -> list[int] | None:
    """Widths of the figure columns when the report prints as a table, else None."""
    figures = report.columns[1:]
    if not figures or any(c.type is ValueType.TEXT for c in figures):
        return None
    rows = [*report.rows[:MAX_ROWS], *([report.totals] if report.totals else [])]
    widths = []
    for i, col in enumerate(figures, start=1):
        values = [text_width(value_text(col, r[i], settings)) for r in rows]
        longest_word = max(text_width(w) for w in (col.title.split() or [""]))
        widths.append(max([*values, min(longest_word, 10), 1]))
    labels = [text_width(value_text(report.columns[0], r[0], settings)) for r in rows]
    room = settings.cols - sum(widths) - len(widths)
    return widths if room >= min(max(labels, default=0), MIN_LABEL) and room > 0 else None


def layout_report(report: Report, settings: ReceiptSettings, *,
                  printed_at: datetime | None = None, max_rows: int = MAX_ROWS) -> list[Block]:
    """Lay out a report for the receipt printer; the blocks feed the printer and previews.

    Rows past ``max_rows`` are left out with a line saying how many; the totals row (of
    every row) still prints.
    """
    widths = _table_widths(report, settings)
    paper: _Table | _Records = (_Table(report, settings, widths) if widths is not None
                                else _Records(report, settings))
    paper.top(printed_at)
    paper.body(report.rows[:max_rows])
    if len(report.rows) > max_rows:
        paper.text(paper.words["more"].format(n=len(report.rows) - max_rows))
    paper.notes()
    return paper.blocks


def render_report(report: Report, settings: ReceiptSettings, *,
                  printed_at: datetime | None = None) -> bytes:
    """ESC/POS bytes of a report, ending with the settings' feed and cut, as a receipt does."""
    return encode_blocks(layout_report(report, settings, printed_at=printed_at), settings)


def report_text(report: Report, settings: ReceiptSettings, *,
                printed_at: datetime | None = None) -> str:
    """The report as plain text, line for line as it prints (previews, logs)."""
    return blocks_text(layout_report(report, settings, printed_at=printed_at))


def print_report(report: Report, connection: PrinterConnection, settings: ReceiptSettings, *,
                 printed_at: datetime | None = None) -> PrinterStatus:
    """Print a report now and return the printer's status after the job.

    Blocking (status queries and the send each wait on the device): call it from the CLI
    or a worker thread, never the GUI thread. The till's print queue carries receipts only.

    Raises:
        ReportNotPrinted: the printer could not print when asked (the report was not sent).
        OSError: the connection failed while sending.
    """
    data = render_report(report, settings, printed_at=printed_at)
    before = connection.status()
    if not before.can_print:
        detail = getattr(connection, "detail", "")
        raise ReportNotPrinted(f"printer {before}" + (f": {detail}" if detail else ""))
    connection.send(data)
    return connection.status()


def print_report_to(uri: str, report: Report, settings: ReceiptSettings, *,
                    printed_at: datetime | None = None,
                    status_timeout: float = 2.0) -> PrinterStatus:
    """Open the printer a URI names (``devices.printer``), print the report, let go of it.

    For the CLI's ``report --print`` and the back office; blocking like ``print_report``.

    Raises:
        ValueError: a bad printer URI.
        ReportNotPrinted: the printer could not print when asked.
        OSError: the connection failed.
    """
    conn = open_printer(uri, profile=settings.profile, status_timeout=status_timeout)
    try:
        return print_report(report, conn, settings, printed_at=printed_at)
    finally:
        close = getattr(conn, "close", None)
        if callable(close):
            close()
