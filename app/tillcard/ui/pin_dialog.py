"""PIN entry on a touch till: the pad, the customer's card PIN, a manager's approval."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from tillcard.devices.readers.base import CardPresented
from tillcard.domain.permissions import Permission, Role, allows
from tillcard.services.auth import Approval, AuthService, FailReason, LockedOut, LoginFailed
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

__all__ = ["ManagerApproval", "ManagerApprovalDialog", "NameGrid", "PinDialog", "PinPad",
           "TillUser", "alive", "ask_approval", "ask_pin", "login_failure_text",
           "user_with_card"]

log = logging.getLogger(__name__)

DOT = "●"
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): str(d) for d in range(10)}
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
PAD_LAYOUT = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("clear", "0", "backspace"))

PAD_STYLE = """
QPushButton[pinKey="true"] { font-size: %(digits)dpt; font-weight: bold; }
QPushButton#pinOk { font-size: %(digits)dpt; font-weight: bold; background: #1565c0;
                    color: white; }
QPushButton#pinOk:disabled { background: #9db7d8; }
#pinDots { font-size: %(dots)dpt; border: 2px solid #8a96a3; border-radius: 6px;
           background: white; color: #222; padding: 4px; }
#pinMessage { font-size: %(message)dpt; padding: 8px; border-radius: 4px; }
#pinMessage[state="error"] { background: #c62828; color: white; font-weight: bold; }
#pinMessage[state="info"] { background: #e8eef5; color: #2d3e50; }
"""


def base_point_size() -> int:
    """The application's font size (the theme's base; large-type mode makes it bigger)."""
    return max(12, QApplication.font().pointSize())


def set_state(widget: QWidget, state: str) -> None:
    """Sets the ``state`` property the style sheets colour by, and restyles the widget."""
    widget.setProperty("state", state)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def alive(widget: QWidget) -> bool:
    """False once Qt deleted the widget: a late task result must not touch it."""
    return isValid(widget)


def login_failure_text(exc: LoginFailed) -> str:
    """What a refused PIN says on screen: tries left, the lockout's end, or the reason."""
    if isinstance(exc, LockedOut):
        return tr("Locked after too many wrong PINs — try again at {time}").format(
            time=exc.until.astimezone().strftime("%H:%M"))
    if exc.reason is FailReason.WRONG_SECRET and exc.tries_left is not None:
        return tr("Wrong PIN — {tries} tries left").format(tries=exc.tries_left)
    texts = {
        FailReason.WRONG_SECRET: tr("Wrong PIN"),
        FailReason.UNKNOWN_USER: tr("Wrong user name or password"),
        FailReason.UNKNOWN_CARD: tr("This card belongs to no user"),
        FailReason.DISABLED: tr("{name} may no longer sign in").format(name=exc.name),
        FailReason.NO_MANAGER: tr("No manager has this PIN"),
        FailReason.LOCKED: tr("Locked after too many wrong PINs"),
    }
    return texts[exc.reason]


