"""125 kHz RFID readers on a serial port: RDM6300, ID-12/20LA and number-per-line readers."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import serial

from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    ReaderCode,
    ReaderEvent,
    ReaderSink,
    ReaderState,
)

log = logging.getLogger(__name__)

FORMATS = ("rdm6300", "id12", "line")
STX, ETX = 0x02, 0x03
_MAX_PENDING = 256  # bytes kept while waiting for the end of a frame or line
_LINE = re.compile(r"[0-9A-Fa-f]{4,32}")
_FRAME = re.compile(rb"[0-9A-Fa-f]{12}")


def em4100_number(data: bytes) -> str:
    """The 10-digit decimal of the low 32 bits: the number printed on EM4100 cards.

    Keyboard-wedge readers type this same number, so a card enrolled at one counter is
    recognised at another whatever reader each counter has.
    """
    return f"{int.from_bytes(data[-4:], 'big'):010d}"


class FrameDecoder:
    """Turns a byte stream into tag numbers; frames and lines may arrive in pieces.

    ``rdm6300`` and ``id12`` share one decoder: ``02`` + 10 hex data + 2 hex checksum
    (XOR of the 5 data bytes) + optional CR LF + ``03``. ``line`` is one hex/decimal
    number per line. Frames with a bad checksum are dropped and logged: a half-read tag
    at the edge of the field must never charge the wrong card.
    """

    def __init__(self, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown serial reader format {fmt!r}; use one of {FORMATS}")
        self.fmt = fmt
        self.kind = "serial" if fmt == "line" else "em4100"
        self._pending = bytearray()

    def reset(self) -> None:
        self._pending.clear()

    def feed(self, data: bytes) -> list[str]:
        self._pending += data
        numbers = self._lines() if self.fmt == "line" else self._frames()
        if len(self._pending) > _MAX_PENDING:
            log.warning("serial reader: dropped %d bytes of noise", len(self._pending))
            self._pending.clear()
        return numbers

    def _frames(self) -> list[str]:
        numbers: list[str] = []
        while True:
            start = self._pending.find(STX)
            if start < 0:
                self._pending.clear()
                return numbers
            end = self._pending.find(ETX, start)
            if end < 0:
                del self._pending[:start]
                return numbers
            body = bytes(self._pending[start + 1 : end])
            del self._pending[: end + 1]
            restart = body.rfind(STX)
            if restart >= 0:  # a frame lost its end: keep only the last start
                body = body[restart + 1 :]
            number = self._check_frame(body.rstrip(b"\r\n"))
            if number is not None:
                numbers.append(number)

    @staticmethod
    def _check_frame(body: bytes) -> str | None:
        if not _FRAME.fullmatch(body):
            log.warning("serial reader: dropped malformed frame %r", body)
            return None
        data, checksum = bytes.fromhex(body[:10].decode()), int(body[10:], 16)
        expected = 0
        for byte in data:
            expected ^= byte
        if expected != checksum:
            log.warning("serial reader: dropped frame %r with bad checksum", body)
            return None
        return em4100_number(data)

    def _lines(self) -> list[str]:
        numbers: list[str] = []
        while (end := self._pending.find(b"\n")) >= 0:
            line = bytes(self._pending[:end]).strip().decode("ascii", "replace")
            del self._pending[: end + 1]
            if _LINE.fullmatch(line):
                numbers.append(line.upper())
            elif line:
                log.warning("serial reader: dropped line %r", line)
        return numbers


class PresenceTracker:
    """Collapses a tag's repeats into one tap and notices when the tag has left.

    Readers repeat a frame every few tens of milliseconds while a tag stays in the field
    and say nothing when it leaves, so a tag counts as present until ``window`` seconds
    pass without it.
    """

    def __init__(self, reader: str, kind: str, window: float) -> None:
        self.reader = reader
        self.kind = kind
        self.window = window
        self.current: str | None = None
        self._last_seen = 0.0

    def seen(self, number: str, now: float) -> list[ReaderEvent]:
        if number == self.current and now - self._last_seen <= self.window:
            self._last_seen = now
            return []
        events = self.forget()
        self.current, self._last_seen = number, now
        events.append(CardPresented(self.reader, number, self.kind))
        return events

    def tick(self, now: float) -> list[ReaderEvent]:
        if self.current is not None and now - self._last_seen > self.window:
            return self.forget()
        return []

    def forget(self) -> list[ReaderEvent]:
        if self.current is None:
            return []
        self.current = None
        return [CardRemoved(self.reader)]


class SerialReader:
    """Reads a serial RFID reader on a thread of its own ("serial-reader").

    When the port fails (USB adapter pulled) it reports ``ReaderState(ok=False)`` and
    tries to reopen it with backoff, reporting ok again when it is back.
    """

    def __init__(
        self,
        port_url: str,
        baudrate: int = 9600,
        fmt: str = "rdm6300",
        *,
        repeat_window: float = 0.25,
        retry_delays: Sequence[float] = (0.25, 0.5, 1.0, 2.0),
        read_timeout: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Sets up the reader; the port is opened by ``start``.

        Args:
            port_url: a device path or any pyserial URL.
            baudrate: line speed; RDM6300 and ID-12 use 9600.
            fmt: ``rdm6300``, ``id12`` or ``line``.
            repeat_window: seconds of silence after which a tag counts as removed; a
                repeat of the same tag sooner is the same tap.
            retry_delays: waits between reopen attempts; the last one repeats.
            read_timeout: how long one read blocks, which bounds removal latency.
            clock: monotonic seconds; tests inject their own.
        """
        self.port_url = port_url
        self.baudrate = baudrate
        self._decoder = FrameDecoder(fmt)
        self._tracker = PresenceTracker(port_url, self._decoder.kind, repeat_window)
        self._retry_delays = tuple(retry_delays) or (1.0,)
        self._read_timeout = read_timeout
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: ReaderSink | None = None
        self._port: Any = None
        self._state: ReaderState | None = None

    def start(self, sink: ReaderSink) -> None:
        if self._thread is not None:
            raise RuntimeError("SerialReader.start called twice")
        self._sink = sink
        self._thread = threading.Thread(target=self._run, name="serial-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Returns once the port is closed and no sink call can happen any more."""
        self._stopping.set()
        port = self._port
        if port is not None and hasattr(port, "cancel_read"):
            try:
                port.cancel_read()
            except Exception:  # the port may be closing under us; the timeout still ends
                log.debug("cancel_read failed", exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _emit(self, event: ReaderEvent) -> None:
        if self._sink is None or self._stopping.is_set():
            return
        if isinstance(event, ReaderState):
            if event == self._state:
                return
            self._state = event
        try:
            self._sink(event)
        except Exception:
            log.exception("reader sink raised on %r", event)

    def _run(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                if self._port is None and not self._open():
                    delay = self._retry_delays[min(failures, len(self._retry_delays) - 1)]
                    failures += 1
                    self._stopping.wait(delay)
                    continue
                failures = 0
                self._read_once()
        finally:
            self._close()

    def _open(self) -> bool:
        try:
            self._port = serial.serial_for_url(
                self.port_url, baudrate=self.baudrate, timeout=self._read_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            self._emit(ReaderState(False, f"serial reader {self.port_url} unavailable: {exc}",
                                   ReaderCode.SERIAL_UNAVAILABLE, f"{self.port_url}: {exc}"))
            return False
        self._decoder.reset()
        self._emit(ReaderState(True, f"serial reader ok: {self.port_url}", ReaderCode.SERIAL_OK,
                               self.port_url))
        return True

    def _read_once(self) -> None:
        try:
            data = self._port.read(max(1, self._port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            if not self._stopping.is_set():
                log.warning("serial reader %s lost: %s", self.port_url, exc)
                self._close()
                self._emit(ReaderState(False, f"serial reader {self.port_url} gone: {exc}",
                                           ReaderCode.SERIAL_GONE, f"{self.port_url}: {exc}"))
            return
        now = self._clock()
        for number in self._decoder.feed(data):
            for event in self._tracker.seen(number, now):
                self._emit(event)
        for event in self._tracker.tick(now):
            self._emit(event)

    def _close(self) -> None:
        port, self._port = self._port, None
        for event in self._tracker.forget():
            self._emit(event)
        if port is not None:
            try:
                port.close()
            except Exception:
                log.debug("closing %s failed", self.port_url, exc_info=True)
