"""Tap latency through pcscd + vpcd into the cashier window: card connect → balance shown.

Run: ``.venv/bin/python tests/benchmarks/bench_tap.py [--taps 100] [--no-jitter]``. Starts
pcscd (with only the vpcd readers) when none is running and stops it afterwards; needs a Qt
platform (offscreen is used when there is no display). Each tap is a different card,
registered with its chip UID in a fresh SQLite till database.

The window is the real one, fed the way the till feeds it: PcscReader → ReaderBridge →
CashierWindow.present_token → the worker thread's card look-up → the card panel. "Shown"
is the moment the card panel has set the balance label's text.

Figures per tap:
  total   from the virtual card's TCP connect to vpcd to the balance shown; dominated by
          pcscd's 400 ms presence polling, which the app cannot shorten. Each tap waits a
          random 0-0.4 s first, as a customer's card arrives at any phase of that polling
          (``--no-jitter``: right after a poll noticed the last removal, the worst case).
  app     from pyscard's CardMonitor calling update() to the balance shown: the app's own
          part (target: p95 ≤ 30 ms). A probe observer registered before the reader's own
          stamps the update() time.
  reader  the first leg of ``app``: update() to the reader's sink call (queue hop,
          SCardConnect, GET DATA, SCardDisconnect).
  window  the second leg: sink call to balance shown (hand-off to the GUI thread, look-up
          on the worker, rendering).
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "devices" / "readers"))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pcscd_proc import (  # noqa: E402
    READER_0,
    PcscdProcess,
    missing_prerequisite,
    service_running,
    vpcd_lock,
    wait_until_empty,
)
from PySide6.QtWidgets import QApplication  # noqa: E402
from vpcd_card import VirtualCard  # noqa: E402

from tillcard.bootstrap import Till, build_till  # noqa: E402
from tillcard.config import DatabaseSettings, DeviceSettings, Settings  # noqa: E402
from tillcard.devices.readers.base import (  # noqa: E402
    CardPresented,
    ReaderEvent,
    ReaderState,
)
from tillcard.devices.readers.pcsc import PcscReader  # noqa: E402
from tillcard.domain.cards import CardType  # noqa: E402
from tillcard.services.auth import Role, Session  # noqa: E402
from tillcard.services.views import CardView  # noqa: E402
from tillcard.ui.bridges import PrinterBridge, ReaderBridge  # noqa: E402
from tillcard.ui.cashier_window import CashierWindow  # noqa: E402
from tillcard.ui.mainthread import MainThreadPost  # noqa: E402
from tillcard.ui.tasks import TaskRunner  # noqa: E402

BALANCE = 10_000  # every card holds 100.00


def uid_of(n: int) -> str:
    return f"04{n:012X}"


class UpdateProbe:
    """A CardMonitor observer that notes when pyscard announced each added card."""

    def __init__(self) -> None:
        self.stamps: queue.SimpleQueue[float] = queue.SimpleQueue()

    def update(self, observable: object, handlers: tuple[list[Any], list[Any]]) -> None:
        added, _removed = handlers
        if any(str(card.reader) == READER_0 for card in added):
            self.stamps.put(time.perf_counter())


@dataclass
class Stamps:
    """What the reader thread and the GUI thread saw, for the driver thread to collect."""

    ready: threading.Event = field(default_factory=threading.Event)
    presented: queue.SimpleQueue[tuple[float, str]] = field(default_factory=queue.SimpleQueue)
    shown: queue.SimpleQueue[tuple[float, str]] = field(default_factory=queue.SimpleQueue)
    balances: dict[str, str] = field(default_factory=dict)  # written on the GUI thread


@dataclass
class Samples:
    total: list[float] = field(default_factory=list)
    app: list[float] = field(default_factory=list)
    reader: list[float] = field(default_factory=list)
    window: list[float] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name:6s} n={len(ms)}  p50 {percentile(ms, 0.5):8.2f} ms  "
          f"p95 {percentile(ms, 0.95):8.2f} ms  max {max(ms):8.2f} ms  "
          f"mean {statistics.fmean(ms):8.2f} ms")


def make_till(folder: Path, taps: int) -> Till:
    settings = Settings(database=DatabaseSettings(local=str(folder / "till.db")),
                        devices=DeviceSettings(reader=f"pcsc://?name={READER_0}",
                                               printer="simulated"))
    till = build_till(settings)
    card_type = till.refs.add_card_type(CardType("standard", "Standard"))
    now = datetime.now().astimezone()
    for n in range(taps):
        holder = till.refs.add_holder(f"持卡人 {n}")
        card = till.refs.add_card(f"{8_800_000_000 + n}", holder, card_type, uid=uid_of(n))
        till.ledger.recharge(uuid.uuid4(), settings.till.id, card, BALANCE, now)
    return till


def make_window(till: Till, bridge: ReaderBridge, tasks: TaskRunner,
                stamps: Stamps) -> CashierWindow:
    """The cashier window, with the card panel's show_view wrapped to stamp the balance."""
    session = Session(0, "bench", "Bench", Role.CASHIER)
    ui = till.settings.ui
    window = CashierWindow(till.checkout, session, tasks, bridge, PrinterBridge(),
                           till.currency, max_minor=ui.max_amount_minor,
                           paid_banner_ms=ui.paid_banner_ms,
                           card_clear_grace_ms=ui.card_clear_grace_ms)
    panel = window.card_panel
    show_view = panel.show_view

    def stamped(view: CardView | None) -> None:
        show_view(view)
        if view is not None and view.card.uid:
            now = time.perf_counter()
            stamps.balances[view.card.uid] = panel.balance.text()
            stamps.shown.put((now, view.card.uid))

    panel.show_view = stamped  # type: ignore[method-assign]
    return window