class TillUser(Protocol):
    """What the screens need of a user (``AuthService.till_users`` gives them)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def staff_uid(self) -> str | None: ...


def user_with_card(users: Sequence[TillUser], uid: str) -> TillUser | None:
    key = uid.strip().upper()
    return next((u for u in users if u.staff_uid and u.staff_uid.upper() == key), None)


def may(user: TillUser, permission: Permission) -> bool:
    try:
        return allows(Role(user.role), permission)
    except ValueError:  # a role this version does not know
        return False


class PinPad(QWidget):
    """Big digits 0-9, clear, backspace and OK; the PIN shows only as dots.

    Physical digits (main row and numpad), Backspace, Enter and Esc work while the pad has
    the focus (or when a screen forwards them to ``handle_key``); Esc clears, and on an
    empty pad is left to the parent (back, cancel).

    Signals:
        submitted(str): OK with at least ``min_length`` digits.
        edited(): a digit was added or removed (the caller may clear its message).
    """

    submitted = Signal(str)
    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, min_length: int = 4,
                 max_length: int = 12, ok_text: str | None = None) -> None:
        super().__init__(parent)
        self._digits = ""
        self._busy = False
        self._min, self._max = min_length, max_length
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("pinPad")
        self.setMinimumWidth(360)
        self.setMaximumSize(520, 720)
        base = base_point_size()
        self.setStyleSheet(PAD_STYLE % {"digits": base * 2, "dots": base * 2,
                                        "message": base + 2})
        self._build(ok_text or tr("OK  (Enter)"))
        self._render()

    def _build(self, ok_text: str) -> None:
        box = QVBoxLayout(self)
        box.setSpacing(10)
        self.dots = QLabel("")
        self.dots.setObjectName("pinDots")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setMinimumHeight(int(base_point_size() * 3.5))
        box.addWidget(self.dots)
        self.message = QLabel("")
        self.message.setObjectName("pinMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.message)
        grid = QGridLayout()
        grid.setSpacing(8)
        labels = {"clear": tr("Clear"), "backspace": "⌫"}
        self.buttons: dict[str, QPushButton] = {}
        for r, row in enumerate(PAD_LAYOUT):
            for c, key in enumerate(row):
                b = self._button(labels.get(key, key), f"pin_{key}")
                b.setProperty("pinKey", key.isdigit() or key == "backspace")
                b.clicked.connect(lambda _=False, k=key: self.press(k))
                grid.addWidget(b, r, c)
                self.buttons[key] = b
        box.addLayout(grid, 1)
        self.ok_button = self._button(ok_text, "pinOk")
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        box.addWidget(self.ok_button)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Room for fingers where there is room; the layout shrinks it on small screens."""
        return QSize(460, 640)

    def _button(self, text: str, name: str) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setMinimumSize(96, 64)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return b

    # -- input ------------------------------------------------------------------------

    def press(self, key: str) -> None:
        """One key: a digit, ``backspace``, ``clear`` or ``ok``."""
        if self._busy:
            return
        if key == "ok":
            self._on_ok_button_clicked()
            return
        before = self._digits
        if key == "clear":
            self._digits = ""
        elif key == "backspace":
            self._digits = self._digits[:-1]
        elif key.isdigit() and len(self._digits) < self._max:
            self._digits += key
        if self._digits != before:
            self._render()
            self.edited.emit()

    def handle_key(self, event: QKeyEvent) -> bool:
        """A physical key; True when the pad used it."""
        key = Qt.Key(event.key())
        if key in DIGIT_KEYS:
            self.press(DIGIT_KEYS[key])
        elif key == Qt.Key.Key_Backspace:
            self.press("backspace")
        elif key in ENTER_KEYS:
            self.press("ok")
        elif key == Qt.Key.Key_Escape and self._digits:
            self.press("clear")
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if self.handle_key(event):
            event.accept()
        else:
            super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_ok_button_clicked(self) -> None:
        if not self._busy and len(self._digits) >= self._min:
            self.submitted.emit(self._digits)

    # -- state ------------------------------------------------------------------------

    @property
    def length(self) -> int:
        return len(self._digits)

    def clear(self) -> None:
        self._digits = ""
        self._render()

    def set_busy(self, busy: bool) -> None:
        """While a PIN is being checked: keys do nothing."""
        self._busy = busy
        self._render()

    def set_message(self, text: str, state: str = "error") -> None:
        """``state``: ``error`` (red band), ``info`` or ``""``."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        set_state(self.message, state if text else "")

    def _render(self) -> None:
        self.dots.setText(DOT * len(self._digits))
        for b in self.buttons.values():
            b.setEnabled(not self._busy)
        self.ok_button.setEnabled(not self._busy and len(self._digits) >= self._min)
        if not self.message.text():
            self.message.hide()


class NameButton(QPushButton):
    """A user's big button; a name too long for it ends in "…" (the whole name as tooltip)."""

    def __init__(self, text: str, height: int) -> None:
        super().__init__(text)
        self.full_text = text
        self.setToolTip(text)
        self.setObjectName("nameButton")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        room = self.width() - 2 * self.fontMetrics().averageCharWidth() - 24
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight,
                                                   max(room, 0)))


