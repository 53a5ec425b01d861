"""The collector the till installs: automatic collection off, due generations collected by
the GUI thread's timer, never by the worker."""

from __future__ import annotations

import gc
import threading

from pytestqt.qtbot import QtBot

from tillcard.ui.gc_guard import GuiThreadCollector
from tillcard.ui.tasks import TaskRunner


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_automatic_collection_is_off_and_the_timer_collects(
        qtbot: QtBot, gc_on_gui_thread: GuiThreadCollector) -> None:
    assert not gc.isenabled()
    threads: list[str] = []
    gc.callbacks.append(lambda phase, info: threads.append(threading.current_thread().name))
    try:
        tasks = TaskRunner()
        done: list[int] = []
        # the worker allocates far past every threshold; it must not collect
        tasks.run(lambda: len([Cycle() for _ in range(50_000)]), done.append, lambda e: None)
        qtbot.waitUntil(lambda: bool(done), timeout=10_000)
        qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
        tasks.shutdown()
    finally:
        gc.callbacks.pop()
    assert done == [50_000]
    assert set(threads) == {threading.main_thread().name}


def test_check_collects_only_when_due(gc_on_gui_thread: GuiThreadCollector) -> None:
    gc.collect()
    assert gc_on_gui_thread.check() == -1
    junk = [Cycle() for _ in range(gc.get_threshold()[0] + 10)]
    assert gc_on_gui_thread.check() >= 0
    del junk
