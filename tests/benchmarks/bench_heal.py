"""Heal-to-online benchmark: how soon a till is back online once the network heals.

    python tests/benchmarks/bench_heal.py [--rounds 5] [--blackhole-s 10] [--jitter-s 1]
                                          [--flaps 4] [--server URL]

One till (its SQLite cache in a temporary directory, its sync worker running) reaches a
throwaway database on the real PostgreSQL server through the tests' loopback proxy, with
the production timeouts (``CentralOptions`` defaults, the worker's default poll).

- single fault, per round: the link is black-holed, a sale finds it down (sold offline),
  the black hole lasts ``--blackhole-s`` in all (plus a random 0 to ``--jitter-s``, so
  the heal falls at a different point of the worker's retry schedule each round), then
  the link heals. Measured: from the heal to ``link.online`` (the offline sale is
  back-filled by then).
- flapping, per round: a cashier sells every 0.2 s while the link is black-holed for
  2 s then passes for 0.3 s (often too short to get back online), ``--flaps`` times;
  then a last black hole of 4 s (longer than a call timeout, so the till has surely
  noticed it; plus the same random jitter) and the heal. Measured: from that last heal
  to ``link.online``.

Prints each round and the medians. Target (the issue): <= 2 s median for the single
fault. ``link.online`` is stamped by a link listener on the worker's thread, not polled.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tests package

from sqlalchemy.engine import make_url
from tests.conftest import make_books
from tests.sync.proxy import Proxy

from tillcard.store.engine import make_engine
from tillcard.store.ledger import SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.scratch import server_url, throwaway_database
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, make_central_engine
from tillcard.sync.link import LinkState, LinkStatus
from tillcard.sync.till_sync import TillSync
from tillcard.sync.worker import SyncWorker

FLAP_DARK_S, FLAP_LIGHT_S, LAST_DARK_S = 2.0, 0.3, 4.0


class OnlineClock:
    """Stamps the moment the link turns online (a listener: no polling delay)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.at = 0.0
        self._was = LinkState.OFFLINE

    def __call__(self, st: LinkStatus) -> None:
        turned = st.state is LinkState.ONLINE and self._was is not LinkState.ONLINE
        self._was = st.state
        if turned and not self.event.is_set():
            self.at = time.monotonic()
            self.event.set()

    def arm(self, sync: TillSync) -> None:
        if sync.link.online:
            raise SystemExit("the till never noticed the black hole: nothing to measure")
        self.event.clear()

    def wait(self, since: float, timeout: float = 120.0) -> float:
        if not self.event.wait(timeout):
            raise SystemExit(f"not online within {timeout:g} s of the heal")
        return self.at - since


class Cashier(threading.Thread):
    """Sells every 0.2 s, as a busy till does: a black hole is noticed by the next sale."""

    def __init__(self, sync: TillSync, card: int) -> None:
        super().__init__(name="cashier", daemon=True)
        self.sync, self.card = sync, card
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            sell(self.sync, self.card)


@contextmanager
def a_till(server: str) -> Iterator[tuple[TillSync, SyncWorker, Proxy, int]]:
    with throwaway_database(server, "tillcard_heal") as url, \
            tempfile.TemporaryDirectory() as tmp:
        central = make_engine(url)
        upgrade(central)
        card = make_books(central).card("9001", cash=10_000_000)
        u = make_url(server)
        proxy = Proxy(u.host or "127.0.0.1", u.port or 5432)
        local = make_engine(str(Path(tmp) / "till.db"))
        upgrade(local)
        opts = CentralOptions(url=proxy.url(url))
        sync = TillSync(TillCache(local, 1), make_central_engine(opts), opts)
        worker = SyncWorker(sync)
        worker.start()
        try:
            yield sync, worker, proxy, card
        finally:
            worker.stop()
            proxy.close()
            sync.central.dispose()
            local.dispose()
            central.dispose()


def sell(sync: TillSync, card: int) -> bool:
    """One sale of 1.00; whether it was made offline."""
    return sync.sale(SaleRequest(uuid.uuid4(), 1, card, 100,
                                 datetime.now().astimezone())).offline


