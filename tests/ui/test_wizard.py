"""The first-run wizard and Settings, driven as a person would, on real databases."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget
from sqlalchemy.engine import make_url

from tests.services.test_setup import Owner, make_owner, password_server
from tillcard import cli
from tillcard.bootstrap import build_till
from tillcard.config import ConfigError, load_settings
from tillcard.devices.readers.simulated import SimulatedReader
from tillcard.domain.cards import CardType
from tillcard.services.auth import AuthService, PermissionDenied, Role, SecretHasher, Session
from tillcard.services.setup import Page, ReaderList, SetupService
from tillcard.store.engine import make_engine
from tillcard.store.reference import ReferenceStore
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.wizard import SettingsDialog, SetupWizard
from tillcard.ui.wizard.window import SetupWindow

TIMEOUT = 20_000


@pytest.fixture
def reader() -> SimulatedReader:
    return SimulatedReader()


@pytest.fixture
def owner(pg_url: str) -> Owner:
    return make_owner(pg_url, make_url(pg_url).database or "", remember=True)


@pytest.fixture
def make_wizard(qtbot, tasks: TaskRunner, reader: SimulatedReader, platformdirs_isolated):
    """Wizards on simulated readers; the data folder is the test's, never the user's."""
    def make(service: SetupService, problem: ConfigError | None = None) -> SetupWizard:
        w = SetupWizard(service, problem, open_reader=lambda _uri: reader,
                        find_readers=lambda: ReaderList(["ACS ACR122U PICC 00 00"]),
                        tasks=tasks)
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        return w
    return make


def child(w: QWidget, name: str) -> QLineEdit:
    found = w.findChild(QLineEdit, name)
    assert found is not None, name
    return found


def click(qtbot, button: QPushButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def go_next(qtbot, w: SetupWindow, expect: Page) -> None:
    click(qtbot, w.next)
    assert w.pages[w.current].page is expect, w.pages[w.current - 1].problem.text()


def fill_admin(w: SetupWindow, *, pin: str = "4321") -> None:
    page = w.page(Page.ADMIN)
    child(page, "adminLogin").setText("chief")
    child(page, "adminName").setText("陈 主管")
    child(page, "adminPassword").setText("long-password")
    child(page, "adminRepeat").setText("long-password")
    child(page, "adminPin").setText(pin)


def finish(qtbot, w: SetupWindow) -> None:
    click(qtbot, w.finish)
    qtbot.waitUntil(lambda: w.result_settings is not None or w.message.text() == ""
                    and w.finish.isEnabled(), timeout=TIMEOUT)
    assert w.result_settings is not None, [p.problem.text() for p in w.pages]


def test_fresh_start_standalone_then_selling(qtbot, make_wizard, reader, tmp_path: Path,
                                             hasher: SecretHasher) -> None:
    path = tmp_path / "conf" / "tillcard.toml"
    w = make_wizard(SetupService(path, hasher, env={}))
    assert w.pages[w.current].page is Page.PROFILE
    child(w, "localPath").setText(str(tmp_path / "data" / "till.db"))
    go_next(qtbot, w, Page.ADMIN)
    admin = w.page(Page.ADMIN)
    qtbot.waitUntil(lambda: w.tasks.idle, timeout=TIMEOUT)  # looked for an admin: none
    assert child(admin, "adminLogin").isEnabled()
    click(qtbot, w.next)  # nothing typed: the page says why it cannot go on
    assert w.pages[w.current] is admin and admin.problem.isVisibleTo(w)
    fill_admin(w)
    go_next(qtbot, w, Page.TILL)
    child(w, "tillName").setText("收银台 1")
    child(w, "tillSite").setText("一号窗口")
    for page in (Page.CLOCK, Page.MEALS, Page.CURRENCY, Page.READER):
        go_next(qtbot, w, page)
    readers = w.page(Page.READER)
    qtbot.waitUntil(lambda: readers.found.count() == 1, timeout=TIMEOUT)
    readers.found.setCurrentRow(0)
    assert child(readers, "readerUri").text() == "pcsc://?name=ACS%20ACR122U%20PICC%2000%2000"
    child(readers, "readerUri").setText("simulated")
    click(qtbot, readers.tap_button)
    reader.tap("04A1B2C3")
    qtbot.waitUntil(lambda: "04A1B2C3" in readers.result.text(), timeout=TIMEOUT)
    go_next(qtbot, w, Page.PRINTER)
    printer = w.page(Page.PRINTER)
    child(printer, "printerUri").setText("simulated")
    click(qtbot, printer.test_button)
    qtbot.waitUntil(lambda: printer.test_button.isEnabled(), timeout=TIMEOUT)
    assert printer.result.text() == "Test page printed."
    assert "收银台 1" in printer.preview.toPlainText()
    go_next(qtbot, w, Page.DISPLAY)
    go_next(qtbot, w, Page.LANGUAGE)
    finish(qtbot, w)

    settings = load_settings(path, env={})
    assert (settings.till.name, settings.till.site) == ("收银台 1", "一号窗口")
    till = build_till(settings, hasher=hasher)
    try:
        session = till.auth.login("chief", "long-password")
        assert session.role is Role.ADMIN
        assert [u.login for u in till.auth.till_users()] == ["chief"]  # signs in by PIN
        card_type = till.refs.add_card_type(CardType("standard", "Standard"))
        card = till.refs.add_card("1001", till.refs.add_holder("王芳"), card_type, uid="04A1B2C3")
        till.ledger.recharge(uuid.uuid4(), settings.till.id, card, 5_000,
                             datetime.now().astimezone())
        till.shifts.open(session, till.shifts.count({1_000: 2}))
        result = till.checkout.charge(session, card, 1_250)
        assert result.ok and result.view is not None
        assert result.view.balance == 3_750
    finally:
        till.close()


@pytest.mark.postgres
def test_central_wrong_password_says_so(qtbot, make_wizard, tmp_path: Path, hasher) -> None:
    with password_server() as (_admin, owner):
        w = make_wizard(SetupService(tmp_path / "t.toml", hasher, env={}))
        profile = w.page(Page.PROFILE)
        _central_form(profile, owner, "not-the-password")
        click(qtbot, profile.test_button)
        qtbot.waitUntil(lambda: profile.test_button.isEnabled(), timeout=TIMEOUT)
        words = profile.status.text()
        assert words.startswith(f"Wrong password for the user {owner.user}"), words
        assert "password authentication failed" in words  # the server's own words too
        assert not profile.migrate_button.isEnabled()
        child(profile, "dbPassword").setText(owner.password)
        click(qtbot, profile.test_button)
        qtbot.waitUntil(lambda: profile.test_button.isEnabled(), timeout=TIMEOUT)
        assert "Connected: PostgreSQL" in profile.status.text()


@pytest.mark.postgres
def test_central_good_password_migrates_creates_roles_and_first_admin(
        qtbot, make_wizard, owner: Owner, tmp_path: Path, hasher) -> None:
    path = tmp_path / "tillcard.toml"
    w = make_wizard(SetupService(path, hasher, env={}))
    profile = w.page(Page.PROFILE)
    _central_form(profile, owner, owner.password)
    click(qtbot, profile.test_button)
    qtbot.waitUntil(lambda: profile.test_button.isEnabled(), timeout=TIMEOUT)
    assert "The database is empty" in profile.status.text()
    assert not profile.migrate_button.isEnabled()  # not without consent
    profile.consent.setChecked(True)
    click(qtbot, profile.migrate_button)
    qtbot.waitUntil(lambda: profile.test_button.isEnabled(), timeout=TIMEOUT)
    assert "Its tables are up to date." in profile.status.text(), profile.status.text()
    click(qtbot, profile.roles_button)
    qtbot.waitUntil(lambda: profile.test_button.isEnabled(), timeout=TIMEOUT)
    assert "Roles: present." in profile.status.text(), profile.status.text()
    go_next(qtbot, w, Page.ADMIN)
    fill_admin(w, pin="")
    go_next(qtbot, w, Page.TILL)
    finish(qtbot, w)

    settings = load_settings(path, env={})
    assert settings.database.central_url == owner.url
    assert owner.password not in path.read_text(encoding="utf-8")  # never in the file
    engine = make_engine(make_url(owner.url).set(password=owner.password)
                         .render_as_string(hide_password=False))
    try:
        session = AuthService(ReferenceStore(engine), hasher).login("chief", "long-password")
    finally:
        engine.dispose()
    assert session.role is Role.ADMIN and session.name == "陈 主管"


def _central_form(profile: QWidget, owner: Owner, password: str) -> None:
    profile.central.setChecked(True)  # type: ignore[attr-defined]
    child(profile, "dbHost").setText(owner.host)
    profile.port.setValue(owner.port)  # type: ignore[attr-defined]
    child(profile, "dbName").setText(owner.database)
    child(profile, "dbUser").setText(owner.user)
    child(profile, "dbPassword").setText(password)


def test_a_broken_config_opens_on_the_faulty_key(qtbot, make_wizard, tmp_path: Path,
                                                  hasher) -> None:
    path = tmp_path / "tillcard.toml"
    path.write_text('[till]\nid = 0\nname = "收银台 7"\n[ui]\nlanguage = "zh_CN"\n'
                    f'[database]\nlocal = "{tmp_path / "till.db"}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    w = make_wizard(SetupService(path, hasher, env={}), err.value)
    page = w.pages[w.current]
    assert page.page is Page.TILL and w.steps.currentRow() == w.current
    assert page.problem.isVisibleTo(w)
    assert page.problem.text() == (
        "till.id: Input should be greater than or equal to 1 (the file had 0)")
    assert child(page, "tillName").text() == "收银台 7"  # the good keys are kept
    page.number.setValue(7)  # type: ignore[attr-defined]
    w._go(w._index(Page.ADMIN))
    fill_admin(w)
    finish(qtbot, w)
    settings = load_settings(path, env={})
    assert (settings.till.id, settings.till.name, settings.ui.language) == (
        7, "收银台 7", "zh_CN")


def test_a_broken_config_at_start_goes_to_the_wizard(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "tillcard.toml"
    path.write_text("[till]\nid = -3\n", encoding="utf-8")
    seen: list[tuple[Path, str]] = []

    def wizard(config_path: Path, problem: ConfigError | None, **_kw: object) -> int:
        seen.append((config_path, str(problem)))
        return 1

    monkeypatch.setattr("tillcard.launch.run_wizard", wizard)
    assert cli.main(["--config", str(path)]) == 1
    assert seen == [(path, f"{path}: till.id: Input should be greater than or equal to 1")]


def test_a_broken_config_still_stops_other_commands(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tillcard.toml"
    path.write_text("[till]\nid = -3\n", encoding="utf-8")
    assert cli.main(["--config", str(path), "db", "upgrade"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"tillcard: configuration error: {path}: till.id: Input should be greater than or "
        "equal to 1"]


def test_settings_for_an_admin_only(qtbot, tasks, tmp_path: Path, hasher, books) -> None:
    path = tmp_path / "tillcard.toml"
    path.write_text('[till]\nname = "Till 1"\n', encoding="utf-8")
    cashier = Session(1, "books-cashier", "Li Na", Role.CASHIER)
    with pytest.raises(PermissionDenied):
        SetupService(path, hasher, session=cashier, refs=books.refs)
    with pytest.raises(PermissionDenied):  # a first run's service is no admin's
        SettingsDialog(cashier, SetupService(path, hasher), tasks=tasks)
    admin_id = books.refs.add_user("boss", "Boss", "admin", hasher.hash("long-password"))
    admin = Session(admin_id, "boss", "Boss", Role.ADMIN)
    dialog = SettingsDialog(admin, SetupService(path, hasher, session=admin,
                                                refs=books.refs), tasks=tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert Page.ADMIN not in [p.page for p in dialog.pages] and not dialog.next.isVisible()
    dialog.steps.setCurrentRow(dialog._index(Page.LANGUAGE))
    dialog.page(Page.LANGUAGE).chinese.setChecked(True)  # type: ignore[attr-defined]
    finish(qtbot, dialog)
    assert load_settings(path, env={}).ui.language == "zh_CN"
    assert load_settings(path, env={}).receipt.language == "zh"
