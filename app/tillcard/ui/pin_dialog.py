"""The PIN dialog: digits only, never echoed."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from tillcard.ui.texts import tr


class PinDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Card PIN"))
        box = QVBoxLayout(self)
        box.addWidget(QLabel(tr("Customer: enter the card PIN")))
        self.edit = QLineEdit()
        self.edit.setObjectName("pin")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,8}")))
        box.addWidget(self.edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)


def ask_pin(parent: QWidget) -> str | None:
    dlg = PinDialog(parent)
    if dlg.exec() == QDialog.DialogCode.Accepted and dlg.edit.text():
        return dlg.edit.text()
    return None
