"""The counter inside its shift and its sign-in: no sale without a shift, F10/F11/F12, a
later void approved by a manager, a change of cashier, the reader while locked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialog

from tests.ui.test_cashier_flow import printer, tap, type_keys
from tests.ui.test_pin_pad import in_modal, key_pin_and_enter
from tillcard.launch import DEMO_FLOAT, Counter, attach_sign_in, build_demo
from tillcard.ui.pin_dialog import ManagerApprovalDialog
from tillcard.ui.shift_dialogs import CloseShiftDialog, OpenShiftDialog, XReportView


@pytest.fixture
def counter(qtbot, tmp_path, hasher) -> Iterator[Counter]:
    c = build_demo(tmp_path, hasher=hasher)
    qtbot.addWidget(c.window)
    c.window.show()
    assert c.shift is not None
    qtbot.waitUntil(lambda: c.shift is not None and c.shift.is_open is True, timeout=5000)
    yield c
    if c.shift is not None and c.shift.dialog is not None:
        c.shift.dialog.done(0)
    c.close()


def close_shift_behind_the_counter(qtbot, c: Counter) -> None:
    c.till.shifts.close(c.window.session, c.till.shifts.count(DEMO_FLOAT))  # exact
    assert c.shift is not None
    c.shift.check()
    qtbot.waitUntil(lambda: c.shift is not None and c.shift.is_open is False, timeout=5000)


def test_no_shift_no_sale_then_f11_counts_the_float_and_selling_resumes(qtbot, counter):
    w = counter.window
    close_shift_behind_the_counter(qtbot, counter)
    assert counter.shift is not None
    qtbot.waitUntil(lambda: isinstance(counter.shift.dialog, OpenShiftDialog), timeout=5000)
    counter.shift.dialog.done(0)  # the cashier dismisses the float count at first
    qtbot.waitUntil(lambda: counter.shift.dialog is None, timeout=5000)
    assert w.band.text() == "No shift open — F11 to count the float and open one"
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "5")
    assert not w.keypad.charge_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_Return)  # Enter flashes the reason; nothing is charged
    assert w.band.property("flash") is True
    assert w.card_panel.balance.text() == "50.00" and w.flow.phase.value != "busy"

    qtbot.keyClick(w, Qt.Key.Key_F11)
    dlg = counter.shift.dialog
    assert isinstance(dlg, OpenShiftDialog)
    qtbot.waitUntil(lambda: dlg.ok_button.isEnabled(), timeout=5000)
    with qtbot.waitSignal(dlg.shift_opened, timeout=5000):
        dlg.ok_button.click()
    qtbot.waitUntil(lambda: w.keypad.charge_button.isEnabled(), timeout=5000)
    assert w.shift_button.text() == "Close shift (F11)"
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    assert w.band.text() == "Paid 5.00 — new balance 45.00"


def test_f10_shows_the_x_and_f11_closes_with_a_z_then_signs_out(qtbot, counter):
    w = counter.window
    gate = counter.gate = attach_sign_in(counter, w.session, QApplication.instance())
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "7")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    assert counter.shift is not None
    qtbot.keyClick(w, Qt.Key.Key_F10)
    x = counter.shift.dialog
    assert isinstance(x, XReportView)
    qtbot.waitUntil(lambda: x.summary is not None, timeout=5000)
    assert x.summary is not None and x.summary.totals.sales == 1
    x.done(0)
    qtbot.waitUntil(lambda: counter.shift.dialog is None, timeout=5000)

    qtbot.keyClick(w, Qt.Key.Key_F11)
    close = counter.shift.dialog
    assert isinstance(close, CloseShiftDialog)
    qtbot.waitUntil(lambda: close.expected_minor is not None, timeout=5000)
    assert close.expected_minor is not None
    assert close.expected_minor == 20_000  # the demo's float: card sales bring no cash
    close.counter.set_counts(DEMO_FLOAT)  # exact
    with qtbot.waitSignal(close.shift_closed, timeout=5000) as closed:
        close.close_button.click()
    assert closed.args[0].z_no == 1
    assert not w.keypad.charge_button.isEnabled()
    qtbot.waitUntil(lambda: any("SHIFT REPORT (Z)" in t for t in printer(counter).texts),
                    timeout=5000)
    close.done(0)  # "Done": the cashier read the Z number
    qtbot.waitUntil(lambda: gate.showing, timeout=5000)
    assert not w.isVisible()  # signed out: the names for whoever comes next


def test_a_later_void_needs_a_manager_and_a_reason(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "12.5")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    counter.till.checkout.void_grace = timedelta(0)  # the customer left a while ago

    def approve(dlg: QDialog) -> None:
        assert isinstance(dlg, ManagerApprovalDialog)
        assert dlg.what.text() == "Void 12.50 for 王芳"
        reason = dlg.findChild(QComboBox)
        assert reason is not None
        reason.setCurrentIndex(1)
        key_pin_and_enter(dlg, "9999")

    in_modal(qtbot, approve)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.band.property("state") == "voided", timeout=10_000)
    qtbot.waitUntil(lambda: w.card_panel.balance.text() == "50.00", timeout=5000)
    last = counter.till.checkout.last_sale
    assert last is not None and last.voided
    from tillcard.store.audit import AuditLog
    [event] = AuditLog(counter.till.engine).events(str(last.entry_id))
    assert event.action == "void_approved" and event.reason == "Wrong amount keyed"


def test_a_cancelled_approval_voids_nothing_and_says_so(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "3")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    counter.till.checkout.void_grace = timedelta(0)
    in_modal(qtbot, lambda dlg: dlg.reject())
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.keyClick(w, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.notice.text()
                    == "Not voided — a later void needs a manager's PIN", timeout=10_000)
    last = counter.till.checkout.last_sale
    assert last is not None and not last.voided
    assert w.card_panel.balance.text() == "47.00"


def test_f12_locks_the_reader_is_ignored_and_a_new_cashier_starts_clean(qtbot, counter):
    w = counter.window
    gate = counter.gate = attach_sign_in(counter, w.session, QApplication.instance())
    tap(qtbot, counter, "王芳")
    type_keys(qtbot, counter, "8")
    qtbot.keyClick(w, Qt.Key.Key_F12)
    assert gate.showing and not w.isVisible()
    assert counter.reader is not None
    with qtbot.waitSignal(counter.reader_bridge.card_presented, timeout=3000):
        counter.reader.tap(next(x for x in counter.cards if x.holder == "Li Na").uid)
    qtbot.waitUntil(lambda: counter.tasks.idle, timeout=5000)  # the lock screen's look-up
    assert w.flow.view is not None and w.flow.view.card.holder.name == "王芳"
    gate.sign_out()  # someone else comes; the same flow as "Another cashier"
    other = counter.till.auth.sign_in_pin(
        next(u.id for u in counter.till.auth.till_users() if u.login == "cashier2"), "2222")
    gate.screen.signed_in.emit(other)
    qtbot.waitUntil(lambda: w.isVisible(), timeout=5000)
    assert w.session.login == "cashier2" and "赵敏" in w.who.text()
    assert w.flow.view is None and w.quote_panel.total.text() == "0.00"