class NameGrid(QWidget):
    """One big button per user, in equal columns from the top, numbered for a numpad.

    Signals:
        picked(int): the user id of the button touched.
    """

    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, columns: int = 4,
                 button_height: int = 96) -> None:
        super().__init__(parent)
        self._columns = columns
        self._height = button_height
        self._grid = QGridLayout(self)
        self._grid.setSpacing(12)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.buttons: list[NameButton] = []
        self.users: list[TillUser] = []

    def show_users(self, users: Sequence[TillUser]) -> None:
        for b in self.buttons:
            b.deleteLater()
        self.users = list(users)
        self.buttons = []
        for c in range(self._columns):  # equal columns, as many as there are names
            self._grid.setColumnStretch(c, 1 if c < len(self.users) else 0)
        for i, user in enumerate(self.users):
            b = NameButton(f"{i + 1}   {user.name}", self._height)
            b.clicked.connect(lambda _=False, uid=user.id: self.picked.emit(uid))
            self._grid.addWidget(b, i // self._columns, i % self._columns)
            self.buttons.append(b)

    def user(self, user_id: int) -> TillUser | None:
        return next((u for u in self.users if u.id == user_id), None)


# -- the customer's card PIN ---------------------------------------------------------------


class PinDialog(QDialog):
    """The customer keys the card PIN; the dialog says what it approves."""

    def __init__(self, parent: QWidget | None = None, *, amount: str | None = None,
                 holder: str | None = None) -> None:
        super().__init__(parent)
        self.pin: str | None = None
        self.setWindowTitle(tr("Card PIN"))
        box = QVBoxLayout(self)
        self.headline = QLabel(approve_text(amount, holder))
        self.headline.setObjectName("pinHeadline")
        self.headline.setWordWrap(True)
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline.setStyleSheet(f"font-size: {base_point_size() * 2}pt; font-weight: bold;")
        self.headline.setVisible(bool(self.headline.text()))
        box.addWidget(self.headline)
        prompt = QLabel(tr("Customer: enter your card PIN"))
        prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        prompt.setStyleSheet(f"font-size: {base_point_size() + 4}pt;")
        box.addWidget(prompt)
        self.pad = PinPad(self, min_length=1, max_length=8)
        self.pad.submitted.connect(self._on_pad_submitted)
        box.addWidget(self.pad, 1, Qt.AlignmentFlag.AlignHCenter)
        self.cancel_button = QPushButton(tr("Cancel  (Esc)"))
        self.cancel_button.setObjectName("pinCancel")
        self.cancel_button.setMinimumHeight(60)
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.reject)
        box.addWidget(self.cancel_button)

    def _on_pad_submitted(self, pin: str) -> None:
        self.pin = pin
        self.accept()


def approve_text(amount: str | None, holder: str | None) -> str:
    if amount and holder:
        return tr("Approve {amount} for {holder}").format(amount=amount, holder=holder)
    if amount:
        return tr("Approve {amount}").format(amount=amount)
    return ""


def ask_pin(parent: QWidget | None, *, amount: str | None = None,
            holder: str | None = None) -> str | None:
    """The card PIN the customer keyed, or None if cancelled.

    ``amount`` is the formatted charge and ``holder`` the card's holder, shown as
    "Approve 62.50 for Zhang Wei".
    """
    dlg = PinDialog(parent, amount=amount, holder=holder)
    try:
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.pin:
            return dlg.pin
        return None
    finally:
        dlg.deleteLater()


# -- a manager's approval ------------------------------------------------------------------


@dataclass(frozen=True)
class ManagerApproval:
    """Who approved, and the reason given (empty when none was asked)."""

    approval: Approval
    reason: str


