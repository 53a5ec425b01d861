"""The back office through its real window: sign in, find a card, read its page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from tests.conftest import NOW, Books
from tillcard.devices.readers.base import CardPresented
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.office_app import Office, build_office
from tillcard.services.auth import AuthService, SecretHasher
from tillcard.store.ledger import SaleRequest
from tillcard.ui.bridges import ReaderBridge


@pytest.fixture
def office(qtbot, books: Books, hasher: SecretHasher) -> Iterator[Office]:
    auth = AuthService(books.refs, hasher)
    auth.create_user("wang", "Wang Fang", Role.MANAGER, "manager-pass")
    auth.create_user("lina", "Li Na", Role.CASHIER, "cashier-pass", pin="1234")
    card = books.card("800001", "bonus", cash=10_000)
    books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 1_250, NOW + timedelta(minutes=3),
                                  cashier_id=1))
    for n in range(2, 30):
        books.card(f"8000{n:02d}")
    o = build_office(books.engine, Currency(), hasher=hasher, place="Canteen North")
    qtbot.addWidget(o.window)
    o.window.resize(1280, 800)
    o.window.show()
    yield o
    o.close()


def sign_in(qtbot, o: Office, login: str, password: str) -> None:
    page = o.window.sign_in
    page.login.setText(login)
    page.password.setText(password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.button.isEnabled(), timeout=5000)


def test_a_manager_signs_in_finds_a_card_and_reads_its_page(qtbot, office: Office) -> None:
    w = office.window
    sign_in(qtbot, office, "wang", "manager-pass")
    assert w.stack.currentWidget() is w.tabs
    assert w.statusBar().currentMessage() == "Signed in: Wang Fang (manager)"
    view = w.card_list
    assert view is not None and w.card_page is not None
    qtbot.waitUntil(lambda: view.count.text() == "29 cards", timeout=5000)
    qtbot.keyClicks(view.search, "800001")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.count.text() == "1 card", timeout=5000)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)  # a single hit: Enter opens it
    page = w.card_page
    qtbot.waitUntil(lambda: page.file is not None and page.history.rowCount() == 2,
                    timeout=5000)
    assert page.title.text() == "800001 — Holder 800001"
    assert page.status.text() == "Active · Bonus"
    assert (page.cash.text(), page.bonus.text(), page.balance.text()) == (
        "97.50", "0.00", "97.50")  # 100.00 + 10.00 bonus - 12.50, bonus spent first
    assert page.today.text() == "12.50 in 1 sales"
    h = page.history
    assert [h.data(h.index(r, 1)) for r in range(2)] == ["Sale", "Recharge"]
    assert [h.data(h.index(r, 2)) for r in range(2)] == ["12.50", "100.00"]
    assert [h.data(h.index(r, 3)) for r in range(2)] == ["-12.50", "+110.00"]  # with bonus


def test_a_cashier_is_turned_away_in_words(qtbot, office: Office) -> None:
    sign_in(qtbot, office, "lina", "cashier-pass")
    w = office.window
    assert w.stack.currentWidget() is w.sign_in
    assert w.sign_in.message.text() == "Only managers and admins use the back office"
    assert w.sign_in.password.text() == ""


def test_a_wrong_password_counts_down(qtbot, office: Office) -> None:
    sign_in(qtbot, office, "wang", "not-it")
    assert office.window.sign_in.message.text() == (
        "Wrong user name or password — 4 tries left")
    sign_in(qtbot, office, "nobody", "whatever")
    assert office.window.sign_in.message.text() == "Wrong user name or password"
    office.window.sign_in.login.setText("")
    qtbot.mouseClick(office.window.sign_in.button, Qt.MouseButton.LeftButton)
    assert office.window.sign_in.message.text() == "Type your user name and password"


@pytest.fixture
def office_with_reader(qtbot, books: Books, hasher: SecretHasher,
                       monkeypatch: pytest.MonkeyPatch
                       ) -> Iterator[tuple[Office, ReaderBridge, list[str]]]:
    auth = AuthService(books.refs, hasher)
    auth.create_user("wang", "Wang Fang", Role.MANAGER, "manager-pass", pin="9999",
                     staff_uid="04A1B2C3")
    auth.create_user("lina", "Li Na", Role.CASHIER, "cashier-pass", pin="1234",
                     staff_uid="04D5E6F7")
    pins: list[str] = []  # what the PIN prompt answers, in turn
    monkeypatch.setattr("tillcard.ui.office.window.ask_pin_dialog", lambda _w: pins.pop(0))
    bridge = ReaderBridge()
    o = build_office(books.engine, Currency(), hasher=hasher, reader=bridge)
    qtbot.addWidget(o.window)
    o.window.show()
    yield o, bridge, pins
    o.close()


def test_a_manager_signs_in_with_a_staff_card_and_pin(qtbot, office_with_reader) -> None:
    office, bridge, pins = office_with_reader
    pins += ["0000", "9999"]
    page = office.window.sign_in
    assert page.card_hint.text() == "or tap your staff card on the reader"
    bridge.sink(CardPresented("reader", "04A1B2C3"))  # a wrong PIN first
    qtbot.waitUntil(lambda: page.message.text() == "Wrong PIN — 4 tries left", timeout=5000)
    bridge.sink(CardPresented("reader", "04A1B2C3"))
    qtbot.waitUntil(lambda: office.window.session is not None, timeout=5000)
    assert office.window.session.name == "Wang Fang"  # type: ignore[union-attr]


def test_a_cashiers_staff_card_is_turned_away(qtbot, office_with_reader) -> None:
    office, bridge, pins = office_with_reader
    pins.append("1234")  # hers, but a cashier's
    page = office.window.sign_in
    bridge.sink(CardPresented("reader", "04D5E6F7"))
    qtbot.waitUntil(lambda: page.message.text()
                    == "Only managers and admins use the back office", timeout=5000)
    assert office.window.session is None
    assert page.button.isEnabled()