def probe_count(worker: SyncWorker) -> int:
    return getattr(worker, "probes", 0)  # 0 with a worker from before the probe (a baseline)


def hold(seconds: float) -> None:
    """Keep the fault (or the link) as it is: its duration is what is being simulated."""
    threading.Event().wait(max(0.0, seconds))


def single_fault(sync: TillSync, worker: SyncWorker, proxy: Proxy, card: int,
                 clock: OnlineClock, dark_s: float) -> tuple[float, int]:
    proxy.blackhole()
    dark = time.monotonic()
    if not sell(sync, card):  # the till notices (one call timeout) and sells offline
        raise SystemExit("a sale went through the black hole: the proxy is not in the way")
    probes = probe_count(worker)
    hold(dark_s - (time.monotonic() - dark))
    clock.arm(sync)
    healed = time.monotonic()
    proxy.restore()
    return clock.wait(healed), probe_count(worker) - probes


def flapping(sync: TillSync, proxy: Proxy, card: int, clock: OnlineClock,
             flaps: int, last_dark_s: float) -> float:
    cashier = Cashier(sync, card)
    cashier.start()
    try:
        for _ in range(flaps):
            proxy.blackhole()
            hold(FLAP_DARK_S)
            proxy.restore()
            hold(FLAP_LIGHT_S)
        proxy.blackhole()
        hold(last_dark_s)  # longer than a call timeout: the cashier's sales notice it
        clock.arm(sync)
        healed = time.monotonic()
        proxy.restore()
        return clock.wait(healed)
    finally:
        cashier.done.set()
        cashier.join()


def settle_online(sync: TillSync, clock: OnlineClock) -> None:
    """Between rounds: online, nothing unsent, the worker back to waiting for news."""
    deadline = time.monotonic() + 60
    while not (sync.link.online and sync.cache.unsent_count() == 0):
        if time.monotonic() > deadline:
            raise SystemExit("the till did not settle back online")
        clock.event.wait(0.05)
    hold(0.5)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--blackhole-s", type=float, default=10.0)
    p.add_argument("--jitter-s", type=float, default=1.0)
    p.add_argument("--flaps", type=int, default=4, help="0: no flapping case")
    p.add_argument("--verbose", action="store_true", help="log the link's news too")
    p.add_argument("--server", default=server_url(), help="PostgreSQL server for the "
                   "throwaway database")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                        format="%(relativeCreated)7d %(threadName)s %(name)s %(message)s")
    singles: list[float] = []
    flapped: list[float] = []
    with a_till(args.server) as (sync, worker, proxy, card):
        clock = OnlineClock()
        sync.link.subscribe(clock)
        settle_online(sync, clock)
        for n in range(1, args.rounds + 1):
            dark_s = args.blackhole_s + random.uniform(0, args.jitter_s)
            took, probes = single_fault(sync, worker, proxy, card, clock, dark_s)
            singles.append(took)
            print(f"round {n}: black hole {dark_s:.1f} s, heal to online "
                  f"{took * 1000:.0f} ms ({probes} probes in the dark)", flush=True)
            settle_online(sync, clock)
            if args.flaps:
                took = flapping(sync, proxy, card, clock, args.flaps,
                                LAST_DARK_S + random.uniform(0, args.jitter_s))
                flapped.append(took)
                print(f"round {n}: {args.flaps} flaps, last heal to online "
                      f"{took * 1000:.0f} ms", flush=True)
                settle_online(sync, clock)
    print(f"median heal to online after a {args.blackhole_s:g} s black hole: "
          f"{statistics.median(singles) * 1000:.0f} ms (max {max(singles) * 1000:.0f} ms, "
          f"{len(singles)} rounds; target <= 2000 ms)")
    if flapped:
        print(f"median heal to online after {args.flaps} flaps: "
              f"{statistics.median(flapped) * 1000:.0f} ms "
              f"(max {max(flapped) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
