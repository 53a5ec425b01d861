"""PDF reports read back with poppler: text through pdftotext, pages through pdftoppm."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from tillcard.documents.fonts import CjkFontMissing, find_cjk_font
from tillcard.documents.pdf import write_pdf
from tillcard.domain.reports import Cell, Chart, Column, Report, ReportKind, ValueType

HOLDERS = ["王小明", "欧阳娜娜", "Ann Lee", "陈思远", "李娜"]
BAR = (0x3B, 0x6E, 0xA5)  # the bars' colour in report_pdf


def top_cards(n: int = 5) -> Report:
    """Top-cards style: card, Chinese holder, count, money (one negative), percent."""
    cols = (Column("card", "Card", "Card number, masked", ValueType.TEXT),
            Column("holder", "Holder", "Name of the card holder", ValueType.TEXT),
            Column("sales", "Sales", "Sales on the card in the period", ValueType.COUNT),
            Column("amount", "Amount charged", "What the card paid after discount",
                   ValueType.MONEY),
            Column("share", "Share", "Part of all sales in the period", ValueType.PERCENT))
    rows = tuple((f"**** {4321 + i}", HOLDERS[i % len(HOLDERS)], i + 1,
                  -1_500 if i == 1 else 123_456 * (i + 1), 2_000) for i in range(n))
    total = sum(r[3] for r in rows)
    return Report(ReportKind.TOP_CARDS, "Top cards 消费排行", date(2025, 3, 1),
                  date(2025, 3, 31), cols, rows, (None, None, n * (n + 1) // 2, total, 10_000),
                  Chart("Amount by holder 各卡消费", "holder", "amount"),
                  notes=("Cards closed in the period are included.",))


def pdftotext(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"],
                          capture_output=True, text=True, check=True)
    return done.stdout


def pdfinfo(path: Path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(re.findall(r"^([^:]+):\s+(.*)$", done.stdout, re.M))


def render(path: Path, page: int, tmp: Path) -> Image.Image:
    out = tmp / f"page{page}"
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", "-f", str(page), "-l",
                    str(page), str(path), str(out)], check=True)
    return Image.open(f"{out}.png").convert("RGB")


def bar_pixels(img: Image.Image) -> int:
    data = img.tobytes()
    return sum(1 for i in range(0, len(data), 3)
               if all(abs(data[i + k] - BAR[k]) <= 12 for k in range(3)))


def test_headings_totals_and_chinese_names(tmp_path: Path) -> None:
    pdf = tmp_path / "top.pdf"
    write_pdf(top_cards(), pdf)
    text = pdftotext(pdf)
    assert "Top cards 消费排行" in text
    assert "Period: 2025-03-01 – 2025-03-31" in text
    assert "CNY" in text
    assert re.search(r"Card\s+Holder\s+Sales\s+Amount\s+Share", text)
    for name in HOLDERS:
        assert name in text
    assert re.search(r"王小明\s+1\s+1,234\.56\s+20\.00%", text)
    assert re.search(r"欧阳娜娜\s+2\s+-15\.00", text)
    assert re.search(r"Total\s+15\s+16,034\.28\s+100\.00%", text)
    assert "Cards closed in the period are included." in text
    assert "Definitions" in text
    for col in top_cards().columns:
        assert f"{col.title}: {col.definition}" in text
    assert "Page 1 of 1" in text
    assert pdfinfo(pdf)["Pages"] == "1"


def test_chinese_labels_and_every_font_embedded(tmp_path: Path) -> None:
    pdf = tmp_path / "top-zh.pdf"
    write_pdf(top_cards(), pdf, language="zh_CN")
    text = pdftotext(pdf)
    for label in ("统计期间", "金额单位", "指标说明", "第1页/共1页", "¥", "合计"):
        assert label in text.replace(" ", "")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all("WenQuanYi" in f for f in fonts)
    for line in fonts:  # columns: emb sub uni, all yes
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line


def test_the_header_repeats_on_every_page(tmp_path: Path) -> None:
    pdf = tmp_path / "long.pdf"
    write_pdf(dataclasses.replace(top_cards(150), chart=None), pdf)
    pages = int(pdfinfo(pdf)["Pages"])
    assert pages >= 3
    for page in range(1, pages + 1):
        text = pdftotext(pdf, page)
        assert re.search(r"Card\s+Holder\s+Sales", text), page
        assert f"Page {page} of {pages}" in text
    last = pdftotext(pdf, pages)
    assert "**** 4470" in last and "Total" in last  # the last row, then the totals


def test_the_chart_is_drawn(tmp_path: Path) -> None:
    with_chart, without = tmp_path / "chart.pdf", tmp_path / "plain.pdf"
    write_pdf(top_cards(24), with_chart)
    write_pdf(dataclasses.replace(top_cards(24), chart=None), without)
    assert "Amount by holder 各卡消费" in pdftotext(with_chart)
    assert bar_pixels(render(with_chart, 1, tmp_path)) > 400
    assert bar_pixels(render(without, 1, tmp_path)) == 0


def test_an_all_zero_chart_has_a_whole_step_axis(tmp_path: Path) -> None:
    zero = top_cards(3)
    rows = tuple((*r[:3], 0, 0) for r in zero.rows)
    pdf = tmp_path / "zero.pdf"
    write_pdf(dataclasses.replace(zero, rows=rows, totals=None), pdf)
    chart = pdftotext(pdf).split("Amount by holder")[1]
    assert re.findall(r"^\s*(\d+\.\d\d)\s*$", chart, re.M) == ["0.01", "0.00"]


def test_a_wide_report_turns_landscape_and_clips_long_text(tmp_path: Path) -> None:
    cols = (Column("name", "Name", "who", ValueType.TEXT),
            *(Column(f"m{i}", f"Month {i}", f"sales in month {i}") for i in range(1, 13)))
    rows: tuple[tuple[Cell, ...], ...] = (("司马相如" * 12, *(99_999_999 for _ in range(12))),)
    pdf = tmp_path / "wide.pdf"
    write_pdf(Report(ReportKind.MONTHLY, "By month", date(2025, 1, 1), date(2025, 12, 31),
                     cols, rows), pdf)
    width, height = map(float, re.findall(r"[\d.]+", pdfinfo(pdf)["Page size"])[:2])
    assert width > height
    text = pdftotext(pdf)
    assert "Month 12" in text
    assert text.count("999,999.99") == 12
    assert "…" in text


def test_no_chinese_font_is_a_clear_error(tmp_path: Path) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    cff = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    with pytest.raises(CjkFontMissing, match="fonts-wqy-microhei") as err:
        find_cjk_font([tmp_path / "missing.ttc", latin, cff], ask_fontconfig=False)
    assert "missing.ttc" in str(err.value)


def test_fontconfig_finds_the_font_when_the_paths_do_not() -> None:
    assert find_cjk_font([], ask_fontconfig=True).name == "wqy-microhei.ttc"


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="zh_CN"):
        write_pdf(top_cards(), tmp_path / "x.pdf", language="fr")


BIG = textwrap.dedent("""
    import resource, sys, time
    from pathlib import Path
    sys.path[:0] = sys.argv[3:]
    from test_report_pdf import top_cards
    from tillcard.documents.pdf import write_pdf
    report = top_cards(int(sys.argv[1]))
    start = time.perf_counter()
    write_pdf(report, Path(sys.argv[2]))
    took = time.perf_counter() - start
    print(f"{took:.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")
""")


BIG_ROWS = int(os.environ.get("TILLCARD_BIG_ROWS", "20000"))


@pytest.mark.slow
def test_a_100k_row_report(tmp_path: Path) -> None:
    """A big report streams: figures, not a timed assertion (``TILLCARD_BIG_ROWS=100000``)."""
    pdf, rows = tmp_path / "big.pdf", BIG_ROWS
    here = str(Path(__file__).parent)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BIG, str(rows), str(pdf), here, *sys.path],
                          capture_output=True, text=True, check=True)
    seconds, peak_mb = done.stdout.split()
    pages = int(pdfinfo(pdf)["Pages"])
    print(f"\nPDF of {rows} rows: {pages} pages, {pdf.stat().st_size / 1e6:.1f} MB, "
          f"{seconds} s to write, peak RSS {peak_mb} MB "
          f"(process {time.perf_counter() - started:.1f} s)")
    assert pages > rows // 100
    assert "Total" in pdftotext(pdf, pages - 1) + pdftotext(pdf, pages)
