"""The cashier window of a central-profile till while the centre is unreachable.

A real PostgreSQL behind a proxy the test black-holes: the charge in flight waits for the
watchdog in the worker thread and becomes an offline sale; the event loop keeps turning
throughout (its latency is measured with a 10 ms timer); the status bar shows the link
and the unsent count; on reconnect the outbox drains and the centre's balance is right.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from sqlalchemy import select

from tests.conftest import Centre
from tests.sync.proxy import Proxy
from tillcard.bootstrap import Till, build_till
from tillcard.config import (
    DatabaseSettings,
    DeviceSettings,
    Profile,
    Settings,
    SyncSettings,
    TillSettings,
)
from tillcard.launch import Counter, _counter
from tillcard.services.auth import SecretHasher
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify
from tillcard.sync.link import Backoff
from tillcard.ui.bridges import PrinterBridge

pytestmark = pytest.mark.postgres


class LoopProbe:
    """Measures the event loop: the longest gap between ticks of a 10 ms timer."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._on_timer_timeout)

    def _on_timer_timeout(self) -> None:
        self.ticks.append(time.monotonic())

    def start(self) -> None:
        self.ticks.clear()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        return max(gaps) if gaps else float("inf")


@pytest.fixture
def counter(qtbot, tmp_path: Path, hasher: SecretHasher, centre: Centre,
            proxy: Proxy) -> Iterator[Counter]:
    centre.books.refs.add_user("cashier", "Cashier", "cashier", hasher.hash("1234"))
    settings = Settings(
        profile=Profile.CENTRAL,
        till=TillSettings(id=1, name="Till 1", site="Canteen"),
        database=DatabaseSettings(local=str(tmp_path / "till.db"),
                                  central_url=proxy.url(centre.url), connect_timeout_s=1),
        devices=DeviceSettings(reader="simulated",
                               printer=f"simulated://{tmp_path / 'receipts.txt'}"),
        sync=SyncSettings(call_timeout_s=1.5, statement_timeout_ms=500, poll_s=0.5),
    )
    printer_bridge = PrinterBridge()
    till: Till = build_till(settings, hasher=hasher, on_printer_status=printer_bridge.on_status)
    assert till.sync is not None
    till.sync.link.backoff = Backoff(0.05, 0.3)
    till.start()
    qtbot.waitUntil(lambda: till.sync is not None and till.sync.link.online, timeout=10_000)
    session = till.auth.login("cashier", "1234")  # from the till's replica
    till.shifts.open(session, till.shifts.count({10_000: 1}))
    c = _counter(till, session, printer_bridge)
    qtbot.addWidget(c.window)
    yield c
    c.close()


def _charge(qtbot, c: Counter, token: str, holder: str, amount: str) -> None:
    w = c.window
    w.present_token(token)
    qtbot.waitUntil(lambda: w.card_panel.holder.text() == holder, timeout=5_000)
    for ch in amount:
        qtbot.keyClick(w, ch)
    qtbot.keyClick(w, Qt.Key.Key_Return)


def test_the_window_keeps_charging_while_the_centre_is_black_holed(
        qtbot, counter: Counter, centre: Centre, proxy: Proxy):
    card = centre.books.card("4001", cash=10_000)
    sync = counter.till.sync
    assert sync is not None  # the replica learns of the new card (NOTIFY, then a pull)
    today = datetime.now().astimezone().date()
    qtbot.waitUntil(lambda: sync.cache.find_card_id("UID4001") == card
                    and sync.cache.card_state(card, today)[1].cash == 10_000, timeout=5_000)
    w = counter.window
    qtbot.waitUntil(lambda: w.link_label.text() == "● online", timeout=5_000)
    w.present_token("UID4001")
    qtbot.waitUntil(lambda: w.card_panel.holder.text() == "Holder 4001", timeout=5_000)

    proxy.blackhole()
    probe = LoopProbe()
    probe.start()
    for ch in "12.5":
        qtbot.keyClick(w, ch)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=10_000)
    worst_gap = probe.stop()
    print(f"event loop: {len(probe.ticks)} ticks during the black-holed charge, "
          f"longest gap {worst_gap * 1000:.1f} ms")
    # the charge waited ≥ 1.5 s on the centre, in the worker: the loop never stopped
    assert len(probe.ticks) >= 50
    assert worst_gap < 0.5
    assert w.card_panel.balance.text() == "87.50"
    assert "recorded offline" in w.band.text()
    qtbot.waitUntil(lambda: w.link_label.text() == "○ offline · 1 unsent", timeout=5_000)

    qtbot.waitUntil(lambda: w.flow.phase.value != "paid", timeout=10_000)
    _charge(qtbot, counter, "UID4001", "Holder 4001", "3")  # offline now: no wait at all
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5_000)
    qtbot.waitUntil(lambda: w.link_label.text() == "○ offline · 2 unsent", timeout=5_000)

    proxy.restore()
    qtbot.waitUntil(lambda: w.link_label.text() == "● online", timeout=20_000)
    with centre.engine.connect() as conn:
        cash = conn.execute(select(PurseRow.cash).where(PurseRow.card_id == card)).scalar_one()
    assert cash == 10_000 - 1_250 - 300
    assert verify(centre.engine).ok
