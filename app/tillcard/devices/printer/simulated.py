"""A printer in memory for the demo and tests: it decodes what it gets, as paper would show."""

from __future__ import annotations

import threading
from pathlib import Path

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.printer.decode import DecodedPrint, decode


class SimulatedPrinter:
    """Decodes each job with the app's ESC/POS decoder and keeps the result.

    Like a real printer with paper out, it accepts bytes while it cannot print and prints
    them once its status is OK again; only UNREACHABLE refuses the bytes. ``texts`` holds
    one string per printed receipt; ``jobs`` every decoded job (drawer kicks included).
    Safe to use from the print worker and a test thread at once.
    """

    def __init__(self, path: Path | None = None, *, chinese_at_power_on: bool = True,
                 status: PrinterStatus = PrinterStatus.OK) -> None:
        self.path = path
        self.chinese_at_power_on = chinese_at_power_on
        self.detail = ""
        self._status = status
        self._held: list[bytes] = []
        self._jobs: list[DecodedPrint] = []
        self._texts: list[str] = []
        self._cond = threading.Condition()
        self.sends = 0

    def __repr__(self) -> str:
        return f"SimulatedPrinter({self.path or 'memory'})"

    @property
    def texts(self) -> list[str]:
        with self._cond:
            return list(self._texts)

    @property
    def jobs(self) -> list[DecodedPrint]:
        with self._cond:
            return list(self._jobs)

    @property
    def drawer_kicks(self) -> int:
        with self._cond:
            return sum(len(j.of("drawer")) + len(j.of("realtime_drawer")) for j in self._jobs)

    def send(self, data: bytes) -> None:
        with self._cond:
            self.sends += 1
            if self._status is PrinterStatus.UNREACHABLE:
                raise ConnectionRefusedError("simulated printer is unreachable")
            if data.startswith(b"\x10") and not self._status.can_print:
                # Real-time commands (a DLE DC4 drawer pulse) act even while offline.
                self._record(data)
                return
            self._held.append(data)
            if self._status.can_print:
                self._print_held()

    def status(self) -> PrinterStatus:
        with self._cond:
            return self._status

    def set_status(self, status: PrinterStatus) -> None:
        """Change state as a cashier would (load paper, close the cover, pull the cable)."""
        with self._cond:
            self._status = status
            self.detail = "" if status is PrinterStatus.OK else f"simulated {status}"
            if status.can_print:
                self._print_held()

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        """Block until ``count`` jobs have printed; for tests, instead of sleeping."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._jobs) >= count, timeout)

    def _print_held(self) -> None:
        for data in self._held:
            self._record(data)
        self._held.clear()

    def _record(self, data: bytes) -> None:
        job = decode(data, chinese_at_power_on=self.chinese_at_power_on)
        self._jobs.append(job)
        if job.lines:
            self._texts.append(job.text)
            self._append_to_file(job.text)
        self._cond.notify_all()

    def _append_to_file(self, text: str) -> None:
        if self.path is None:
            return
        with self.path.open("a", encoding="utf-8") as f:
            f.write(text.rstrip("\n") + "\n" + "=" * 16 + "\n")
