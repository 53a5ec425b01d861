"""Run service calls off the GUI thread and deliver their results back on it."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

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
        self._ids = itertools.count()
        # id -> (fn, on_ok, on_error, outcome). The GUI thread owns these references: the
        # worker only borrows them, so a widget captured by a callback or by the result is
        # never released (and deleted by Qt) on the worker thread.
        self._tasks: dict[int, list[Any]] = {}

    @property
    def idle(self) -> bool:
        return self._pending == 0

    def run(self, fn: Callable[[], T], on_ok: Callable[[T], None],
            on_error: Callable[[BaseException], None]) -> None:
        self._pending += 1
        task_id = next(self._ids)
        self._tasks[task_id] = [fn, on_ok, on_error, None]
        self._pool.submit(self._work, task_id)

    def _work(self, task_id: int) -> None:
        slot = self._tasks[task_id]
        try:
            slot[3] = (True, slot[0]())
        except BaseException as exc:  # noqa: BLE001 - handed to on_error on the GUI thread
            slot[3] = (False, exc)
            del exc
        del slot
        self._post.post(lambda: self._deliver(task_id))

    def _deliver(self, task_id: int) -> None:
        fn, on_ok, on_error, (ok, value) = self._tasks.pop(task_id)
        del fn
        self._finish(lambda: on_ok(value) if ok else on_error(value))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _finish(self, call: Callable[[], None]) -> None:
        self._pending -= 1
        try:
            call()
        finally:
            self.finished_task.emit()
