"""The print queue: receipts go out in order on one worker thread, retried until printed.

Services hand receipts to ``submit`` and carry on; the cashier must never wait on a
printer. A job that cannot print (paper out, cover open, printer off) stays at the head
of the queue and is retried with a bounded backoff, so nothing is lost and order holds.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tillcard.devices.printer.base import PrinterConnection, PrinterStatus
from tillcard.devices.printer.render import drawer_kick_bytes, render_receipt
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.receipt import Receipt

log = logging.getLogger(__name__)

StatusCallback = Callable[[PrinterStatus, int, str], None]
# DLE DC4 1 m t: a real-time drawer pulse the printer obeys even while offline (paper out).
REALTIME_DRAWER_PULSE = b"\x10\x14\x01\x00\x05"
_ids = itertools.count(1)


@dataclass
class _Job:
    kind: Literal["receipt", "drawer"]
    title: str
    receipt: Receipt | None = None
    reprint: bool = False
    data: bytes | None = None
    attempts: int = 0
    last_error: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    created: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class JobInfo:
    """A job still waiting, for the status bar's 'receipts not printed' list."""

    id: int
    kind: str
    title: str
    attempts: int
    last_error: str


class PrintQueue:
    """``ReceiptSink`` in front of one printer connection.

    ``on_status(status, pending, message)`` is called from the worker thread whenever the
    printer's status, the number of waiting jobs or the message changes; the UI bridges
    it to Qt. The last submitted receipt is kept for ``reprint_last``.
    """

    def __init__(self, connection: PrinterConnection, settings: ReceiptSettings,
                 on_status: StatusCallback | None = None, *, poll_interval: float = 5.0,
                 retry_initial: float = 0.5, retry_max: float = 10.0,
                 drawer_window: float = 15.0) -> None:
        self._conn = connection
        self._settings = settings
        self._on_status = on_status
        self._poll_interval = poll_interval
        self._retry_initial, self._retry_max = retry_initial, retry_max
        self._drawer_window = drawer_window
        self._cond = threading.Condition()
        self._jobs: deque[_Job] = deque()
        self._urgent: deque[_Job] = deque()  # drawer kicks go before stuck receipts
        self._in_flight: _Job | None = None
        self._stopping = False
        self._wake = False
        self._retry_delay = retry_initial
        self._retry_at = 0.0
        self._last_receipt: Receipt | None = None
        self._status = PrinterStatus.OK
        self._reported: tuple[PrinterStatus, int, str] | None = None
        self.printed = 0
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self._thread.start()

    # -- ReceiptSink ---------------------------------------------------------------------

    def submit(self, receipt: Receipt) -> None:
        """Queue a receipt and return at once; it is rendered and printed on the worker."""
        self._add(_Job("receipt", type(receipt).__name__, receipt=receipt))
        self._last_receipt = receipt

    def reprint_last(self) -> bool:
        """Queue a copy of the last receipt, marked as a reprint; False when there is none."""
        receipt = self._last_receipt
        if receipt is None:
            return False
        self._add(_Job("receipt", f"reprint {type(receipt).__name__}", receipt=receipt,
                       reprint=True))
        return True

    def submit_document(self, title: str, render: Callable[[ReceiptSettings], bytes]) -> None:
        """Queue other paper (a report) rendered now for the queue's paper and language.

        Behind the receipts already waiting and retried like them, so a report never
        fights a receipt for the printer.
        """
        with self._cond:
            settings = self._settings
        self._add(_Job("receipt", title, data=render(settings)))

    def open_drawer(self) -> None:
        """Kick the drawer through the printer, ahead of any receipt still waiting."""
        self._add(_Job("drawer", "open drawer"), urgent=True)

    # -- state for the UI and tests --------------------------------------------------------

    @property
    def status(self) -> PrinterStatus:
        """Last status the worker saw."""
        with self._cond:
            return self._status

    @property
    def pending(self) -> int:
        """Jobs not yet printed, including one being tried right now."""
        with self._cond:
            return self._pending_locked()

    def jobs(self) -> list[JobInfo]:
        """Jobs not yet printed, oldest first, with why the last attempt failed."""
        with self._cond:
            waiting = ([self._in_flight] if self._in_flight else []) + [
                *self._urgent, *self._jobs]
            return [JobInfo(j.id, j.kind, j.title, j.attempts, j.last_error) for j in waiting]

    def update_settings(self, settings: ReceiptSettings) -> None:
        """New layout settings for receipts not yet rendered (admin changed the language)."""
        with self._cond:
            self._settings = settings

    def retry_now(self) -> None:
        """Skip the backoff wait: the cashier says the paper is back in."""
        with self._cond:
            self._wake = True
            self._retry_at = 0.0
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until every job has printed; for tests and shutdown, never the GUI."""
        return self.wait_for(lambda: self._pending_locked() == 0, timeout)

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until ``predicate`` (re-checked after every attempt) holds; for tests."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker after its current attempt; jobs still waiting are logged."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        left = self.pending
        if left:
            log.warning("print queue closed with %d job(s) not printed", left)

    # -- worker --------------------------------------------------------------------------

    def _add(self, job: _Job, *, urgent: bool = False) -> None:
        with self._cond:
            if self._stopping:
                raise RuntimeError("the print queue is closed")
            (self._urgent if urgent else self._jobs).append(job)
            if urgent:
                self._retry_at = 0.0
            self._cond.notify_all()

    def _pending_locked(self) -> int:
        return len(self._jobs) + len(self._urgent) + (1 if self._in_flight else 0)

    def _next_job(self) -> _Job | None:
        """Wait for a job that is due, or for the next idle poll (then return None)."""
        next_poll = time.monotonic() + self._poll_interval
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if (self._urgent or self._jobs) and now >= self._retry_at:
                    job = self._urgent.popleft() if self._urgent else self._jobs.popleft()
                    self._in_flight = job
                    return job
                if now >= next_poll or self._wake:
                    self._wake = False
                    return None
                due = min(next_poll, self._retry_at) if self._urgent or self._jobs else next_poll
                self._cond.wait(max(due - now, 0.001))
            return None

    def _run(self) -> None:
        self._report(self._check())
        while True:
            job = self._next_job()
            if self._stopping:
                if job is not None:
                    self._finish(job, "retry")
                return
            if job is None:
                self._report(self._check())
                continue
            try:
                outcome = self._attempt(job)
            except Exception:  # a broken connection class must not kill the worker
                log.exception("print job %s failed unexpectedly", job.id)
                job.last_error = "internal error"
                outcome = "retry"
            self._finish(job, outcome)

    def _finish(self, job: _Job, outcome: str) -> None:
        with self._cond:
            self._in_flight = None
            if outcome == "retry":
                (self._urgent if job.kind == "drawer" else self._jobs).appendleft(job)
                self._retry_at = time.monotonic() + self._retry_delay
                self._retry_delay = min(self._retry_delay * 2, self._retry_max)
            else:
                self._retry_delay = self._retry_initial
                self._retry_at = 0.0
                if outcome == "done" and job.kind == "receipt":
                    self.printed += 1
            self._cond.notify_all()
            status = self._status
        message = job.last_error if outcome == "dropped" else ""
        self._report(status, message)

    def _check(self) -> PrinterStatus:
        try:
            status = self._conn.status()
        except OSError as e:
            log.info("printer status check failed: %s", e)
            status = PrinterStatus.UNREACHABLE
        with self._cond:
            self._status = status
        return status

    def _attempt(self, job: _Job) -> str:
        """Try a job once: 'done', 'retry' (keep it at the head) or 'dropped'."""
        job.attempts += 1
        if job.kind == "drawer":
            return self._attempt_drawer(job)
        if job.data is None:
            assert job.receipt is not None
            with self._cond:
                settings = self._settings
            try:
                job.data = render_receipt(job.receipt, settings, reprint=job.reprint)
            except Exception as e:  # a receipt that cannot be laid out never will be
                log.exception("cannot render %s", job.title)
                job.last_error = f"receipt could not be laid out: {e}"
                return "dropped"
        before = self._check()
        if not before.can_print:
            job.last_error = self._describe(before)
            return "retry"
        try:
            self._conn.send(job.data)
        except OSError as e:
            job.last_error = f"sending failed: {e}"
            with self._cond:
                self._status = PrinterStatus.UNREACHABLE
            return "retry"
        # The printer keeps buffered data through paper out or an open cover, and finishes
        # the job when fixed; only a printer that vanished has lost the bytes.
        if self._check() is PrinterStatus.UNREACHABLE:
            job.last_error = "printer vanished during the job; printing again"
            return "retry"
        return "done"

    def _attempt_drawer(self, job: _Job) -> str:
        expired = time.monotonic() - job.created > self._drawer_window
        status = self._check()
        if status is not PrinterStatus.UNREACHABLE:
            with self._cond:
                settings = self._settings
            data = drawer_kick_bytes(settings) if status.can_print else REALTIME_DRAWER_PULSE
            try:
                self._conn.send(data)
            except OSError as e:
                job.last_error = f"drawer kick failed: {e}"
            else:
                return "done"
        else:
            job.last_error = self._describe(status)
        if expired:
            # A drawer springing open minutes later, unattended, is worse than none.
            job.last_error = f"cash drawer did not open ({job.last_error})"
            log.warning(job.last_error)
            return "dropped"
        return "retry"

    def _describe(self, status: PrinterStatus) -> str:
        detail = getattr(self._conn, "detail", "")
        return f"{status}: {detail}" if detail else str(status)

    def _report(self, status: PrinterStatus, message: str = "") -> None:
        with self._cond:
            pending = self._pending_locked()
        if not message:
            if status is PrinterStatus.OK:
                message = f"printing, {pending} waiting" if pending else "ready"
            else:
                message = self._describe(status)
                if pending:
                    message += f"; {pending} waiting"
        key = (status, pending, message)
        if key == self._reported or self._on_status is None:
            return
        self._reported = key
        try:
            self._on_status(status, pending, message)
        except Exception:  # the UI's problem must not stop printing
            log.exception("printer status callback failed")
