"""A serial port pair from socat: the display writes to one end, the test reads the other."""

from __future__ import annotations

import os
import select
import subprocess
import threading
import time
from pathlib import Path

import serial


class PtyPair:
    """``socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B``, started and stopped."""

    def __init__(self, directory: Path) -> None:
        self.a = directory / "A"
        self.b = directory / "B"
        self._proc: subprocess.Popen[bytes] | None = None
        self._drain: threading.Thread | None = None

    def start(self, timeout: float = 5.0) -> None:
        proc = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.a}",
             f"pty,raw,echo=0,link={self.b}"],
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self._proc = proc
        assert proc.stderr is not None
        fd = proc.stderr.fileno()
        deadline = time.monotonic() + timeout
        log = b""
        while b"starting data transfer loop" not in log:
            left = deadline - time.monotonic()
            assert left > 0, f"socat did not start: {log!r}"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                assert chunk, f"socat exited: {log!r}"
                log += chunk
        # socat logs on stderr until it exits; keep the pipe drained so it never blocks.
        self._drain = threading.Thread(target=self._drain_stderr, args=(fd,), daemon=True)
        self._drain.start()

    @staticmethod
    def _drain_stderr(fd: int) -> None:
        while os.read(fd, 4096):
            pass

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        proc.wait(5)
        if self._drain is not None:
            self._drain.join(5)
        assert proc.stderr is not None
        proc.stderr.close()

    def reader(self) -> serial.Serial:
        """The far end, with a read timeout so a missing byte fails instead of hanging."""
        return serial.Serial(str(self.b), 9600, timeout=2.0)
