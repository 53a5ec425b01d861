"""The users tab: who may sign in, in which role; add, passwords, PINs, disable and enable.

Every action goes to ``UserAdmin`` on the worker, which checks ``Permission.USERS`` again;
the tab only shows what the service answers, refusals in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.services.auth import MIN_PIN, Session
from tillcard.services.users import MIN_PASSWORD, UserAdmin, UserView
from tillcard.ui.office.action_dialog import ActionDialog, InputProblem, Work, error_text
from tillcard.ui.office.card_list import LinesModel, fit_columns
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import role_text, tr

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
AddUser = Callable[[str, str, Role, str, str | None, str | None], int]


def _secret(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def checked_password(first: str, second: str) -> str:
    """The new password typed twice; the service checks it again."""
    if not first:
        raise InputProblem(tr("Type the new password twice"))
    if first != second:
        raise InputProblem(tr("The two passwords differ"))
    if len(first) < MIN_PASSWORD:
        raise InputProblem(tr("A password needs at least {count} characters").format(
            count=MIN_PASSWORD))
    return first


def checked_pin(first: str, second: str) -> str:
    if first != second:
        raise InputProblem(tr("The two PINs differ"))
    if not (first.isascii() and first.isdigit() and len(first) >= MIN_PIN):
        raise InputProblem(tr("A PIN is {count} or more digits").format(count=MIN_PIN))
    return first


class UsersModel(LinesModel):
    """The users as the service lists them, by name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[UserView] = []
        self._headers = [tr("Full name"), tr("User name"), tr("Role"), tr("Status"),
                         tr("Till PIN"), tr("Staff card")]

    def set_users(self, users: list[UserView]) -> None:
        self.set_lines(users)

    def user(self, row: int) -> UserView:
        return self._lines[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        u = self._lines[index.row()]
        return [u.name, u.login, role_text(u.role),
                tr("Active") if u.active else tr("Disabled"),
                tr("PIN set") if u.has_pin else tr("no PIN"),
                u.staff_uid or ""][index.column()]


class AddUserDialog(ActionDialog):
    """Login, name, role, the password twice; a PIN and a staff card if the user has one."""

    def __init__(self, tasks: TaskRunner, add: AddUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, tr("Add user"), tr("Add user"), parent)
        self._add = add
        self.login = _line("userLogin", tr("letters and digits, e.g. lina"))
        self.name = _line("userName")
        self.role = QComboBox()
        self.role.setObjectName("userRole")
        for r in Role:
            self.role.addItem(role_text(r), r)
        self.password, self.password2 = _secret("userPassword"), _secret("userPassword2")
        self.pin, self.pin2 = _secret("userPin"), _secret("userPin2")
        self.pin.setPlaceholderText(tr("optional: signs in at a till"))
        self.staff_uid = _line("userStaffUid", tr("optional: the staff card's chip (hex)"))
        self.form.addRow(tr("User name"), self.login)
        self.form.addRow(tr("Full name"), self.name)
        self.form.addRow(tr("Role"), self.role)
        self.form.addRow(tr("Password"), self.password)
        self.form.addRow(tr("Password again"), self.password2)
        self.form.addRow(tr("Till PIN"), self.pin)
        self.form.addRow(tr("Till PIN again"), self.pin2)
        self.form.addRow(tr("Staff card"), self.staff_uid)

    def work(self) -> Work | None:
        login, name = self.login.text().strip(), self.name.text().strip()
        if not login or not name:
            raise InputProblem(tr("Type the user name and the full name"))
        password = checked_password(self.password.text(), self.password2.text())
        pin = (checked_pin(self.pin.text(), self.pin2.text())
               if self.pin.text() or self.pin2.text() else None)
        role = Role(self.role.currentData())
        uid = self.staff_uid.text().strip() or None
        add = self._add
        return lambda: add(login, name, role, password, pin, uid)


class PasswordDialog(ActionDialog):
    """A new password for one user (it also lifts a lockout)."""

    def __init__(self, tasks: TaskRunner, user: UserView, change: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, tr("Change password"), tr("Change password"), parent)
        self._change = change
        self.set_heading(f"{user.name} ({user.login})")
        self.password, self.password2 = _secret("userPassword"), _secret("userPassword2")
        self.form.addRow(tr("New password"), self.password)
        self.form.addRow(tr("Password again"), self.password2)

    def work(self) -> Work | None:
        password = checked_password(self.password.text(), self.password2.text())
        change = self._change
        return lambda: change(password)


class PinDialog(ActionDialog):
    """A new till PIN for one user, or none (the user no longer signs in at a till)."""

    def __init__(self, tasks: TaskRunner, user: UserView,
                 set_pin: Callable[[str | None], None], parent: QWidget | None = None) -> None:
        super().__init__(tasks, tr("Set till PIN"), tr("Set till PIN"), parent)
        self._set_pin = set_pin
        self.set_heading(f"{user.name} ({user.login})")
        self.pin, self.pin2 = _secret("userPin"), _secret("userPin2")
        self.pin.setPlaceholderText(tr("leave empty to remove the PIN"))
        self.form.addRow(tr("New till PIN"), self.pin)
        self.form.addRow(tr("Till PIN again"), self.pin2)

    def work(self) -> Work | None:
        pin = (checked_pin(self.pin.text(), self.pin2.text())
               if self.pin.text() or self.pin2.text() else None)
        set_pin = self._set_pin
        return lambda: set_pin(pin)


class UsersTab(QWidget):
    """The list and its actions; the chosen user is the table's current row.

    Signals:
        changed(): the service did something (the list was read again).
    """

    changed = Signal()

    def __init__(self, session: Session, service: UserAdmin, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._service, self._tasks = session, service, tasks
        self._currency = currency
        self.dialog: ActionDialog | None = None
        self.model = UsersModel(self)
        self.table = QTableView()
        self.table.setObjectName("usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        fit_columns(self.table)
        self.add_button = self._button("usersAdd", tr("Add user…"), self._on_add_clicked)
        self.password_button = self._button("usersPassword", tr("Change password…"),
                                            self._on_password_clicked)
        self.pin_button = self._button("usersPin", tr("Set till PIN…"), self._on_pin_clicked)
        self.disable_button = self._button("usersDisable", tr("Disable"),
                                           self._on_disable_clicked)
        self.enable_button = self._button("usersEnable", tr("Enable"), self._on_enable_clicked)
        self.message = QLabel("")
        self.message.setObjectName("usersMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.password_button, self.pin_button,
                  self.disable_button, self.enable_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addLayout(buttons)
        box.addWidget(self.table, 1)
        box.addWidget(self.message)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)
        self._on_table_row_changed(QModelIndex(), QModelIndex())
        self.reload()

    def _button(self, name: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # -- reading --------------------------------------------------------------------

    def reload(self) -> None:
        session, service = self._session, self._service
        self._tasks.run(lambda: service.users(session), self._on_users_read,
                        self._on_failed)

    def _on_users_read(self, users: list[UserView]) -> None:
        chosen = self.chosen()
        self.model.set_users(users)
        row = next((i for i, u in enumerate(users) if chosen and u.login == chosen.login), -1)
        if row >= 0:
            self.table.selectRow(row)
        self._on_table_row_changed(QModelIndex(), QModelIndex())

    def _on_failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))

    def chosen(self) -> UserView | None:
        index = self.table.currentIndex()
        return self.model.user(index.row()) if index.isValid() else None

    def select_login(self, login: str) -> bool:
        """Make ``login`` the chosen user (the tests and a search box use it)."""
        for row in range(self.model.rowCount()):
            if self.model.user(row).login == login:
                self.table.selectRow(row)
                return True
        return False

    def _on_table_row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        user = self.chosen()
        for b in (self.password_button, self.pin_button):
            b.setEnabled(user is not None)
        self.disable_button.setEnabled(user is not None and user.active)
        self.enable_button.setEnabled(user is not None and not user.active)

    # -- acting ---------------------------------------------------------------------

    def _open(self, dialog: ActionDialog, done: str) -> None:
        self.dialog = dialog
        dialog.succeeded.connect(lambda _result: self._on_done(done))
        dialog.open()

    def _on_done(self, text: str) -> None:
        self.message.setText(text)
        self.reload()
        self.changed.emit()

    def _on_add_clicked(self) -> None:
        session, service = self._session, self._service
        def add(login: str, name: str, role: Role, password: str, pin: str | None,
                uid: str | None) -> int:
            return service.add(session, login, name, role, password, pin=pin, staff_uid=uid)

        self._open(AddUserDialog(self._tasks, add, self), tr("User added"))

    def _on_password_clicked(self) -> None:
        user, session, service = self.chosen(), self._session, self._service
        if user is not None:
            self._open(PasswordDialog(
                self._tasks, user, lambda pw: service.change_password(session, user.login, pw),
                self), tr("Password changed for {login}").format(login=user.login))

    def _on_pin_clicked(self) -> None:
        user, session, service = self.chosen(), self._session, self._service
        if user is not None:
            self._open(PinDialog(
                self._tasks, user, lambda pin: service.set_pin(session, user.login, pin),
                self), tr("PIN changed for {login}").format(login=user.login))

    def _on_disable_clicked(self) -> None:
        self._set_active(False)

    def _on_enable_clicked(self) -> None:
        self._set_active(True)

    def _set_active(self, active: bool) -> None:
        user, session, service = self.chosen(), self._session, self._service
        if user is None:
            return
        login = user.login
        call = service.enable if active else service.disable
        done = (tr("{login} may sign in again") if active
                else tr("{login} is disabled")).format(login=login)
        self.message.setText(tr("Working…"))
        self._tasks.run(lambda: call(session, login), lambda _changed: self._on_done(done),
                        self._on_failed)
