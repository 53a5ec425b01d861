"""The idle lock: notices when nobody has touched the till for a while."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
})


class IdleLock(QObject):
    """An application event filter counting seconds without a key, mouse, touch or card.

    ``start`` arms it; any key, mouse or touch event anywhere in the application (or
    ``poke``, for a card tapped on the reader) starts the count again. After
    ``timeout_s`` seconds without any, ``idle`` is emitted once and the lock disarms
    until ``start`` is called again (after the next sign-in), so the sign-in screen it
    leads to is not locked over and over. ``timeout_s`` 0 never fires.

    Signals:
        idle(): nobody touched the till for ``timeout_s`` seconds.
    """

    idle = Signal()

    def __init__(self, app: QCoreApplication, timeout_s: float,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(timeout_s * 1000)))
        self._timer.timeout.connect(self._on_timer_timeout)
        self._enabled = timeout_s > 0
        self._armed = False
        app.installEventFilter(self)

    @property
    def armed(self) -> bool:
        return self._armed

    def remaining_ms(self) -> int:
        """Milliseconds until ``idle`` (-1 when disarmed)."""
        return self._timer.remainingTime() if self._armed else -1

    def start(self) -> None:
        """Arms the lock and starts counting (no-op when the lock is off)."""
        if self._enabled:
            self._armed = True
            self._timer.start()

    def stop(self) -> None:
        self._armed = False
        self._timer.stop()

    def poke(self, *_args: object) -> None:
        """Activity the event filter cannot see (a card on the reader); any arguments."""
        if self._armed:
            self._timer.start()

    def uninstall(self) -> None:
        self.stop()
        self._app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        # getattr: Qt may still call a filter whose Python half is being torn down
        if getattr(self, "_armed", False) and event.type() in ACTIVITY:
            self._timer.start()
        return False

    def _on_timer_timeout(self) -> None:
        if self._armed:
            self._armed = False
            self.idle.emit()
