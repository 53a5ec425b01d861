"""The back office's admin tabs through the real window: users, card types, the audit log.

An admin signs in, adds a user, changes a password, disables and enables; edits a card
type with a meal window that has a count limit and a fixed price (overlapping windows are
refused in words first); then finds those very actions in the audit log. A manager sees
the audit log but neither users nor card types, and the services refuse a forced call.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QTabWidget

from tests.conftest import Books
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.office_app import Office, build_office
from tillcard.services.auth import AuthService, PermissionDenied, SecretHasher
from tillcard.services.card_types import CardTypeAdmin
from tillcard.services.users import UserAdmin
from tillcard.ui.office.audit_tab import AuditTab
from tillcard.ui.office.card_type_dialog import CardTypeDialog
from tillcard.ui.office.card_types_tab import CardTypesTab
from tillcard.ui.office.users_tab import UsersTab

ADMIN_PASSWORD = "admin-pass"
WAIT = 5000


@pytest.fixture
def office(qtbot, books: Books, hasher: SecretHasher) -> Iterator[Office]:
    auth = AuthService(books.refs, hasher)
    auth.create_user("root", "Zhao Min", Role.ADMIN, ADMIN_PASSWORD)
    auth.create_user("wang", "Wang Fang", Role.MANAGER, "manager-pass")
    o = build_office(books.engine, Currency(), hasher=hasher, place="Canteen North")
    qtbot.addWidget(o.window)
    o.window.resize(1366, 768)
    o.window.show()
    yield o
    qtbot.waitUntil(lambda: o.tasks.idle, timeout=WAIT)
    o.close()


def sign_in(qtbot, o: Office, login: str, password: str) -> None:
    page = o.window.sign_in
    page.login.setText(login)
    page.password.setText(password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: o.window.stack.currentWidget() is o.window.tabs, timeout=WAIT)


def tab_titles(tabs: QTabWidget) -> list[str]:
    return [tabs.tabText(i) for i in range(tabs.count())]


def show_tab(o: Office, kind: type) -> object:
    tabs = o.window.tabs
    [index] = [i for i in range(tabs.count()) if isinstance(tabs.widget(i), kind)]
    tabs.setCurrentIndex(index)
    return tabs.widget(index)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def users_tab(qtbot, office: Office) -> UsersTab:
    tab = show_tab(office, UsersTab)
    assert isinstance(tab, UsersTab)
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 2, timeout=WAIT)
    return tab


def test_an_admin_adds_a_user_changes_a_password_and_disables(
        qtbot, office: Office, books: Books, hasher: SecretHasher) -> None:
    sign_in(qtbot, office, "root", ADMIN_PASSWORD)
    assert tab_titles(office.window.tabs)[:4] == ["Cards", "Users", "Card types", "Audit log"]
    assert "Reports" in tab_titles(office.window.tabs)
    tab = users_tab(qtbot, office)

    click(qtbot, tab.add_button)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.login.setText("lina")
    dialog.name.setText("Li Na")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.CASHIER))
    dialog.password.setText("till-pass-1")
    dialog.password2.setText("till-pass-2")
    click(qtbot, dialog.ok_button)
    assert dialog.message.text() == "The two passwords differ" and dialog.isVisible()
    dialog.password2.setText("till-pass-1")
    dialog.pin.setText("2468")
    dialog.pin2.setText("2468")
    dialog.staff_uid.setText("04a1b2c3")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.select_login("lina"), timeout=WAIT)
    row = tab.table.currentIndex().row()
    assert [tab.model.data(tab.model.index(row, c)) for c in range(6)] == [
        "Li Na", "lina", "cashier", "Active", "PIN set", "04A1B2C3"]
    assert tab.message.text() == "User added"

    click(qtbot, tab.password_button)
    pw = tab.dialog
    assert pw is not None and pw is not dialog
    pw.password.setText("short")
    pw.password2.setText("short")
    click(qtbot, pw.ok_button)
    assert pw.message.text() == "A password needs at least 8 characters"
    pw.password.setText("new-till-pass")
    pw.password2.setText("new-till-pass")
    click(qtbot, pw.ok_button)
    qtbot.waitUntil(lambda: not pw.isVisible(), timeout=WAIT)
    assert tab.message.text() == "Password changed for lina"
    assert AuthService(books.refs, hasher).login("lina", "new-till-pass").name == "Li Na"

    click(qtbot, tab.pin_button)
    pin = tab.dialog
    assert pin is not None and pin is not pw
    pin.pin.setText("12a4")
    pin.pin2.setText("12a4")
    click(qtbot, pin.ok_button)
    assert pin.message.text() == "A PIN is 4 or more digits"
    pin.pin.setText("97531")
    pin.pin2.setText("97531")
    click(qtbot, pin.ok_button)
    qtbot.waitUntil(lambda: not pin.isVisible(), timeout=WAIT)
    assert tab.message.text() == "PIN changed for lina"
    lina = books.refs.user_by_login("lina")
    assert lina is not None
    assert AuthService(books.refs, hasher).sign_in_pin(lina.id, "97531").login == "lina"

    click(qtbot, tab.disable_button)
    qtbot.waitUntil(lambda: tab.message.text() == "lina is disabled", timeout=WAIT)
    qtbot.waitUntil(lambda: tab.chosen() is not None and not tab.chosen().active,
                    timeout=WAIT)
    assert tab.enable_button.isEnabled() and not tab.disable_button.isEnabled()
    assert not books.refs.user_by_login("lina").active
    click(qtbot, tab.enable_button)
    qtbot.waitUntil(lambda: tab.message.text() == "lina may sign in again", timeout=WAIT)
    qtbot.waitUntil(lambda: tab.disable_button.isEnabled(), timeout=WAIT)
    assert books.refs.user_by_login("lina").active

    assert tab.select_login("root")  # the only admin: refused in words
    click(qtbot, tab.disable_button)
    qtbot.waitUntil(lambda: "last active admin" in tab.message.text(), timeout=WAIT)
    assert tab.message.text().startswith("Not accepted: ")
    assert books.refs.user_by_login("root").active


def edit_staff(qtbot, office: Office) -> tuple[CardTypesTab, CardTypeDialog]:
    tab = show_tab(office, CardTypesTab)
    assert isinstance(tab, CardTypesTab)
    qtbot.waitUntil(lambda: tab.select_code("staff"), timeout=WAIT)
    click(qtbot, tab.edit_button)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert (dialog.code.text(), dialog.code.isReadOnly(), dialog.discount.text(),
            dialog.daily_amount.text(), dialog.pin_above.text()) == (
        "staff", True, "10", "80.00", "50.00")
    return tab, dialog


def test_an_admin_edits_a_card_type_and_its_meal_windows(
        qtbot, office: Office, books: Books) -> None:
    sign_in(qtbot, office, "root", ADMIN_PASSWORD)
    tab, dialog = edit_staff(qtbot, office)
    assert "walk_in" not in [tab.model.setup(r).card_type.code
                             for r in range(tab.model.rowCount())]
    dialog.per_sale.setText("12.5.0")
    click(qtbot, dialog.ok_button)
    assert dialog.message.text() == "Per-sale limit: type an amount such as 20 or 20.50"
    dialog.per_sale.setText("30")
    dialog.deposit.setText("20")
    dialog.fee.setText("5.50")
    dialog.bonus.setText("2.5")
    dialog.tiers.setText("100:10, 200:30")
    lunch, late = dialog.windows[0], dialog.windows[1]
    lunch.name.setText("Lunch")
    lunch.start.setText("11:00")
    lunch.end.setText("13:30")
    lunch.count.setValue(1)
    lunch.price.setText("12.00")
    late.name.setText("Late lunch")
    late.start.setText("13:00")
    late.end.setText("14:00")
    dialog.refuse_outside.setChecked(True)
    dialog.reason.setText("canteen hours")
    click(qtbot, dialog.ok_button)
    assert dialog.message.text() == ("Meal windows Lunch and Late lunch overlap: one "
                                     "moment can be in one window only")
    assert dialog.isVisible()
    late.start.setText("13:30")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.message.text() == "Saved", timeout=WAIT)

    staff = next(t for t in books.refs.card_type_setups() if t.card_type.code == "staff")
    ct = staff.card_type
    assert (ct.per_txn_limit, staff.deposit, staff.card_fee, ct.recharge.bonus_bp) == (
        3_000, 2_000, 550, 250)
    assert [(t.min_amount, t.bonus) for t in ct.recharge.tiers] == [(10_000, 1_000),
                                                                    (20_000, 3_000)]
    assert [(w.name, w.start_min, w.end_min, w.count_limit, w.fixed_price)
            for w in ct.meal_windows] == [("Lunch", 660, 810, 1, 1_200),
                                          ("Late lunch", 810, 840, None, None)]
    assert ct.refuse_outside_windows
    qtbot.waitUntil(lambda: tab.select_code("staff") and "Lunch 11:00–13:30" in str(
        tab.model.data(tab.model.index(tab.table.currentIndex().row(), 5))), timeout=WAIT)

    click(qtbot, tab.edit_button)  # the editor reads back what was saved
    again = tab.dialog
    assert again is not None and again is not dialog
    assert (again.windows[0].price.text(), again.windows[0].count.value(),
            again.windows[1].start.text(), again.fee.text(), again.tiers.text()) == (
        "12.00", 1, "13:30", "5.50", "100.00:10.00, 200.00:30.00")
    again.reject()

    click(qtbot, tab.new_button)
    new = tab.dialog
    assert new is not None and new is not again and not new.code.isReadOnly()
    new.code.setText("visitor")
    new.name.setText("Visitor")
    new.deposit.setText("10")
    click(qtbot, new.ok_button)
    qtbot.waitUntil(lambda: not new.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: tab.select_code("visitor"), timeout=WAIT)
    visitor = next(t for t in books.refs.card_type_setups() if t.card_type.code == "visitor")
    assert (visitor.card_type.name, visitor.deposit, visitor.card_fee) == ("Visitor", 1_000, 0)


def test_the_audit_log_shows_what_the_office_did(qtbot, office: Office) -> None:
    sign_in(qtbot, office, "root", ADMIN_PASSWORD)
    users = users_tab(qtbot, office)
    click(qtbot, users.add_button)
    add = users.dialog
    assert add is not None
    for edit, value in ((add.login, "zhao"), (add.name, "Zhao Lei"),
                        (add.password, "a-long-pass"), (add.password2, "a-long-pass")):
        edit.setText(value)
    click(qtbot, add.ok_button)
    qtbot.waitUntil(lambda: users.message.text() == "User added", timeout=WAIT)
    _tab, editor = edit_staff(qtbot, office)
    editor.discount.setText("12.5")
    editor.reason.setText("new price list")
    click(qtbot, editor.ok_button)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=WAIT)

    audit = show_tab(office, AuditTab)
    assert isinstance(audit, AuditTab)
    qtbot.waitUntil(lambda: audit.model.rowCount() == 2, timeout=WAIT)
    assert [audit.model.line(r).action for r in range(2)] == ["card_type_edit", "user_add"]
    qtbot.waitUntil(lambda: audit.action.findData("user_add") > 0, timeout=WAIT)

    audit.action.setCurrentIndex(audit.action.findData("user_add"))
    click(qtbot, audit.search)
    qtbot.waitUntil(lambda: audit.count.text() == "1 entry", timeout=WAIT)
    line = audit.model.line(0)
    assert (line.subject, line.user_name) == ("user:zhao", "Zhao Min")
    assert audit.model.data(audit.model.index(0, 3)) == "User added"

    audit.action.setCurrentIndex(0)
    audit.subject.setText("STAFF")
    audit.user.setCurrentIndex(audit.user.findText("Zhao Min (root)"))
    today = QDate.currentDate()
    audit.first_day.setDate(today.addDays(-1))
    audit.last_day.setDate(today.addDays(1))
    qtbot.keyClick(audit.subject, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: audit.count.text() == "1 entry", timeout=WAIT)
    edit = audit.model.line(0)
    assert (edit.action, edit.before, edit.after, edit.reason) == (
        "card_type_edit", "discount=10.00%", "discount=12.50%", "new price list")
    audit.table.selectRow(0)
    detail = audit.detail.toPlainText()
    assert "Before: discount=10.00%" in detail and "Reason: new price list" in detail

    audit.first_day.setDate(today.addDays(-9))
    audit.last_day.setDate(today.addDays(-8))
    click(qtbot, audit.search)
    qtbot.waitUntil(lambda: audit.count.text() == "No entries", timeout=WAIT)


def test_a_manager_sees_the_audit_log_only_and_forced_calls_are_refused(
        qtbot, office: Office, books: Books, hasher: SecretHasher) -> None:
    sign_in(qtbot, office, "wang", "manager-pass")
    assert tab_titles(office.window.tabs)[:2] == ["Cards", "Audit log"]
    assert "Users" not in tab_titles(office.window.tabs)
    assert office.window.settings_button is None  # Settings: admins only
    audit = show_tab(office, AuditTab)
    assert isinstance(audit, AuditTab)
    qtbot.waitUntil(lambda: audit.count.text() == "No entries", timeout=WAIT)
    session = office.window.session
    assert session is not None and session.role is Role.MANAGER
    with pytest.raises(PermissionDenied):
        UserAdmin(books.refs, hasher).add(session, "sneaky", "Sneaky", Role.ADMIN,
                                          "sneaky-pass")
    with pytest.raises(PermissionDenied):
        CardTypeAdmin(books.refs).setups(session)
    assert books.refs.user_by_login("sneaky") is None


def test_a_manager_runs_a_report_on_the_office_database(
        qtbot, office: Office, books: Books) -> None:
    """The Reports tab through the real service: a recharge and a sale, today's summary."""
    import uuid
    from datetime import UTC, datetime

    from tests.conftest import OFFICE
    from tillcard.domain.reports import ReportKind
    from tillcard.store.ledger import SaleRequest
    from tillcard.ui.office.reports_tab import ReportsTab

    card = books.card("800001", cash=5_000)
    books.ledger.sale(SaleRequest(uuid.uuid4(), OFFICE, card, 1_250, datetime.now(UTC)))
    sign_in(qtbot, office, "wang", "manager-pass")
    tab = show_tab(office, ReportsTab)
    assert isinstance(tab, ReportsTab)
    desk = office.window.reports_desk
    assert desk is not None
    session = office.window.session
    assert session is not None
    report = desk.run(session, ReportKind.SUMMARY, desk.today(), desk.today())
    assert report.rows
    assert any(1_250 in row for row in report.rows)  # the sale, in today's summary
    click(qtbot, tab.run_button)
    qtbot.waitUntil(lambda: tab.table.model.rowCount() == len(report.rows), timeout=WAIT)


def test_the_office_writes_each_finished_days_summary_pdf(
        qtbot, office: Office, tmp_path) -> None:
    """``reports.daily_folder``: the finished days' summaries, once a manager is signed in."""
    from tillcard.config import ReportSettings, Settings
    from tillcard.office_app import daily_reports

    folder = tmp_path / "daily"
    settings = Settings(reports=ReportSettings(daily_folder=str(folder)))
    desk = office.window.reports_desk
    assert desk is not None
    daily = daily_reports(office, settings, desk)
    assert daily is not None
    assert daily.timer.isActive()
    daily.tick()  # nobody signed in: nothing is written
    qtbot.waitUntil(lambda: office.tasks.idle, timeout=WAIT)
    assert not folder.exists() or not list(folder.iterdir())
    sign_in(qtbot, office, "wang", "manager-pass")
    daily.tick()
    qtbot.waitUntil(lambda: len(list(folder.glob("tillcard-summary-*.pdf"))) == 7,
                    timeout=30_000)
    assert all(p.read_bytes().startswith(b"%PDF") for p in folder.iterdir())
    daily.timer.stop()
