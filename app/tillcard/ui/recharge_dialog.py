"""The recharge at the counter (F6): the amount onto the card, the cash taken, the change."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import AmountError, Currency, format_number, parse_amount
from tillcard.ui.pin_dialog import set_state
from tillcard.ui.texts import tr


@dataclass(frozen=True)
class RechargeRequest:
    """What the cashier keyed: ``amount`` onto the card, ``received`` in cash (≥ amount)."""

    amount: int
    received: int

    @property
    def change(self) -> int:
        return self.received - self.amount


class RechargeDialog(QDialog):
    """Asks the amount and the cash received, shows the change; decides nothing else.

    The checkout service decides whether this till and this cashier may recharge (the
    counter asks a manager's PIN for a cashier); the dialog only keeps a wrong amount or
    too little cash from being confirmed.
    """

    def __init__(self, holder: str, balance: str, currency: Currency, max_minor: int, *,
                 needs_manager: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cur, self._max = currency, max_minor
        self.request: RechargeRequest | None = None
        self.setWindowTitle(tr("Recharge"))
        self.setMinimumWidth(480)
        box = QVBoxLayout(self)
        who = QLabel(tr("Recharge the card of {holder} — balance {balance}").format(
            holder=holder, balance=balance))
        who.setWordWrap(True)
        box.addWidget(who)
        form = QFormLayout()
        self.amount = QLineEdit()
        self.amount.setObjectName("rechargeAmount")
        self.amount.setPlaceholderText(tr("Amount"))
        self.received = QLineEdit()
        self.received.setObjectName("rechargeReceived")
        self.received.setPlaceholderText(tr("the exact amount"))
        form.addRow(tr("Amount onto the card"), self.amount)
        form.addRow(tr("Cash received"), self.received)
        box.addLayout(form)
        self.change = QLabel("")
        self.change.setObjectName("rechargeChange")
        self.change.setStyleSheet("font-size: 18pt; font-weight: bold;")
        box.addWidget(self.change)
        if needs_manager:
            note = QLabel(tr("A manager approves a cashier's recharge with their PIN"))
            note.setWordWrap(True)
            box.addWidget(note)
        row = QHBoxLayout()
        self.ok_button = QPushButton(tr("Recharge  (Enter)"))
        self.ok_button.setMinimumHeight(56)
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        cancel = QPushButton(tr("Cancel  (Esc)"))
        cancel.setMinimumHeight(56)
        cancel.clicked.connect(self.reject)
        row.addWidget(self.ok_button, 2)
        row.addWidget(cancel, 1)
        box.addLayout(row)
        self.amount.textChanged.connect(self._on_amount_text_changed)
        self.received.textChanged.connect(self._on_received_text_changed)
        self.amount.setFocus(Qt.FocusReason.OtherFocusReason)
        self._check()

    def _parse(self) -> RechargeRequest | str:
        """The request keyed so far, or what is wrong with it (in words)."""
        try:
            amount = parse_amount(self.amount.text(), self._cur, self._max)
        except AmountError:
            return tr("Key an amount up to {max}").format(max=format_number(self._max,
                                                                             self._cur))
        if amount <= 0:
            return tr("Key an amount up to {max}").format(max=format_number(self._max,
                                                                             self._cur))
        if not self.received.text().strip():
            return RechargeRequest(amount, amount)
        try:
            received = parse_amount(self.received.text(), self._cur, 100 * self._max)
        except AmountError:
            return tr("Key the cash received, or nothing for the exact amount")
        if received < amount:
            return tr("Cash received is less than {amount}").format(
                amount=format_number(amount, self._cur))
        return RechargeRequest(amount, received)

    def _check(self) -> RechargeRequest | None:
        got = self._parse()
        if isinstance(got, str):
            self.change.setText(got if self.amount.text().strip() else "")
            set_state(self.change, "error")
            self.ok_button.setEnabled(False)
            return None
        self.change.setText(tr("Change {amount}").format(amount=format_number(got.change,
                                                                                self._cur)))
        set_state(self.change, "")
        self.ok_button.setEnabled(True)
        return got

    def _on_amount_text_changed(self, _text: str) -> None:
        self._check()

    def _on_received_text_changed(self, _text: str) -> None:
        self._check()

    def _on_ok_button_clicked(self) -> None:
        request = self._check()
        if request is not None:
            self.request = request
            self.accept()


def ask_recharge(parent: QWidget | None, holder: str, balance: str, currency: Currency,
                 max_minor: int, *, needs_manager: bool = False) -> RechargeRequest | None:
    """Runs a ``RechargeDialog``; what was keyed, or None if cancelled."""
    dlg = RechargeDialog(holder, balance, currency, max_minor, needs_manager=needs_manager,
                         parent=parent)
    try:
        dlg.exec()
        return dlg.request
    finally:
        dlg.deleteLater()
