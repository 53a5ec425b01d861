"""Hand work from any thread to the Qt main thread.

Queued signals carrying Python objects across threads have crashed PySide6 (a refcount
fault when the object is released on the wrong thread), so other threads only append a
callable to a locked queue and emit a parameterless signal; the main thread drains it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class MainThreadPost(QObject):
    """``post(fn)`` from any thread; ``fn()`` runs soon on the thread owning this object.

    Signals:
        _wake(): internal, queued to the owner's thread.
    """

    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._calls: deque[Callable[[], None]] = deque()
        self._wake.connect(self._on_self_wake, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self._calls.append(fn)
        self._wake.emit()

    def _on_self_wake(self) -> None:
        while True:
            with self._lock:
                if not self._calls:
                    return
                fn = self._calls.popleft()
            try:
                fn()
            except Exception:
                log.exception("main-thread call failed")
