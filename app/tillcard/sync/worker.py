"""The till's sync thread: reconnect with backoff, back-fill, pull on NOTIFY or by timer.

One thread does all of it, so pushes and pulls never race each other. It listens on a
dedicated autocommit connection (``LISTEN tillcard_changes``); a notification means a
card, card type, holder or user changed centrally, and a pull follows at once. Purses
change with every sale and do not notify: the periodic pull keeps the offline replica
fresh, and online tills read balances from the centre anyway.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import psycopg

from tillcard.store.engine import libpq_url
from tillcard.sync.central import central_url, is_link_error
from tillcard.sync.link import LinkState
from tillcard.sync.till_sync import TillSync

log = logging.getLogger(__name__)
CHANNEL = "tillcard_changes"


class SyncWorker:
    def __init__(self, sync: TillSync, poll_s: float = 10.0) -> None:
        self.sync = sync
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._listen: psycopg.Connection[tuple[object, ...]] | None = None
        self._thread = threading.Thread(target=self._run, name="tillcard-sync", daemon=True)
        self.cycles = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.sync.wake.set()
        self._thread.join(timeout)
        self._close_listen()

    def _run(self) -> None:
        link = self.sync.link
        while not self._stop.is_set():
            try:
                if link.state is LinkState.OFFLINE:
                    self.sync.probe()
                    link.recovering()
                self._ensure_listen()
                self.sync.wake.clear()
                self.sync.cycle()
                self.cycles += 1
                if link.state is LinkState.ONLINE:
                    self._wait_for_news()
            except Exception as exc:
                if not is_link_error(exc):
                    log.exception("sync cycle failed")
                elif link.state is not LinkState.OFFLINE:
                    log.warning("sync: central link lost: %s", exc)
                link.down(f"no answer from the centre ({type(exc).__name__})")
                self.sync.central.dispose()
                self._close_listen()
                self._stop.wait(link.backoff.next())

    def _wait_for_news(self) -> None:
        """Until a NOTIFY, a local wake-up (a sale to push), the poll interval or stop."""
        deadline = time.monotonic() + self.poll_s
        conn = self._listen
        while not self._stop.is_set() and not self.sync.wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self.sync.link.state is not LinkState.ONLINE:
                return
            if conn is None:
                self.sync.wake.wait(min(left, 0.2))
                continue
            got = False
            for _n in conn.notifies(timeout=min(left, 0.2), stop_after=1):
                got = True
            if got:
                return

    def _ensure_listen(self) -> None:
        if self._listen is not None and not self._listen.closed:
            return
        opts = self.sync.opts
        conn = psycopg.connect(libpq_url(central_url(opts)), autocommit=True,
                               connect_timeout=opts.connect_timeout_s,
                               application_name=f"{opts.application_name}-listen")
        conn.execute(f"LISTEN {CHANNEL}")
        self._listen = conn

    def _close_listen(self) -> None:
        conn, self._listen = self._listen, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
