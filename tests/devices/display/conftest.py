"""Fixtures for the display tests: a socat pty pair per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pty_pair import PtyPair


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[PtyPair]:
    pair = PtyPair(tmp_path)
    pair.start()
    yield pair
    pair.stop()
