"""Run service calls off the GUI thread and deliver their results back on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from tillcard.ui.mainthread import MainThreadPost

log = logging.getLogger(__name__)
T = TypeVar("T")


class TaskRunner(QObject):
    """One worker thread for everything that may wait (database, network, PIN hashing).

    One worker keeps the till's operations in the order the cashier made them.

    Signals:
        finished_task(): after a task's callback ran on the GUI thread.
    """

    finished_task = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tillcard-work")
        self._post = MainThreadPost(self)
        self._pending = 0

    @property
    def idle(self) -> bool:
        return self._pending == 0

    def run(self, fn: Callable[[], T], on_ok: Callable[[T], None],
            on_error: Callable[[BaseException], None]) -> None:
        self._pending += 1

        def done(fut: Future[T]) -> None:
            exc = fut.exception()
            if exc is not None:
                self._post.post(lambda: self._finish(lambda: on_error(exc)))
            else:
                value = fut.result()
                self._post.post(lambda: self._finish(lambda: on_ok(value)))

        self._pool.submit(fn).add_done_callback(done)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _finish(self, call: Callable[[], None]) -> None:
        self._pending -= 1
        try:
            call()
        finally:
            self.finished_task.emit()
