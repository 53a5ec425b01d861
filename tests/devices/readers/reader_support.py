"""What the reader tests share: an event log to wait on, vpcd card slots, a socat pty pair."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import serial
from pcscd_proc import (
    READER_0,
    READER_1,
    PcscdProcess,
    missing_prerequisite,
    service_running,
    vpcd_lock,
    wait_until_empty,
)
from vpcd_card import ATR_CLASSIC_1K, VPCD_BASE_PORT, VirtualCard

from tillcard.devices.readers.base import CardPresented, ReaderEvent, ReaderState
from tillcard.devices.readers.pcsc import list_pcsc_readers

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


class _SharedPcscd:
    """One pcscd per test process, however many session fixtures ask for it.

    The reader tests and the window tests each have a session fixture; both hold the
    machine-wide vpcd lock, which a second holder in the same process would wait on for
    ever. So the first user takes the lock and starts pcscd, the last one stops it.
    """

    def __init__(self) -> None:
        self._users = 0
        self._current: Pcscd | None = None
        self._stack = contextlib.ExitStack()

    @contextlib.contextmanager
    def use(self, conf_dir: Callable[[], Path]) -> Iterator[Pcscd]:
        if self._current is None:
            self._current = self._start(conf_dir)
        self._users += 1
        try:
            yield self._current
        finally:
            self._users -= 1
            if self._users == 0:
                self._current = None
                self._stack.close()

    def _start(self, conf_dir: Callable[[], Path]) -> Pcscd:
        missing = missing_prerequisite()
        if missing:
            pytest.skip(missing)
        self._stack.enter_context(vpcd_lock())
        try:
            if service_running():
                if READER_0 not in list_pcsc_readers():
                    pytest.skip("the running pcscd has no vpcd readers")
                return Pcscd(None)
            process = PcscdProcess(conf_dir())
            process.start()
            self._stack.callback(process.stop)
            return Pcscd(process)
        except BaseException:
            self._stack.close()
            raise


shared_pcscd = _SharedPcscd()


@pytest.fixture(scope="session", name="pcscd")
def pcscd_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """Starts ``pcscd -f`` with the vpcd readers unless one is running; stops only ours.

    Holds a machine-wide lock for the whole session, so concurrent sessions take turns.
    Imported (as ``pcscd_fixture``) by every conftest or module that needs it; they all
    share one pcscd.
    """
    with shared_pcscd.use(lambda: tmp_path_factory.mktemp("pcscd")) as running:
        yield running


@pytest.fixture(name="cards")
def cards_fixture(pcscd: Pcscd) -> Iterator[CardSlots]:
    """Inserts virtual cards (``cards(uid, atr=..., slot=0, ...)``); removes them afterwards."""
    slots = CardSlots()
    yield slots
    slots.remove_all()


class StepClock:
    """Moves on by ``step`` each time it is read: the wedge filter reads it once per key.

    Keys typed by qtbot arrive microseconds apart; this clock makes them as far apart as
    a reader's or a person's keys, exactly.
    """

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


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

    def remove_all(self) -> None:
        """Takes every card off and waits until pcscd has seen their slots empty."""
        for card in self.on_reader:
            card.remove()
        for slot in {card.port - VPCD_BASE_PORT for card in self.on_reader}:
            wait_until_empty(SLOT_READERS[slot])
        self.on_reader.clear()


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
