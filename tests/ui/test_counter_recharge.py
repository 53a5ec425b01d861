"""Recharge at the counter (F6) and the freeze reason in the refusal band, on the real
demo counter (a standalone till: the card office's Python on the till's own chain)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from tests.ui.test_cashier_flow import card, printer, tap
from tests.ui.test_pin_pad import key_pin_and_enter
from tillcard.domain.journal import EntryKind
from tillcard.launch import Counter, build_demo
from tillcard.services.card_office import CardOffice
from tillcard.store.audit import AuditLog
from tillcard.store.office import GenericOffice
from tillcard.ui.pin_dialog import ManagerApprovalDialog
from tillcard.ui.recharge_dialog import RechargeDialog


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


def when_modal(kind: type[QDialog], act: Callable[[QDialog], None]) -> None:
    """Runs ``act`` on the next modal dialog of ``kind`` once it is up."""
    def go() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, kind) or not dlg.isVisible():
            QTimer.singleShot(10, go)
            return
        act(dlg)

    QTimer.singleShot(0, go)


def key_recharge(amount: str, received: str = "") -> Callable[[QDialog], None]:
    def act(dlg: QDialog) -> None:
        assert isinstance(dlg, RechargeDialog)
        dlg.amount.setText(amount)
        dlg.received.setText(received)
        dlg.ok_button.click()
    return act


def test_a_manager_recharges_at_the_counter_with_change_and_receipt(qtbot, counter):
    w = counter.window
    manager = counter.till.auth.login("manager", "manager")
    w.set_session(manager)
    tap(qtbot, counter, "王芳")  # standard: 50.00; 100.00 or more earns 10.00 bonus
    seen: list[str] = []

    def check_and_key(dlg: QDialog) -> None:
        assert isinstance(dlg, RechargeDialog)
        dlg.amount.setText("100")
        dlg.received.setText("50")  # less than the amount: cannot be confirmed
        seen.append(dlg.change.text())
        assert not dlg.ok_button.isEnabled()
        key_recharge("100", "120")(dlg)

    when_modal(RechargeDialog, check_and_key)
    qtbot.keyClick(w, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: w.band.text().startswith("Recharged"), timeout=10_000)
    assert seen == ["Cash received is less than 100.00"]
    assert w.band.text() == ("Recharged 100.00 — new balance 160.00  · bonus 10.00  "
                             "· change 20.00")
    assert w.card_panel.balance.text() == "160.00"
    assert printer(counter).wait_for_jobs(1, timeout=5)
    assert any("RECHARGE" in t and "100.00" in t for t in printer(counter).texts)
    assert printer(counter).drawer_kicks >= 1
    x = counter.till.shifts.x_report(manager)
    assert (x.totals.recharges, x.totals.recharge_cash) == (1, 10_000)  # on this till
    [entry] = [e for e in counter.till.ledger.till_entries(1, 0)
               if e.kind is EntryKind.RECHARGE]
    assert entry.cashier_id == manager.user_id and entry.cash_delta == 10_000
    qtbot.keyClick(w, Qt.Key.Key_Return)  # Enter right after it sells nothing
    assert counter.tasks.idle and w.flow.phase.value != "busy"


def test_a_cashier_recharges_with_a_managers_pin(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "王芳")

    def approve(dlg: QDialog) -> None:
        assert isinstance(dlg, ManagerApprovalDialog)
        assert dlg.what.text() == "Recharge 20.00 onto the card of 王芳"
        key_pin_and_enter(dlg, "9999")

    def key_then_approve(dlg: QDialog) -> None:
        when_modal(ManagerApprovalDialog, approve)
        key_recharge("20")(dlg)

    when_modal(RechargeDialog, key_then_approve)
    qtbot.keyClick(w, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: w.band.text().startswith("Recharged"), timeout=10_000)
    assert w.band.text() == "Recharged 20.00 — new balance 70.00"
    events = [e for e in AuditLog(counter.till.engine).events()
              if e.action == "card_recharged"]
    manager_id = next(u.id for u in counter.till.refs.users() if u.login == "manager")
    assert [e.user_id for e in events][-1] == manager_id  # the manager answers for it


def test_a_cashier_without_a_manager_recharges_nothing(qtbot, counter):
    w = counter.window
    tap(qtbot, counter, "王芳")

    def key_then_cancel(dlg: QDialog) -> None:
        when_modal(ManagerApprovalDialog, lambda approval: approval.reject())
        key_recharge("20")(dlg)

    when_modal(RechargeDialog, key_then_cancel)
    qtbot.keyClick(w, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: w.band.text() == "A recharge at the till needs a manager",
                    timeout=10_000)
    assert w.band.property("state") == "refused"
    assert w.card_panel.balance.text() == "50.00"


def test_f6_without_a_card_flashes_and_opens_nothing(qtbot, counter):
    w = counter.window
    qtbot.keyClick(w, Qt.Key.Key_F6)
    assert w.band.property("flash") is True
    assert counter.tasks.idle and QApplication.activeModalWidget() is None


def test_the_cashier_reads_why_a_card_was_frozen(qtbot, counter):
    w = counter.window
    admin = counter.till.auth.login("admin", "admin")
    office = CardOffice(GenericOffice(counter.till.engine, 99), counter.till.hasher)
    office.freeze(admin, card(counter, "王芳").card_id, "lost wallet reported by holder")
    tap(qtbot, counter, "王芳")
    assert w.band.property("state") == "refused"
    assert w.band.text() == "Card is frozen — lost wallet reported by holder"
    assert not w.keypad.charge_button.isEnabled()
    tap(qtbot, counter, "Zhao Min")  # frozen by the demo's seed, no reason given
    assert w.band.text() == "Card is frozen"
