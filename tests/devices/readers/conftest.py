"""Fixtures for the reader tests: pcscd + vpcd virtual cards, socat serial pairs, event logs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_support import EventLog, SocatPair, cards_fixture, pcscd_fixture

__all__ = ["cards_fixture", "events", "pcscd_fixture", "socat"]


@pytest.fixture
def events() -> EventLog:
    return EventLog()


@pytest.fixture
def socat(tmp_path: Path) -> Iterator[SocatPair]:
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed (installer/system-deps.sh)")
    pair = SocatPair(tmp_path)
    pair.start()
    yield pair
    pair.kill()
