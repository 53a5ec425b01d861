"""Catches a keyboard-wedge reader's keystrokes before any widget (the amount field) sees them."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from shiboken6 import isValid

_HEX = frozenset("0123456789abcdefABCDEF")
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_BLOCKING_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                       | Qt.KeyboardModifier.MetaModifier)


def _copy(event: QKeyEvent) -> QKeyEvent:
    return QKeyEvent(event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                     event.nativeVirtualKey(), event.nativeModifiers(), event.text(),
                     event.isAutoRepeat(), event.count())


class WedgeFilter(QObject):
    """Application-wide event filter turning a reader's keystroke burst into ``card_read``.

    Signals:
        card_read(str): the number a wedge reader typed (upper-case), Enter excluded.

    Design: hold back, then replay. A key press that could belong to a burst (a hex digit
    without Ctrl/Alt/Meta) is held, not delivered; so is every following one arriving
    within ``max_gap`` seconds of the previous. Enter after at least ``min_length`` held
    keys completes a burst: ``card_read`` is emitted and neither the keys nor the Enter
    reach any widget. Anything else - a slow key, a key that is not a hex digit, no key
    for ``max_gap`` (a timer), an auto-repeat, too many keys - replays the held presses to
    the objects they were meant for, in order, before the current key goes on. So the
    amount field ends exactly as it would without the filter, whatever happens; the cost
    is that a hand-typed digit reaches it up to ``max_gap`` later. The other design
    (let keys through, then ask the window to delete them) was rejected: it leaves the
    field briefly wrong and breaks validators, undo and selection.

    Install it with ``app.installEventFilter(wedge)``. It claims the shortcut override of
    hex-digit keys, and of Enter while keys are held, so a shortcut on Enter cannot fire
    in the middle of a burst; plain digit shortcuts therefore never fire while it is
    installed (a focused line edit already behaves that way).
    """

    card_read = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_gap: float = 0.05,
        min_length: int = 6,
        max_length: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configures the burst thresholds.

        Args:
            parent: owning QObject (usually the application or main window).
            max_gap: seconds between keys above which typing counts as human.
            min_length: fewest characters before Enter that make a card number.
            max_length: more characters than this are never a card number.
            clock: monotonic seconds; tests inject a clock that steps per key.
        """
        super().__init__(parent)
        self._max_gap = max_gap
        self._min_length = min_length
        self._max_length = max_length
        self._clock = clock
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._last_press = 0.0
        self._replaying = False
        self._swallow_release: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(max_gap * 1000)))
        self._timer.timeout.connect(self._on_timer_timeout)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or not isinstance(event, QKeyEvent):
            return False
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            if self._is_candidate(event) or (self._held and event.key() in _ENTER):
                event.accept()
                return True
            return False
        if kind == QEvent.Type.KeyRelease:
            if event.key() in self._swallow_release and not event.isAutoRepeat():
                self._swallow_release.discard(event.key())
                return True
            return False
        if kind == QEvent.Type.KeyPress:
            return self._on_key_press(watched, event)
        return False

    def flush(self) -> None:
        """Delivers the held keys now, as typed; harmless when nothing is held."""
        self._timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for receiver, event in held:
                if isValid(receiver):
                    QCoreApplication.sendEvent(receiver, event)
        finally:
            self._replaying = False

    def _on_key_press(self, watched: QObject, event: QKeyEvent) -> bool:
        now = self._clock()
        in_time = bool(self._held) and now - self._last_press <= self._max_gap
        if self._held and not in_time:
            self.flush()
        if event.key() in _ENTER and in_time and len(self._held) >= self._min_length:
            number = "".join(held.text() for _, held in self._held).upper()
            self._timer.stop()
            self._held = []
            self._swallow_release.add(event.key())
            self.card_read.emit(number)
            return True
        if not self._is_candidate(event) or len(self._held) >= self._max_length:
            self.flush()
            return False
        self._held.append((watched, _copy(event)))
        self._swallow_release.add(event.key())
        self._last_press = now
        self._timer.start()
        return True

    def _is_candidate(self, event: QKeyEvent) -> bool:
        return (len(event.text()) == 1 and event.text() in _HEX and not event.isAutoRepeat()
                and not event.modifiers() & _BLOCKING_MODIFIERS)

    def _on_timer_timeout(self) -> None:
        self.flush()
