"""What every UI test shares: the cycle collector on the GUI thread (as the till runs it),
a task runner, a reader bridge and the demo counter."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from tillcard.launch import Counter, build_demo
from tillcard.services.auth import SecretHasher
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.gc_guard import GuiThreadCollector
from tillcard.ui.tasks import TaskRunner


@pytest.fixture(autouse=True)
def gc_on_gui_thread(qapp: QApplication) -> Iterator[GuiThreadCollector]:
    gc.collect()
    collector = GuiThreadCollector()
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()
        gc.collect()


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def bridge() -> ReaderBridge:
    return ReaderBridge()


@pytest.fixture
def counter(qtbot, tmp_path, hasher: SecretHasher) -> Iterator[Counter]:
    c = build_demo(tmp_path, hasher=hasher)
    qtbot.addWidget(c.window)
    c.window.show()
    yield c
    c.close()
