"""The live tab on the real server: another process sells, the feed shows it at once.

A separate process sells through the centre's function as a till login and pings the
feed after each sale, as a till does (``Seller``); the tab's feed thread wakes, reads
the journal after its cursor and the line appears on top, with the holder's Chinese
name, while today's figures follow. A sale whose ping was lost appears with the till's
next heartbeat. The tills' health table flags a
till that went silent and one out of paper. A screenshot at 1366x768 is saved for a look.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from tests.conftest import Centre
from tests.store.test_live_feed import (
    BEAT,
    MANAGER,
    Seller,
    chinese_card,
    lunch_type,
    till_url,
)
from tillcard.domain.money import Currency, format_money
from tillcard.services.live import LiveConsole
from tillcard.store.live_feed import LiveStore, TodayQueries
from tillcard.store.till_health import HealthQueries, send_heartbeat
from tillcard.ui.office.live_models import FLAGGED
from tillcard.ui.office.live_tab import FeedThread, LiveTab, join_retired
from tillcard.ui.tasks import TaskRunner

pytestmark = pytest.mark.postgres
SHOT = Path("/tmp/h/live-tab.png")
WAIT = 5000


@pytest.fixture
def tab(qtbot, centre: Centre, tasks: TaskRunner) -> Iterator[LiveTab]:
    with centre.engine.begin() as conn:
        conn.execute(text("UPDATE tills SET site = CASE id WHEN 1 THEN '北区食堂' "
                          "WHEN 2 THEN 'Canteen South' ELSE 'Card office' END"))
    e = centre.engine
    console = LiveConsole(LiveStore(e), TodayQueries(e), HealthQueries(e))
    t = LiveTab(MANAGER, console, tasks, Currency())
    qtbot.addWidget(t)
    t.resize(1366, 768)
    t.show()
    qtbot.waitUntil(lambda: t.listening, timeout=WAIT)
    yield t
    t.stop()  # returns at once: the thread ends by itself
    qtbot.waitUntil(lambda: tasks.idle and not t.feeding, timeout=WAIT)


@pytest.fixture
def seller(centre: Centre) -> Iterator[Seller]:
    s = Seller(till_url(centre.url, centre.engine, 1), 1)
    yield s
    s.close()


def shown_ids(t: LiveTab) -> list[uuid.UUID]:
    return [t.model.line(r).note.id for r in range(t.model.rowCount())]


def test_a_sale_by_another_process_appears_on_top_within_a_second(
        qtbot, tab: LiveTab, centre: Centre, seller: Seller) -> None:
    zhang = chinese_card(centre.books, "880101", "张伟", 50_000)
    li = chinese_card(centre.books, "880102", "李娜", 50_000)
    seller.sell(li, 300)
    first = seller.sell(zhang, 1_250)
    qtbot.waitUntil(lambda: first.entry_id in shown_ids(tab), timeout=1000)
    print(f"sale → shown in the tab: {(time.time() - first.before) * 1000:.0f} ms or less")
    assert shown_ids(tab)[0] == first.entry_id  # newest on top
    top = [tab.filter.index(0, c).data() for c in range(8)]
    assert top[1:7] == ["Till 1", "北区食堂", "Sale", "880101", "张伟", "Li Na"]
    assert top[7] == format_money(1_250, Currency())
    qtbot.waitUntil(lambda: tab.figures.sales.text() == "2", timeout=WAIT)
    assert tab.figures.revenue.text() == format_money(1_550, Currency())
    assert tab.figures.cards.text() == "2"
    tab.card.setText("张")
    assert tab.filter.rowCount() == 2  # the card office's recharge, then the sale
    tab.kind.setCurrentIndex(tab.kind.findData("sale"))
    assert tab.filter.rowCount() == 1
    tab.card.clear()
    tab.kind.setCurrentIndex(tab.kind.findData("void"))
    assert tab.filter.rowCount() == 0
    tab.kind.setCurrentIndex(0)
    tab.booth.setCurrentIndex(tab.booth.findData("北区食堂"))
    assert tab.filter.rowCount() == 2


def test_a_sale_whose_ping_was_lost_appears_with_the_next_heartbeat(
        qtbot, tab: LiveTab, centre: Centre) -> None:
    card = chinese_card(centre.books, "880103", "赵敏", 50_000)
    quiet = Seller(till_url(centre.url, centre.engine, 1), 1, mode="quiet")
    try:
        sold = quiet.sell(card, 900)
    finally:
        quiet.close()
    send_heartbeat(centre.engine, 1, BEAT)  # the till's next heartbeat wakes the feed
    qtbot.waitUntil(lambda: sold.entry_id in shown_ids(tab), timeout=WAIT)
    assert [tab.filter.index(0, c).data() for c in (1, 3, 5)] == ["Till 1", "Sale", "赵敏"]
    qtbot.waitUntil(lambda: tab.figures.sales.text() == "1", timeout=WAIT)


def test_a_silent_till_and_a_printer_out_of_paper_are_flagged(
        qtbot, tab: LiveTab, centre: Centre) -> None:
    doc = {"link": "online", "link_for_s": 600, "unsent": 0, "printer": "ok",
           "reader_ok": True, "reader": "ACR122U", "version": "0.1.0"}
    send_heartbeat(centre.engine, 1, {**doc, "printer": "paper out"})
    send_heartbeat(centre.engine, 2, doc)
    with centre.engine.begin() as conn:
        conn.execute(text("UPDATE till_heartbeats SET seen_at = seen_at - interval '90 s' "
                          "WHERE till_id = 2"))
    model = tab.health_model

    def flags(row: int) -> str:
        return str(model.index(row, 9).data())

    qtbot.waitUntil(lambda: model.rowCount() == 3 and "silent" in flags(1), timeout=10_000)
    assert flags(0) == "printer" and flags(1) == "silent" and flags(2) == ""
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole).color() == FLAGGED
    assert model.index(2, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(2, 2).data() == "never"  # the card office sends no heartbeat


def test_screenshot(qtbot, tab: LiveTab, centre: Centre, seller: Seller) -> None:
    """Fills the tab as a lunchtime looks and saves it for a person to look at."""
    books = centre.books
    lunch = lunch_type(books)
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "Anna Müller", "赵敏", "孙丽"]
    cards = []
    for i, name in enumerate(names):
        holder = books.refs.add_holder(name)
        card = books.refs.add_card(f"8802{i:02d}", holder, lunch if i % 2 else
                                   books.types["standard"], uid=f"UID8802{i:02d}")
        books.ledger.recharge(uuid.uuid4(), 99, card, 30_000, datetime.now().astimezone())
        cards.append(card)
    sold = [seller.sell(card, 800 + 150 * i) for i, card in enumerate(cards * 2)]
    doc = {"link": "online", "link_for_s": 3_600, "unsent": 0, "printer": "ok",
           "reader_ok": True, "reader": "ACS ACR122U", "version": "0.1.0"}
    send_heartbeat(centre.engine, 1, {**doc, "shift": str(uuid.uuid4()), "cashier": 1})
    send_heartbeat(centre.engine, 2, {**doc, "link": "offline", "unsent": 4,
                                      "printer": "paper out"})
    qtbot.waitUntil(lambda: sold[-1].entry_id in shown_ids(tab), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.figures.sales.text() == str(len(sold)), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.health_model.rowCount() == 3 and bool(
        tab.health_model.index(1, 9).data()), timeout=10_000)
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(SHOT))


def test_stopping_the_feed_never_waits_on_the_gui_thread(
        qtbot, tab: LiveTab, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing out or closing the office must not freeze while the feed finishes a wait."""
    waits: list[int] = []
    monkeypatch.setattr(FeedThread, "wait", lambda self, *a: waits.append(1) or True)
    tab.stop()
    assert waits == []
    monkeypatch.undo()
    qtbot.waitUntil(lambda: not tab.feeding, timeout=WAIT)  # it ended by itself
    assert join_retired(0)  # nothing left for the application's exit to join
