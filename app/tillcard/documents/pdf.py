"""Reports as A4 PDF: the table under a header repeated on every page, totals, chart, definitions.

The page is drawn straight on a reportlab canvas, row by row, rather than through a
platypus ``Table``: a year of daily rows or 100,000 top cards must not be laid out as one
flowable that is split again on every page. Text is set in WenQuanYi Micro Hei, embedded
as a subset, so Chinese holder names print on any machine and can be searched and copied.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.numbers import get_currency_symbol, get_decimal_symbol, get_group_symbol
from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from tillcard.documents.fonts import FONT, register_font
from tillcard.documents.sheets import totals_row
from tillcard.domain.money import Currency
from tillcard.domain.reports import Cell, Column, Report, ValueType, percent_text

LABELS: dict[str, dict[str, str]] = {
    "en": {"period": "Period", "amounts": "Amounts in", "page": "Page {n}",
           "of_pages": " of {m}", "definitions": "Definitions",
           "chart_cut": "(first {shown} of {n} rows)"},
    "zh_CN": {"period": "统计期间", "amounts": "金额单位", "page": "第 {n} 页",
              "of_pages": " / 共 {m} 页", "definitions": "指标说明",
              "chart_cut": "（仅显示前 {shown} 行，共 {n} 行）"},
}
LOCALES = {"en": "en_US", "zh_CN": "zh_CN"}

MARGIN = 36.0  # half an inch
BODY = 8.5  # table font size before shrinking to fit
SMALLEST = 6.0
PAD = 4.0  # inside each cell, left and right
CHART_HEIGHT = 240.0
CHART_MAX_BARS = 400
SAMPLE = 2000  # text cells measured per column to size it
BAR = HexColor("#3b6ea5")


class _Text:
    """Formats cells and measures strings in the report's font."""

    def __init__(self, currency: Currency) -> None:
        self.currency = currency
        self._font = pdfmetrics.getFont(register_font())
        # the widest glyph, in ems: a string shorter than the room needs no measuring
        self._widest = max(self._font.face.charWidths.values()) / 1000
        # babel's format_decimal costs ~50 µs a call and a big report has a million cells:
        # take the locale's symbols once and group in Python (both locales group by three).
        self._group = str(get_group_symbol(currency.locale))
        self._point = str(get_decimal_symbol(currency.locale))

    def money(self, minor: int) -> str:
        unit, digits = self.currency.unit, self.currency.decimals
        whole, frac = divmod(abs(minor), unit)
        text = f"{'-' if minor < 0 else ''}{whole:,}".replace(",", self._group)
        return f"{text}{self._point}{frac:0{digits}d}" if digits else text

    def cell(self, column: Column, value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if column.type is ValueType.MONEY:
            return self.money(value)
        if column.type is ValueType.PERCENT:
            return percent_text(value)
        return f"{value:,}".replace(",", self._group)

    def width(self, text: str, size: float) -> float:
        return float(self._font.stringWidth(text, size))

    def fit(self, text: str, width: float, size: float) -> str:
        """``text`` shortened with an ellipsis until it fits ``width``."""
        if len(text) * size * self._widest <= width or self.width(text, size) <= width:
            return text
        while text and self.width(text + "…", size) > width:
            text = text[:-1]
        return text + "…"

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Lines of at most ``width``: breaks at spaces, or anywhere in Chinese text."""
        lines: list[str] = []
        rest = text
        while rest and self.width(rest, size) > width:
            cut = 1
            while cut < len(rest) and self.width(rest[:cut + 1], size) <= width:
                cut += 1
            space = rest.rfind(" ", 0, cut + 1)
            if space > 0 and cut < len(rest) and rest[cut] != " ":
                cut = space
            lines.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        return [*lines, rest] if rest or not lines else lines


@dataclass(frozen=True)
class _Grid:
    """Where the table goes: page size, font size and each column's width."""

    page: tuple[float, float]
    size: float
    widths: tuple[float, ...]

    @property
    def row_height(self) -> float:
        return self.size * 1.45


def _natural_widths(report: Report, text: _Text, rows: Sequence[Sequence[Cell]]) -> list[float]:
    """Widths at ``BODY`` size: numeric columns from their extremes, text from a sample."""
    widths = []
    for i, col in enumerate(report.columns):
        title = max(text.width(w, BODY) for w in (col.title.split() or [""]))
        if col.type is ValueType.TEXT:
            cells = [text.cell(col, r[i]) for r in rows]
        else:
            nums = [v for r in report.rows if isinstance(v := r[i], int)]
            cells = [text.cell(col, v) for v in (min(nums, default=0), max(nums, default=0))]
        if report.totals is not None:
            cells.append(text.cell(col, report.totals[i]))
        widest = max((text.width(c, BODY) for c in cells), default=0.0)
        widths.append(max(title, widest) + 2 * PAD + 1)  # +1: rounding never wraps a word
    return widths


def _grid(report: Report, text: _Text) -> _Grid:
    """Portrait when the table fits, landscape next, then a smaller font, then clipping."""
    step = max(len(report.rows) // SAMPLE, 1)
    natural = _natural_widths(report, text, report.rows[::step])
    need = sum(natural)
    portrait, wide = A4, landscape(A4)
    if need <= portrait[0] - 2 * MARGIN:
        return _Grid(portrait, BODY, tuple(natural))
    room = wide[0] - 2 * MARGIN
    size = min(max(BODY * room / need, SMALLEST), BODY)
    widths = [w * size / BODY for w in natural]
    over = sum(widths) - room
    if over > 0:  # even the smallest type is too wide: text columns give way
        texts = [i for i, c in enumerate(report.columns) if c.type is ValueType.TEXT]
        text_total = sum(widths[i] for i in texts) or 1.0
        for i in texts:
            widths[i] = max(widths[i] - over * widths[i] / text_total, 3 * PAD)
    return _Grid(wide, size, tuple(widths))


class _PdfWriter:
    """Draws one report page by page; ``y`` is the next free baseline from the top."""

    def __init__(self, report: Report, path: Path, language: str) -> None:
        self.r = report
        self.language = language
        self.words = LABELS[language]
        self.locale = LOCALES[language]
        self.text = _Text(Currency(report.currency, self.locale))
        self.grid = _grid(report, self.text)
        self.c = Canvas(str(path), pagesize=self.grid.page, initialFontName=FONT,
                        pageCompression=1)
        self.c.setTitle(report.title)
        self.width, self.height = self.grid.page
        self.page = 0
        self.y = 0.0
        self.header_lines = [self.text.wrap(c.title, w - 2 * PAD, self.grid.size)
                             for c, w in zip(report.columns, self.grid.widths, strict=True)]

    # -- pages -----------------------------------------------------------------------------

    def new_page(self) -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        self.y = self.height - MARGIN
        self.footer()

    def footer(self) -> None:
        c, y = self.c, MARGIN / 2
        c.setFont(FONT, 7)
        c.setFillGray(0.35)
        c.drawString(MARGIN, y, self.text.fit(self.r.title, self.width / 2, 7))
        split = self.width - MARGIN - 70
        c.drawRightString(split, y, self.words["page"].format(n=self.page))
        c.doForm("page_count")  # drawn once the last page is known
        c.setFillGray(0)

    def room(self, height: float) -> bool:
        return self.y - height >= MARGIN

    def finish(self) -> None:
        c = self.c
        c.showPage()
        c.beginForm("page_count")
        c.setFont(FONT, 7)
        c.setFillGray(0.35)
        c.drawString(self.width - MARGIN - 70, MARGIN / 2,
                     self.words["of_pages"].format(m=self.page))
        c.endForm()
        c.save()

    # -- text ------------------------------------------------------------------------------

    def line(self, text: str, size: float, *, bold: bool = False, gap: float = 1.35) -> None:
        """Wrapped text at the left margin, starting a page when it does not fit."""
        for part in self.text.wrap(text, self.width - 2 * MARGIN, size):
            if not self.room(size * gap):
                self.new_page()
            self.y -= size * gap
            self.c.setFont(FONT, size)
            self.put(part, MARGIN, size, bold=bold)

    def put(self, text: str, x: float, size: float, *, bold: bool = False,
            right: bool = False, y: float | None = None) -> None:
        """One string at ``x`` (its right end when ``right``) on the current baseline."""
        y = self.y if y is None else y
        if not bold:
            (self.c.drawRightString if right else self.c.drawString)(x, y, text)
            return
        if right:
            x -= self.text.width(text, size)
        t = self.c.beginText(x, y)
        t.setFont(FONT, size)
        t.setTextRenderMode(2)  # the font has no bold face: stroke the outlines as well
        self.c.setLineWidth(size / 30)
        t.textOut(text)
        t.setTextRenderMode(0)  # text state outlives the text object: back to plain
        self.c.drawText(t)

    # -- the parts of a report ---------------------------------------------------------------

    def heading(self) -> None:
        r, w = self.r, self.words
        period = r.first_day.isoformat()
        if r.last_day != r.first_day:
            period += f" – {r.last_day.isoformat()}"
        symbol = get_currency_symbol(r.currency, locale=self.locale)
        self.line(r.title, 15, bold=True)
        self.y -= 4
        self.line(f"{w['period']}: {period}    {w['amounts']}: {r.currency} ({symbol})", 9)
        self.y -= 8

    def table_header(self) -> None:
        g = self.grid
        self.c.setFont(FONT, g.size)
        x = MARGIN
        for col, width, title in zip(self.r.columns, g.widths, self.header_lines, strict=True):
            numeric = col.type is not ValueType.TEXT
            for k, part in enumerate(title):
                self.put(part, x + (width - PAD if numeric else PAD), g.size, bold=True,
                         right=numeric, y=self.y - g.row_height * (k + 1))
            x += width
        self.y -= g.row_height * max(len(h) for h in self.header_lines) + g.size * 0.4
        self.c.setLineWidth(0.6)
        self.c.line(MARGIN, self.y, MARGIN + sum(g.widths), self.y)

    def row(self, cells: Sequence[Cell], *, bold: bool = False) -> None:
        """One table row as one text object (a text object per cell costs twice the time)."""
        g = self.grid
        if not self.room(g.row_height):
            self.new_page()
            self.table_header()
        self.y -= g.row_height
        t = self.c.beginText()
        t.setFont(FONT, g.size)
        if bold:
            t.setTextRenderMode(2)
            self.c.setLineWidth(g.size / 30)
        x = MARGIN
        for col, width, value in zip(self.r.columns, g.widths, cells, strict=True):
            s = self.text.cell(col, value)
            if col.type is ValueType.TEXT:
                t.setTextOrigin(x + PAD, self.y)
                t.textOut(self.text.fit(s, width - 2 * PAD, g.size))
            elif s:
                t.setTextOrigin(x + width - PAD - self.text.width(s, g.size), self.y)
                t.textOut(s)
            x += width
        if bold:
            t.setTextRenderMode(0)
        self.c.drawText(t)

    def table(self) -> None:
        self.table_header()
        for cells in self.r.rows:
            self.row(cells)
        totals = totals_row(self.r, self.language)
        if totals is not None:
            if not self.room(self.grid.row_height * 1.5):
                self.new_page()
                self.table_header()
            self.c.setLineWidth(0.6)
            top = self.y - self.grid.size * 0.45
            self.c.line(MARGIN, top, MARGIN + sum(self.grid.widths), top)
            self.row(totals, bold=True)
        self.y -= 10
        for note in self.r.notes:
            self.line(note, 8.5)

    def chart(self) -> None:
        spec = self.r.chart
        if spec is None:
            return
        drawing = _bar_chart(self.r, self.text, self.width - 2 * MARGIN, self.words)
        if not self.room(CHART_HEIGHT + 10):
            self.new_page()
        self.y -= CHART_HEIGHT + 10
        renderPDF.draw(drawing, self.c, MARGIN, self.y)

    def definitions(self) -> None:
        self.y -= 6
        self.line(self.words["definitions"], 11, bold=True)
        for col in self.r.columns:
            self.line(f"{col.title}: {col.definition}", 8.5)


def _value_scale(values: Sequence[int]) -> tuple[int, int, int]:
    """Axis from zero in whole steps of 1, 2 or 5 × 10^k of the column's unit.

    Steps in whole minor units (or counts, basis points) make every tick label a distinct
    exact value, even for an all-zero chart.
    """
    low, high = min([0, *values]), max([0, *values])
    step = 1
    while (high - low) / step > 6:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return low // step * step, max(-(-high // step) * step, step), step


def _bar_chart(report: Report, text: _Text, width: float, words: dict[str, str]) -> Drawing:
    """The report's chart as reportlab graphics: bars of one column over the label column."""
    spec = report.chart
    assert spec is not None
    value_col = report.columns[report.column(spec.value_column)]
    labels = [text.cell(report.columns[report.column(spec.label_column)], v)
              for v in report.values(spec.label_column)]
    values = [v if isinstance(v, int) else 0 for v in report.values(spec.value_column)]
    title = spec.title
    if len(values) > CHART_MAX_BARS:
        title += " " + words["chart_cut"].format(shown=CHART_MAX_BARS, n=len(values))
        labels, values = labels[:CHART_MAX_BARS], values[:CHART_MAX_BARS]
    # the renderer's default font would otherwise pull in Helvetica, unembedded
    d = Drawing(width, CHART_HEIGHT, initialFontName=FONT)
    d.add(String(width / 2, CHART_HEIGHT - 12, title, fontName=FONT, fontSize=10,
                 textAnchor="middle"))
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 55, 45, width - 65, CHART_HEIGHT - 70
    bc.data = [values or [0]]
    every = max(math.ceil(len(labels) / 24), 1)
    bc.categoryAxis.categoryNames = [
        text.fit(s, 60, 6.5) if i % every == 0 else "" for i, s in enumerate(labels or [""])]
    bc.categoryAxis.labels.fontName = FONT
    bc.categoryAxis.labels.fontSize = 6.5
    bc.categoryAxis.labels.angle = 30 if len(labels) > 12 else 0
    bc.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 12 else "n"
    bc.valueAxis.labels.fontName = FONT
    bc.valueAxis.labels.fontSize = 7
    bc.valueAxis.labelTextFormat = lambda v: text.cell(value_col, round(v))
    low, high, step = _value_scale(values)
    bc.valueAxis.valueMin, bc.valueAxis.valueMax, bc.valueAxis.valueStep = low, high, step
    bc.bars[0].fillColor = BAR
    bc.bars[0].strokeColor = None
    d.add(bc)
    return d


def write_pdf(report: Report, path: Path, *, language: str = "en") -> None:
    """Write ``report`` as an A4 PDF with page numbers; fixed labels in ``language``.

    Args:
        report: the figures, already computed; nothing is added up here.
        path: the file to write (replaced if it exists).
        language: "en" or "zh_CN" ("zh" is taken as "zh_CN") for the fixed labels.

    Raises:
        CjkFontMissing: no Chinese TrueType font is installed.
        ValueError: an unknown language.
    """
    lang = "zh_CN" if language == "zh" else language
    if lang not in LABELS:
        raise ValueError(f"PDF language must be one of {', '.join(LABELS)}, not {language!r}")
    w = _PdfWriter(report, path, lang)
    w.new_page()
    w.heading()
    w.table()
    w.chart()
    w.definitions()
    w.finish()
