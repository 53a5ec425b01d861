"""Fixtures for the reader tests: pcscd + vpcd virtual cards, socat serial pairs, event logs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pcscd_proc import (
    READER_0,
    PcscdProcess,
    missing_prerequisite,
    service_running,
    vpcd_lock,
    wait_until_empty,
)
from reader_support import SLOT_READERS, CardSlots, EventLog, Pcscd, SocatPair
from vpcd_card import VPCD_BASE_PORT

from tillcard.devices.readers.pcsc import list_pcsc_readers


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """Starts ``pcscd -f`` with the vpcd readers unless one is running; stops only ours.

    Holds a machine-wide lock for the whole session, so concurrent sessions take turns.
    """
    missing = missing_prerequisite()
    if missing:
        pytest.skip(missing)
    with vpcd_lock():
        if service_running():
            if READER_0 not in list_pcsc_readers():
                pytest.skip("the running pcscd has no vpcd readers")
            yield Pcscd(None)
            return
        process = PcscdProcess(tmp_path_factory.mktemp("pcscd"))
        process.start()
        try:
            yield Pcscd(process)
        finally:
            process.stop()


@pytest.fixture
def cards(pcscd: Pcscd) -> Iterator[CardSlots]:
    """Inserts virtual cards (``cards(uid, atr=..., slot=0, ...)``); removes them afterwards."""
    slots = CardSlots()
    yield slots
    for card in slots.on_reader:
        card.remove()
    for slot in {card.port - VPCD_BASE_PORT for card in slots.on_reader}:
        wait_until_empty(SLOT_READERS[slot])


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
