"""CSV and XLSX reports read back: the CSV with the csv module, the XLSX with openpyxl."""

from __future__ import annotations

import csv
import dataclasses
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tillcard.documents.sheets import write_csv, write_xlsx
from tillcard.domain.reports import Cell, Chart, Column, Report, ReportKind, ValueType

HOLDERS = ["王小明", "欧阳娜娜", "Ann Lee", "=HYPERLINK(\"http://x\")", "陈思远"]


def top_cards(n: int = 5, currency: str = "CNY") -> Report:
    cols = (Column("card", "Card", "Card number, masked", ValueType.TEXT),
            Column("holder", "Holder 持卡人", "Name of the card holder", ValueType.TEXT),
            Column("sales", "Sales", "Sales on the card", ValueType.COUNT),
            Column("amount", "Amount", "What the card paid", ValueType.MONEY),
            Column("share", "Share", "Part of all sales", ValueType.PERCENT))
    rows = tuple((f"**** {4321 + i}", HOLDERS[i % len(HOLDERS)], i + 1,
                  -1_505 if i == 1 else 123_456 * (i + 1) + 7, None if i == 2 else 1_234)
                 for i in range(n))
    total = sum(r[3] for r in rows)
    return Report(ReportKind.TOP_CARDS, "Top cards 消费排行", date(2025, 3, 1),
                  date(2025, 3, 31), cols, rows, (None, None, n * (n + 1) // 2, total, 10_000),
                  Chart("Amount by holder", "holder", "amount"), notes=("Closed cards count.",),
                  currency=currency)


def minor_of(text: str, digits: int) -> int:
    """CSV money text back to minor units, exactly (the test's own parser, no float)."""
    return int(Decimal(text).scaleb(digits))


def bp_of(text: str) -> int:
    return int(Decimal(text.rstrip("%")).scaleb(2))


def test_csv_has_a_bom_and_round_trips(tmp_path: Path) -> None:
    report = top_cards()
    path = tmp_path / "top.csv"
    write_csv(report, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == [c.title for c in report.columns]
    body, totals = lines[1:-1], lines[-1]
    assert len(body) == len(report.rows)
    for got, row in zip(body, report.rows, strict=True):
        holder = got[1][1:] if got[1].startswith("'=") else got[1]
        assert [got[0], holder] == list(row[:2])
        assert int(got[2]) == row[2]
        assert minor_of(got[3], 2) == row[3]
        assert (bp_of(got[4]) if got[4] else None) == row[4]
    assert body[1][3] == "-15.05"
    assert body[0][4] == "12.34%"
    assert body[3][1] == "'=HYPERLINK(\"http://x\")"  # text, not a formula, in Excel
    assert totals == ["Total", "", "15", "16034.51", "100.00%"]


def test_csv_totals_label_in_chinese_and_a_currency_without_decimals(tmp_path: Path) -> None:
    path = tmp_path / "jpy.csv"
    write_csv(top_cards(currency="JPY"), path, language="zh_CN")
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[1][3] == "123463"
    assert lines[-1][0] == "合计"


def _cells(ws: object, row: int) -> list[Cell | float]:
    return [c.value for c in ws[row]]  # type: ignore[index]


def test_xlsx_reads_back_with_formats_definitions_and_a_chart(tmp_path: Path) -> None:
    report = top_cards()
    path = tmp_path / "top.xlsx"
    write_xlsx(report, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Report", "Definitions"]
    ws = book["Report"]
    assert _cells(ws, 1) == [c.title for c in report.columns]
    assert all(c.font.b for c in ws[1])
    assert _cells(ws, 2) == ["**** 4321", "王小明", 1, 1234.63, 0.1234]
    assert _cells(ws, 3)[3] == -15.05
    assert _cells(ws, 4)[4] is None
    assert ws["D2"].number_format == '"¥"#,##0.00;-"¥"#,##0.00'
    assert ws["E2"].number_format == "0.00%"
    assert ws["C2"].number_format == "#,##0"
    for i, row in enumerate(report.rows, start=2):
        assert Decimal(str(ws.cell(i, 4).value)).scaleb(2) == row[3]
    last = ws.max_row
    assert last == len(report.rows) + 2
    assert _cells(ws, last) == ["Total", None, 15, 16034.51, 1]
    assert all(c.font.b for c in ws[last])
    defs = [tuple(r) for r in book["Definitions"].iter_rows(values_only=True)]
    assert defs[0] == ("Column", "Definition")
    assert defs[1:6] == [(c.title, c.definition) for c in report.columns]
    flat = [v for r in defs for v in r if v]
    assert "Closed cards count." in flat and "2025-03-01 – 2025-03-31" in flat
    with zipfile.ZipFile(path) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barDir val=\"col\"/>" in chart
    assert "Report!$B$2:$B$6" in chart and "Report!$D$2:$D$6" in chart


def test_xlsx_without_chart_in_chinese_and_yen(tmp_path: Path) -> None:
    path = tmp_path / "jpy.xlsx"
    write_xlsx(dataclasses.replace(top_cards(currency="JPY"), chart=None), path,
               language="zh_CN")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["报表", "指标说明"]
    ws = book["报表"]
    assert ws["D2"].value == 123463
    assert ws["D2"].number_format.endswith('#,##0')
    assert ws.cell(ws.max_row, 1).value == "合计"
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/charts/")]


BIG = textwrap.dedent("""
    import resource, sys, time
    from pathlib import Path
    sys.path[:0] = sys.argv[3:]
    from test_report_sheets import top_cards
    from tillcard.documents.sheets import write_csv, write_xlsx
    report = top_cards(int(sys.argv[1]))
    out = Path(sys.argv[2])
    t0 = time.perf_counter()
    write_csv(report, out / "big.csv")
    t1 = time.perf_counter()
    write_xlsx(report, out / "big.xlsx")
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{t1 - t0:.1f} {t2 - t1:.1f} {rss}")
""")


BIG_ROWS = int(os.environ.get("TILLCARD_BIG_ROWS", "20000"))


@pytest.mark.slow
def test_100k_rows(tmp_path: Path) -> None:
    """Big sheets stream: figures, not a timed assertion (``TILLCARD_BIG_ROWS=100000``)."""
    rows = BIG_ROWS
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BIG, str(rows), str(tmp_path),
                           str(Path(__file__).parent), *sys.path],
                          capture_output=True, text=True, check=True)
    csv_s, xlsx_s, peak = done.stdout.split()
    print(f"\n{rows} rows: CSV {csv_s} s, XLSX {xlsx_s} s, peak RSS {peak} MB "
          f"(process {time.perf_counter() - started:.1f} s)")
    with (tmp_path / "big.csv").open(encoding="utf-8-sig") as f:
        assert sum(1 for _ in f) == rows + 2
    book = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True)
    assert book["Report"].max_row == rows + 2
