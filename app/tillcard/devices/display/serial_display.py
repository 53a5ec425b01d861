"""Pole displays on a serial port: Epson ESC/POS display mode and the CD5220 command set.

A worker thread owns the port. ``show`` only stores the newest two lines and returns, so
a display that is unplugged, or a port whose buffer is full, never holds up the cashier;
frames nobody saw are skipped, and the newest one is written again once the port is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Literal

import serial

from tillcard.devices.display.base import COLUMNS, fit

log = logging.getLogger(__name__)

DisplayProtocol = Literal["epson", "cd5220"]
StateCallback = Callable[[bool, str], None]


def _text(line: str) -> bytes:
    return fit(line, COLUMNS).encode("ascii")


def epson_init() -> bytes:
    """Initialise, overwrite mode, cursor off, clear."""
    return b"\x1b\x40" + b"\x1f\x01" + b"\x1f\x43\x00" + b"\x0c"


def epson_frame(upper: str, lower: str) -> bytes:
    """Cursor to column 1 of each row (``1F 24 x y``) and write 20 characters there."""
    return b"\x1f\x24\x01\x01" + _text(upper) + b"\x1f\x24\x01\x02" + _text(lower)


def cd5220_init() -> bytes:
    """Initialise and clear."""
    return b"\x1b\x40" + b"\x0c"


def cd5220_frame(upper: str, lower: str) -> bytes:
    """``ESC Q A`` upper line ``CR``, ``ESC Q B`` lower line ``CR``."""
    return b"\x1b\x51\x41" + _text(upper) + b"\x0d" + b"\x1b\x51\x42" + _text(lower) + b"\x0d"


_COMMANDS: dict[str, tuple[Callable[[], bytes], Callable[[str, str], bytes]]] = {
    "epson": (epson_init, epson_frame),
    "cd5220": (cd5220_init, cd5220_frame),
}


class SerialDisplay:
    """A 2 x 20 display on a serial port (or any pyserial URL, e.g. ``loop://``).

    ``on_state(ok, message)`` is called from the worker when the display is lost or
    found again; ``last_error`` holds the latest failure for the status bar.
    """

    def __init__(self, port: str, baudrate: int = 9600, protocol: DisplayProtocol = "epson", *,
                 write_timeout: float = 0.5, retry_interval: float = 2.0,
                 on_state: StateCallback | None = None) -> None:
        if protocol not in _COMMANDS:
            raise ValueError(f"display protocol must be 'epson' or 'cd5220', not {protocol!r}")
        self.port, self.baudrate, self.protocol = port, baudrate, protocol
        self._init, self._frame = _COMMANDS[protocol]
        self._write_timeout, self._retry_interval = write_timeout, retry_interval
        self._on_state = on_state
        self._cond = threading.Condition()
        self._latest: tuple[str, str] | None = None
        self._stopping = False
        self._serial: Any = None
        self.ok: bool | None = None
        self.last_error = ""
        self.frames_written = 0
        self._thread = threading.Thread(target=self._run, name="customer-display", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"SerialDisplay({self.port}@{self.baudrate}, {self.protocol})"

    def show(self, upper: str, lower: str) -> None:
        """Queue the two lines and return; only the newest pair is ever written."""
        with self._cond:
            self._latest = (upper, lower)
            self._cond.notify_all()

    def wait_written(self, count: int, timeout: float) -> bool:
        """Block until ``count`` frames went out; for tests."""
        with self._cond:
            return self._cond.wait_for(lambda: self.frames_written >= count, timeout)

    def wait_state(self, ok: bool, timeout: float) -> bool:
        """Block until the display is known to be working (or failing); for tests."""
        with self._cond:
            return self._cond.wait_for(lambda: self.ok is ok, timeout)

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(self._write_timeout + 2.0)
        self._drop()

    # -- worker --------------------------------------------------------------------------

    def _run(self) -> None:
        retry_at_failure = False
        while True:
            with self._cond:
                if retry_at_failure:
                    self._cond.wait_for(lambda: self._stopping, self._retry_interval)
                self._cond.wait_for(lambda: self._stopping or self._latest is not None)
                if self._stopping:
                    return
                frame = self._latest
                self._latest = None
            assert frame is not None
            retry_at_failure = not self._write(*frame)
            if retry_at_failure:
                with self._cond:
                    if self._latest is None:  # keep it so the display is right once back
                        self._latest = frame

    def _write(self, upper: str, lower: str) -> bool:
        try:
            if self._serial is None:
                self._serial = serial.serial_for_url(
                    self.port, baudrate=self.baudrate, timeout=0,
                    write_timeout=self._write_timeout)
                self._serial.write(self._init())
            self._serial.write(self._frame(upper, lower))
            self._serial.flush()
        except (serial.SerialException, OSError, ValueError) as e:
            self._drop()
            self._set_state(False, f"customer display {self.port}: {e}")
            return False
        with self._cond:
            self.frames_written += 1
        self._set_state(True, "")
        return True

    def _drop(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                log.debug("closing %s failed", self.port, exc_info=True)

    def _set_state(self, ok: bool, message: str) -> None:
        with self._cond:
            changed = ok is not self.ok
            self.ok = ok
            self.last_error = message
            self._cond.notify_all()
        if not changed:
            return
        if ok:
            log.info("customer display %s is working", self.port)
        else:
            log.warning("%s", message)
        if self._on_state is not None:
            try:
                self._on_state(ok, message)
            except Exception:  # the UI's problem must not stop the display worker
                log.exception("display state callback failed")
