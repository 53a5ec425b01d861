"""Nothing surprising at Enter, and cash at the till: the cashier window on demo data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from tillcard.devices.display.simulated import SimulatedDisplay
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.launch import Counter


@pytest.fixture
def beeps(counter: Counter, monkeypatch) -> list[int]:
    """Every beep of the window, instead of the speaker."""
    heard: list[int] = []
    monkeypatch.setattr(counter.window, "_beep", lambda: heard.append(1))
    return heard


def printer(c: Counter) -> SimulatedPrinter:
    p = c.till.printer_connection
    assert isinstance(p, SimulatedPrinter)
    return p


def display(c: Counter) -> SimulatedDisplay:
    d = c.till.display
    assert isinstance(d, SimulatedDisplay)
    return d


def tap(qtbot, c: Counter, name: str) -> None:
    assert c.reader is not None
    c.reader.tap(next(x for x in c.cards if x.holder == name).uid)
    qtbot.waitUntil(lambda: c.window.card_panel.holder.text() == name, timeout=3000)


def type_keys(qtbot, c: Counter, text: str) -> None:
    for ch in text:
        qtbot.keyClick(c.window, ch)


def enter(qtbot, c: Counter) -> None:
    qtbot.keyClick(c.window, Qt.Key.Key_Return)


def wait_paid(qtbot, c: Counter) -> None:
    qtbot.waitUntil(lambda: c.window.flow.phase.value == "paid", timeout=3000)


# -- Enter -------------------------------------------------------------------------------


def test_double_enter_charges_once_and_keeps_the_paid_band(qtbot, counter, beeps):
    w = counter.window
    tap(qtbot, counter, "王芳")  # standard, 50.00
    type_keys(qtbot, counter, "12.5")
    enter(qtbot, counter)
    wait_paid(qtbot, counter)
    enter(qtbot, counter)  # the second Enter of a double press
    assert counter.tasks.idle  # no second charge started
    assert w.band.property("state") == "paid"
    assert w.band.text() == "Paid 12.50 — new balance 37.50"
    assert not w.keypad.charge_button.isEnabled()
    qtbot.waitUntil(lambda: w.flow.phase.value != "paid", timeout=5000)
    enter(qtbot, counter)  # still nothing keyed since the sale: nothing happens
    assert counter.tasks.idle
    assert w.band.property("state") == "card"
    assert w.band.text() == "Key the amount, Enter to charge"
    assert beeps == []
    assert w.card_panel.balance.text() == "37.50"
    assert printer(counter).wait_for_jobs(1, timeout=5)
    assert len(printer(counter).texts) == 1


def test_enter_with_nothing_keyed_is_a_neutral_prompt(qtbot, counter, beeps):
    w = counter.window
    assert w.quote_panel.charge.text() == "CHARGE"  # not "CHARGE 0.00"
    tap(qtbot, counter, "黄磊")
    enter(qtbot, counter)
    assert w.band.property("state") == "card"
    assert w.band.text() == "Key the amount, Enter to charge"
    assert w.band.property("flash") is True
    assert beeps == [1]
    assert counter.tasks.idle


def test_enter_with_no_card_asks_for_one_neutrally(qtbot, counter, beeps):
    w = counter.window
    type_keys(qtbot, counter, "5")
    enter(qtbot, counter)
    assert w.band.property("state") == "waiting"
    assert w.band.text() == "Waiting for a card"
    assert beeps == [1]


# -- an amount carried from the last card ------------------------------------------------


def test_an_amount_keyed_for_the_last_card_is_cleared_for_the_next(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "8")
    assert counter.reader is not None
    counter.reader.remove()
    qtbot.waitUntil(lambda: w.card_panel.holder.text() == "Tap a card", timeout=5000)
    assert w.quote_panel.total.text() == "8.00"  # kept while no card is shown
    tap(qtbot, counter, "黄磊")
    assert w.flow.keypad.expression == ""
    assert w.quote_panel.charge.text() == "CHARGE"
    assert w.notice.text() == ("Amount 8.00 keyed for the last card cleared — key this "
                               "sale's amount")
    type_keys(qtbot, counter, "8")
    assert w.quote_panel.charge.text() == "CHARGE  8.00"  # not 88.00
    assert w.notice.text() == ""


def test_an_amount_keyed_before_the_card_is_kept(qtbot, counter):
    w = counter.window
    type_keys(qtbot, counter, "5")
    tap(qtbot, counter, "黄磊")
    assert w.quote_panel.charge.text() == "CHARGE  5.00"
    assert w.notice.text() == ""
    tap(qtbot, counter, "王芳")  # a swap: the amount was this customer's, not the next
    assert w.flow.keypad.expression == ""


# -- the Cash key ----------------------------------------------------------------------


def test_split_collects_cash_shows_change_and_confirms(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "刘洋")  # student, 2.50, 5 % off
    type_keys(qtbot, counter, "10")  # 9.50 due: 2.50 on the card, 7.00 in cash
    qtbot.mouseClick(w.cash_button, Qt.MouseButton.LeftButton)
    assert w.band.property("state") == "collect"
    assert w.quote_panel.charge.text() == "COLLECT  7.00"
    assert w.keypad.charge_button.text() == "CONFIRM CASH  (Enter)"
    assert w.keypad.charge_button.isEnabled()
    type_keys(qtbot, counter, "10")  # the customer hands over 10.00
    assert w.quote_panel.balance_after.text() == "CHANGE  3.00"
    assert w.quote_panel.expression.text() == "10"  # the sale's amount did not move
    assert display(counter).lines[0].startswith("Cash due")
    assert display(counter).lines[1].endswith("3.00")
    enter(qtbot, counter)
    wait_paid(qtbot, counter)
    assert w.band.text() == "Paid 2.50 — new balance 0.00  · cash 7.00  · change 3.00"
    assert w.card_panel.balance.text() == "0.00"
    assert printer(counter).wait_for_jobs(1, timeout=5)
    assert printer(counter).drawer_kicks == 1


def test_too_little_cash_received_is_not_charged(qtbot, counter, beeps):
    w = counter.window
    tap(qtbot, counter, "刘洋")
    type_keys(qtbot, counter, "10")
    qtbot.keyClick(w, Qt.Key.Key_Minus, Qt.KeyboardModifier.KeypadModifier)  # numpad −
    assert w.flow.phase.value == "collect"
    type_keys(qtbot, counter, "5")
    assert w.quote_panel.balance_after.text() == "received 5.00 — not enough"
    enter(qtbot, counter)
    assert counter.tasks.idle
    assert w.flow.phase.value == "collect"
    assert w.notice.text().startswith("Cash received is less than 7.00")
    assert beeps == [1]


def test_esc_leaves_the_cash_step_without_charging(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "刘洋")
    type_keys(qtbot, counter, "10")
    qtbot.keyClick(w, Qt.Key.Key_F4)
    type_keys(qtbot, counter, "20")
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert counter.tasks.idle
    assert w.flow.phase.value == "refused"
    assert w.band.text().startswith("Insufficient balance — short 7.00")
    assert w.quote_panel.charge.text() == "CHARGE  9.50"
    assert w.card_panel.balance.text() == "2.50"
    assert printer(counter).texts == []


def test_void_of_a_split_sale_says_hand_back_the_cash(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "刘洋")
    type_keys(qtbot, counter, "10")
    qtbot.keyClick(w, Qt.Key.Key_F4)
    enter(qtbot, counter)
    wait_paid(qtbot, counter)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    assert "hand back 7.00 in cash" in w.band.text()
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.band.property("state") == "voided", timeout=3000)
    assert w.band.text() == "HAND BACK 7.00 in cash — sale voided, 2.50 back on the card"
    assert w.card_panel.balance.text() == "2.50"
    enter(qtbot, counter)  # a stray Enter leaves the instruction up
    assert w.band.property("state") == "voided"


def test_void_of_a_card_sale_says_what_went_back(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "黄磊")
    type_keys(qtbot, counter, "20")
    enter(qtbot, counter)
    wait_paid(qtbot, counter)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.band.property("state") == "voided", timeout=3000)
    assert w.band.text() == "Sale voided — 20.00 back on the card"


# -- refusals before Enter -------------------------------------------------------------


@pytest.mark.parametrize(("holder", "amount", "reason"), [
    ("Zhao Min", "5", "Card is frozen"),
    ("Chen Jie", "25", "Over the per-sale limit of 20.00"),  # student: 23.75 > 20.00
    ("张伟", "100", "Over today's limit: 80.00 left of 80.00"),  # staff: 90.00 > 80.00
    ("刘洋", "10", "Insufficient balance — short 7.00"),  # no cash: Enter does not split
])
def test_charge_is_disabled_for_a_refusal_the_quote_knows(qtbot, counter, beeps, holder,
                                                          amount, reason):
    w = counter.window
    tap(qtbot, counter, holder)
    type_keys(qtbot, counter, amount)
    assert w.band.property("state") == "refused"
    assert w.band.text().startswith(reason)
    assert not w.keypad.charge_button.isEnabled()
    enter(qtbot, counter)
    assert counter.tasks.idle
    assert w.band.text().startswith(reason)
    assert w.band.property("flash") is True
    assert beeps == [1]
    assert not display(counter).lines[0].startswith("Charge")  # never a quote
    assert printer(counter).texts == []


def test_a_pin_need_is_shown_and_charge_stays_enabled(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "Gao Yang")  # staff: PIN above 50.00
    type_keys(qtbot, counter, "60")
    assert w.quote_panel.pin_note.text() == "PIN needed above 50.00"
    assert w.band.property("state") == "card"
    assert w.keypad.charge_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_Backspace)  # 6.00: no PIN
    assert w.quote_panel.pin_note.text() == ""


def test_customer_display_shows_the_refusal_not_a_quote(qtbot, counter):
    tap(qtbot, counter, "Zhao Min")  # frozen
    type_keys(qtbot, counter, "5")
    assert [x.strip() for x in display(counter).lines] == ["Card not accepted",
                                                            "Please see cashier"]
    tap(qtbot, counter, "刘洋")
    type_keys(qtbot, counter, "10")
    upper, lower = display(counter).lines
    assert upper.strip() == "Balance too low"
    assert lower.startswith("Short") and lower.endswith("7.00")


# -- keys and small things -------------------------------------------------------------


def test_a_refused_key_flashes_beeps_and_the_maximum_is_shown(qtbot, counter, beeps):
    w = counter.window
    tap(qtbot, counter, "黄磊")
    assert w.quote_panel.maximum.text() == "max 1,000.00"
    type_keys(qtbot, counter, "1200")  # the last 0 would make 1,200.00
    assert w.quote_panel.expression.text() == "120"
    assert w.quote_panel.total.text() == "120.00"
    assert beeps == [1]
    assert w.quote_panel.total.property("flash") is True
    assert w.quote_panel.maximum.property("flash") is True


def test_f8_says_whether_there_is_a_receipt_to_reprint(qtbot, counter):
    w = counter.window
    qtbot.keyClick(w, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: w.notice.text() == "Nothing to reprint", timeout=3000)
    tap(qtbot, counter, "黄磊")
    type_keys(qtbot, counter, "8")
    enter(qtbot, counter)
    wait_paid(qtbot, counter)
    assert printer(counter).wait_for_jobs(1, timeout=5)
    qtbot.keyClick(w, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: w.notice.text() == "Reprinting last receipt", timeout=3000)
    assert printer(counter).wait_for_jobs(2, timeout=5)


def test_last_sale_shows_the_time_of_the_sale(qtbot, counter, monkeypatch):
    w = counter.window
    assert "F4 or − cash" in w.last_label.text()  # the key hints
    sold_at = datetime.now().astimezone() - timedelta(hours=3, minutes=17)
    monkeypatch.setattr(counter.till.checkout, "_clock", lambda: sold_at)
    tap(qtbot, counter, "黄磊")
    type_keys(qtbot, counter, "8")
    enter(qtbot, counter)
    wait_paid(qtbot, counter)
    assert w.last_label.text().startswith(f"last: {sold_at.strftime('%H:%M')}  黄磊  −8.00")
    assert "F4 or − cash" in w.last_label.text()


def test_unknown_card_repeats_the_number(qtbot, counter):
    w = counter.window
    w.present_token("12345678", reports_removal=False)  # as typed after F3
    qtbot.waitUntil(lambda: w.band.text() == "Unknown card 12345678", timeout=3000)
    assert w.band.property("state") == "refused"
    assert display(counter).lines[0].strip() == "Card not accepted"


def test_discount_reads_the_same_on_card_and_quote(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "Li Na")
    type_keys(qtbot, counter, "10")
    assert w.card_panel.type_label.text() == "Staff 10%"
    assert w.quote_panel.discount.text() == "discount (Staff 10%)  −1.00"
