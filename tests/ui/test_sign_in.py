"""The sign-in screen, the lock/sign-out gate and the idle lock, on a real AuthService."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget
from sqlalchemy import update

from tillcard.devices.readers.base import CardPresented
from tillcard.launch import SignInGate, wait_for_sign_in
from tillcard.services.auth import AuthService, Role, Session
from tillcard.services.demo import STAFF_UIDS
from tillcard.store.reference import ReferenceStore
from tillcard.store.schema import UserRow
from tillcard.ui.idle import IdleLock
from tillcard.ui.sign_in import Page, SignInScreen
from tillcard.ui.tasks import TaskRunner

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def auth(sqlite_engine, hasher) -> AuthService:
    a = AuthService(ReferenceStore(sqlite_engine), hasher)
    a.create_user("cashier", "Li Na", Role.CASHIER, "secret", pin="1234",
                  staff_uid=STAFF_UIDS["cashier"])
    a.create_user("cashier2", "赵敏", Role.CASHIER, "secret", pin="2222",
                  staff_uid=STAFF_UIDS["cashier2"])
    a.create_user("manager", "Wang Qiang", Role.MANAGER, "secret", pin="9999",
                  staff_uid=STAFF_UIDS["manager"])
    a.create_user("admin", "Admin", Role.ADMIN, "secret")  # no PIN: not on the till's list
    return a


@pytest.fixture
def screen(qtbot, auth, tasks, bridge) -> SignInScreen:
    s = SignInScreen(auth, tasks, bridge, place="Canteen North · Till 3")
    qtbot.addWidget(s)
    s.resize(1024, 768)
    s.show()
    s.start()
    qtbot.waitUntil(lambda: len(s.names.buttons) == 3, timeout=5000)
    return s


def pick(qtbot, screen: SignInScreen, name: str) -> None:
    button = next(b for b in screen.names.buttons if b.full_text.endswith(name))
    qtbot.mouseClick(button, LEFT)
    assert screen.page is Page.PIN


def touch_pin(qtbot, screen: SignInScreen, pin: str) -> None:
    for d in pin:
        qtbot.mouseClick(screen.pad.buttons[d], LEFT)


def key_pin(qtbot, widget: QWidget, pin: str) -> None:
    for d in pin:
        qtbot.keyClick(widget, d)


def submit_wrong(qtbot, screen: SignInScreen, tasks: TaskRunner, pin: str = "0000") -> str:
    key_pin(qtbot, screen.pad, pin)
    with qtbot.waitSignal(tasks.finished_task, timeout=5000):
        qtbot.keyClick(screen.pad, Qt.Key.Key_Return)
    return screen.pad.message.text()


def test_names_listed_big_and_numbered(screen):
    texts = [b.full_text for b in screen.names.buttons]
    assert texts == ["1   Li Na", "2   Wang Qiang", "3   赵敏"]  # Admin has no PIN
    assert all(b.height() >= 88 for b in screen.names.buttons)
    assert screen.page is Page.NAMES


def test_pick_name_and_right_pin_signs_in(qtbot, screen):
    pick(qtbot, screen, "Li Na")
    assert screen.pin_title.text() == "Li Na: enter your PIN"
    touch_pin(qtbot, screen, "1234")
    with qtbot.waitSignal(screen.signed_in, timeout=5000) as signed:
        qtbot.mouseClick(screen.pad.ok_button, LEFT)
    session = signed.args[0]
    assert isinstance(session, Session)
    assert (session.name, session.role) == ("Li Na", Role.CASHIER)
    assert screen.pad.length == 0


def test_wrong_pin_shows_tries_left_and_clears(qtbot, screen, tasks):
    pick(qtbot, screen, "Li Na")
    with qtbot.assertNotEmitted(screen.signed_in):
        text = submit_wrong(qtbot, screen, tasks)
    assert text == "Wrong PIN — 4 tries left"
    assert screen.pad.message.property("state") == "error"
    assert screen.pad.message.isVisible()
    assert screen.pad.dots.text() == ""
    assert screen.page is Page.PIN
    qtbot.keyClick(screen.pad, "1")  # keying again clears the red message
    assert not screen.pad.message.isVisible()


def test_five_wrong_pins_lock_out(qtbot, screen, tasks):
    pick(qtbot, screen, "Li Na")
    texts = [submit_wrong(qtbot, screen, tasks) for _ in range(5)]
    assert texts[:4] == [f"Wrong PIN — {n} tries left" for n in (4, 3, 2, 1)]
    assert re.fullmatch(r"Locked after too many wrong PINs — try again at \d\d:\d\d", texts[4])
    assert submit_wrong(qtbot, screen, tasks, "1234") == texts[4]  # even the right PIN


def test_staff_card_tap_then_pin(qtbot, screen, bridge):
    bridge.sink(CardPresented("reader", STAFF_UIDS["cashier2"].lower()))
    qtbot.waitUntil(lambda: screen.page is Page.PIN, timeout=3000)
    assert screen.pin_title.text() == "赵敏: enter your PIN"
    key_pin(qtbot, screen.pad, "2222")
    with qtbot.waitSignal(screen.signed_in, timeout=5000) as signed:
        qtbot.keyClick(screen.pad, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert signed.args[0].login == "cashier2"


def test_unknown_card_refused_after_pin(qtbot, screen, bridge, tasks):
    bridge.sink(CardPresented("reader", "DEADBEEF"))
    qtbot.waitUntil(lambda: screen.page is Page.PIN, timeout=3000)
    assert screen.pin_title.text() == "Staff card: enter your PIN"
    assert submit_wrong(qtbot, screen, tasks, "1234") == "This card belongs to no user"


def test_tap_ignored_while_hidden(qtbot, screen, bridge):
    screen.hide()  # the counter's window has the reader now
    with qtbot.waitSignal(bridge.card_presented, timeout=3000):  # the screen's slot ran first
        bridge.sink(CardPresented("reader", STAFF_UIDS["cashier"]))
    assert screen.page is Page.NAMES


def test_disabled_user_refused(qtbot, screen, tasks, sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.login == "cashier").values(active=False))
    pick(qtbot, screen, "Li Na")  # the list was read before the user was disabled
    assert submit_wrong(qtbot, screen, tasks, "1234") == "Li Na may no longer sign in"
    with qtbot.waitSignal(tasks.finished_task, timeout=5000):
        screen.start()
    assert [b.full_text for b in screen.names.buttons] == ["1   Wang Qiang", "2   赵敏"]


def test_quit_asks_and_cancel_keeps_screen(qtbot, screen):
    with qtbot.assertNotEmitted(screen.quit_requested):
        qtbot.mouseClick(screen.quit_button, LEFT)
        assert screen.page is Page.QUIT
        qtbot.mouseClick(screen.quit_cancel_button, LEFT)
        assert screen.page is Page.NAMES
        qtbot.mouseClick(screen.quit_button, LEFT)
        qtbot.keyClick(screen, Qt.Key.Key_Escape)  # Esc is Cancel too
        assert screen.page is Page.NAMES
    assert screen.isVisible()
    qtbot.mouseClick(screen.quit_button, LEFT)
    with qtbot.waitSignal(screen.quit_requested, timeout=1000):
        qtbot.mouseClick(screen.quit_confirm_button, LEFT)


def test_pin_never_shown(qtbot, screen):
    pick(qtbot, screen, "Li Na")
    touch_pin(qtbot, screen, "12")
    key_pin(qtbot, screen.pad, "34")
    assert screen.pad.dots.text() == "●●●●"
    assert not screen.findChildren(QLineEdit)
    shown = [lab.text() for lab in screen.findChildren(QLabel) if lab.isVisible()]
    assert not any(re.search(r"\d{2}", t) for t in shown), shown
    qtbot.keyClick(screen.pad, Qt.Key.Key_Backspace)
    assert screen.pad.dots.text() == "●●●"


def test_numpad_picks_a_name_by_number(qtbot, screen):
    qtbot.keyClick(screen, Qt.Key.Key_2, Qt.KeyboardModifier.KeypadModifier)
    assert screen.page is Page.PIN
    assert screen.pin_title.text() == "Wang Qiang: enter your PIN"
    qtbot.keyClick(screen, Qt.Key.Key_Escape)  # empty pad: back to the names
    assert screen.page is Page.NAMES
    qtbot.keyClick(screen, "7")  # no seventh name
    assert screen.page is Page.NAMES


def test_locked_screen_asks_the_same_cashier(qtbot, screen, auth):
    session = auth.sign_in_pin(auth.till_users()[0].id, "1234")
    screen.start(locked_by=session)
    assert screen.page is Page.PIN
    assert screen.pin_title.text() == "Locked — Li Na: enter your PIN to go on"
    assert screen.back_button.text() == "Another cashier"
    qtbot.mouseClick(screen.back_button, LEFT)
    assert screen.page is Page.NAMES


def test_wait_for_sign_in_by_card(qtbot, screen, bridge):
    def on_page(index: int) -> None:
        if index == Page.PIN:
            for key in "1234":
                screen.pad.press(key)
            screen.pad.press("ok")

    screen.stack.currentChanged.connect(on_page)
    QTimer.singleShot(0, lambda: bridge.sink(CardPresented("reader", STAFF_UIDS["cashier"])))
    session = wait_for_sign_in(screen)
    assert session is not None and session.login == "cashier"


def test_wait_for_sign_in_quit(qtbot, screen):
    def on_page(index: int) -> None:
        if index == Page.QUIT:
            screen.quit_confirm_button.click()

    screen.stack.currentChanged.connect(on_page)
    QTimer.singleShot(0, screen.quit_button.click)
    assert wait_for_sign_in(screen) is None


# -- the gate: lock, sign out, change cashier ----------------------------------------------


@pytest.fixture
def window(qtbot) -> QWidget:
    w = QWidget()
    qtbot.addWidget(w)
    w.resize(1024, 768)
    w.show()
    return w


def cashier_session(auth: AuthService) -> Session:
    return auth.sign_in_pin(next(u.id for u in auth.till_users() if u.login == "cashier"),
                            "1234")


def test_lock_hides_window_until_the_pin(qtbot, screen, window, auth, tasks):
    screen.hide()
    gate = SignInGate(screen, window, cashier_session(auth))
    gate.lock()
    assert screen.isVisible() and not window.isVisible()
    assert screen.page is Page.PIN and "Li Na" in screen.pin_title.text()
    key_pin(qtbot, screen.pad, "1234")
    with qtbot.waitSignal(gate.session_changed, timeout=5000) as changed:
        qtbot.keyClick(screen.pad, Qt.Key.Key_Return)
    assert changed.args[0].login == "cashier"
    assert window.isVisible() and not screen.isVisible()


def test_change_cashier(qtbot, screen, window, auth):
    screen.hide()
    gate = SignInGate(screen, window, cashier_session(auth))
    gate.change_cashier()
    assert screen.page is Page.NAMES and not window.isVisible()
    qtbot.waitUntil(lambda: len(screen.names.buttons) == 3, timeout=5000)
    pick(qtbot, screen, "赵敏")
    key_pin(qtbot, screen.pad, "2222")
    with qtbot.waitSignal(gate.session_changed, timeout=5000):
        qtbot.keyClick(screen.pad, Qt.Key.Key_Return)
    assert gate.session.login == "cashier2"
    assert window.isVisible()


def test_idle_locks_the_gate_and_rearms(qtbot, screen, window, auth):
    screen.hide()
    idle = IdleLock(QApplication.instance(), 0.05)
    gate = SignInGate(screen, window, cashier_session(auth), idle)
    qtbot.waitUntil(lambda: gate.showing, timeout=5000)
    assert not idle.armed  # no locking over the lock screen
    key_pin(qtbot, screen.pad, "1234")
    with qtbot.waitSignal(gate.session_changed, timeout=5000):
        qtbot.keyClick(screen.pad, Qt.Key.Key_Return)
    assert idle.armed
    idle.uninstall()


# -- the idle lock -------------------------------------------------------------------------


@pytest.fixture
def idle_lock() -> Iterator[IdleLock]:
    lock = IdleLock(QApplication.instance(), 60)
    yield lock
    lock.uninstall()


def test_idle_emits_after_the_interval(qtbot):
    lock = IdleLock(QApplication.instance(), 0.05)
    try:
        lock.start()
        with qtbot.waitSignal(lock.idle, timeout=3000):
            pass
        assert not lock.armed
    finally:
        lock.uninstall()


def test_key_press_restarts_the_count(qtbot, window, idle_lock):
    idle_lock.start()
    qtbot.waitUntil(lambda: idle_lock.remaining_ms() < 59_500, timeout=5000)
    qtbot.keyClick(window, "a")
    assert idle_lock.remaining_ms() > 59_500


def test_card_poke_and_mouse_restart_the_count(qtbot, window, idle_lock):
    idle_lock.start()
    qtbot.waitUntil(lambda: idle_lock.remaining_ms() < 59_500, timeout=5000)
    idle_lock.poke(CardPresented("reader", "AB"))
    assert idle_lock.remaining_ms() > 59_500
    qtbot.waitUntil(lambda: idle_lock.remaining_ms() < 59_500, timeout=5000)
    qtbot.mouseClick(window, LEFT)
    assert idle_lock.remaining_ms() > 59_500


def test_idle_lock_off_and_stopped(qtbot, window):
    off = IdleLock(QApplication.instance(), 0)
    try:
        off.start()
        qtbot.keyClick(window, "a")
        assert not off.armed and off.remaining_ms() == -1
    finally:
        off.uninstall()
