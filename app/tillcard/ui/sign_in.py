"""The till's sign-in screen: pick your name or tap your staff card, then the PIN on a pad."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tillcard.devices.readers.base import CardPresented
from tillcard.services.auth import AuthService, LockedOut, LoginFailed, Session
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.pin_dialog import (
    DIGIT_KEYS,
    ENTER_KEYS,
    NameGrid,
    PinPad,
    TillUser,
    alive,
    base_point_size,
    login_failure_text,
    set_state,
    user_with_card,
)
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)

SCREEN_STYLE = """
#signInPlace { font-size: %(hint)dpt; color: #52606d; }
#signInTitle { font-size: %(title)dpt; font-weight: bold; }
#signInHint { font-size: %(hint)dpt; color: #2d3e50; }
#signInStatus { font-size: %(hint)dpt; }
#signInStatus[state="error"] { color: #c62828; font-weight: bold; }
QPushButton#nameButton { font-size: %(name)dpt; font-weight: bold; text-align: left;
                         padding-left: 18px; }
QPushButton#signInBack, QPushButton#signInQuit, QPushButton#signInRefresh,
QPushButton#quitCancel { font-size: %(hint)dpt; }
QPushButton#quitConfirm { font-size: %(hint)dpt; background: #c62828; color: white; }
"""


class Page(enum.IntEnum):
    NAMES = 0
    PIN = 1
    QUIT = 2


@dataclass(frozen=True)
class _Who:
    """Who is keying a PIN: a name picked (``user_id``) or a staff card (``staff_uid``)."""

    user_id: int | None
    staff_uid: str | None
    name: str | None


class SignInScreen(QWidget):
    """Full-window sign-in for a touch counter: big name buttons, staff card, PIN pad.

    The user list and every PIN check run on the task runner's worker; the services read
    the till's own database, so signing in works offline. ``start`` begins again (after a
    sign-out, or locked for the cashier who was signed in). A staff card tapped on the
    ``reader`` while the screen is visible picks its user.

    Signals:
        signed_in(Session): the PIN was right.
        quit_requested(): Quit was confirmed (Cancel keeps the screen).
    """

    signed_in = Signal(object)
    quit_requested = Signal()

    def __init__(self, auth: AuthService, tasks: TaskRunner, reader: ReaderBridge | None = None,
                 *, place: str = "", offline: Callable[[], bool] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth, self._tasks, self._offline = auth, tasks, offline
        self._epoch = 0  # results of an earlier start() are dropped
        self._who: _Who | None = None
        self._locked_by: Session | None = None
        self._busy = False
        self._number = ""  # a name's number typed on the keys
        self.setWindowTitle(tr("Tillcard — sign in"))
        self.setObjectName("signInScreen")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        base = base_point_size()
        self.setStyleSheet(SCREEN_STYLE % {"title": base * 2, "hint": base + 4,
                                           "name": base + 6})
        self._build(place)
        if reader is not None:
            reader.card_presented.connect(self._on_reader_card_presented)

    # -- layout ---------------------------------------------------------------------------

    def _build(self, place: str) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 16, 32, 16)
        self.place = _label(place, "signInPlace")
        outer.addWidget(self.place)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._names_page())
        self.stack.addWidget(self._pin_page())
        self.stack.addWidget(self._quit_page())
        outer.addWidget(self.stack, 1)

    def _names_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(_label(tr("Who is signing in?"), "signInTitle"))
        box.addWidget(_label(tr("Touch your name — or tap your staff card on the reader"),
                             "signInHint"))
        row = QHBoxLayout()
        self.status = _label("", "signInStatus")
        row.addWidget(self.status, 1)
        self.refresh_button = _button(tr("Refresh"), "signInRefresh")
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        row.addWidget(self.refresh_button)
        box.addLayout(row)
        self.names = NameGrid(columns=3, button_height=max(88, base_point_size() * 7))
        self.names.picked.connect(self._on_names_picked)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.names)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        box.addWidget(scroll, 1)
        bottom = QHBoxLayout()
        self.quit_button = _button(tr("Quit Tillcard"), "signInQuit")
        self.quit_button.clicked.connect(self._on_quit_button_clicked)
        bottom.addWidget(self.quit_button)
        bottom.addStretch(1)
        box.addLayout(bottom)
        return page

    def _pin_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        self.pin_title = _label("", "signInTitle")
        self.pin_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.pin_title)
        self.pad = PinPad()
        self.pad.submitted.connect(self._on_pad_submitted)
        self.pad.edited.connect(self._on_pad_edited)
        box.addWidget(self.pad, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(1)
        row = QHBoxLayout()
        self.back_button = _button(tr("Back  (Esc)"), "signInBack")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        row.addWidget(self.back_button)
        row.addStretch(1)
        box.addLayout(row)
        return page

    def _quit_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(_label(tr("Quit Tillcard?"), "signInTitle"))
        box.addWidget(_label(tr("This till sells nothing until Tillcard is started again."),
                             "signInHint"))
        row = QHBoxLayout()
        self.quit_cancel_button = _button(tr("Cancel  (Esc)"), "quitCancel")
        self.quit_cancel_button.clicked.connect(self._on_quit_cancel_button_clicked)
        self.quit_confirm_button = _button(tr("Quit"), "quitConfirm")
        self.quit_confirm_button.clicked.connect(self._on_quit_confirm_button_clicked)
        row.addWidget(self.quit_cancel_button, 2)
        row.addSpacing(48)
        row.addWidget(self.quit_confirm_button, 1)
        box.addLayout(row)
        box.addStretch(2)
        return page

    # -- state ----------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        return Page(self.stack.currentIndex())

    def start(self, locked_by: Session | None = None) -> None:
        """From the beginning: the names (reloaded), or the PIN of the cashier who locked."""
        self._epoch += 1
        self._locked_by = locked_by
        self._busy = False
        self.pad.set_busy(False)
        self._load_users()
        if locked_by is not None:
            self._ask_pin(_Who(locked_by.user_id, None, locked_by.name))
        else:
            self._show_names()

    def _show_names(self) -> None:
        self._who = None
        self._number = ""
        self.pad.clear()
        self.pad.set_message("")
        self.stack.setCurrentIndex(Page.NAMES)
        self.setFocus()

    def _ask_pin(self, who: _Who) -> None:
        self._who = who
        self._number = ""
        self.pad.clear()
        self.pad.set_message("")
        locked = self._locked_by is not None and who.user_id == self._locked_by.user_id
        if locked:
            title = tr("Locked — {name}: enter your PIN to go on").format(name=who.name)
        elif who.name:
            title = tr("{name}: enter your PIN").format(name=who.name)
        else:
            title = tr("Staff card: enter your PIN")
        self.pin_title.setText(title)
        self.back_button.setText(tr("Another cashier") if locked else tr("Back  (Esc)"))
        self.stack.setCurrentIndex(Page.PIN)
        self.pad.setFocus()

    # -- the user list --------------------------------------------------------------------

    def _load_users(self) -> None:
        self._status(tr("Loading the names …"))
        self.refresh_button.hide()
        epoch = self._epoch
        self._tasks.run(self._till_users, lambda users: self._on_users_loaded(epoch, users),
                        lambda exc: self._on_users_failed(epoch, exc))

    def _till_users(self) -> list[TillUser]:
        return list(self._auth.till_users())

    def _on_users_loaded(self, epoch: int, users: list[TillUser]) -> None:
        if not alive(self) or epoch != self._epoch:
            return
        self.names.show_users(users)
        if users:
            self._status("")
        else:
            self._status(tr("Nobody can sign in at this till yet: no user with a PIN is "
                            "known here."), error=True)
            self.refresh_button.show()

    def _on_users_failed(self, epoch: int, exc: BaseException) -> None:
        if not alive(self) or epoch != self._epoch:
            return
        log.error("cannot list the till's users: %s", exc, exc_info=exc)
        self._status(tr("Cannot read the names: {error}").format(error=exc), error=True)
        self.refresh_button.show()

    def _status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        set_state(self.status, "error" if error else "")

    def _on_refresh_button_clicked(self) -> None:
        self._load_users()

    # -- picking who ----------------------------------------------------------------------

    def _on_names_picked(self, user_id: int) -> None:
        user = self.names.user(user_id)
        if user is not None and not self._busy:
            self._ask_pin(_Who(user.id, None, user.name))

    def _on_reader_card_presented(self, event: CardPresented) -> None:
        if not alive(self) or not self.isVisible() or self._busy:
            return
        user = user_with_card(self.names.users, event.uid)
        self._ask_pin(_Who(None, event.uid, user.name if user else None))

    def _type_number(self, digit: str) -> None:
        """A name's number on the keys: picks at once when no longer number could follow."""
        count = len(self.names.users)
        number = int(self._number + digit)
        if number == 0 or number > count:
            self._number = ""
            self._status("")
        elif number * 10 > count:
            self._pick_number(number)
        else:
            self._number = str(number)
            self._status(tr("Number {number} — Enter to pick").format(number=number))

    def _pick_number(self, number: int) -> None:
        self._status("")
        self._on_names_picked(self.names.users[number - 1].id)

    # -- the PIN --------------------------------------------------------------------------

    def _on_pad_edited(self) -> None:
        if self.pad.message.property("state") == "error":
            self.pad.set_message("")

    def _on_pad_submitted(self, pin: str) -> None:
        who = self._who
        if who is None or self._busy:
            return
        self._busy = True
        self.pad.set_busy(True)
        self.pad.set_message(tr("Checking …"), "info")
        epoch = self._epoch
        self._tasks.run(lambda: self._check_pin(who, pin),
                        lambda s: self._on_sign_in_done(epoch, s),
                        lambda exc: self._on_sign_in_failed(epoch, exc))

    def _check_pin(self, who: _Who, pin: str) -> Session:
        """On the worker: the staff card's PIN, or the PIN of the name picked."""
        if who.staff_uid is not None:
            return self._auth.sign_in_card(who.staff_uid, pin)
        if who.user_id is None:
            raise LoginFailed("wrong PIN")
        return self._auth.sign_in_pin(who.user_id, pin)

    def _on_sign_in_done(self, epoch: int, session: Session) -> None:
        if not alive(self) or epoch != self._epoch:
            return
        self._busy = False
        self.pad.set_busy(False)
        self.pad.clear()
        self.pad.set_message("")
        self.signed_in.emit(session)

    def _on_sign_in_failed(self, epoch: int, exc: BaseException) -> None:
        if not alive(self) or epoch != self._epoch:
            return
        self._busy = False
        self.pad.set_busy(False)
        self.pad.clear()
        if isinstance(exc, LoginFailed):
            text = login_failure_text(exc)
            if not isinstance(exc, LockedOut) and self._offline is not None and self._offline():
                text += "\n" + tr("The centre is out of reach: only users known at this "
                                  "till's last sync can sign in.")
        else:
            log.error("sign-in failed: %s", exc, exc_info=exc)
            text = tr("Cannot check the PIN now: {error}").format(error=exc)
        self.pad.set_message(text)
        self.pad.setFocus()

    def _on_back_button_clicked(self) -> None:
        if not self._busy:
            self._show_names()

    # -- quitting -------------------------------------------------------------------------

    def _on_quit_button_clicked(self) -> None:
        self.stack.setCurrentIndex(Page.QUIT)
        self.setFocus()

    def _on_quit_cancel_button_clicked(self) -> None:
        self._show_names()

    def _on_quit_confirm_button_clicked(self) -> None:
        self._show_names()
        self.quit_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """The window's close box asks like Quit does; a close from code just closes."""
        if event.spontaneous():
            event.ignore()
            self._on_quit_button_clicked()
        else:
            super().closeEvent(event)

    # -- keys -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if self._handle_key(event):
            event.accept()
        else:
            super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        key = Qt.Key(event.key())
        page = self.page
        if page is Page.PIN:
            if self.pad.handle_key(event):
                return True
            if key == Qt.Key.Key_Escape:
                self._on_back_button_clicked()
                return True
        elif page is Page.NAMES:
            if key in DIGIT_KEYS:
                self._type_number(DIGIT_KEYS[key])
                return True
            if key in ENTER_KEYS and self._number:
                self._pick_number(int(self._number))
                return True
            if key in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace):
                self._number = ""
                self._status("")
                return True
        elif key == Qt.Key.Key_Escape or key in ENTER_KEYS:  # the Quit question: Cancel
            self._on_quit_cancel_button_clicked()
            return True
        return False


def _label(text: str, name: str) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName(name)
    lab.setWordWrap(True)
    return lab


def _button(text: str, name: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setMinimumHeight(56)
    b.setMinimumWidth(180)
    return b
