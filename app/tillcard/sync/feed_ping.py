"""The till's ping to the live console: "look at my journal", sent after a sale commits.

The centre's journal has no NOTIFY trigger (migration 0017: a notifying transaction
serializes commits). Instead the till, once the centre has answered a sale, a void or a
back-fill, pokes a ``FeedPing``; its thread sends ``SELECT pg_notify('tillcard_feed',
<till id>)`` in an autocommit transaction of its own, outside every sale's transaction.
The console's feed then reads the journal after its cursor for that till
(``store.live_feed``), so a ping carries no entry and a lost one costs only a delay: the
next ping or the till's next heartbeat (which notifies as well) shows the entry.

Pokes never block and never raise, so the sale path cannot be slowed or broken by it.
Pokes are coalesced: at most one ping per ``MIN_GAP_S`` however busy the till is. A ping
that fails is logged at debug level and forgotten; the link state is the sync worker's
business, not this thread's.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text

from tillcard.sync.central import Watchdog

log = logging.getLogger(__name__)
CHANNEL = "tillcard_feed"  # store.live_feed.FEED_CHANNEL (sync does not read the store's)
MIN_GAP_S = 0.2  # a till pings at most once per this; pokes meanwhile share the next one
PING = text("SELECT pg_notify(:channel, :till)")


class FeedPing:
    """Pings ``tillcard_feed`` for one till on a thread of its own (``start``/``stop``).

    Args:
        central: the till's engine to the centre (a pooled connection per ping).
        till_id: the till the ping names.
        watchdog: bounds a ping the centre does not answer (per thread; the till's own).
        timeout_s: that bound.
        min_gap_s: the least time between two pings.
    """

    def __init__(self, central: Engine, till_id: int, watchdog: Watchdog, timeout_s: float,
                 min_gap_s: float = MIN_GAP_S) -> None:
        self._central, self._till = central, str(till_id)
        self._watchdog, self._timeout_s, self._gap = watchdog, timeout_s, min_gap_s
        self._poked = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    def poke(self) -> None:
        """Ask for a ping soon; returns at once (before ``start``, the ping just waits)."""
        self._poked.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                        name="tillcard-feed-ping", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        self._poked.set()  # wake the thread so it sees the stop
        if thread is not None:
            thread.join(timeout)

    def _run(self, stop: threading.Event) -> None:
        while True:
            self._poked.wait()
            if stop.is_set():
                return
            self._poked.clear()  # pokes from here on ask for the next ping
            self.ping()
            if stop.wait(self._gap):  # coalescing: pokes meanwhile become one ping
                return

    def ping(self) -> bool:
        """One ping now, on this thread; False (logged at debug) when it failed."""
        try:
            with self._watchdog.within(self._timeout_s), self._central.connect() as conn:
                auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                auto.execute(PING, {"channel": CHANNEL, "till": self._till})
        except Exception as exc:  # noqa: BLE001 - a ping never disturbs the till
            self.failed += 1
            log.debug("feed ping not sent: %s", exc)
            return False
        self.sent += 1
        return True