def drive(taps: int, jitter: bool, probe: UpdateProbe, stamps: Stamps,
          expected_balance: str) -> Samples:
    """Runs on its own thread: the GUI thread must be free to show the cards."""
    samples = Samples()
    if not stamps.ready.wait(10):
        raise RuntimeError("the PC/SC reader did not get ready")
    while True:  # drop the stamp of the empty initial update, if any
        try:
            probe.stamps.get_nowait()
        except queue.Empty:
            break
    for n in range(taps):
        uid = uid_of(n)
        card = VirtualCard(uid)
        if jitter:
            time.sleep(random.uniform(0.0, 0.4))  # a benchmark, not a test: real pause
        start = time.perf_counter()
        card.insert()
        shown = _next(stamps.shown, uid)
        presented = _next(stamps.presented, uid)
        updated = probe.stamps.get(timeout=5)
        balance = stamps.balances.get(uid)
        assert balance == expected_balance, (uid, balance)
        samples.total.append(shown - start)
        samples.app.append(shown - updated)
        samples.reader.append(presented - updated)
        samples.window.append(shown - presented)
        card.remove()
        wait_until_empty(READER_0)
    return samples


def _next(stamps: queue.SimpleQueue[tuple[float, str]], uid: str) -> float:
    while True:
        stamp, seen = stamps.get(timeout=10)
        if seen == uid:
            return stamp


def measure(taps: int, jitter: bool, folder: Path) -> Samples:
    from smartcard.CardMonitoring import CardMonitor

    app = QApplication.instance() or QApplication(sys.argv[:1])
    till = make_till(folder, taps)
    stamps = Stamps()
    tasks = TaskRunner()
    bridge = ReaderBridge()
    window = make_window(till, bridge, tasks, stamps)
    window.show()

    def sink(event: ReaderEvent) -> None:  # on the reader's thread
        if isinstance(event, CardPresented):
            stamps.presented.put((time.perf_counter(), event.uid))
        elif isinstance(event, ReaderState) and event.ok:
            stamps.ready.set()
        bridge.sink(event)

    probe = UpdateProbe()
    CardMonitor().addObserver(probe)  # before the reader's observer: called first
    reader = PcscReader(READER_0)
    reader.start(sink)
    post = MainThreadPost()
    result: list[Samples | BaseException] = []

    def driver() -> None:
        try:
            result.append(drive(taps, jitter, probe, stamps,
                                f"{BALANCE // 100}.{BALANCE % 100:02d}"))
        except BaseException as exc:
            result.append(exc)
        finally:
            post.post(app.quit)

    thread = threading.Thread(target=driver, name="bench-driver")
    thread.start()
    try:
        app.exec()
    finally:
        thread.join()
        CardMonitor().deleteObserver(probe)  # first, so stop() can end pyscard's thread
        reader.stop()
        window.close()
        tasks.shutdown()
        till.close()
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


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
    with vpcd_lock(), tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not service_running():
            process = PcscdProcess(folder / "pcscd")
            process.start()
        try:
            samples = measure(args.taps, args.jitter, folder)
        finally:
            if process is not None:
                process.stop()
    print(f"{args.taps} taps on {READER_0} (vpcd) into the cashier window")
    report("total", samples.total)
    report("app", samples.app)
    report("reader", samples.reader)
    report("window", samples.window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
