"""The on-screen keypad: big buttons that send the same keys as the physical numpad."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from tillcard.ui.texts import tr

LAYOUT = (
    ("7", "8", "9", "backspace"),
    ("4", "5", "6", "×"),
    ("1", "2", "3", "+"),
    ("0", "00", ".", "clear"),
)
LABELS = {"backspace": "⌫", "clear": "C"}


class KeypadWidget(QWidget):
    """Signals: key_pressed(str), charge_pressed()."""

    key_pressed = Signal(str)
    charge_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        for r, row in enumerate(LAYOUT):
            for c, key in enumerate(row):
                b = QPushButton(LABELS.get(key, key))
                b.setObjectName(f"key_{key}")
                b.setFocusPolicy(b.focusPolicy().NoFocus)
                b.setMinimumSize(64, 52)
                b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                b.clicked.connect(lambda _=False, k=key: self.key_pressed.emit(k))
                grid.addWidget(b, r, c)
                self.buttons[key] = b
        self.charge_button = QPushButton(tr("CHARGE  (Enter)"))
        self.charge_button.setObjectName("charge")
        self.charge_button.setFocusPolicy(self.charge_button.focusPolicy().NoFocus)
        self.charge_button.setMinimumHeight(60)
        self.charge_button.clicked.connect(self.charge_pressed.emit)
        grid.addWidget(self.charge_button, len(LAYOUT), 0, 1, 4)