class ManagerApprovalDialog(QDialog):
    """A manager approves by PIN: picks their name or taps their card, or just keys it.

    ``what`` says what is approved ("Void 62.50 — Zhang Wei, 12:03"); with
    ``reason_required`` a reason (typed, or one of ``reasons``) must be given first. The
    PIN is checked by ``AuthService.approve`` on the task runner's worker.

    Signals:
        approved(ManagerApproval): the PIN was right; the dialog then accepts.
    """

    approved = Signal(object)

    def __init__(self, auth: AuthService, tasks: TaskRunner, what: str, *,
                 reason_required: bool = False, reasons: Sequence[str] = (),
                 reader: ReaderBridge | None = None,
                 permission: Permission = Permission.APPROVE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth, self._tasks, self._permission = auth, tasks, permission
        self._reason_required = reason_required
        self._user_id: int | None = None
        self.result_approval: ManagerApproval | None = None
        self.setWindowTitle(tr("Manager approval"))
        self.setMinimumWidth(520)
        self._build(what, reasons)
        if reader is not None:
            reader.card_presented.connect(self._on_reader_card_presented)
        self._tasks.run(self._approvers, self._on_approvers_loaded, self._on_approvers_failed)

    def _build(self, what: str, reasons: Sequence[str]) -> None:
        box = QVBoxLayout(self)
        self.what = QLabel(what)
        self.what.setObjectName("approvalWhat")
        self.what.setWordWrap(True)
        self.what.setStyleSheet(f"font-size: {base_point_size() + 6}pt; font-weight: bold;")
        box.addWidget(self.what)
        self.hint = QLabel(tr("Manager: touch your name or tap your card — or just key "
                              "your PIN"))
        self.hint.setWordWrap(True)
        box.addWidget(self.hint)
        self.names = NameGrid(self, columns=3, button_height=64)
        self.names.picked.connect(self._on_names_picked)
        box.addWidget(self.names)
        self.reason = QComboBox()
        self.reason.setObjectName("approvalReason")
        self.reason.setEditable(True)
        self.reason.addItems(["", *reasons])
        self.reason.setMinimumHeight(48)
        line = self.reason.lineEdit()
        if line is not None:
            line.setPlaceholderText(tr("Reason"))
        self.reason.setVisible(self._reason_required)
        box.addWidget(self.reason)
        self.pad = PinPad(self, min_length=1, ok_text=tr("Approve  (Enter)"))
        self.pad.submitted.connect(self._on_pad_submitted)
        self.pad.edited.connect(self._on_pad_edited)
        box.addWidget(self.pad, 1, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(tr("Cancel  (Esc)"))
        self.cancel_button.setObjectName("approvalCancel")
        self.cancel_button.setMinimumHeight(60)
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.reject)
        row.addWidget(self.cancel_button)
        box.addLayout(row)

    def _approvers(self) -> list[TillUser]:
        return [u for u in self._auth.till_users() if may(u, self._permission)]

    def _on_approvers_loaded(self, users: list[TillUser]) -> None:
        if alive(self):
            self.names.show_users(users)

    def _on_approvers_failed(self, exc: BaseException) -> None:
        log.warning("cannot list the managers: %s", exc)  # the PIN alone still works

    def _on_names_picked(self, user_id: int) -> None:
        user = self.names.user(user_id)
        self._choose(user)

    def _on_reader_card_presented(self, event: CardPresented) -> None:
        if not alive(self) or not self.isVisible():
            return
        user = user_with_card(self.names.users, event.uid)
        if user is None:
            self.pad.set_message(tr("This card is not a manager's card"))
        else:
            self._choose(user)

    def _choose(self, user: TillUser | None) -> None:
        self._user_id = None if user is None else user.id
        for b, u in zip(self.names.buttons, self.names.users, strict=True):
            b.setCheckable(True)
            b.setChecked(user is not None and u.id == user.id)
        if user is not None:
            self.pad.set_message(tr("{name}: enter your PIN").format(name=user.name), "info")
        self.pad.setFocus()

    def _on_pad_edited(self) -> None:
        if self.pad.message.property("state") == "error":
            self.pad.set_message("")

    def _on_pad_submitted(self, pin: str) -> None:
        reason = self.reason.currentText().strip()
        if self._reason_required and not reason:
            self.pad.set_message(tr("Give a reason first"))
            self.reason.setFocus()
            return
        self.pad.set_busy(True)
        self.pad.set_message(tr("Checking …"), "info")
        user_id, permission = self._user_id, self._permission
        self._tasks.run(lambda: self._auth.approve(pin, user_id=user_id, permission=permission),
                        lambda a: self._on_approve_done(a, reason), self._on_approve_failed)

    def _on_approve_done(self, approval: Approval, reason: str) -> None:
        if not alive(self):
            return
        self.pad.set_busy(False)
        self.result_approval = ManagerApproval(approval, reason)
        self.approved.emit(self.result_approval)
        self.accept()

    def _on_approve_failed(self, exc: BaseException) -> None:
        if not alive(self):
            return
        self.pad.set_busy(False)
        self.pad.clear()
        if isinstance(exc, LoginFailed):
            self.pad.set_message(login_failure_text(exc))
        else:
            log.error("approval failed: %s", exc, exc_info=exc)
            self.pad.set_message(tr("Cannot check the PIN now: {error}").format(error=exc))


def ask_approval(parent: QWidget | None, auth: AuthService, tasks: TaskRunner, what: str, *,
                 reason_required: bool = False, reasons: Sequence[str] = (),
                 reader: ReaderBridge | None = None,
                 permission: Permission = Permission.APPROVE) -> ManagerApproval | None:
    """Runs a ``ManagerApprovalDialog`` (see there); the approval, or None if cancelled."""
    dlg = ManagerApprovalDialog(auth, tasks, what, reason_required=reason_required,
                                reasons=reasons, reader=reader, permission=permission,
                                parent=parent)
    try:
        dlg.exec()
        return dlg.result_approval
    finally:
        dlg.deleteLater()
