"""The back office's Reports tab with a fake report service: run, see, chart, export, print.

The service is a function that makes ``Report`` objects (one with Chinese holder names);
the tab must call it, the exporters and the printer on the worker, show the rows, the
pinned totals, the column definitions and the chart, set the preset days, say what
failed in words, and fit the screens a back office has.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QRect, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QTabWidget

from tests.ui.test_geometry import layout_problems
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.domain.reports import Chart, Column, Report, ReportKind, ValueType
from tillcard.services.auth import Session
from tillcard.ui.office.bar_chart import BarChart, axis_ticks, nice_step
from tillcard.ui.office.reports_tab import Preset, ReportsTab, preset_days
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.theme import apply_theme

WAIT = 5000
TODAY = date(2026, 3, 4)  # a Wednesday
MANAGER = Session(7, "wang", "Wang Fang", Role.MANAGER)
HOLDERS = ["张伟", "王芳", "李娜", "欧阳娜娜", "刘洋"]
WORKER = "tillcard-work"


def hourly(first: date, last: date) -> Report:
    """24 hours with a lunchtime peak; money in fen."""
    amounts = [0] * 6 + [4_550, 18_230, 9_940, 3_300, 12_000, 168_745, 242_310, 61_205,
                         8_800, 5_150, 7_700, 98_420, 120_060, 30_500, 6_600, 2_200, 0, 0]
    counts = [a // 850 for a in amounts]
    rows = tuple((f"{h:02d}", counts[h], amounts[h], amounts[h] // 10, 1_250 * (h % 3))
                 for h in range(24))
    total = sum(amounts)
    return Report(
        ReportKind.HOURLY, "Sales by hour of day", first, last,
        (Column("hour", "Hour", "Hour of the business day the sale was made",
                ValueType.TEXT),
         Column("n", "Sales", "Sales less voids", ValueType.COUNT),
         Column("amount", "Amount", "What the holders paid, all purses"),
         Column("discount", "Discount", "Taken off the list price by the card type"),
         Column("share", "Share", "Part of the range's amount", ValueType.PERCENT)),
        rows, ("Total", sum(counts), total, total // 10, 10_000),
        Chart("Amount by hour", "hour", "amount"))


def top_cards(first: date, last: date) -> Report:
    rows = tuple((f"8800{i:04d}", name, 40 - i, 1_234_567 - 10_000 * i)
                 for i, name in enumerate(HOLDERS))
    return Report(
        ReportKind.TOP_CARDS, "Top cards", first, last,
        (Column("number", "Card", "The card's printed number", ValueType.TEXT),
         Column("holder", "Holder", "Whose card it is", ValueType.TEXT),
         Column("n", "Sales", "Sales less voids", ValueType.COUNT),
         Column("amount", "Spent", "What the card paid over the range")),
        rows, ("Total", "", sum(r[2] for r in rows), sum(r[3] for r in rows)),
        notes=("5 cards of 1,204 shown",))


class FakeReports:
    """Makes reports, remembering each call and the thread it ran on."""

    def __init__(self) -> None:
        self.calls: list[tuple[ReportKind, date, date, str]] = []
        self.gate: threading.Event | None = None

    def __call__(self, kind: ReportKind, first: date, last: date) -> Report:
        self.calls.append((kind, first, last, threading.current_thread().name))
        if self.gate is not None:
            assert self.gate.wait(WAIT / 1000)
        if kind is ReportKind.EXCEPTIONS:
            raise RuntimeError("the report database is down")
        return top_cards(first, last) if kind is ReportKind.TOP_CARDS else hourly(first, last)


class Outputs:
    """Exporters and a printer that record what they got and where they ran."""

    def __init__(self) -> None:
        self.written: list[tuple[str, Report, Path, str]] = []
        self.printed: list[tuple[Report, str]] = []
        self.chosen: Path | None = None
        self.suggested: list[tuple[str, str]] = []

    def exporter(self, fmt: str) -> Callable[[Report, Path], None]:
        def write(report: Report, path: Path) -> None:
            if path.parent.name == "missing":
                raise FileNotFoundError(2, "No such file or directory", str(path))
            path.write_text(report.title, encoding="utf-8")
            self.written.append((fmt, report, path, threading.current_thread().name))
        return write

    def print_report(self, report: Report) -> None:
        self.printed.append((report, threading.current_thread().name))

    def choose(self, _parent: object, suggested: str, name_filter: str) -> Path | None:
        self.suggested.append((suggested, name_filter))
        return self.chosen


@pytest.fixture
def reports() -> FakeReports:
    return FakeReports()


@pytest.fixture
def outputs() -> Outputs:
    return Outputs()


@pytest.fixture
def tab(qtbot, tasks: TaskRunner, reports: FakeReports, outputs: Outputs) -> Iterator[ReportsTab]:
    t = ReportsTab(MANAGER, reports, tasks, Currency(), today=lambda: TODAY,
                   exporters={f: outputs.exporter(f) for f in ("pdf", "csv", "xlsx")},
                   print_report=outputs.print_report, choose_path=outputs.choose)
    qtbot.addWidget(t)
    t.resize(1366, 700)
    t.show()
    yield t
    if reports.gate is not None:
        reports.gate.set()
    qtbot.waitUntil(lambda: tasks.idle, timeout=WAIT)


def run(qtbot, tab: ReportsTab, kind: ReportKind) -> Report:
    tab.choose_kind(kind)
    with qtbot.waitSignal(tab.shown, timeout=WAIT) as shown:
        qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    report = shown.args[0]
    assert isinstance(report, Report)
    return report


def cell(tab: ReportsTab, row: int, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    model = tab.table.model
    return model.data(model.index(row, col), role)


def inside(r: QRectF, bounds: QRect) -> bool:
    """``r`` within ``bounds``, even when it has no height (a bar of zero)."""
    return (bounds.left() <= r.left() <= r.right() <= bounds.right() + 1
            and bounds.top() <= r.top() <= r.bottom() <= bounds.bottom() + 1)


# -- running and showing ----------------------------------------------------------------


def test_a_run_shows_rows_pinned_totals_definitions_and_a_chart(
        qtbot, tab: ReportsTab, reports: FakeReports) -> None:
    tab.choose_preset(Preset.LAST_MONTH)
    report = run(qtbot, tab, ReportKind.HOURLY)

    assert reports.calls == [(ReportKind.HOURLY, date(2026, 2, 1), date(2026, 2, 28),
                              reports.calls[0][3])]
    assert reports.calls[0][3].startswith(WORKER)
    assert tab.table.model.rowCount() == 24
    assert cell(tab, 12, 2) == "2,423.10"  # money by the currency: fen as yuan
    assert cell(tab, 12, 4) == "0.00 %" and cell(tab, 13, 4) == "12.50 %"
    assert cell(tab, 12, 1) == "285"
    right = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
    assert cell(tab, 12, 2, Qt.ItemDataRole.TextAlignmentRole) == right
    assert cell(tab, 12, 0, Qt.ItemDataRole.TextAlignmentRole) != right
    header = tab.table.model.headerData(3, Qt.Orientation.Horizontal,
                                        Qt.ItemDataRole.ToolTipRole)
    assert header == "Taken off the list price by the card type"

    totals = tab.table.totals_model
    assert totals.rowCount() == 1 and tab.table.totals.isVisible()
    assert totals.data(totals.index(0, 2)) == "7,997.10"
    font = totals.data(totals.index(0, 2), Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert tab.table.totals.mapTo(tab, tab.table.totals.rect().topLeft()).y() > \
        tab.table.rows.mapTo(tab, tab.table.rows.rect().bottomLeft()).y() - 1
    for c in range(5):  # the totals keep the rows' columns
        assert tab.table.totals.columnWidth(c) == tab.table.rows.columnWidth(c)

    text = tab.definitions.toPlainText()
    assert "Amount: What the holders paid, all purses" in text
    assert "Share: Part of the range's amount" in text
    assert "Sales by hour of day" in tab.heading.text() and "2026-02-01" in tab.heading.text()
    assert tab.export_buttons["pdf"].isEnabled() and tab.print_button.isEnabled()
    assert report.kind is ReportKind.HOURLY


def test_the_chart_has_a_bar_per_hour_scaled_and_labels_that_never_overlap(
        qtbot, tab: ReportsTab) -> None:
    run(qtbot, tab, ReportKind.HOURLY)
    chart = tab.chart
    assert chart.isVisible() and chart.title == "Amount by hour"
    lay = chart.chart_layout()
    assert len(lay.bars) == 24
    amounts = hourly(TODAY, TODAY).values("amount")
    tallest = max(range(24), key=lambda i: lay.bars[i].height())
    assert amounts[tallest] == max(a for a in amounts if isinstance(a, int))
    assert lay.bars[0].height() == 0 and lay.bars[12].height() > lay.bars[11].height()
    assert lay.ticks[-1][0] >= 242_310 and lay.ticks[0][0] == 0
    assert all(inside(b, chart.rect()) for b in lay.bars)
    for rects in (lay.value_rects, lay.label_rects):
        shown = list(rects.values())
        assert shown and all(QRectF(chart.rect()).contains(r) for r in shown)
        assert not any(a.intersects(b) for a, b in itertools.combinations(shown, 2))
    assert 12 in lay.value_rects  # the peak is always labelled

    chart.resize(300, 200)  # small: labels are skipped, never piled up
    small = chart.chart_layout()
    assert len(small.label_rects) < 24 and len(small.bars) == 24
    shown = list(small.value_rects.values()) + list(small.label_rects.values())
    assert not any(a.intersects(b) for a, b in itertools.combinations(shown, 2))


def test_chinese_holders_show_in_full_and_a_report_without_a_chart_hides_it(
        qtbot, tab: ReportsTab) -> None:
    run(qtbot, tab, ReportKind.TOP_CARDS)
    model = tab.table.model
    assert [cell(tab, r, 1) for r in range(model.rowCount())] == HOLDERS
    assert cell(tab, 0, 3) == "12,345.67"
    assert not tab.chart.isVisible()
    assert tab.notes.isVisible() and tab.notes.text() == "5 cards of 1,204 shown"
    rows = tab.table.rows
    for r in range(model.rowCount()):  # no name or figure cut short
        for c in range(model.columnCount()):
            need = rows.fontMetrics().horizontalAdvance(str(cell(tab, r, c)))
            assert rows.columnWidth(c) >= need, (r, c)
    totals = tab.table.totals_model
    bold = QFont(tab.table.totals.font())
    bold.setBold(True)
    need = QFontMetrics(bold).horizontalAdvance(str(totals.data(totals.index(0, 3))))
    assert tab.table.totals.columnWidth(3) >= need


def test_in_a_narrow_window_the_totals_scroll_with_the_rows(qtbot, tab: ReportsTab) -> None:
    run(qtbot, tab, ReportKind.HOURLY)
    tab.resize(420, 700)
    rows, totals = tab.table.rows, tab.table.totals
    qtbot.waitUntil(lambda: rows.horizontalScrollBar().maximum() > 0, timeout=WAIT)
    rows.horizontalScrollBar().setValue(rows.horizontalScrollBar().maximum())
    assert totals.horizontalScrollBar().value() == rows.horizontalScrollBar().value() > 0
    assert totals.columnViewportPosition(4) == rows.columnViewportPosition(4)
    rows.setColumnWidth(2, 300)  # the manager widens a column: the totals follow
    assert totals.columnWidth(2) == 300


def test_a_failing_run_says_why_and_the_tab_stays_usable(
        qtbot, tab: ReportsTab, caplog) -> None:
    run(qtbot, tab, ReportKind.HOURLY)
    tab.choose_kind(ReportKind.EXCEPTIONS)
    with qtbot.waitSignal(tab.failed, timeout=WAIT) as failed:
        qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert failed.args[0] == "Failed: the report database is down"
    assert tab.status.text() == failed.args[0] and "Traceback" not in tab.status.text()
    assert "the report database is down" in caplog.text  # the details go to the log
    assert tab.table.model.rowCount() == 24  # the last report stays, with its own heading
    assert run(qtbot, tab, ReportKind.TOP_CARDS).kind is ReportKind.TOP_CARDS
    assert tab.status.text() == ""


def test_days_in_the_wrong_order_are_refused_before_asking(
        qtbot, tab: ReportsTab, reports: FakeReports) -> None:
    tab.set_days(date(2026, 3, 4), date(2026, 3, 1))
    with qtbot.waitSignal(tab.failed, timeout=WAIT):
        qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "The first day is after the last day"
    assert reports.calls == []


def test_while_a_run_works_the_tab_answers_and_only_the_latest_run_is_shown(
        qtbot, tab: ReportsTab, reports: FakeReports, tasks: TaskRunner) -> None:
    reports.gate = threading.Event()
    tab.choose_kind(ReportKind.HOURLY)
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(reports.calls) == 1, timeout=WAIT)
    assert tab.status.text() == "Working…" and tab.busy
    tab.choose_kind(ReportKind.TOP_CARDS)  # the controls still answer
    assert tab.kind.isEnabled() and tab.run_button.isEnabled()
    with qtbot.waitSignal(tab.shown, timeout=WAIT) as shown:
        qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
        reports.gate.set()
    assert shown.args[0].kind is ReportKind.TOP_CARDS
    qtbot.waitUntil(lambda: tasks.idle, timeout=WAIT)
    assert tab.report is not None and tab.report.kind is ReportKind.TOP_CARDS
    assert [c[0] for c in reports.calls] == [ReportKind.HOURLY, ReportKind.TOP_CARDS]
    assert not tab.busy


# -- presets ----------------------------------------------------------------------------

PRESETS = [
    (Preset.TODAY, date(2026, 3, 4), date(2026, 3, 4)),
    (Preset.YESTERDAY, date(2026, 3, 3), date(2026, 3, 3)),
    (Preset.THIS_WEEK, date(2026, 3, 2), date(2026, 3, 4)),
    (Preset.LAST_WEEK, date(2026, 2, 23), date(2026, 3, 1)),
    (Preset.THIS_MONTH, date(2026, 3, 1), date(2026, 3, 4)),
    (Preset.LAST_MONTH, date(2026, 2, 1), date(2026, 2, 28)),
    (Preset.THIS_YEAR, date(2026, 1, 1), date(2026, 3, 4)),
]


@pytest.mark.parametrize(("preset", "first", "last"), PRESETS, ids=[p[0].value for p in PRESETS])
def test_choosing_a_preset_sets_its_days(tab: ReportsTab, preset: Preset, first: date,
                                         last: date) -> None:
    index = tab.period.findData(preset)
    tab.period.setCurrentIndex(index)
    tab.period.activated.emit(index)  # as a manager's choice arrives
    assert tab.days() == (first, last)
    assert tab.period.currentData() is preset
    tab.first_day.setDate(QDate(2025, 12, 1))  # typed by hand: no longer the preset
    assert tab.period.currentData() is None
    assert tab.days() == (date(2025, 12, 1), last)


def test_presets_across_the_turn_of_a_year_and_on_a_monday() -> None:
    assert preset_days(Preset.LAST_MONTH, date(2026, 1, 15)) == (date(2025, 12, 1),
                                                                date(2025, 12, 31))
    assert preset_days(Preset.LAST_WEEK, date(2026, 1, 2)) == (date(2025, 12, 22),
                                                              date(2025, 12, 28))
    assert preset_days(Preset.THIS_WEEK, date(2026, 3, 2)) == (date(2026, 3, 2),
                                                              date(2026, 3, 2))
    assert preset_days(Preset.LAST_MONTH, date(2024, 3, 31)) == (date(2024, 2, 1),
                                                                date(2024, 2, 29))


# -- exporting and printing ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx"])
def test_export_writes_the_shown_report_to_the_chosen_path_on_the_worker(
        qtbot, tab: ReportsTab, outputs: Outputs, tasks: TaskRunner, tmp_path: Path,
        fmt: str) -> None:
    assert not tab.export_buttons[fmt].isEnabled()  # nothing to export yet
    report = run(qtbot, tab, ReportKind.TOP_CARDS)
    outputs.chosen = tmp_path / "报表"  # the suffix is added
    qtbot.mouseClick(tab.export_buttons[fmt], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved"), timeout=WAIT)
    [(written_fmt, written, path, thread)] = outputs.written
    assert (written_fmt, written, path) == (fmt, report, tmp_path / f"报表.{fmt}")
    assert thread.startswith(WORKER)
    assert path.read_text(encoding="utf-8") == "Top cards"
    assert str(path) in tab.status.text()
    assert outputs.suggested[0][0] == f"top-cards_{TODAY}_{TODAY}.{fmt}"


def test_a_cancelled_or_failed_export_writes_nothing_and_says_why(
        qtbot, tab: ReportsTab, outputs: Outputs, tmp_path: Path) -> None:
    run(qtbot, tab, ReportKind.HOURLY)
    outputs.chosen = None
    qtbot.mouseClick(tab.export_buttons["csv"], Qt.MouseButton.LeftButton)
    assert outputs.suggested and outputs.written == [] and tab.status.text() == ""
    outputs.chosen = tmp_path / "missing" / "hours.csv"
    with qtbot.waitSignal(tab.failed, timeout=WAIT) as failed:
        qtbot.mouseClick(tab.export_buttons["csv"], Qt.MouseButton.LeftButton)
    assert failed.args[0].startswith("Failed: No such file or directory")
    assert "hours.csv" in failed.args[0] and outputs.written == []


def test_print_sends_the_report_to_the_receipt_printer_on_the_worker(
        qtbot, tab: ReportsTab, outputs: Outputs) -> None:
    report = run(qtbot, tab, ReportKind.HOURLY)
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text() == "Sent to the receipt printer", timeout=WAIT)
    [(printed, thread)] = outputs.printed
    assert printed is report and thread.startswith(WORKER)


def test_outputs_that_were_not_given_have_no_buttons(qtbot, tasks: TaskRunner,
                                                      reports: FakeReports) -> None:
    t = ReportsTab(MANAGER, reports, tasks, Currency(), today=lambda: TODAY,
                   exporters={"csv": lambda _r, _p: None})
    qtbot.addWidget(t)
    t.show()
    assert t.export_buttons["csv"].isVisible()
    assert not t.export_buttons["pdf"].isVisible() and not t.print_button.isVisible()
    assert t.kind.count() == len(ReportKind) == 15
    assert t.period.currentData() is Preset.TODAY and t.days() == (TODAY, TODAY)


# -- the chart's axis and the screens ----------------------------------------------------


def test_axis_steps_are_round_and_cover_every_value() -> None:
    assert [nice_step(s, 5) for s in (1, 7, 12, 242_310, 0)] == [1, 2, 5, 50_000, 1]
    assert axis_ticks([0, 242_310], 5) == [0, 50_000, 100_000, 150_000, 200_000, 250_000]
    assert axis_ticks([-1_500, 800], 4) == [-2_000, -1_000, 0, 1_000]
    assert axis_ticks([0, 0], 4) == [0, 1]
    chart = BarChart()
    with pytest.raises(ValueError, match="one label and one value"):
        chart.set_bars("x", ["a"], [1, 2])


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


SIZES = [(1024, 768), (1366, 768), (1920, 1080)]


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("kind", [ReportKind.HOURLY, ReportKind.TOP_CARDS])
def test_the_tab_fits_the_screen(qtbot, tasks: TaskRunner, reports: FakeReports,
                                 outputs: Outputs, themed: None, width: int, height: int,
                                 kind: ReportKind) -> None:
    host = QTabWidget()  # as in the back office's window
    t = ReportsTab(MANAGER, reports, tasks, Currency(), today=lambda: TODAY,
                   exporters={f: outputs.exporter(f) for f in ("pdf", "csv", "xlsx")},
                   print_report=outputs.print_report, choose_path=outputs.choose)
    host.addTab(t, "Reports")
    qtbot.addWidget(host)
    host.resize(width, height)
    host.show()
    qtbot.waitExposed(host)
    t.choose_preset(Preset.THIS_MONTH)
    run(qtbot, t, kind)
    QApplication.processEvents()
    assert (host.width(), host.height()) == (width, height)
    assert layout_problems(host) == []
    for edit in (t.first_day, t.last_day, t.kind, t.period):
        assert edit.width() >= edit.sizeHint().width(), edit.objectName()
    assert t.table.rows.viewport().height() >= 5 * t.table.rows.rowHeight(0)
    widths = [t.table.rows.columnWidth(c) for c in range(t.table.model.columnCount())]
    assert widths == [t.table.totals.columnWidth(c) for c in range(len(widths))]
    if kind is ReportKind.HOURLY:
        assert t.chart.height() >= 160
        lay = t.chart.chart_layout()
        assert len(lay.bars) == 24 and len(lay.label_rects) >= 8
        assert all(QRectF(t.chart.rect()).contains(r) for r in lay.label_rects.values())
