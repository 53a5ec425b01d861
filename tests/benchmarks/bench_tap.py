"""Tap latency with pcscd + vpcd: virtual card connect → CardPresented, and the app's own part.

Run: ``.venv/bin/python tests/benchmarks/bench_tap.py [--taps 100]``. Starts pcscd (with
only the vpcd readers) when none is running and stops it afterwards.

Two figures per tap:
  total  from the virtual card's TCP connect to the PcscReader sink call; dominated by
         pcscd's 400 ms presence polling, which the app cannot shorten. Each tap waits a
         random 0-0.4 s first, as a customer's card arrives at any phase of that polling
         (``--no-jitter``: right after a poll noticed the last removal, the worst case).
  app    from pyscard's CardMonitor calling update() to the sink call: our queue hop,
         SCardConnect, GET DATA, SCardDisconnect. A probe observer registered before the
         reader's own observer stamps the update() time.
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "devices" / "readers"))

from pcscd_proc import (  # noqa: E402
    READER_0,
    PcscdProcess,
    missing_prerequisite,
    service_running,
    vpcd_lock,
    wait_until_empty,
)
from vpcd_card import VirtualCard  # noqa: E402

from tillcard.devices.readers.base import CardPresented, ReaderEvent, ReaderState  # noqa: E402
from tillcard.devices.readers.pcsc import PcscReader  # noqa: E402


class UpdateProbe:
    """A CardMonitor observer that notes when pyscard announced each added card."""

    def __init__(self) -> None:
        self.stamps: queue.SimpleQueue[float] = queue.SimpleQueue()

    def update(self, observable: object, handlers: tuple[list[Any], list[Any]]) -> None:
        added, _removed = handlers
        if any(str(card.reader) == READER_0 for card in added):
            self.stamps.put(time.perf_counter())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name:6s} n={len(ms)}  p50 {percentile(ms, 0.5):8.2f} ms  "
          f"p95 {percentile(ms, 0.95):8.2f} ms  max {max(ms):8.2f} ms  "
          f"mean {statistics.fmean(ms):8.2f} ms")


def measure(taps: int, jitter: bool) -> tuple[list[float], list[float]]:
    from smartcard.CardMonitoring import CardMonitor

    probe = UpdateProbe()
    CardMonitor().addObserver(probe)  # before the reader's observer: called first
    events: queue.SimpleQueue[tuple[float, ReaderEvent]] = queue.SimpleQueue()
    reader = PcscReader(READER_0)
    reader.start(lambda event: events.put((time.perf_counter(), event)))
    total: list[float] = []
    app: list[float] = []
    try:
        _wait(events, lambda e: isinstance(e, ReaderState) and e.ok)
        while True:  # drop the stamp of the empty initial update, if any
            try:
                probe.stamps.get_nowait()
            except queue.Empty:
                break
        for n in range(taps):
            card = VirtualCard(f"04{n:012X}")
            if jitter:
                time.sleep(random.uniform(0.0, 0.4))  # a benchmark, not a test: real pause
            start = time.perf_counter()
            card.insert()
            shown, event = _wait(events, lambda e: isinstance(e, CardPresented))
            assert isinstance(event, CardPresented) and event.uid == f"04{n:012X}", event
            updated = probe.stamps.get(timeout=5)
            total.append(shown - start)
            app.append(shown - updated)
            card.remove()
            wait_until_empty(READER_0)
    finally:
        CardMonitor().deleteObserver(probe)  # first, so stop() can end pyscard's thread
        reader.stop()
    return total, app


def _wait(events: queue.SimpleQueue[tuple[float, ReaderEvent]],
          match: Any) -> tuple[float, ReaderEvent]:
    while True:
        stamp, event = events.get(timeout=10)
        if match(event):
            return stamp, event


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=100)
    parser.add_argument("--no-jitter", dest="jitter", action="store_false",
                        help="tap right after pcscd saw the last removal")
    args = parser.parse_args()
    missing = missing_prerequisite()
    if missing:
        print(f"bench_tap: {missing}", file=sys.stderr)
        return 2
    process = None
    with vpcd_lock(), tempfile.TemporaryDirectory() as conf:
        if not service_running():
            process = PcscdProcess(Path(conf))
            process.start()
        try:
            total, app = measure(args.taps, args.jitter)
        finally:
            if process is not None:
                process.stop()
    print(f"{args.taps} taps on {READER_0} (vpcd)")
    report("total", total)
    report("app", app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
