"""Importing cards in the back office: the preview, every problem named, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from tests.conftest import OFFICE, Books
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.office_app import Office, build_office
from tillcard.services.auth import AuthService, SecretHasher
from tillcard.services.card_import import CardImporter
from tillcard.services.card_office import CardOffice
from tillcard.store.office import CardRegister, GenericOffice
from tillcard.store.schema import CardRow
from tillcard.store.verify import verify
from tillcard.ui.office.import_dialog import ImportDialog

WAIT = 5000
GOOD = ("card_number,uid,holder_name,member_no,phone,card_type,opening_balance\r\n"
        "900001,04A1B2C3,王芳,S-1,13800000001,standard,100.00\r\n"
        "900002,,李娜,S-2,,standard,\r\n")
BAD = ("card_number,uid,holder_name,member_no,phone,card_type,opening_balance\r\n"
       "900003,XYZ,刘洋,S-3,,standard,10.00\r\n"
       "900004,,,S-4,,nosuchtype,5.00\r\n")


@pytest.fixture
def office(qtbot, books: Books, hasher: SecretHasher) -> Iterator[Office]:
    AuthService(books.refs, hasher).create_user("zhao", "Zhao Lei", Role.ADMIN, "admin-pass")
    AuthService(books.refs, hasher).create_user("wang", "Wang Fang", Role.MANAGER,
                                                "manager-pass")
    store = GenericOffice(books.engine, OFFICE)
    o = build_office(books.engine, Currency(), hasher=hasher, card_office=CardOffice(
        store, hasher), importer=CardImporter(store, CardRegister(books.engine)))
    qtbot.addWidget(o.window)
    o.window.resize(1366, 768)
    o.window.show()
    yield o
    o.close()
    rep = verify(books.engine)
    assert rep.ok, rep.problems[:5]


def sign_in(qtbot, o: Office, login: str, password: str) -> None:
    page = o.window.sign_in
    page.login.setText(login)
    page.password.setText(password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: o.window.list_actions is not None, timeout=WAIT)


def open_import(qtbot, o: Office) -> ImportDialog:
    actions = o.window.list_actions
    assert actions is not None
    qtbot.mouseClick(actions.buttons["import"], Qt.MouseButton.LeftButton)
    dialog = actions.dialog
    assert isinstance(dialog, ImportDialog)
    return dialog


def cards(books: Books) -> int:
    with books.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CardRow)).scalar_one())


def test_a_good_file_is_previewed_then_imported(qtbot, office: Office, books: Books,
                                                tmp_path: Path) -> None:
    sign_in(qtbot, office, "zhao", "admin-pass")
    before = cards(books)
    dialog = open_import(qtbot, office)
    assert not dialog.ok_button.isEnabled()
    path = tmp_path / "cards.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    dialog.load(path)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT)
    assert dialog.summary.text() == ("2 cards, opening balances 100.00 — nothing is written "
                                     "until Import")
    assert [dialog.table.item(r, 2).text() for r in range(2)] == ["王芳", "李娜"]
    assert cards(books) == before  # a preview writes nothing
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    actions = office.window.list_actions
    assert actions is not None
    qtbot.waitUntil(lambda: actions.message.text().startswith("Imported 2 cards"),
                    timeout=WAIT)
    assert cards(books) == before + 2


def test_a_file_with_problems_names_each_and_imports_nothing(qtbot, office: Office,
                                                            books: Books,
                                                            tmp_path: Path) -> None:
    sign_in(qtbot, office, "zhao", "admin-pass")
    before = cards(books)
    dialog = open_import(qtbot, office)
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD.encode("gb18030"))
    dialog.load(path)
    qtbot.waitUntil(lambda: dialog.summary.text().endswith("until they are fixed"),
                    timeout=WAIT)
    rows = {(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
            for r in range(dialog.table.rowCount())}
    assert {("2", "uid"), ("3", "holder_name"), ("3", "card_type")} <= rows
    assert not dialog.ok_button.isEnabled()
    assert cards(books) == before


def test_a_manager_has_no_import(qtbot, office: Office) -> None:
    sign_in(qtbot, office, "wang", "manager-pass")
    actions = office.window.list_actions
    assert actions is not None
    assert actions.buttons["import"].isHidden()
