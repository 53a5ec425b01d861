"""Voiding an earlier sale from the recent-sales list (F7) on the real counter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog

from tests.ui.test_cashier_flow import printer, tap, type_keys
from tests.ui.test_counter_shift import close_shift_behind_the_counter
from tests.ui.test_pin_pad import in_modal, key_pin_and_enter
from tillcard.domain.rules import RefusalCode
from tillcard.launch import DEMO_FLOAT, Counter, build_demo
from tillcard.store.audit import AuditLog
from tillcard.ui.pin_dialog import ManagerApprovalDialog
from tillcard.ui.recent_sales import RecentSalesDialog


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


def sell(qtbot, c: Counter, name: str, amount: str, *, split: bool = False) -> None:
    w = c.window
    tap(qtbot, c, name)
    type_keys(qtbot, c, amount)
    if split:
        qtbot.keyClick(w, Qt.Key.Key_F4)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=5000)
    qtbot.keyClick(w, Qt.Key.Key_Escape)  # next customer


def open_list(qtbot, c: Counter) -> RecentSalesDialog:
    qtbot.keyClick(c.window, Qt.Key.Key_F7)
    dlg = c.window.recent_sales_dialog
    assert isinstance(dlg, RecentSalesDialog)
    qtbot.waitUntil(lambda: dlg.sales is not None, timeout=5000)
    return dlg


def rows(dlg: RecentSalesDialog) -> list[list[str]]:
    t = dlg.table
    return [[t.item(r, c).text() for c in range(1, 5)] for r in range(t.rowCount())]


def test_an_earlier_split_sale_is_voided_with_a_manager_and_the_cash_handed_back(
        qtbot, counter):
    w = counter.window
    sell(qtbot, counter, "刘洋", "10", split=True)  # 2.50 from the card, 7.00 in cash
    sell(qtbot, counter, "王芳", "5")  # the last sale: 刘洋's is earlier
    dlg = open_list(qtbot, counter)
    lw, wf = (next(c for c in counter.cards if c.holder == n) for n in ("刘洋", "王芳"))
    assert rows(dlg) == [["•••• " + wf.number[-4:], "王芳", "5.00", ""],
                         ["•••• " + lw.number[-4:], "刘洋", "9.50", ""]]
    dlg.select(1)
    assert dlg.void_button.isEnabled()
    before = len(printer(counter).texts)

    def approve(modal: QDialog) -> None:
        assert isinstance(modal, ManagerApprovalDialog)
        assert modal.what.text().startswith("Void 9.50 for 刘洋, ")
        reason = modal.findChild(QComboBox)
        assert reason is not None
        reason.setCurrentIndex(3)
        key_pin_and_enter(modal, "9999")

    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    in_modal(qtbot, approve)  # within the grace, but not the last sale: a manager signs
    qtbot.waitUntil(lambda: w.band.property("state") == "voided", timeout=10_000)
    assert w.band.text() == "HAND BACK 7.00 in cash — sale voided, 2.50 back on the card"
    assert w.recent_sales_dialog is None
    [sale] = [s for s in counter.till.checkout.recent_sales(w.session) if s.holder == "刘洋"]
    assert sale.voided
    [event] = AuditLog(counter.till.engine).events(str(sale.entry_id))
    assert event.action == "void_approved" and event.reason == "Charged the wrong card"
    assert printer(counter).wait_for_jobs(before + 1, timeout=5)
    assert any("VOID / REFUND" in t for t in printer(counter).texts[before:])
    tap(qtbot, counter, "刘洋")
    assert w.card_panel.balance.text() == "2.50"

    again = open_list(qtbot, counter)  # the voided sale stays listed, and says so
    assert rows(again)[1][3] == "voided"
    again.select(1)
    assert again.selected is None and not again.void_button.isEnabled()
    again.reject()


def test_the_last_sale_right_after_it_needs_no_manager(qtbot, counter):
    w = counter.window
    sell(qtbot, counter, "王芳", "12.5")
    dlg = open_list(qtbot, counter)
    dlg.select(0)
    dlg.void_button.click()
    qtbot.waitUntil(lambda: w.band.property("state") == "voided", timeout=10_000)
    assert w.band.text() == "Sale voided — 12.50 back on the card"
    last = counter.till.checkout.last_sale
    assert last is not None and last.voided
    assert AuditLog(counter.till.engine).events(str(last.entry_id)) == []


def test_a_cancelled_approval_voids_nothing(qtbot, counter):
    w = counter.window
    sell(qtbot, counter, "王芳", "3")
    counter.till.checkout.void_grace = timedelta(0)  # the customer left a while ago
    dlg = open_list(qtbot, counter)
    dlg.select(0)
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    in_modal(qtbot, lambda modal: modal.reject())
    qtbot.waitUntil(lambda: w.notice.text()
                    == "Not voided — a later void needs a manager's PIN", timeout=10_000)
    assert not any(s.voided for s in counter.till.checkout.recent_sales(w.session))


def test_sales_of_a_closed_shift_are_out_of_reach(qtbot, counter):
    w = counter.window
    sell(qtbot, counter, "王芳", "4")
    [old] = counter.till.checkout.recent_sales(w.session)
    close_shift_behind_the_counter(qtbot, counter)
    counter.till.shifts.open(w.session, counter.till.shifts.count(DEMO_FLOAT))
    assert counter.shift is not None
    if counter.shift.dialog is not None:
        counter.shift.dialog.done(0)
    counter.shift.check()
    qtbot.waitUntil(lambda: counter.shift is not None and counter.shift.is_open is True,
                    timeout=5000)
    dlg = open_list(qtbot, counter)
    assert dlg.sales == [] and dlg.status.text() == "No card sales in this shift yet"
    dlg.reject()
    manager = counter.till.auth.login("manager", "manager")
    r = counter.till.checkout.void(manager, old.entry_id)  # not even a manager, here
    assert r.refusal is not None and r.refusal.code is RefusalCode.NOTHING_TO_VOID
