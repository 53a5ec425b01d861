"""The back office's Reports tab: choose a report and its business days, see it, export it.

The tab only shows ``Report`` objects (``domain.reports``): the service computes them on
the worker, the exporters and the receipt printer render them on the worker, and the GUI
thread never waits for either. An answer to an older run is dropped by its epoch.
"""

from __future__ import annotations

import enum
import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency
from tillcard.domain.reports import Report, ReportKind
from tillcard.services.auth import PermissionDenied, Session
from tillcard.ui.office.bar_chart import BarChart
from tillcard.ui.office.report_table import (
    ReportTable,
    axis_text,
    cell_text,
    report_currency,
)
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
RunReport = Callable[[ReportKind, date, date], Report]
Exporter = Callable[[Report, Path], None]
ChoosePath = Callable[[QWidget, str, str], Path | None]  # parent, suggested file, filter
EXPORTS = {"pdf": "PDF (*.pdf)", "csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)"}

def kind_names() -> dict[ReportKind, str]:
    return {
        ReportKind.SUMMARY: tr("Summary"), ReportKind.HOURLY: tr("By hour of day"),
        ReportKind.DAILY: tr("By day"), ReportKind.MONTHLY: tr("By month"),
        ReportKind.TILLS: tr("By till"), ReportKind.BOOTHS: tr("By booth"),
        ReportKind.CASHIERS: tr("By cashier"), ReportKind.CARD_TYPES: tr("By card type"),
        ReportKind.MEALS: tr("Meals by booth"), ReportKind.TOP_CARDS: tr("Top cards"),
        ReportKind.CARD_OFFICE: tr("Card office operations"),
        ReportKind.ALLOWANCE: tr("Allowance by period"), ReportKind.LIABILITY: tr("Liability"),
        ReportKind.EXCEPTIONS: tr("Exceptions"), ReportKind.SHIFT: tr("Shift X/Z reports"),
    }


