"""The PIN pad, the customer's PIN dialog and a manager's approval, on real widgets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QWidget

from tillcard.devices.readers.base import CardPresented
from tillcard.services.auth import Approval, AuthService, Role
from tillcard.services.demo import STAFF_UIDS
from tillcard.store.reference import ReferenceStore
from tillcard.ui.pin_dialog import (
    ManagerApproval,
    ManagerApprovalDialog,
    NameGrid,
    PinDialog,
    PinPad,
    ask_approval,
    ask_pin,
)

LEFT = Qt.MouseButton.LeftButton
KEYPAD = Qt.KeyboardModifier.KeypadModifier


@pytest.fixture
def pad(qtbot) -> PinPad:
    p = PinPad(min_length=4, max_length=6)
    qtbot.addWidget(p)
    p.show()
    return p


def test_touch_and_keys_build_the_pin(qtbot, pad):
    for d in "12":
        qtbot.mouseClick(pad.buttons[d], LEFT)
    qtbot.keyClick(pad, "3")
    qtbot.keyClick(pad, Qt.Key.Key_4, KEYPAD)  # the numpad
    assert pad.dots.text() == "●●●●"
    with qtbot.waitSignal(pad.submitted, timeout=1000) as sent:
        qtbot.keyClick(pad, Qt.Key.Key_Enter, KEYPAD)
    assert sent.args == ["1234"]


def test_pad_shows_only_dots(qtbot, pad):
    for d in "9081":
        qtbot.mouseClick(pad.buttons[d], LEFT)
    assert set(pad.dots.text()) == {"●"}
    assert not pad.findChildren(QLineEdit)
    assert all("9081" not in lab.text() for lab in pad.findChildren(QLabel))


def test_backspace_clear_and_esc(qtbot, pad):
    for d in "5555":
        qtbot.keyClick(pad, d)
    qtbot.keyClick(pad, Qt.Key.Key_Backspace)
    assert pad.length == 3
    qtbot.mouseClick(pad.buttons["backspace"], LEFT)
    assert pad.length == 2
    qtbot.mouseClick(pad.buttons["clear"], LEFT)
    assert pad.length == 0 and pad.dots.text() == ""
    qtbot.keyClick(pad, "1")
    qtbot.keyClick(pad, Qt.Key.Key_Escape)
    assert pad.length == 0


def test_short_pin_not_sent_and_long_pin_capped(qtbot, pad):
    for d in "123":
        qtbot.keyClick(pad, d)
    assert not pad.ok_button.isEnabled()
    with qtbot.assertNotEmitted(pad.submitted):
        qtbot.keyClick(pad, Qt.Key.Key_Return)
    for d in "456789":
        qtbot.keyClick(pad, d)
    assert pad.length == 6
    assert pad.ok_button.isEnabled()


def test_busy_pad_ignores_keys(qtbot, pad):
    pad.set_busy(True)
    qtbot.keyClick(pad, "1")
    assert pad.length == 0
    assert not pad.buttons["1"].isEnabled()
    pad.set_busy(False)
    qtbot.keyClick(pad, "1")
    assert pad.length == 1


# -- the customer's card PIN ---------------------------------------------------------------


def test_customer_dialog_shows_what_is_approved(qtbot):
    dlg = PinDialog(amount="62.50", holder="Zhang Wei")
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.headline.text() == "Approve 62.50 for Zhang Wei"
    assert dlg.headline.isVisible()
    for d in "4321":
        qtbot.mouseClick(dlg.pad.buttons[d], LEFT)
    qtbot.mouseClick(dlg.pad.ok_button, LEFT)
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.pin == "4321"


def test_customer_dialog_esc_on_empty_pad_cancels(qtbot):
    dlg = PinDialog(amount="8.00")
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.headline.text() == "Approve 8.00"
    qtbot.keyClick(dlg.pad, "1")
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Escape)  # clears first
    assert dlg.isVisible()
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Escape)
    assert dlg.result() == QDialog.DialogCode.Rejected and dlg.pin is None


def in_modal(qtbot, act: Callable[[QDialog], None]) -> None:
    """Runs ``act`` on the modal dialog about to open, once it is up."""
    def go() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QDialog):
            QTimer.singleShot(10, go)  # not up yet: look again once the loop turned
            return
        act(dlg)

    QTimer.singleShot(0, go)


def key_pin_and_enter(dlg: QDialog, pin: str) -> None:
    pad = dlg.findChild(PinPad)
    assert pad is not None
    for d in pin:
        pad.press(d)
    pad.press("ok")


def test_ask_pin_keeps_its_old_signature(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    in_modal(qtbot, lambda dlg: key_pin_and_enter(dlg, "1234"))
    assert ask_pin(parent) == "1234"


def test_ask_pin_with_amount(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def act(dlg: QDialog) -> None:
        assert isinstance(dlg, PinDialog)
        seen.append(dlg.headline.text())
        dlg.reject()

    in_modal(qtbot, act)
    assert ask_pin(parent, amount="62.50", holder="张伟") is None
    assert seen == ["Approve 62.50 for 张伟"]


# -- a manager's approval ------------------------------------------------------------------


@pytest.fixture
def auth(sqlite_engine, hasher) -> AuthService:
    a = AuthService(ReferenceStore(sqlite_engine), hasher)
    a.create_user("cashier", "Li Na", Role.CASHIER, "secret", pin="1234",
                  staff_uid=STAFF_UIDS["cashier"])
    a.create_user("manager", "Wang Qiang", Role.MANAGER, "secret", pin="9999",
                  staff_uid=STAFF_UIDS["manager"])
    return a


def approval_dialog(qtbot, auth, tasks, **options) -> ManagerApprovalDialog:
    dlg = ManagerApprovalDialog(auth, tasks, "Void 62.50 — Zhang Wei, 12:03", **options)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: bool(dlg.names.buttons), timeout=5000)
    return dlg


def key_in(qtbot, dlg: ManagerApprovalDialog, pin: str) -> None:
    for d in pin:
        qtbot.keyClick(dlg.pad, d)


def test_manager_pin_approves(qtbot, auth, tasks):
    dlg = approval_dialog(qtbot, auth, tasks)
    assert dlg.what.text() == "Void 62.50 — Zhang Wei, 12:03"
    assert [b.full_text for b in dlg.names.buttons] == ["1   Wang Qiang"]  # managers only
    key_in(qtbot, dlg, "9999")
    with qtbot.waitSignal(dlg.approved, timeout=5000) as got:
        qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    given = got.args[0]
    assert isinstance(given, ManagerApproval) and isinstance(given.approval, Approval)
    assert given.approval.name == "Wang Qiang"
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_cashier_pin_refused(qtbot, auth, tasks):
    dlg = approval_dialog(qtbot, auth, tasks)
    key_in(qtbot, dlg, "1234")
    with qtbot.assertNotEmitted(dlg.approved), \
            qtbot.waitSignal(tasks.finished_task, timeout=5000):
        qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    assert dlg.pad.message.text() == "No manager has this PIN"
    assert dlg.isVisible() and dlg.result_approval is None
    assert dlg.pad.length == 0


def test_reason_asked_before_the_pin_is_checked(qtbot, auth, tasks):
    dlg = approval_dialog(qtbot, auth, tasks, reason_required=True,
                          reasons=["wrong amount", "customer changed mind"])
    qtbot.mouseClick(dlg.names.buttons[0], LEFT)
    assert dlg.pad.message.text() == "Wang Qiang: enter your PIN"
    key_in(qtbot, dlg, "9999")
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    assert dlg.pad.message.text() == "Give a reason first"
    assert tasks.idle
    dlg.reason.setCurrentIndex(1)
    with qtbot.waitSignal(dlg.approved, timeout=5000) as got:
        dlg.pad.press("ok")
    assert got.args[0].reason == "wrong amount"
    assert got.args[0].approval.name == "Wang Qiang"


def test_manager_card_picks_and_cashier_card_refused(qtbot, auth, tasks, bridge):
    dlg = approval_dialog(qtbot, auth, tasks, reader=bridge)
    with qtbot.waitSignal(bridge.card_presented, timeout=3000):
        bridge.sink(CardPresented("reader", STAFF_UIDS["cashier"]))
    assert dlg.pad.message.text() == "This card is not a manager's card"
    with qtbot.waitSignal(bridge.card_presented, timeout=3000):
        bridge.sink(CardPresented("reader", STAFF_UIDS["manager"]))
    assert dlg.names.buttons[0].isChecked()
    key_in(qtbot, dlg, "1234")  # a picked manager with a wrong PIN counts a failure
    with qtbot.waitSignal(tasks.finished_task, timeout=5000):
        qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    assert dlg.pad.message.text() == "Wrong PIN — 4 tries left"


def test_ask_approval_returns_the_approval(qtbot, auth, tasks):
    parent = QWidget()
    qtbot.addWidget(parent)
    in_modal(qtbot, lambda dlg: key_pin_and_enter(dlg, "9999"))
    given = ask_approval(parent, auth, tasks, "Drawer short 12.00")
    assert given is not None and given.approval.name == "Wang Qiang" and given.reason == ""


def test_long_name_ends_in_ellipsis(qtbot):
    grid = NameGrid(columns=3)
    qtbot.addWidget(grid)
    grid.resize(240, 200)

    class User:
        id, role, staff_uid = 1, "cashier", None
        name = "Alexandra Konstantinopoulou-Papadimitriou"

    grid.show_users([User()])
    grid.show()
    b = grid.buttons[0]
    qtbot.waitUntil(lambda: b.text().endswith("…"), timeout=3000)
    assert b.toolTip() == "1   Alexandra Konstantinopoulou-Papadimitriou"
    assert b.fontMetrics().horizontalAdvance(b.text()) < b.width()
