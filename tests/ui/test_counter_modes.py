"""A set price per tap, and sales without a card, through the real counter window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tillcard.config import CounterSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.launch import Counter, build_demo
from tillcard.services.auth import SecretHasher


def printer(c: Counter) -> SimulatedPrinter:
    p = c.till.printer_connection
    assert isinstance(p, SimulatedPrinter)
    return p


def tap(qtbot, c: Counter, name: str) -> None:
    assert c.reader is not None
    c.reader.tap(next(x for x in c.cards if x.holder == name).uid)


@pytest.fixture
def canteen(qtbot, tmp_path, hasher: SecretHasher) -> Iterator[Counter]:
    c = build_demo(tmp_path, hasher=hasher, selling=CounterSettings(fixed_price="12.00"))
    qtbot.addWidget(c.window)
    c.window.show()
    assert c.shift is not None
    qtbot.waitUntil(lambda: c.shift is not None and c.shift.is_open is True, timeout=5000)
    yield c
    c.close()


def test_a_tap_charges_the_set_price_with_no_enter(qtbot, canteen: Counter) -> None:
    w = canteen.window
    assert w.band.text() == "Tap a card to pay 12.00"
    tap(qtbot, canteen, "王芳")  # standard, 50.00
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    assert w.band.text() == "Paid 12.00 — new balance 38.00"
    assert printer(canteen).wait_for_jobs(1, timeout=5)
    assert "12.00" in printer(canteen).texts[-1]


def test_keys_cannot_change_a_set_price_and_a_bounce_is_not_charged(
        qtbot, canteen: Counter) -> None:
    w = canteen.window
    tap(qtbot, canteen, "王芳")
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    tap(qtbot, canteen, "王芳")  # the same card again at once: asked, not charged
    qtbot.waitUntil(lambda: "a moment ago" in w.notice.text(), timeout=5000)
    assert w.card_panel.balance.text() == "38.00"
    qtbot.keyClick(w, "5")
    assert w.quote_panel.total.text() == "12.00"  # the price is set: the key is refused
    qtbot.keyClick(w, Qt.Key.Key_Return)  # a second meal, asked for
    qtbot.waitUntil(lambda: w.card_panel.balance.text() == "26.00", timeout=5000)


def test_a_refused_card_is_not_charged_at_a_set_price(qtbot, canteen: Counter) -> None:
    w = canteen.window
    tap(qtbot, canteen, "刘洋")  # 2.50 on the card: short
    qtbot.waitUntil(lambda: w.band.property("state") == "refused", timeout=5000)
    assert w.band.text().startswith("Insufficient balance")
    assert printer(canteen).texts == []


def test_a_sale_without_a_card_collects_cash_and_counts_in_the_shift(
        qtbot, counter: Counter) -> None:
    w = counter.window
    qtbot.waitUntil(lambda: counter.shift is not None and counter.shift.is_open is True,
                    timeout=5000)
    for ch in "8.50":
        qtbot.keyClick(w, ch)
    assert w.cash_button.isEnabled() and w.cash_button.text() == "CASH 8.50  (F4)"
    qtbot.keyClick(w, Qt.Key.Key_F4)
    assert w.quote_panel.charge.text() == "COLLECT  8.50"
    assert w.quote_panel.discount.text() == ""  # no card pays a part
    for ch in "10":
        qtbot.keyClick(w, ch)
    assert w.quote_panel.balance_after.text() == "CHANGE  1.50"
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    assert w.band.text() == "Cash sale 8.50 paid  · change 1.50"
    x = counter.till.shifts.x_report(w.session)
    assert (x.totals.cash_sales, x.totals.cash_sales_amount) == (1, 850)
