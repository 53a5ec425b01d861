"""The Reports tab's table: a report's rows and its pinned totals row, formatted.

Money in the report's currency, counts grouped, ratios as percentages; each header's
tooltip is its column's definition. Split from ``reports_tab`` to keep both small.
"""

from __future__ import annotations

import logging
from typing import Any

from babel.numbers import format_decimal
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency, format_number
from tillcard.domain.reports import Cell, Column, Report, ValueType, percent_text

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CELL_STYLE = ("QTableView { alternate-background-color: #f2f5f9; }"
              " QTableView::item { padding: 0px 6px; } QHeaderView::section { padding: 2px 6px; }")



def cell_text(column: Column, cell: Cell, currency: Currency) -> str:
    """A cell as shown: money by the currency's rules, counts grouped, basis points as %."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if column.type is ValueType.MONEY:
        return format_number(cell, currency)
    if column.type is ValueType.PERCENT:
        return percent_text(cell, " ")
    if column.type is ValueType.COUNT:
        return str(format_decimal(cell, format="#,##0", locale=currency.locale))
    return str(cell)


def axis_text(column: Column, value: int, currency: Currency) -> str:
    """A tick of the chart's axis: money in whole units when the tick is whole."""
    text = cell_text(column, value, currency)
    if column.type is ValueType.MONEY and currency.decimals and value % currency.unit == 0:
        return text[:-(currency.decimals + 1)]
    return text


def report_currency(report: Report, currency: Currency) -> Currency:
    """The report's currency, shown in the office's locale."""
    return currency if report.currency == currency.code else Currency(report.currency,
                                                                       currency.locale)


class ReportModel(QAbstractTableModel):
    """A report's rows, or (``totals``) its totals row alone, bold, for the pinned footer."""

    def __init__(self, currency: Currency, *, totals: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._currency, self._totals = currency, totals
        self.report: Report | None = None

    def set_report(self, report: Report | None) -> None:
        self.beginResetModel()
        self.report = report
        self.endResetModel()

    def _rows(self) -> tuple[tuple[Cell, ...], ...]:
        if self.report is None:
            return ()
        if self._totals:
            return (self.report.totals,) if self.report.totals is not None else ()
        return self.report.rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.report is None else len(self.report.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.report is None or not index.isValid():
            return None
        column = self.report.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell_text(column, self._rows()[index.row()][index.column()],
                             report_currency(self.report, self._currency))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int((LEFT if column.type is ValueType.TEXT else RIGHT).value)
        if role == Qt.ItemDataRole.FontRole and self._totals:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.report is None or orientation != Qt.Orientation.Horizontal:
            return None
        column = self.report.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.definition
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int((LEFT if column.type is ValueType.TEXT else RIGHT).value)
        return None


def _table(name: str, model: ReportModel) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setStyleSheet(CELL_STYLE)  # figures clear of the grid lines
    return table


class ReportTable(QWidget):
    """The rows, scrolling, over the totals row pinned below them in the same columns."""

    def __init__(self, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReportModel(currency, parent=self)
        self.totals_model = ReportModel(currency, totals=True, parent=self)
        self.rows = _table("reportRows", self.model)
        self.rows.setAlternatingRowColors(True)
        self._widths: list[int] = []  # each column's contents, header and total
        self.totals = _table("reportTotals", self.totals_model)
        self.totals.horizontalHeader().setVisible(False)
        for policy in (self.totals.setHorizontalScrollBarPolicy,
                       self.totals.setVerticalScrollBarPolicy):
            policy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.totals.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Where the rows have a scroll bar, the totals have this: the columns stay aligned.
        self._beside = QWidget()
        self._beside.setFixedWidth(self.rows.verticalScrollBar().sizeHint().width())
        self._beside.setVisible(False)
        foot = QHBoxLayout()
        foot.setContentsMargins(0, 0, 0, 0)
        foot.setSpacing(0)
        foot.addWidget(self.totals, 1)
        foot.addWidget(self._beside)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.rows, 1)
        box.addLayout(foot)
        self.rows.horizontalHeader().sectionResized.connect(self._on_rows_section_resized)
        self.rows.horizontalScrollBar().valueChanged.connect(
            self.totals.horizontalScrollBar().setValue)
        self.rows.verticalScrollBar().rangeChanged.connect(self._on_rows_range_changed)

    def set_report(self, report: Report | None) -> None:
        self.model.set_report(report)
        self.totals_model.set_report(report)
        has_totals = report is not None and report.totals is not None
        self.totals.setVisible(has_totals)
        if has_totals:
            self.totals.setFixedHeight(self.totals.rowHeight(0) + 2 * self.totals.frameWidth())
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Each column as wide as its widest cell, header or total: figures are never cut."""
        header = self.rows.horizontalHeader()
        self._widths = [max(header.sectionSizeFromContents(c).width(),
                            self.rows.sizeHintForColumn(c),
                            self.totals.sizeHintForColumn(c)) + 8
                        for c in range(self.model.columnCount())]
        self._spread()

    def _spread(self) -> None:
        """Room to spare goes to every column alike, up to a width the eye still follows."""
        if not self._widths:
            return
        room = (self.rows.width() - 2 * self.rows.frameWidth()
                - self.rows.verticalScrollBar().sizeHint().width())
        share = min(room // len(self._widths), 20 * self.fontMetrics().horizontalAdvance("0"))
        for c, width in enumerate(self._widths):
            self.rows.setColumnWidth(c, max(width, share))
            self.totals.setColumnWidth(c, max(width, share))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._spread()

    def _on_rows_section_resized(self, column: int, _old: int, new: int) -> None:
        self.totals.setColumnWidth(column, new)

    def _on_rows_range_changed(self, low: int, high: int) -> None:
        self._beside.setVisible(high > low)


# -- the tab ---------------------------------------------------------------------------


