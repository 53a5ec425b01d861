"""Reports as spreadsheets: CSV that Excel opens as UTF-8, and XLSX with number formats.

Both stream: CSV row by row, XLSX through xlsxwriter's ``constant_memory`` mode, so a
report of 100,000 rows costs its rows and no more. Money stays integer minor units until
the last step: decimal text in CSV, and in XLSX a number cell (the one place a float is
acceptable, made from an exact ``Decimal``) whose format shows the currency.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]
from babel.numbers import get_currency_symbol

from tillcard.domain.money import Currency, format_plain, to_decimal
from tillcard.domain.reports import Cell, Column, Report, ValueType, percent_text

TOTAL = {"en": "Total", "zh_CN": "合计"}
SHEETS = {"en": ("Report", "Definitions", "Column", "Definition"),
          "zh_CN": ("报表", "指标说明", "指标", "说明")}
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit, header and totals included
# Text starting with one of these is a formula to Excel: a holder named "=HYPERLINK(...)"
# must stay a name (OWASP "CSV injection"); a leading apostrophe keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _language(language: str) -> str:
    lang = "zh_CN" if language == "zh" else language
    if lang not in TOTAL:
        raise ValueError(f"report language must be one of {', '.join(TOTAL)}, not {language!r}")
    return lang


def totals_row(report: Report, language: str) -> list[Cell] | None:
    """The totals row, labelled "Total" in its first column when that cell is empty."""
    if report.totals is None:
        return None
    totals = list(report.totals)
    if report.columns[0].type is ValueType.TEXT and not totals[0]:
        totals[0] = TOTAL[language]
    return totals


def csv_cell(column: Column, value: Cell, currency: Currency) -> str:
    """One cell as CSV text: money with the currency's decimals, never through float."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if column.type is ValueType.MONEY:
        return format_plain(value, currency)
    if column.type is ValueType.PERCENT:
        return percent_text(value)
    return str(value)


def write_csv(report: Report, path: Path, *, language: str = "en") -> None:
    """Write ``report`` as CSV: UTF-8 with a BOM (so Excel reads Chinese), header, rows, totals.

    Amounts are plain decimal text ("1234.50", no grouping) that Excel and any script
    read back exactly; percentages carry their sign ("12.34%").
    """
    lang = _language(language)
    currency = Currency(report.currency)
    cols = report.columns
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([c.title for c in cols])
        for row in report.rows:
            out.writerow([csv_cell(c, v, currency) for c, v in zip(cols, row, strict=True)])
        totals = totals_row(report, lang)
        if totals is not None:
            out.writerow([csv_cell(c, v, currency) for c, v in zip(cols, totals, strict=True)])


def money_format(currency: Currency) -> str:
    """Excel number format for amounts: the symbol, grouping and the currency's decimals."""
    symbol = get_currency_symbol(currency.code, locale=currency.locale).replace('"', "")
    digits = "#,##0" + ("." + "0" * currency.decimals if currency.decimals else "")
    return f'"{symbol}"{digits};-"{symbol}"{digits}'


class _Sheet:
    """The report sheet: one cell format per column type, rows written strictly in order."""

    def __init__(self, book: xlsxwriter.Workbook, report: Report, name: str) -> None:
        self.ws = book.add_worksheet(name)
        self.report = report
        self.currency = Currency(report.currency)
        self.header = book.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        body = {
            ValueType.MONEY: {"num_format": money_format(self.currency)},
            ValueType.COUNT: {"num_format": "#,##0"},
            ValueType.PERCENT: {"num_format": "0.00%"},
            ValueType.TEXT: {},
        }
        self.formats = {t: book.add_format(f) for t, f in body.items()}
        self.bold = {t: book.add_format({**f, "bold": True, "top": 1}) for t, f in body.items()}

    def number(self, column: Column, value: int) -> Decimal | int:
        if column.type is ValueType.MONEY:
            return to_decimal(value, self.currency)
        if column.type is ValueType.PERCENT:
            return Decimal(value).scaleb(-4)
        return value

    def write(self, row_no: int, cells: list[Cell] | tuple[Cell, ...], *,
              bold: bool = False) -> None:
        formats = self.bold if bold else self.formats
        for i, (col, value) in enumerate(zip(self.report.columns, cells, strict=True)):
            fmt = formats[col.type]
            if value is None:
                self.ws.write_blank(row_no, i, None, fmt)
            elif isinstance(value, str):
                self.ws.write_string(row_no, i, value, fmt)
            else:
                # the sheet cell is the only float: made from the exact Decimal
                self.ws.write_number(row_no, i, float(self.number(col, value)), fmt)

    def fill(self, totals: list[Cell] | None) -> int:
        """Header, rows and totals; returns the index of the last data row (before totals)."""
        cols = self.report.columns
        for i, col in enumerate(cols):
            width = max(len(col.title), 14 if col.type is not ValueType.TEXT else 18)
            self.ws.set_column(i, i, min(width, 40))
            self.ws.write_string(0, i, col.title, self.header)
        self.ws.freeze_panes(1, 0)
        row_no = 0
        for row_no, cells in enumerate(self.report.rows, start=1):
            self.write(row_no, cells)
        if totals is not None:
            self.write(row_no + 1, totals, bold=True)
        return row_no


def _definitions(book: xlsxwriter.Workbook, report: Report, names: tuple[str, ...]) -> None:
    ws = book.add_worksheet(names[1])
    bold = book.add_format({"bold": True, "bottom": 1})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 90)
    ws.write_string(0, 0, names[2], bold)
    ws.write_string(0, 1, names[3], bold)
    for i, col in enumerate(report.columns, start=1):
        ws.write_string(i, 0, col.title)
        ws.write_string(i, 1, col.definition)
    row = len(report.columns) + 2
    for note in report.notes:
        ws.write_string(row, 0, note)
        row += 1
    ws.write_string(row + 1, 0, report.title)
    ws.write_string(row + 2, 0, f"{report.first_day.isoformat()} – {report.last_day.isoformat()}")


def _chart(book: xlsxwriter.Workbook, sheet: _Sheet, last_row: int) -> None:
    """A native column chart over the sheet's own cells, so Excel redraws it from them."""
    report, spec = sheet.report, sheet.report.chart
    if spec is None or last_row < 1:
        return
    name = sheet.ws.get_name()
    label, value = report.column(spec.label_column), report.column(spec.value_column)
    chart = book.add_chart({"type": "column"})
    chart.add_series({
        "name": report.columns[value].title,
        "categories": [name, 1, label, last_row, label],
        "values": [name, 1, value, last_row, value],
    })
    chart.set_title({"name": spec.title})
    chart.set_legend({"none": True})
    chart.set_size({"width": 760, "height": 380})
    sheet.ws.insert_chart(1, len(report.columns) + 1, chart)


def write_xlsx(report: Report, path: Path, *, language: str = "en") -> None:
    """Write ``report`` as XLSX: the table with totals, a definitions sheet, a native chart.

    Raises:
        ValueError: the report has more rows than a worksheet holds, or an unknown language.
    """
    lang = _language(language)
    if len(report.rows) + 2 > XLSX_MAX_ROWS:
        raise ValueError(f"{len(report.rows)} rows do not fit in one XLSX sheet; "
                         "export this report as CSV")
    names = SHEETS[lang]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        sheet = _Sheet(book, report, names[0])
        book.set_properties({"title": report.title,
                             "subject": f"{report.first_day} – {report.last_day}"})
        last_row = sheet.fill(totals_row(report, lang))
        _chart(book, sheet, last_row)
        _definitions(book, report, names)
    finally:
        book.close()
