"""Demo-only widgets: a panel of cards to "tap" and a window showing printed receipts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from tillcard.devices.readers.simulated import SimulatedReader
from tillcard.services.demo import DemoCard
from tillcard.ui.texts import tr


class DemoCardsPanel(QWidget):
    """One button per demo card; clicking taps it on the simulated reader."""

    def __init__(self, cards: Sequence[DemoCard], reader: SimulatedReader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Demo cards"))
        box = QVBoxLayout(self)
        box.addWidget(QLabel(tr("Tap a demo card:")))
        self.buttons: dict[str, QPushButton] = {}
        for c in cards:
            b = QPushButton(f"{c.holder} · {c.type_code} · {c.number[-4:]}"
                            + (f" ({c.status})" if c.status != "active" else ""))
            b.clicked.connect(lambda _=False, uid=c.uid: reader.tap(uid))
            box.addWidget(b)
            self.buttons[c.number] = b
        remove = QPushButton(tr("Remove card"))
        remove.clicked.connect(reader.remove)
        box.addWidget(remove)
        box.addStretch(1)


class ReceiptView(QWidget):
    """Shows what the simulated printer printed, newest last; reads an in-memory list."""

    def __init__(self, texts: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Receipts (simulated printer)"))
        self._texts = texts
        self._shown = 0
        box = QVBoxLayout(self)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setFont(QFont("Noto Sans Mono CJK SC", 10))
        box.addWidget(self.view)
        self._timer = QTimer(self, interval=300)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        texts = self._texts()
        if len(texts) != self._shown:
            for t in texts[self._shown:]:
                self.view.appendPlainText(t + "\n" + "-" * 48)
            self._shown = len(texts)
