"""What the reader tests share: an event log to wait on, vpcd card slots, a socat pty pair."""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import serial
from pcscd_proc import READER_0, READER_1, PcscdProcess, wait_until_empty
from vpcd_card import ATR_CLASSIC_1K, VPCD_BASE_PORT, VirtualCard

from tillcard.devices.readers.base import CardPresented, ReaderEvent, ReaderState

SLOT_READERS = (READER_0, READER_1)


class EventLog:
    """A reader sink that tests wait on; ``skipped`` holds what ``wait_for`` passed over."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[ReaderEvent] = queue.SimpleQueue()
        self.skipped: list[ReaderEvent] = []

    def __call__(self, event: ReaderEvent) -> None:
        self._queue.put(event)

    def wait_for(
        self, match: type | Callable[[ReaderEvent], bool], timeout: float = 10.0
    ) -> ReaderEvent:
        self.skipped = []
        test = (lambda e: isinstance(e, match)) if isinstance(match, type) else match
        while True:
            try:
                event = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"timed out; saw {self.skipped}") from None
            if test(event):
                return event
            self.skipped.append(event)

    def wait_card(self, timeout: float = 10.0) -> CardPresented:
        event = self.wait_for(CardPresented, timeout)
        assert isinstance(event, CardPresented)
        return event

    def wait_state(self, ok: bool, contains: str = "", timeout: float = 10.0) -> ReaderState:
        event = self.wait_for(
            lambda e: isinstance(e, ReaderState) and e.ok == ok and contains in e.message,
            timeout)
        assert isinstance(event, ReaderState)
        return event

    def pending(self) -> list[ReaderEvent]:
        """Whatever arrived and was not waited for yet (no waiting)."""
        found: list[ReaderEvent] = []
        while True:
            try:
                found.append(self._queue.get_nowait())
            except queue.Empty:
                return found


class Pcscd:
    """The pcscd the tests run against; only one we started ourselves may be killed."""

    def __init__(self, process: PcscdProcess | None) -> None:
        self.process = process

    def restart_or_skip(self) -> PcscdProcess:
        if self.process is None:
            pytest.skip("pcscd was already running: not ours to kill")
        return self.process


class CardSlots:
    """Puts virtual cards on the vpcd slots and takes them off again."""

    def __init__(self) -> None:
        self.on_reader: list[VirtualCard] = []

    def __call__(self, uid: str, atr: bytes = ATR_CLASSIC_1K, slot: int = 0,
                 **kw: Any) -> VirtualCard:
        card = VirtualCard(uid, atr, slot, **kw)
        card.insert()
        self.on_reader.append(card)
        return card

    def remove(self, card: VirtualCard) -> None:
        """Takes the card off and waits until pcscd has seen its slot empty."""
        card.remove()
        self.on_reader.remove(card)
        wait_until_empty(SLOT_READERS[card.port - VPCD_BASE_PORT])


class SocatPair:
    """Two linked pseudo-terminals: the reader opens ``port``, the test writes to ``device``."""

    def __init__(self, directory: Path) -> None:
        self.port = str(directory / "reader")
        self.device = str(directory / "device")
        self._proc: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self._writer: serial.Serial | None = None

    def start(self) -> None:
        ready = threading.Event()
        self._proc = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.port}",
             f"pty,raw,echo=0,link={self.device}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True)
        self._drain = threading.Thread(target=self._read_log, args=(self._proc, ready),
                                       daemon=True)
        self._drain.start()
        if not ready.wait(10):
            raise RuntimeError("socat did not start")
        self._writer = serial.Serial(self.device, 9600, timeout=1)

    def write(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        self._writer.flush()

    def kill(self) -> None:
        """Like pulling the USB adapter: the reader's side of the pty dies."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
            if self._drain is not None:
                self._drain.join(timeout=10)
            assert proc.stderr is not None
            proc.stderr.close()

    @staticmethod
    def _read_log(proc: subprocess.Popen[str], ready: threading.Event) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "starting data transfer loop" in line:
                ready.set()