class Preset(enum.Enum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this-week"
    LAST_WEEK = "last-week"
    THIS_MONTH = "this-month"
    LAST_MONTH = "last-month"
    THIS_YEAR = "this-year"


def preset_names() -> dict[Preset, str]:
    return {Preset.TODAY: tr("Today"), Preset.YESTERDAY: tr("Yesterday"),
            Preset.THIS_WEEK: tr("This week"), Preset.LAST_WEEK: tr("Last week"),
            Preset.THIS_MONTH: tr("This month"), Preset.LAST_MONTH: tr("Last month"),
            Preset.THIS_YEAR: tr("This year")}


def preset_days(preset: Preset, today: date) -> tuple[date, date]:
    """First and last business day of ``preset``; weeks start on Monday, ranges end today."""
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    if preset is Preset.YESTERDAY:
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset is Preset.THIS_WEEK:
        return monday, today
    if preset is Preset.LAST_WEEK:
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if preset is Preset.THIS_MONTH:
        return first_of_month, today
    if preset is Preset.LAST_MONTH:
        last = first_of_month - timedelta(days=1)
        return last.replace(day=1), last
    if preset is Preset.THIS_YEAR:
        return today.replace(month=1, day=1), today
    return today, today


# -- cells ---------------------------------------------------------------------------


def failure_text(exc: BaseException) -> str:
    """A failed run, export or print in words; the traceback goes to the log only."""
    if isinstance(exc, PermissionDenied):
        return tr("Your role may not see reports: refused")
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return tr("Failed: {reason}").format(reason=exc.strerror + where)
    if isinstance(exc, ValueError):
        return tr("Not accepted: {reason}").format(reason=exc)
    log.error("reports: %s", exc, exc_info=exc)
    return tr("Failed: {reason}").format(reason=str(exc) or type(exc).__name__)


def ask_save_path(parent: QWidget, suggested: str, name_filter: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, tr("Export report"),
                                          str(Path.home() / suggested), name_filter)
    return Path(name) if name else None


def _day_edit(name: str, day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


@dataclass(frozen=True)
class ReportDesk:
    """What the back office's composition root hands the window for the Reports tab.

    ``run`` takes the signed-in session (the service checks it on every call); the rest
    render a report already made. All of them are slow and run on the worker.
    """

    run: Callable[[Session, ReportKind, date, date], Report]
    today: Callable[[], date]  # the site clock's business day
    exporters: Mapping[str, Exporter]
    print_report: Callable[[Report], None] | None = None

    def tab(self, session: Session, tasks: TaskRunner, currency: Currency) -> ReportsTab:
        run = self.run
        return ReportsTab(session, lambda kind, first, last: run(session, kind, first, last),
                          tasks, currency, today=self.today, exporters=self.exporters,
                          print_report=self.print_report)


class ReportsTab(QWidget):
    """Which report over which business days; its table, chart and column definitions.

    ``run`` computes a report, ``exporters`` ("pdf", "csv", "xlsx") write one to a file and
    ``print_report`` prints one on the receipt printer: each may take seconds, so each runs
    on the worker. ``choose_path`` asks where to save (parent, suggested name, filter).

    Signals:
        shown(object): a report arrived and is on screen.
        failed(str): a run, export or print failed; the text is also on the status line.
    """

    shown = Signal(object)
    failed = Signal(str)

    def __init__(self, session: Session, run: RunReport, tasks: TaskRunner,
                 currency: Currency, *, today: Callable[[], date],
                 exporters: Mapping[str, Exporter] | None = None,
                 print_report: Callable[[Report], None] | None = None,
                 choose_path: ChoosePath | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The session is the office's signed-in user; ``run`` is bound to it and the
        # service checks the permission on every call, so the tab decides nothing by it.
        self._session, self._run, self._tasks = session, run, tasks
        self._currency, self._today = currency, today
        self._exporters = dict(exporters or {})
        self._print, self._choose = print_report, choose_path or ask_save_path
        self._epoch = 0
        self.report: Report | None = None
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        for kind, name in kind_names().items():
            self.kind.addItem(name, kind)
        self.period = QComboBox()
        self.period.setObjectName("reportPeriod")
        self.period.addItem(tr("Custom days"), None)
        for preset, name in preset_names().items():
            self.period.addItem(name, preset)
        self.first_day, self.last_day = (_day_edit("reportFrom", today()),
                                         _day_edit("reportTo", today()))
        self.run_button = self._button("reportRun", tr("Run"), self._on_run_clicked)
        self.export_buttons = {
            fmt: self._button(f"reportExport{fmt.upper()}",
                              tr("Export {format}").format(format=fmt.upper()),
                              partial(self._on_export_clicked, fmt))
            for fmt in EXPORTS}
        self.print_button = self._button("reportPrint", tr("Print"), self._on_print_clicked)
        self.heading = QLabel(tr("Choose a report and its days, then Run"))
        self.heading.setObjectName("reportHeading")
        self.heading.setStyleSheet("font-weight: bold;")
        self.heading.setWordWrap(True)
        self.status = QLabel("")
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)
        self.chart = BarChart()
        self.chart.clear(tr("The chart of a report appears here"))
        self.table = ReportTable(currency)
        self.notes = QLabel("")
        self.notes.setObjectName("reportNotes")
        self.notes.setWordWrap(True)
        self.notes.setVisible(False)
        self.definitions = QTextBrowser()
        self.definitions.setObjectName("reportDefinitions")
        self.definitions.setMaximumHeight(5 * self.fontMetrics().lineSpacing())  # it scrolls
        self._lay_out()
        self._show_buttons()
        self.choose_preset(Preset.TODAY)
        self.period.activated.connect(self._on_period_activated)
        self.first_day.dateChanged.connect(self._on_day_changed)
        self.last_day.dateChanged.connect(self._on_day_changed)

    def _button(self, name: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        choose = QHBoxLayout()
        choose.addWidget(QLabel(tr("Report")))
        choose.addWidget(self.kind)
        choose.addSpacing(12)
        choose.addWidget(self.period)
        choose.addWidget(QLabel(tr("From")))
        choose.addWidget(self.first_day)
        choose.addWidget(QLabel(tr("to")))
        choose.addWidget(self.last_day)
        choose.addWidget(self.run_button)
        choose.addWidget(self.status, 1)
        outputs = QHBoxLayout()
        outputs.addWidget(self.heading, 1)
        for button in (*self.export_buttons.values(), self.print_button):
            outputs.addWidget(button)
        rows = QWidget()
        under = QVBoxLayout(rows)
        under.setContentsMargins(0, 0, 0, 0)
        under.addWidget(self.table, 1)
        under.addWidget(self.notes)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("reportSplit")
        split.setChildrenCollapsible(False)
        for widget, stretch in ((self.chart, 5), (rows, 5), (self.definitions, 1)):
            split.addWidget(widget)
            split.setStretchFactor(split.indexOf(widget), stretch)
        box = QVBoxLayout(self)
        box.addLayout(choose)
        box.addLayout(outputs)
        box.addWidget(split, 1)

    def _show_buttons(self) -> None:
        for fmt, button in self.export_buttons.items():
            button.setVisible(fmt in self._exporters)
            button.setEnabled(self.report is not None)
        self.print_button.setVisible(self._print is not None)
        self.print_button.setEnabled(self.report is not None)

    # -- choosing -------------------------------------------------------------------

    def set_days(self, first: date, last: date) -> None:
        for edit, day in ((self.first_day, first), (self.last_day, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def days(self) -> tuple[date, date]:
        return _day(self.first_day), _day(self.last_day)

    def choose_preset(self, preset: Preset) -> None:
        self.period.setCurrentIndex(self.period.findData(preset))
        self.set_days(*preset_days(preset, self._today()))

    def choose_kind(self, kind: ReportKind) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def _on_period_activated(self, index: int) -> None:
        preset = self.period.itemData(index)
        if isinstance(preset, Preset):
            self.choose_preset(preset)

    def _on_day_changed(self, _day: QDate) -> None:
        self.period.setCurrentIndex(0)  # typed by hand: no longer the preset's days

    # -- running --------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.status.property("busy") is True

    def _set_status(self, text: str, *, busy: bool = False, failed: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("busy", busy)
        self.status.setStyleSheet("color: #c62828; font-weight: bold;" if failed else "")

    def _on_run_clicked(self) -> None:
        first, last = self.days()
        if first > last:
            self._fail(tr("The first day is after the last day"))
            return
        self._epoch += 1
        epoch, run, kind = self._epoch, self._run, ReportKind(self.kind.currentData())
        self._set_status(tr("Working…"), busy=True)
        self._tasks.run(lambda: run(kind, first, last),
                        lambda report: self._on_report(epoch, report),
                        lambda exc: self._on_run_failed(epoch, exc))

    def _on_report(self, epoch: int, report: Report) -> None:
        if epoch != self._epoch:
            return
        self.show_report(report)
        self._set_status("")
        self.shown.emit(report)

    def _on_run_failed(self, epoch: int, exc: BaseException) -> None:
        if epoch == self._epoch:
            self._fail(failure_text(exc))

    def _fail(self, text: str) -> None:
        self._set_status(text, failed=True)
        self.failed.emit(text)

    def show_report(self, report: Report) -> None:
        """The report on screen: heading, table, pinned totals, chart, definitions."""
        self.report = report
        self.heading.setText(tr("{title} · {first} – {last}").format(
            title=report.title, first=report.first_day.isoformat(),
            last=report.last_day.isoformat()))
        self.table.set_report(report)
        self.notes.setText("\n".join(report.notes))
        self.notes.setVisible(bool(report.notes))
        self.definitions.setHtml(" &nbsp;·&nbsp; ".join(
            f"<b>{html.escape(c.title)}</b>: {html.escape(c.definition)}"
            for c in report.columns))
        self._show_chart(report)
        self._show_buttons()

    def _show_chart(self, report: Report) -> None:
        chart = report.chart
        self.chart.setVisible(chart is not None)
        if chart is None:
            self.chart.clear()
            return
        currency = report_currency(report, self._currency)
        labels_at, values_at = report.column(chart.label_column), report.column(chart.value_column)
        label_col, value_col = report.columns[labels_at], report.columns[values_at]
        values = [v if isinstance(v, int) else 0 for v in report.values(chart.value_column)]
        labels = [cell_text(label_col, row[labels_at], currency) for row in report.rows]
        self.chart.set_bars(chart.title, labels, values,
                            lambda v: cell_text(value_col, v, currency),
                            lambda v: axis_text(value_col, v, currency))

    # -- output ---------------------------------------------------------------------

    def _on_export_clicked(self, fmt: str) -> None:
        report, exporter = self.report, self._exporters.get(fmt)
        if report is None or exporter is None:
            return
        suggested = f"{report.kind.value}_{report.first_day}_{report.last_day}.{fmt}"
        path = self._choose(self, suggested, EXPORTS[fmt])
        if path is None:
            return
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(f"{path.name}.{fmt}")
        self._set_status(tr("Saving {name}…").format(name=path.name), busy=True)
        self._tasks.run(lambda: exporter(report, path),
                        lambda _none: self._set_status(
                            tr("Saved {path}").format(path=str(path))),
                        lambda exc: self._fail(failure_text(exc)))

    def _on_print_clicked(self) -> None:
        report, print_report = self.report, self._print
        if report is None or print_report is None:
            return
        self._set_status(tr("Printing…"), busy=True)
        self._tasks.run(lambda: print_report(report),
                        lambda _none: self._set_status(tr("Sent to the receipt printer")),
                        lambda exc: self._fail(failure_text(exc)))
