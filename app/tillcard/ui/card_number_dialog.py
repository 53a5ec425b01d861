"""Typing the printed card number: the way through when a card cannot be read."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from tillcard.ui.texts import tr

MAX_CARD_NUMBER = 32


def normalize_card_number(text: str) -> str:
    """The number as the card records hold it, from what the cashier typed.

    A Chinese input method commits full-width digits (``８８００``) and an ideographic
    space; NFKC folds both to ASCII, and printed numbers are often grouped with spaces.
    """
    return "".join(unicodedata.normalize("NFKC", text).split())


class CardNumberDialog(QDialog):
    """Asks for the number printed on the card; ``number_entered`` carries it.

    Shown with ``open()``, never ``exec()``: the window stays responsive, so a reader tap
    meanwhile still works (and closes this dialog).

    Signals:
        number_entered(str): the normalized number, when the cashier confirms one.
    """

    number_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Card number"))
        box = QVBoxLayout(self)
        box.addWidget(QLabel(tr("Type the number printed on the card, then Enter")))
        self.edit = QLineEdit()
        self.edit.setObjectName("cardNumber")
        self.edit.setMaxLength(MAX_CARD_NUMBER)
        box.addWidget(self.edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)

    def ask(self) -> None:
        """Shows the dialog empty and focused, without blocking the caller."""
        self.edit.clear()
        self.open()
        self.edit.setFocus()

    def accept(self) -> None:
        number = normalize_card_number(self.edit.text())
        if not number:  # Enter on an empty field: keep asking
            return
        super().accept()
        self.number_entered.emit(number)
