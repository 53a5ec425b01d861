"""Run Python's cycle collector on the GUI thread only.

The automatic collector runs on whichever thread happens to allocate when a threshold is
crossed. When that is the ``TaskRunner`` worker, a cycle holding a widget is freed there and
Qt deletes the widget off its thread; the GUI thread then crashed while painting (seen as a
segfault in ``QPainter::drawPixmap`` in 3 to 6 runs of 10 of a wrong manager PIN). qutebrowser,
Spyder and others guard the same way: automatic collection off, a timer collects instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects what CPython's thresholds say is due, from a timer on the widgets' thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    def check(self) -> int:
        """Collect if due; returns the generation collected, or -1."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for gen in (2, 1, 0):
            if thresholds[gen] and counts[gen] > thresholds[gen]:
                generation = gen
                break
        if generation >= 0:
            gc.collect(generation)
        return generation


_collector: GuiThreadCollector | None = None


def guard_gc(app: QObject) -> GuiThreadCollector:
    """Install the collector once per application (idempotent)."""
    global _collector
    if _collector is None or _collector.parent() is not app:
        _collector = GuiThreadCollector(app)
        _collector.start()
    return _collector
