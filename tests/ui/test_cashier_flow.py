"""The whole cashier flow on the real window, demo data, simulated reader and printer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cards import CardStatus
from tillcard.launch import Counter


def printer(c: Counter) -> SimulatedPrinter:
    p = c.till.printer_connection
    assert isinstance(p, SimulatedPrinter)
    return p


def card(c: Counter, name: str):
    return next(x for x in c.cards if x.holder == name)


def tap(qtbot, c: Counter, name: str) -> None:
    assert c.reader is not None
    c.reader.tap(card(c, name).uid)
    qtbot.waitUntil(lambda: c.window.card_panel.holder.text() == name, timeout=3000)


def type_keys(qtbot, c: Counter, text: str) -> None:
    for ch in text:
        qtbot.keyClick(c.window, ch)


def test_tap_key_charge_and_receipt(qtbot, counter):
    w = counter.window
    assert w.band.text() == "Waiting for a card"
    tap(qtbot, counter, "王芳")  # standard card, 50.00
    assert w.card_panel.balance.text() == "50.00"
    type_keys(qtbot, counter, "12.50")
    assert w.quote_panel.charge.text() == "CHARGE  12.50"
    assert w.quote_panel.balance_after.text() == "balance  50.00  →  37.50"
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=3000)
    assert w.band.text() == "Paid 12.50 — new balance 37.50"
    assert w.card_panel.balance.text() == "37.50"
    assert printer(counter).wait_for_jobs(1, timeout=5)
    receipt = printer(counter).texts[-1]
    assert "12.50" in receipt and "37.50" in receipt and "王芳" in receipt


def test_numpad_discount_and_expression(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "Li Na")  # staff 10 % off
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_Plus, Qt.Key.Key_8, Qt.Key.Key_Period,
                Qt.Key.Key_5, Qt.Key.Key_Asterisk, Qt.Key.Key_2):
        qtbot.keyClick(w, key, Qt.KeyboardModifier.KeypadModifier)
    assert w.quote_panel.expression.text() == "12.00 + 8.50 × 2"
    assert w.quote_panel.total.text() == "29.00"
    assert w.quote_panel.charge.text() == "CHARGE  26.10"
    assert "−2.90" in w.quote_panel.discount.text()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.quote_panel.total.text() == "0.00"


def test_frozen_card_refused_with_reason(qtbot, counter):
    w = counter.window
    frozen = next(x for x in counter.cards if x.status is CardStatus.FROZEN)
    tap(qtbot, counter, frozen.holder)
    assert w.band.property("state") == "refused"
    assert w.band.text() == "Card is frozen"
    type_keys(qtbot, counter, "5")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.flow.phase.value == "refused" and w.band.text() == "Card is frozen"
    assert printer(counter).texts == []


def test_insufficient_then_cash_key_split_tender(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "刘洋")  # student, 2.50, 5 % off
    type_keys(qtbot, counter, "10")  # 9.50 due, 2.50 on the card: known before Enter
    assert w.band.property("state") == "refused"
    assert w.band.text().startswith("Insufficient balance — short 7.00")
    assert "Cash (F4): take 7.00 in cash" in w.band.text()
    assert not w.keypad.charge_button.isEnabled()
    assert w.cash_button.text() == "CASH 7.00  (F4)"
    qtbot.keyClick(w, Qt.Key.Key_Return)  # Enter never sells a split by itself
    assert w.flow.phase.value == "refused" and counter.tasks.idle
    qtbot.keyClick(w, Qt.Key.Key_F4)  # the Cash key: collect the rest in cash
    assert w.band.property("state") == "collect"
    assert w.quote_panel.charge.text() == "COLLECT  7.00"
    qtbot.keyClick(w, Qt.Key.Key_Return)  # nothing keyed as received: the exact cash
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=3000)
    assert "cash 7.00" in w.band.text()
    assert w.card_panel.balance.text() == "0.00"
    assert printer(counter).wait_for_jobs(1, timeout=5)
    receipt = printer(counter).texts[-1]
    assert "7.00" in receipt and "9.50" in receipt
    assert printer(counter).drawer_kicks == 1


def test_on_screen_keypad_and_void_last(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "黄磊")  # standard 80.00
    for key in ("2", "0"):
        qtbot.mouseClick(w.keypad.buttons[key], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.keypad.charge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.card_panel.balance.text() == "60.00", timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    assert "Press F9 again" in w.band.text()
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.card_panel.balance.text() == "80.00", timeout=3000)
    assert "(voided)" in w.last_label.text()
    assert printer(counter).wait_for_jobs(2, timeout=5)


def test_card_removed_clears_panel_keeps_amount(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "3")
    assert counter.reader is not None
    counter.reader.remove()
    qtbot.waitUntil(lambda: w.card_panel.holder.text() == "Tap a card", timeout=5000)
    assert w.quote_panel.total.text() == "3.00"
    assert w.band.text() == "Waiting for a card"


def test_unknown_card(qtbot, counter):
    assert counter.reader is not None
    counter.reader.tap("DEADBEEF")
    qtbot.waitUntil(lambda: counter.window.band.text() == "Unknown card DEADBEEF",
                    timeout=3000)
    assert counter.window.band.property("state") == "refused"


def test_pin_required_for_staff_above_limit(qtbot, counter, monkeypatch):
    w = counter.window
    tap(qtbot, counter, "Gao Yang")  # staff: PIN above 50.00
    asked: list[int] = []

    def fake_pin() -> str:
        asked.append(1)
        return "1234"

    monkeypatch.setattr(w, "_ask_pin", fake_pin)
    type_keys(qtbot, counter, "60")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    assert asked == [1]
    assert w.card_panel.balance.text() == "261.00"  # 300 + 15 bonus − 54
