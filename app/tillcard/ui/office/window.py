"""The back office's window: sign in with name and password, then the card office.

Signing in runs on the worker (argon2 takes a moment on purpose) and the services check
the permission again on every call: the window only decides what to show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tillcard.devices.readers.base import CardPresented
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Permission, Role
from tillcard.services.audit_view import AuditView
from tillcard.services.auth import (
    AuthService,
    FailReason,
    LoginFailed,
    PermissionDenied,
    Session,
)
from tillcard.services.card_directory import CardList
from tillcard.services.card_types import CardTypeAdmin
from tillcard.services.live import LiveConsole
from tillcard.services.users import UserAdmin
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.office.audit_tab import AuditTab
from tillcard.ui.office.card_actions import CardActions, ListActions, OfficeDesk, attach_actions
from tillcard.ui.office.card_list import CardListModel, CardListView
from tillcard.ui.office.card_page import CardPage
from tillcard.ui.office.card_types_tab import CardTypesTab
from tillcard.ui.office.live_tab import LiveTab
from tillcard.ui.office.reports_tab import ReportDesk
from tillcard.ui.office.users_tab import UsersTab
from tillcard.ui.pin_dialog import ask_pin as ask_pin_dialog
from tillcard.ui.pin_dialog import login_failure_text
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import role_text, tr

log = logging.getLogger(__name__)


class OfficeSignIn(QWidget):
    """Name and password, or a staff card and its PIN; a refusal in words, never a traceback.

    ``ask_pin`` is the PIN prompt (a dialog; tests give their own).
    """

    signed_in = Signal(object)  # Session

    def __init__(self, auth: AuthService, tasks: TaskRunner, place: str,
                 parent: QWidget | None = None, *, reader: ReaderBridge | None = None,
                 ask_pin: Callable[[QWidget], str | None] | None = None) -> None:
        super().__init__(parent)
        self._auth, self._tasks = auth, tasks
        self._ask_pin = ask_pin or (lambda w: ask_pin_dialog(w))
        self._by_card = False  # the sign-in under way is a staff card's (PIN wording)
        self.title = QLabel(tr("Tillcard back office") + (f" · {place}" if place else ""))
        self.title.setStyleSheet("font-size: 160%; font-weight: bold;")
        self.login = QLineEdit()
        self.login.setObjectName("officeLogin")
        self.password = QLineEdit()
        self.password.setObjectName("officePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.button = QPushButton(tr("Sign in"))
        self.button.setObjectName("officeSignIn")
        self.message = QLabel("")
        self.message.setObjectName("officeMessage")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("User name"), self.login)
        form.addRow(tr("Password"), self.password)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addLayout(form)
        box.addWidget(self.button)
        self.card_hint = QLabel(tr("or tap your staff card on the reader") if reader else "")
        self.card_hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.card_hint)
        box.addWidget(self.message)
        box.addStretch(2)
        if reader is not None:
            reader.card_presented.connect(self._on_reader_card_presented)
        self.button.clicked.connect(self._on_button_clicked)
        self.password.returnPressed.connect(self._on_button_clicked)
        self.login.returnPressed.connect(self.password.setFocus)

    def _on_button_clicked(self) -> None:
        login, password = self.login.text().strip(), self.password.text()
        if not login or not password:
            self.message.setText(tr("Type your user name and password"))
            return
        self.button.setEnabled(False)
        self._by_card = False
        self.message.setText(tr("Checking…"))
        self._tasks.run(lambda: self._check(login, password), self._on_signed_in,
                        self._on_failed)

    def _on_reader_card_presented(self, ev: CardPresented) -> None:
        """A staff card while this page is shown: its PIN, then the same checks."""
        if not self.isVisible() or not self.button.isEnabled():
            return
        pin = self._ask_pin(self)
        if not pin:
            return
        uid = ev.uid
        self.button.setEnabled(False)
        self._by_card = True
        self.message.setText(tr("Checking…"))
        self._tasks.run(lambda: self._check_card(uid, pin), self._on_signed_in,
                        self._on_failed)

    def _check_card(self, uid: str, pin: str) -> Session:
        session = self._auth.sign_in_card(uid, pin)
        session.require(Permission.BACK_OFFICE)
        return session

    def _check(self, login: str, password: str) -> Session:
        session = self._auth.login(login, password)
        session.require(Permission.BACK_OFFICE)
        return session

    def _on_signed_in(self, session: Session) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.message.setText("")
        self.signed_in.emit(session)

    def _on_failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        if isinstance(exc, LoginFailed) and exc.reason is FailReason.WRONG_SECRET \
                and not self._by_card:
            text = (tr("Wrong user name or password — {tries} tries left").format(
                tries=exc.tries_left) if exc.tries_left is not None
                else tr("Wrong user name or password"))
        elif isinstance(exc, LoginFailed):
            text = login_failure_text(exc)
        elif isinstance(exc, PermissionDenied):
            text = tr("Only managers and admins use the back office")
        else:
            log.error("back-office sign-in: %s", exc, exc_info=exc)
            text = tr("Cannot sign in: {error}").format(error=exc)
        self.message.setText(text)


class OfficeWindow(QMainWindow):
    """Sign-in page, then tabs; the cards tab is the list beside the chosen card's page.

    With a ``desk`` (the card office, its printer) the cards tab has the action buttons.
    """

    def __init__(self, auth: AuthService, cards: CardList, tasks: TaskRunner,
                 currency: Currency, place: str = "", desk: OfficeDesk | None = None, *,
                 users: UserAdmin | None = None, card_types: CardTypeAdmin | None = None,
                 audit: AuditView | None = None, reader: ReaderBridge | None = None,
                 ask_pin: Callable[[QWidget], str | None] | None = None,
                 reports: ReportDesk | None = None,
                 settings: Callable[[Session, QWidget], QDialog] | None = None,
                 live: LiveConsole | None = None) -> None:
        super().__init__()
        self._users, self._card_types, self._audit = users, card_types, audit
        self._reports, self._settings = reports, settings
        self.reports_desk = reports
        self._live = live
        self.live_tab: LiveTab | None = None
        self.settings_button: QPushButton | None = None
        self.setWindowTitle(tr("Tillcard back office"))
        self._cards, self._tasks, self._currency = cards, tasks, currency
        self._desk = desk
        self.card_actions: CardActions | None = None
        self.list_actions: ListActions | None = None
        self.session: Session | None = None
        self.stack = QStackedWidget()
        self.sign_in = OfficeSignIn(auth, tasks, place, reader=reader, ask_pin=ask_pin)
        self.sign_in.signed_in.connect(self._on_sign_in_signed_in)
        self.stack.addWidget(self.sign_in)
        self.tabs = QTabWidget()
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self.card_list: CardListView | None = None
        self.card_page: CardPage | None = None

    def _on_sign_in_signed_in(self, session: Session) -> None:
        self.session = session
        self.statusBar().showMessage(tr("Signed in: {name} ({role})").format(
            name=session.name, role=role_text(session.role)))
        self.tabs.clear()
        self.tabs.addTab(self._cards_tab(session), tr("Cards"))
        self.add_tabs(session)
        self.stack.setCurrentWidget(self.tabs)
        assert self.card_list is not None
        self.card_list.model.set_query("")
        self.card_list.search.setFocus()

    def add_tabs(self, session: Session) -> None:
        """The admin tabs this session may see; the services refuse the rest anyway."""
        tasks, currency = self._tasks, self._currency
        if self._users is not None and session.can(Permission.USERS):
            self.tabs.addTab(UsersTab(session, self._users, tasks, currency), tr("Users"))
        if self._card_types is not None and session.can(Permission.CARD_TYPES):
            self.tabs.addTab(CardTypesTab(session, self._card_types, tasks, currency),
                             tr("Card types"))
        if self._audit is not None and session.can(Permission.AUDIT):
            self.tabs.addTab(AuditTab(session, self._audit, tasks, currency), tr("Audit log"))
        if self.live_tab is not None:  # another user signed in: the old feed stops
            self.live_tab.stop()
            self.live_tab = None
        if self._live is not None and session.can(Permission.REPORTS):
            self.live_tab = LiveTab(session, self._live, tasks, currency)
            self.tabs.addTab(self.live_tab, tr("Live"))
        if self._reports is not None and session.can(Permission.REPORTS):
            self.tabs.addTab(self._reports.tab(session, tasks, currency), tr("Reports"))
        self._add_settings_button(session)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.live_tab is not None:
            self.live_tab.stop()
        super().closeEvent(event)

    def _add_settings_button(self, session: Session) -> None:
        """Settings (the first-run wizard's pages) for admins; the service refuses others."""
        if self.settings_button is not None:
            self.statusBar().removeWidget(self.settings_button)
            self.settings_button.deleteLater()
            self.settings_button = None
        if self._settings is None or session.role is not Role.ADMIN:
            return
        button = QPushButton(tr("Settings…"))
        button.setObjectName("officeSettings")
        opener = self._settings
        button.clicked.connect(lambda: opener(session, self).open())
        self.statusBar().addPermanentWidget(button)
        self.settings_button = button

    def _cards_tab(self, session: Session) -> QWidget:
        cards = self._cards
        model = CardListModel(self._tasks, lambda q: cards.search(session, q),
                              lambda q, after: cards.page(session, q, after), self._currency)
        self.card_list = CardListView(model)
        self.card_page = CardPage(self._tasks, lambda card: cards.card(session, card),
                                  lambda card, before: cards.history(session, card, before),
                                  self._currency)
        self.card_list.card_opened.connect(self.card_page.show_card)
        if self._desk is not None:
            self.card_actions, self.list_actions = attach_actions(
                self._desk, session, self._tasks, self._currency, self.card_list,
                self.card_page, lambda card: cards.card(session, card))
        split = QSplitter()
        split.addWidget(self.card_list)
        split.addWidget(self.card_page)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        width = max(self.width(), 1000)
        split.setSizes([width * 11 // 20, width * 9 // 20])  # the list a little wider
        return split

