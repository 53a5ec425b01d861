"""What every card-office dialog shares: a form, the refusal in words, the call on the worker.

The dialogs only read what was typed and forward it; the card office decides. A dialog
checks its input before it asks (an amount that is not one never reaches the service),
keeps itself open with the service's refusal in words, and closes only on success.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tillcard.domain.money import AmountError, Currency, format_number, parse_amount
from tillcard.domain.office import OfficeCode, OfficeRefused
from tillcard.services.auth import PermissionDenied
from tillcard.services.card_directory import CardFile
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)

Work = Callable[[], object]


@dataclass(frozen=True)
class CardTypeTerms:
    """A card type as the office offers it: what a new card of it costs in cash."""

    code: str
    name: str
    deposit: int  # refunded on closing
    fee: int  # kept


class InputProblem(Exception):
    """What was typed cannot be sent; the text (already translated) says what to fix."""


def refusal_texts() -> dict[OfficeCode, str]:
    return {
        OfficeCode.IN_USE: tr("That card number or chip already belongs to a card"),
        OfficeCode.STATUS: tr("The card's status does not allow this"),
        OfficeCode.REPLACED: tr("This card was replaced: it stays blocked for ever"),
        OfficeCode.NEGATIVE: tr("The card owes money: settle it before closing"),
        OfficeCode.REASON: tr("A reason is required"),
        OfficeCode.UNCONFIRMED: tr("A correction must be confirmed"),
        OfficeCode.UNKNOWN_TYPE: tr("Unknown card type"),
        OfficeCode.NOT_PERIOD_TYPE: tr("This card type's allowance never resets"),
        OfficeCode.PERIOD_OPEN: tr("The period has not ended yet"),
        OfficeCode.LATER_PERIOD: tr("A later period is granted already"),
        OfficeCode.CORRECTED: tr("This entry was corrected or voided already"),
        OfficeCode.WRONG_ENTRY: tr("Only a recharge or a sale can be corrected"),
        OfficeCode.NOT_HELD: tr("The card no longer holds what this correction takes back"),
        OfficeCode.BATCH_CHANGED: tr("This period was granted already with another amount"),
    }


def error_text(exc: BaseException, overrides: Mapping[OfficeCode, str] | None = None) -> str:
    """A refusal or failure in the office's words; never a traceback."""
    if isinstance(exc, OfficeRefused):
        return (overrides or {}).get(exc.code) or refusal_texts()[exc.code]
    if isinstance(exc, PermissionDenied):
        return tr("Your role may not do this: refused")
    if isinstance(exc, AmountError):
        return tr("Not a valid amount: {reason}").format(reason=exc.reason)
    if isinstance(exc, ValueError):
        return tr("Not accepted: {reason}").format(reason=exc)
    log.error("card office: %s", exc, exc_info=exc)
    return tr("Not done: {error}").format(error=exc)


def read_amount(text: str, currency: Currency, *, required: bool = True) -> int:
    """Minor units from what was typed, parsed on the string (never a float)."""
    if not text.strip() and not required:
        return 0
    try:
        amount = parse_amount(text, currency)
    except AmountError as exc:
        raise InputProblem(tr("Type an amount such as 100 or 100.50")) from exc
    if required and amount <= 0:
        raise InputProblem(tr("Type an amount above zero"))
    return amount


def required_text(text: str, problem: str) -> str:
    value = text.strip()
    if not value:
        raise InputProblem(problem)
    return value


def card_heading(file: CardFile, currency: Currency) -> str:
    line = file.line
    return tr("{number} — {holder} · balance {balance}").format(
        number=line.number, holder=line.holder, balance=format_number(line.balance, currency))


class ActionDialog(QDialog):
    """A heading, a form, a message line and the buttons; ``work`` is the service call.

    Shown with ``open()``: the window stays live while the worker answers. Cancel and Esc
    do nothing while a call is on its way (its answer must find the dialog).

    Signals:
        succeeded(object): the service's answer, after it succeeded (the dialog then closes).
    """

    succeeded = Signal(object)

    def __init__(self, tasks: TaskRunner, title: str, ok_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.busy = False
        self.overrides: dict[OfficeCode, str] = {}
        self.first_field: QWidget | None = None  # where typing starts when it opens
        self.setWindowTitle(title)
        self.setMinimumWidth(540)
        self.heading = QLabel("")
        self.heading.setObjectName("actionHeading")
        self.heading.setStyleSheet("font-weight: bold;")
        self.heading.setWordWrap(True)
        self.form = QFormLayout()
        self.message = QLabel("")
        self.message.setObjectName("actionMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828; font-weight: bold;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button: QPushButton = ok
        self.ok_button.setText(ok_text)
        self.ok_button.setObjectName("actionOk")
        self.ok_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        self.cancel_button: QPushButton = cancel
        self.cancel_button.setText(tr("Cancel"))
        self.cancel_button.setObjectName("actionCancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.notes = QVBoxLayout()  # wrapped lines below the form: they grow the dialog
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.heading)
        self.body.addLayout(self.form)
        self.body.addLayout(self.notes)
        self.body.addWidget(self.message)
        self.body.addWidget(self.buttons)
        self.heading.setVisible(False)

    def add_note(self, label: QLabel) -> None:
        label.setWordWrap(True)
        self.notes.addWidget(label)

    def refit(self) -> None:
        """Grow (or shrink) to what the form holds now: wrapped notes change height."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.adjustSize()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.refit()
        if self.first_field is not None:
            self.first_field.setFocus()

    def set_heading(self, text: str) -> None:
        self.heading.setText(text)
        self.heading.setVisible(bool(text))

    def work(self) -> Work | None:
        """Check the input (``InputProblem``) and return the call; None: not yet."""
        raise NotImplementedError

    def submit(self) -> None:
        if self.busy:
            return
        try:
            call = self.work()
        except InputProblem as problem:
            self.show_message(str(problem))
            return
        if call is None:
            return
        self._set_busy(True)
        self.show_message(tr("Working…"), error=False)
        self._tasks.run(call, self._on_task_done, self._on_task_failed)

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828; font-weight: bold;" if error else "")
        if self.isVisible():
            self.refit()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.buttons.setEnabled(not busy)

    def _on_task_done(self, result: Any) -> None:
        if not isValid(self):
            return
        self._set_busy(False)
        self.succeeded.emit(result)
        self.accept()

    def _on_task_failed(self, exc: BaseException) -> None:
        if not isValid(self):
            return
        self._set_busy(False)
        self.show_message(error_text(exc, self.overrides))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.busy:
            event.ignore()
        else:
            super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Enter anywhere in the form sends it (a line edit passes Enter on)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submit()
            return
        super().keyPressEvent(event)
