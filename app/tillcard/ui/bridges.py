"""Hand device callbacks (any thread) to the Qt main thread as signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    CardUnreadable,
    ReaderEvent,
    ReaderState,
)
from tillcard.ui.mainthread import MainThreadPost


class ReaderBridge(QObject):
    """Created on the GUI thread; ``sink`` may be called from a reader's thread.

    Signals (always emitted on the GUI thread):
        card_presented(CardPresented)
        card_removed(CardRemoved)
        card_unreadable(CardUnreadable)
        state_changed(ReaderState)
    """

    card_presented = Signal(object)
    card_removed = Signal(object)
    card_unreadable = Signal(object)
    state_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._post = MainThreadPost(self)

    def sink(self, event: ReaderEvent) -> None:
        self._post.post(lambda: self._emit(event))

    def _emit(self, event: ReaderEvent) -> None:
        if isinstance(event, CardPresented):
            self.card_presented.emit(event)
        elif isinstance(event, CardRemoved):
            self.card_removed.emit(event)
        elif isinstance(event, CardUnreadable):
            self.card_unreadable.emit(event)
        elif isinstance(event, ReaderState):
            self.state_changed.emit(event)


class PrinterBridge(QObject):
    """Print-queue status, from its worker thread to the status bar.

    Signals (always emitted on the GUI thread):
        status_changed(PrinterStatus, int pending, str message)
    """

    status_changed = Signal(object, int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._post = MainThreadPost(self)
        self.last: tuple[PrinterStatus, int, str] | None = None

    def on_status(self, status: PrinterStatus, pending: int, message: str) -> None:
        self._post.post(lambda: self._emit(status, pending, message))

    def _emit(self, status: PrinterStatus, pending: int, message: str) -> None:
        self.last = (status, pending, message)
        self.status_changed.emit(status, pending, message)
