"""The card office's dialogs through the real back-office window, as an admin uses them.

Each test signs in, opens a card from the list, drives one dialog with the keyboard and
mouse, and checks what the card office did (purses, status, journal, audit) and what the
office's printer printed. The journal must still explain every balance afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import select, text, update

from tests.conftest import NOW, OFFICE, Books
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.devices.readers.base import CardPresented
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.office_app import Office, build_office
from tillcard.services.auth import AuthService, PermissionDenied, SecretHasher, Session
from tillcard.services.card_office import CardOffice
from tillcard.store.audit import AuditEvent, AuditLog
from tillcard.store.office import GenericOffice
from tillcard.store.schema import CardRow, CardTypeRow, JournalRow
from tillcard.store.verify import verify
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.office.action_dialog import ActionDialog
from tillcard.ui.office.card_actions import CardActions, ListActions

WAIT = 5000


@dataclass
class Desk:
    books: Books
    office: Office
    service: CardOffice
    printer: SimulatedPrinter
    reader: ReaderBridge
    admin_id: int
    manager_id: int

    @property
    def bar(self) -> CardActions:
        assert self.office.window.card_actions is not None
        return self.office.window.card_actions

    @property
    def listed(self) -> ListActions:
        assert self.office.window.list_actions is not None
        return self.office.window.list_actions

    def row(self, card_id: int) -> Any:
        with self.books.engine.connect() as conn:
            return conn.execute(text(
                "SELECT c.number, c.status, c.status_reason, c.replaced_by, c.pin_hash, "
                "c.valid_until, c.deposit_held, p.cash, p.bonus, p.allowance FROM cards c "
                "LEFT JOIN purses p ON p.card_id = c.id WHERE c.id = :c"), {"c": card_id}).one()

    def card_id(self, number: str) -> int | None:
        with self.books.engine.connect() as conn:
            return conn.execute(select(CardRow.id).where(CardRow.number == number)
                                ).scalar_one_or_none()

    def kinds(self, card_id: int) -> list[str]:
        with self.books.engine.connect() as conn:
            return list(conn.execute(select(JournalRow.kind).where(
                JournalRow.card_id == card_id).order_by(JournalRow.recorded_at,
                                                        JournalRow.seq)).scalars())

    def audit(self, number: str) -> list[AuditEvent]:
        return AuditLog(self.books.engine).events(f"card {number}")


@pytest.fixture
def desk(qtbot, books: Books, hasher: SecretHasher) -> Iterator[Desk]:
    auth = AuthService(books.refs, hasher)
    admin = auth.create_user("zhao", "Zhao Lei", Role.ADMIN, "admin-pass")
    manager = auth.create_user("wang", "Wang Fang", Role.MANAGER, "manager-pass")
    with books.engine.begin() as conn:  # what a staff card costs to issue
        conn.execute(update(CardTypeRow).where(CardTypeRow.code == "staff").values(
            deposit=2_000, card_fee=500))
    printer = SimulatedPrinter()
    queue = PrintQueue(printer, ReceiptSettings(), retry_initial=0.05, retry_max=0.2)
    reader = ReaderBridge()
    service = CardOffice(GenericOffice(books.engine, OFFICE), hasher)
    o = build_office(books.engine, Currency(), hasher=hasher, place="Canteen North",
                     card_office=service, printer=queue, reader=reader,
                     till_name="Card office")
    qtbot.addWidget(o.window)
    o.window.resize(1366, 768)
    o.window.show()
    yield Desk(books, o, service, printer, reader, admin, manager)
    o.close()
    queue.close()
    rep = verify(books.engine)
    assert rep.ok, rep.problems[:5]


def sign_in(qtbot, d: Desk, login: str = "zhao", password: str = "admin-pass") -> None:
    page = d.office.window.sign_in
    page.login.setText(login)
    page.password.setText(password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    w = d.office.window
    qtbot.waitUntil(lambda: w.card_list is not None and w.card_list.count.text() != "",
                    timeout=WAIT)


def open_card(qtbot, d: Desk, number: str) -> None:
    """Type the number in the search box and open the single hit with Enter."""
    view, page = d.office.window.card_list, d.office.window.card_page
    assert view is not None and page is not None
    view.search.clear()
    qtbot.keyClicks(view.search, number)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.query == number and not view.model.loading
                    and view.model.rowCount() == 1, timeout=WAIT)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.file is not None and page.file.line.number == number
                    and not page.history.loading and d.bar.buttons["recharge"].isEnabled(),
                    timeout=WAIT)


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def open_dialog(qtbot, actions: CardActions | ListActions, key: str) -> Any:
    click(qtbot, actions.buttons[key])
    qtbot.waitUntil(lambda: actions.dialog is not None and actions.dialog.isVisible(),
                    timeout=WAIT)
    return actions.dialog


def enter(qtbot, field: QWidget) -> None:
    qtbot.keyClick(field, Qt.Key.Key_Return)


def wait_closed(qtbot, actions: CardActions | ListActions) -> None:
    qtbot.waitUntil(lambda: actions.dialog is None, timeout=WAIT)


def wait_refused(qtbot, dialog: ActionDialog) -> str:
    qtbot.waitUntil(lambda: not dialog.busy and dialog.message.text() not in ("", "Working…"),
                    timeout=WAIT)
    return dialog.message.text()


def wait_page(qtbot, d: Desk, check: Any) -> None:
    page = d.office.window.card_page
    assert page is not None
    qtbot.waitUntil(lambda: page.file is not None and not page.history.loading
                    and check(page), timeout=WAIT)


def printed(qtbot, d: Desk, count: int) -> list[str]:
    qtbot.waitUntil(lambda: len(d.printer.texts) >= count, timeout=WAIT)
    return d.printer.texts


# -- the dialogs, once each ------------------------------------------------------------------


def test_recharge_takes_cash_adds_the_bonus_and_prints(qtbot, desk: Desk) -> None:
    card = desk.books.card("800010", "bonus")
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800010")
    dlg = open_dialog(qtbot, desk.bar, "recharge")
    qtbot.keyClicks(dlg.amount, "100.5")
    enter(qtbot, dlg.amount)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.cash.text() == "100.50")
    page = desk.office.window.card_page
    assert (page.bonus.text(), page.balance.text()) == ("10.05", "110.55")  # 10 % bonus
    assert desk.bar.message.text() == "Recharged 100.50 · bonus 10.05"
    row = desk.row(card)
    assert (row.cash, row.bonus) == (10_050, 1_005)
    assert desk.kinds(card) == ["recharge"]
    assert [e.action for e in desk.audit("800010")] == ["card_recharged"]
    receipt = printed(qtbot, desk, 1)[0]
    assert "RECHARGE" in receipt
    for amount in ("100.50", "10.05", "110.55"):
        assert amount in receipt


def test_freeze_with_a_reason_then_unfreeze(qtbot, desk: Desk) -> None:
    card = desk.books.card("800011", cash=5_000)
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800011")
    assert desk.bar.buttons["unfreeze"].isHidden()
    dlg = open_dialog(qtbot, desk.bar, "freeze")
    enter(qtbot, dlg.reason)  # no reason: refused before anything is sent
    assert dlg.message.text() == "Type the reason"
    assert desk.row(card).status == "active"
    qtbot.keyClicks(dlg.reason, "dispute at the counter")
    enter(qtbot, dlg.reason)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.status.text().startswith("Frozen"))
    page, view = desk.office.window.card_page, desk.office.window.card_list
    assert page is not None and view is not None
    assert "dispute at the counter" in page.status.text()
    assert view.model.data(view.model.index(0, 5)) == "Frozen"  # the list line follows
    assert desk.bar.buttons["freeze"].isHidden() and not desk.bar.buttons["unfreeze"].isHidden()
    assert (desk.row(card).status, desk.row(card).status_reason) == (
        "frozen", "dispute at the counter")
    dlg = open_dialog(qtbot, desk.bar, "unfreeze")
    qtbot.keyClicks(dlg.reason, "settled")
    click(qtbot, dlg.ok_button)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.status.text().startswith("Active"))
    assert desk.row(card).status == "active"
    events = desk.audit("800011")
    assert [(e.action, e.reason) for e in events] == [
        ("card_freeze", "dispute at the counter"), ("card_unfreeze", "settled")]


def test_lost_then_replaced_onto_a_new_card_moves_every_purse(qtbot, desk: Desk) -> None:
    old = desk.books.card("800012", cash=8_000)
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800012")
    dlg = open_dialog(qtbot, desk.bar, "lost")
    qtbot.keyClicks(dlg.reason, "lost on the bus")
    enter(qtbot, dlg.reason)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.status.text().startswith("Lost"))
    dlg = open_dialog(qtbot, desk.bar, "replace")
    assert dlg.reason.text() == "lost on the bus"  # the reason it was reported lost
    assert "cash 80.00" in dlg.findChild(QWidget, "replaceMoves").text()
    qtbot.keyClicks(dlg.number, "900012")
    enter(qtbot, dlg.number)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.file.line.number == "900012")
    page = desk.office.window.card_page
    assert page is not None and page.cash.text() == "80.00"
    new = desk.card_id("900012")
    assert new is not None
    assert (desk.row(old).replaced_by, desk.row(old).cash) == (new, 0)
    assert desk.row(new).cash == 8_000
    assert desk.kinds(old)[-1] == "transfer_out" and desk.kinds(new) == ["transfer_in"]
    receipt = printed(qtbot, desk, 1)[0]
    assert "CARD REPLACED" in receipt and "80.00" in receipt and "0012" in receipt


def test_close_pays_out_the_cash_and_prints(qtbot, desk: Desk) -> None:
    card = desk.books.card("800013", cash=4_550)
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800013")
    dlg = open_dialog(qtbot, desk.bar, "close")
    assert dlg.payout.text() == "Pay out 45.50 in cash: balance 45.50 and deposit 0.00"
    qtbot.keyClicks(dlg.reason, "left the company")
    click(qtbot, dlg.ok_button)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.status.text().startswith("Closed"))
    assert desk.bar.message.text().startswith("Closed: pay out 45.50")
    assert (desk.row(card).status, desk.row(card).cash) == ("closed", 0)
    assert desk.kinds(card)[-1] == "refund"
    receipt = printed(qtbot, desk, 1)[0]
    assert "CARD CLOSED" in receipt and "45.50" in receipt


def test_a_new_pin_is_keyed_twice_on_the_pad_then_reset(qtbot, desk: Desk) -> None:
    card = desk.books.card("800014")
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800014")
    assert not desk.bar.buttons["reset_pin"].isEnabled()  # it has none to reset
    dlg = open_dialog(qtbot, desk.bar, "set_pin")
    for pin in ("4711", "4712"):  # two different PINs: asked again, nothing sent
        qtbot.keyClicks(dlg.pad, pin)
        qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    assert dlg.message.text() == "The two PINs differ — key the new PIN again"
    assert desk.row(card).pin_hash is None
    for _ in range(2):
        qtbot.keyClicks(dlg.pad, "4711")
        qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: "PIN set" in p.limits.text())
    hashed = desk.row(card).pin_hash
    assert hashed.startswith("$argon2") and "4711" not in hashed
    qtbot.waitUntil(lambda: desk.bar.buttons["reset_pin"].isEnabled(), timeout=WAIT)
    click(qtbot, desk.bar.buttons["reset_pin"])
    wait_page(qtbot, desk, lambda p: "no PIN" in p.limits.text())
    assert desk.row(card).pin_hash is None
    assert [e.action for e in desk.audit("800014")] == ["pin_set", "pin_reset"]


def test_validity_for_every_card_of_a_type(qtbot, desk: Desk) -> None:
    cards = [desk.books.card(n, "staff") for n in ("800015", "800016")]
    other = desk.books.card("800017")
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800015")
    dlg = open_dialog(qtbot, desk.bar, "validity")
    qtbot.waitUntil(lambda: dlg.types.count() == 3, timeout=WAIT)
    assert dlg.types.currentText() == "Staff"  # the card's own type to start with
    dlg.until.setDate(QDate(2027, 6, 30))
    qtbot.mouseClick(dlg.every_card, Qt.MouseButton.LeftButton,
                     pos=QPoint(6, dlg.every_card.height() // 2))  # on its round button
    qtbot.keyClicks(dlg.reason, "graduates 2027")
    click(qtbot, dlg.ok_button)
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: "valid until 2027-06-30" in p.status.text())
    assert desk.bar.message.text() == "Validity set on 2 cards"
    assert [str(desk.row(c).valid_until) for c in cards] == ["2027-06-30"] * 2
    assert desk.row(other).valid_until is None
    assert desk.audit("800016")[0].reason == "graduates 2027"


def test_a_correction_is_confirmed_twice_with_the_amounts(qtbot, desk: Desk) -> None:
    card = desk.books.card("800018")
    desk.service.recharge(Session(desk.admin_id, "zhao", "Zhao Lei", Role.ADMIN), card,
                          20_000)  # the wrong recharge
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800018")
    page = desk.office.window.card_page
    assert page is not None
    qtbot.waitUntil(lambda: page.history.rowCount() == 1, timeout=WAIT)
    page.table.selectionModel().select(
        page.history.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)
    dlg = open_dialog(qtbot, desk.bar, "correction")
    assert "Recharge · 200.00" in dlg.entries.currentText()
    qtbot.keyClicks(dlg.reason, "recharged the wrong card")
    enter(qtbot, dlg.reason)  # the first confirmation: the amounts, nothing sent yet
    assert dlg.confirming and dlg.ok_button.text() == "Confirm correction"
    assert dlg.summary.text().startswith("Take back 200.00 in cash")
    assert desk.kinds(card) == ["recharge"]
    click(qtbot, dlg.ok_button)  # the second
    wait_closed(qtbot, desk.bar)
    wait_page(qtbot, desk, lambda p: p.cash.text() == "0.00")
    assert desk.kinds(card) == ["recharge", "correction"]
    assert desk.bar.message.text() == "Corrected: cash -200.00, bonus 0.00, allowance 0.00"
    assert [(e.action, e.reason) for e in desk.audit("800018")][-1] == (
        "correction_recharge", "recharged the wrong card")


def test_issue_a_tapped_blank_card_with_deposit_fee_and_opening(qtbot, desk: Desk) -> None:
    sign_in(qtbot, desk)
    dlg = open_dialog(qtbot, desk.listed, "issue")
    qtbot.waitUntil(lambda: dlg.types.count() == 3, timeout=WAIT)
    desk.reader.card_presented.emit(CardPresented("office reader", "04A1B2C3"))
    assert (dlg.number.text(), dlg.uid.text()) == ("04A1B2C3", "04A1B2C3")
    dlg.number.clear()
    qtbot.keyClicks(dlg.number, "700001")  # the number printed on it
    qtbot.keyClicks(dlg.holder, "Chen Jie")
    qtbot.keyClicks(dlg.member_no, "S-17")
    qtbot.keyClicks(dlg.phone, "138 0000 0001")
    dlg.types.setFocus()
    while dlg.types.currentText() != "Staff":
        qtbot.keyClick(dlg.types, Qt.Key.Key_Down)
    qtbot.keyClicks(dlg.opening, "50")
    assert dlg.terms.text() == ("Deposit 20.00 · card fee 5.00 · opening recharge 50.00 — "
                                "take 75.00 in cash")
    enter(qtbot, dlg.opening)
    wait_closed(qtbot, desk.listed)
    wait_page(qtbot, desk, lambda p: p.file.line.number == "700001")
    page = desk.office.window.card_page
    assert page is not None
    assert (page.cash.text(), page.deposit.text()) == ("50.00", "20.00")
    assert page.title.text() == "700001 — Chen Jie"
    card = desk.card_id("700001")
    assert card is not None
    row = desk.row(card)
    assert (row.cash, row.deposit_held) == (5_000, 2_000)
    view = desk.office.window.card_list
    assert view is not None
    qtbot.waitUntil(lambda: not view.model.loading and any(
        view.model.line(r).number == "700001" for r in range(view.model.rowCount())),
        timeout=WAIT)
    receipt = printed(qtbot, desk, 1)[0]
    assert "CARD ISSUED" in receipt and "50.00" in receipt and "0001" in receipt


def test_an_allowance_batch_is_granted_once(qtbot, desk: Desk) -> None:
    cards = [desk.books.card(n, "staff") for n in ("800020", "800021")]
    sign_in(qtbot, desk)
    period = datetime.now(UTC).astimezone().strftime("%Y-%m")
    for attempt in range(2):
        dlg = open_dialog(qtbot, desk.listed, "allowance")
        qtbot.waitUntil(lambda d=dlg: d.types.count() == 3, timeout=WAIT)
        assert dlg.period.text() == period
        dlg.types.setCurrentIndex(dlg.types.findText("Staff"))
        qtbot.keyClicks(dlg.amount, "300")
        enter(qtbot, dlg.amount)
        wait_closed(qtbot, desk.listed)
        assert [desk.row(c).allowance for c in cards] == [30_000, 30_000]
        assert desk.listed.message.text() == (
            f"Allowance {period}: 600.00 to 2 cards" if attempt == 0 else
            f"{period} was granted before (2 cards): nothing applied again")


# -- roles and refusals ----------------------------------------------------------------------


def test_a_manager_sees_recharge_only_and_a_forced_correction_is_refused(
        qtbot, desk: Desk) -> None:
    card = desk.books.card("800022", cash=3_000)
    sign_in(qtbot, desk, "wang", "manager-pass")
    open_card(qtbot, desk, "800022")
    assert desk.bar.visible_actions() == ["recharge"]
    assert desk.listed.visible_actions() == []
    page = desk.office.window.card_page
    assert page is not None
    qtbot.waitUntil(lambda: page.history.rowCount() == 1, timeout=WAIT)
    desk.bar.buttons["correction"].click()  # what a hidden button cannot stop
    dlg = desk.bar.dialog
    assert dlg is not None
    qtbot.keyClicks(dlg.reason, "trying")
    enter(qtbot, dlg.reason)
    enter(qtbot, dlg.reason)
    assert wait_refused(qtbot, dlg) == "Your role may not do this: refused"
    assert desk.kinds(card) == ["recharge"] and desk.row(card).cash == 3_000
    manager = Session(desk.manager_id, "wang", "Wang Fang", Role.MANAGER)
    with pytest.raises(PermissionDenied):
        desk.service.close(manager, card)
    assert desk.row(card).status == "active"


def test_closing_a_card_that_owes_is_refused_in_words(qtbot, desk: Desk) -> None:
    card = desk.books.card("800023", cash=1_000)
    owing = Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card, -1_500, list_amount=1_500,
                  created_at=NOW)  # a back-filled sale left it owing 5.00
    with desk.books.engine.begin() as conn:
        desk.books.ledger._append(conn, owing, None)
    assert desk.row(card).status == "blocked"  # negative after a back-fill
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800023")
    dlg = open_dialog(qtbot, desk.bar, "close")
    click(qtbot, dlg.ok_button)
    assert wait_refused(qtbot, dlg) == "The card owes money: settle it before closing"
    assert dlg.isVisible()
    assert (desk.row(card).status, desk.row(card).cash) == ("blocked", -500)
    assert desk.kinds(card) == ["recharge", "sale"]
    assert desk.printer.texts == []


def test_replacing_onto_a_card_in_use_is_refused_in_words(qtbot, desk: Desk) -> None:
    old = desk.books.card("800024", cash=2_000)
    taken = desk.books.card("800025")
    desk.service.report_lost(Session(desk.admin_id, "zhao", "Zhao Lei", Role.ADMIN), old,
                             "stolen")
    sign_in(qtbot, desk)
    open_card(qtbot, desk, "800024")
    dlg = open_dialog(qtbot, desk.bar, "replace")
    qtbot.keyClicks(dlg.number, "800025")
    enter(qtbot, dlg.number)
    assert wait_refused(qtbot, dlg) == "That card number or chip already belongs to a card"
    assert desk.row(old).replaced_by is None and desk.row(old).cash == 2_000
    assert desk.row(taken).cash == 0 and desk.kinds(taken) == []
    dlg.number.clear()
    qtbot.keyClicks(dlg.number, "12.5x")  # not refused by the office: by the dialog
    qtbot.keyClicks(dlg.uid, "not-hex")
    enter(qtbot, dlg.number)
    assert dlg.message.text() == "A chip UID is hexadecimal, up to 32 digits"
    click(qtbot, dlg.cancel_button)
    wait_closed(qtbot, desk.bar)
    assert desk.row(old).status == "lost"
