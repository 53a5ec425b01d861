"""Full-screen kiosk mode: the till's screen is the counter, with no frame and no way out."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget


class KioskGuard(QObject):
    """Keeps a window full screen and frameless for as long as it lives.

    A kiosk till has no desktop behind it: whatever takes the window out of full screen
    (a window manager's key, a stray ``showNormal``) is undone at once, so the cashier is
    never left with a framed window to drag, or a desktop to wander into. Esc on the
    counter only clears the amount; it never leaves full screen.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.installEventFilter(self)

    def show(self) -> None:
        self._window.showFullScreen()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (watched is self._window and event.type() == QEvent.Type.WindowStateChange
                and self._window.isVisible() and not self._window.isFullScreen()):
            QTimer.singleShot(0, self, self._restore)  # not from inside the change
        return False

    def _restore(self) -> None:
        if self._window.isVisible() and not self._window.isFullScreen():
            self._window.showFullScreen()


def show_counter_window(window: QWidget, *, kiosk: bool) -> KioskGuard | None:
    """Show ``window`` as the till shows it: full screen in kiosk mode, else maximised."""
    if not kiosk:
        window.showMaximized()
        return None
    guard = KioskGuard(window)
    guard.show()
    return guard
