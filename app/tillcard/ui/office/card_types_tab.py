"""The card types tab: every type with its main limits; new types and edits in the editor.

The list and every save go through ``CardTypeAdmin`` on the worker, which checks
``Permission.CARD_TYPES`` again and writes the audit row.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency, format_number
from tillcard.services.auth import Session
from tillcard.services.card_types import CardTypeAdmin, CardTypeSetup
from tillcard.ui.office.action_dialog import error_text
from tillcard.ui.office.card_list import LinesModel, fit_columns
from tillcard.ui.office.card_type_dialog import CardTypeDialog
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

Index = QModelIndex | QPersistentModelIndex


class CardTypesModel(LinesModel):
    """One line per type: what a cashier meets at the counter, at a glance."""

    def __init__(self, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._currency = currency
        self._lines: list[CardTypeSetup] = []
        self._headers = [tr("Code"), tr("Name"), tr("Discount"), tr("Per-sale limit"),
                         tr("Daily amount limit"), tr("Meal windows"), tr("Deposit"),
                         tr("Card fee")]

    def set_setups(self, setups: list[CardTypeSetup]) -> None:
        self.set_lines(setups)

    def setup(self, row: int) -> CardTypeSetup:
        return self._lines[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        s = self._lines[index.row()]
        ct = s.card_type
        return [ct.code, ct.name, f"{ct.discount_bp / 100:g} %" if ct.discount_bp else "",
                self._money(ct.per_txn_limit), self._money(ct.daily_amount_limit),
                ", ".join(w.label for w in ct.meal_windows), self._money(s.deposit),
                self._money(s.card_fee)][index.column()]

    def _money(self, minor: int | None) -> str:
        return format_number(minor, self._currency) if minor else ""


class CardTypesTab(QWidget):
    """The list, "New card type…" and "Edit…" (or a double click).

    Signals:
        changed(): a type was added or edited (the list was read again).
    """

    changed = Signal()

    def __init__(self, session: Session, service: CardTypeAdmin, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._service, self._tasks = session, service, tasks
        self._currency = currency
        self.dialog: CardTypeDialog | None = None
        self.model = CardTypesModel(currency, self)
        self.table = QTableView()
        self.table.setObjectName("cardTypesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        fit_columns(self.table)
        self.new_button = QPushButton(tr("New card type…"))
        self.new_button.setObjectName("cardTypesNew")
        self.edit_button = QPushButton(tr("Edit…"))
        self.edit_button.setObjectName("cardTypesEdit")
        self.message = QLabel("")
        self.message.setObjectName("cardTypesMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addLayout(buttons)
        box.addWidget(self.table, 1)
        box.addWidget(self.message)
        self.new_button.clicked.connect(self._on_new_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.table.activated.connect(self._on_table_activated)
        self.reload()

    def reload(self) -> None:
        session, service = self._session, self._service
        self._tasks.run(lambda: service.setups(session), self.model.set_setups,
                        self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))

    def select_code(self, code: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.setup(row).card_type.code == code:
                self.table.selectRow(row)
                return True
        return False

    def _on_new_clicked(self) -> None:
        session, service = self._session, self._service

        def add(setup: CardTypeSetup, _reason: str) -> int:
            return service.add(session, setup.card_type, deposit=setup.deposit,
                               card_fee=setup.card_fee)

        self._open(CardTypeDialog(self._tasks, add, self._currency, None, self))

    def _on_edit_clicked(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._on_table_activated(index)
        else:
            self.message.setText(tr("Choose a card type in the list first"))

    def _on_table_activated(self, index: QModelIndex) -> None:
        session, service = self._session, self._service

        def edit(setup: CardTypeSetup, reason: str) -> bool:
            return service.update(session, setup, reason=reason)

        self._open(CardTypeDialog(self._tasks, edit, self._currency,
                                  self.model.setup(index.row()), self))

    def _open(self, dialog: CardTypeDialog) -> None:
        self.dialog = dialog
        dialog.succeeded.connect(self._on_dialog_done)
        dialog.open()

    def _on_dialog_done(self, result: object) -> None:
        self.message.setText(tr("Nothing changed") if result is False else tr("Saved"))
        self.reload()
        self.changed.emit()
