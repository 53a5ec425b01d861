"""The till's heartbeat: every few seconds it tells the centre how it is.

Link state and for how long, unsent entries, printer and reader, the open shift and the
last closed one, the app's version — what the managers' console shows per till, and
flags when it goes wrong (``services.live``). The centre stamps each heartbeat with its
own clock; a till silent for three intervals is flagged there.

The heartbeat runs on a thread of its own beside the sync worker, under the same
watchdog deadline as a sale: a centre that does not answer delays no push, no pull and
no sale, and a failing heartbeat is logged, never raised, and never changes the link
state (the sync worker decides that). An offline till sends none: it cannot be heard,
and the console calls it silent.

Devices are known to the UI, not to the sync layer: ``DeviceStates`` is the small
thread-safe holder the UI writes printer and reader state into.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tillcard import __version__
from tillcard.store.till_health import (
    LocalShifts,
    ensure_months,
    local_shifts,
    send_heartbeat,
)
from tillcard.sync.link import LinkState

if TYPE_CHECKING:
    from tillcard.sync.till_sync import TillSync

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0  # how often a till reports; the console calls it silent after 3 of these
MONTHS_EVERY_S = 3_600.0  # how often a till asks the centre for the coming months' partitions
MAX_SECONDS = 999_999_999  # what the centre's function accepts for a duration


class DeviceStates:
    """The till's devices as the UI last saw them; written and read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._printer = ""
        self._pending = 0
        self._reader_ok: bool | None = None
        self._reader = ""

    def set_printer(self, status: str, pending: int) -> None:
        """``status``: a ``PrinterStatus`` value ("ok", "paper out", …)."""
        with self._lock:
            self._printer, self._pending = status[:40], max(0, pending)

    def set_reader(self, ok: bool, message: str) -> None:
        with self._lock:
            self._reader_ok, self._reader = ok, message[:200]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"printer": self._printer, "printer_pending": self._pending,
                    "reader_ok": self._reader_ok, "reader": self._reader}


def heartbeat_doc(state: LinkState, in_state_s: float, unsent: int, devices: DeviceStates,
                  shifts: LocalShifts, now: datetime) -> dict[str, Any]:
    """The document ``tillcard_heartbeat`` validates; durations, never this till's clock."""
    closed_for = None
    if shifts.last_closed_at is not None:
        closed_for = _seconds((now - shifts.last_closed_at).total_seconds())
    return {"version": __version__, "link": state.value, "link_for_s": _seconds(in_state_s),
            "unsent": max(0, unsent), **devices.snapshot(),
            "shift": str(shifts.open_id) if shifts.open_id else None,
            "cashier": shifts.open_by, "z_no": shifts.last_z_no,
            "closed_for_s": closed_for, "difference": shifts.last_difference}


def _seconds(value: float) -> int:
    return min(MAX_SECONDS, max(0, int(value)))


class HeartbeatSender:
    """Sends one heartbeat every ``every`` seconds on its own thread (``start``/``stop``)."""

    def __init__(self, sync: TillSync, devices: DeviceStates, every: float = HEARTBEAT_S
                 ) -> None:
        self._sync, self._devices, self._every = sync, devices, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tillcard-heartbeat",
                                        daemon=True)
        self.sent = 0
        self.failed = 0
        self._failing = 0  # in a row
        self._months_due = 0.0  # monotonic time of the next call for partitions

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            if self._sync.link.state is not LinkState.OFFLINE:
                self.beat()

    def beat(self) -> bool:
        """One heartbeat now; False (logged) when it could not be sent."""
        sync = self._sync
        try:
            link = sync.link
            doc = heartbeat_doc(link.state, time.monotonic() - link.changed_at,
                                sync.cache.unsent_count(), self._devices,
                                local_shifts(sync.cache.engine, sync.till_id),
                                datetime.now(UTC))
            with sync.watchdog.within(sync.opts.call_timeout_s):
                send_heartbeat(sync.central, sync.till_id, doc)
        except Exception as exc:  # noqa: BLE001 - a heartbeat never disturbs the till
            self.failed += 1
            self._failing += 1
            level = logging.WARNING if self._failing == 1 else logging.DEBUG
            log.log(level, "heartbeat not sent: %s", exc)
            return False
        if self._failing:
            log.info("heartbeat sent again after %d failures", self._failing)
            self._failing = 0
        self.sent += 1
        self._keep_months()
        return True

    def _keep_months(self) -> None:
        """Now and then, the centre's coming monthly partitions (a failure waits its turn)."""
        now = time.monotonic()
        if now < self._months_due:
            return
        self._months_due = now + MONTHS_EVERY_S
        sync = self._sync
        try:
            with sync.watchdog.within(sync.opts.call_timeout_s):
                made = ensure_months(sync.central)
        except Exception as exc:  # noqa: BLE001 - upkeep never disturbs the till
            log.warning("the journal's coming months not ensured: %s", exc)
            return
        if made:
            log.info("the centre's journal has %d new monthly partition(s)", made)
