"""The recent-sales list (F7): this shift's card sales, newest first, to void one of them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency, format_number
from tillcard.services.views import RecentSale
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)


class RecentSalesDialog(QDialog):
    """Lists the sales ``load`` returns (read on the worker); the cashier picks one.

    The dialog only chooses: the counter asks for a manager's PIN and voids through the
    checkout service, whose rules decide (a voided sale cannot be picked here, and the
    service refuses it anyway).

    Signals:
        sale_chosen(RecentSale): a sale not yet voided was picked (Void, Enter or a
            double click); the dialog then closes.
    """

    sale_chosen = Signal(object)

    def __init__(self, load: Callable[[], list[RecentSale]], tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._load, self._tasks, self._cur = load, tasks, currency
        self.sales: list[RecentSale] | None = None  # None: still loading
        self.setWindowTitle(tr("Recent sales"))
        self.setMinimumSize(720, 420)
        self._build()
        self.reload()

    def _build(self) -> None:
        box = QVBoxLayout(self)
        self.status = QLabel(tr("Loading this shift's sales…"))
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([tr("Time"), tr("Card"), tr("Holder"),
                                              tr("Amount"), tr("Voided")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
        box.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.void_button = QPushButton(tr("Void this sale…  (Enter)"))
        self.void_button.setMinimumHeight(56)
        self.void_button.setEnabled(False)
        self.void_button.clicked.connect(self._on_void_button_clicked)
        self.close_button = QPushButton(tr("Close  (Esc)"))
        self.close_button.setMinimumHeight(56)
        self.close_button.clicked.connect(self.reject)
        row.addWidget(self.void_button, 2)
        row.addWidget(self.close_button, 1)
        box.addLayout(row)

    def reload(self) -> None:
        self.sales = None
        self._tasks.run(self._load, self._on_sales_loaded, self._on_sales_failed)

    def _on_sales_loaded(self, sales: list[RecentSale]) -> None:
        self.sales = sales
        self.status.setText(tr("This shift's card sales, newest first — pick one to void it")
                            if sales else tr("No card sales in this shift yet"))
        self.table.setRowCount(len(sales))
        for i, sale in enumerate(sales):
            cells = (sale.at.astimezone().strftime("%H:%M:%S"), sale.card_masked, sale.holder,
                     format_number(sale.charge, self._cur),
                     tr("voided") if sale.voided else "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if sale.voided:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(i, col, item)
        first = next((i for i, s in enumerate(sales) if not s.voided), None)
        if first is not None:
            self.table.selectRow(first)
        self.table.setFocus()

    def _on_sales_failed(self, exc: BaseException) -> None:
        log.error("recent sales could not be read: %s", exc, exc_info=exc)
        self.sales = []
        self.status.setText(tr("The sales could not be read: {reason}").format(
            reason=str(exc) or type(exc).__name__))

    @property
    def selected(self) -> RecentSale | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not self.sales:
            return None
        sale = self.sales[rows[0].row()]
        return None if sale.voided else sale

    def select(self, index: int) -> None:
        """Select the ``index``-th sale of the list (newest first)."""
        self.table.selectRow(index)

    def _on_table_item_selection_changed(self) -> None:
        self.void_button.setEnabled(self.selected is not None)

    def _on_table_cell_double_clicked(self, _row: int, _col: int) -> None:
        self._choose()

    def _on_void_button_clicked(self) -> None:
        self._choose()

    def _choose(self) -> None:
        sale = self.selected
        if sale is None:
            return
        self.accept()
        self.sale_chosen.emit(sale)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._choose()
            return
        super().keyPressEvent(event)
