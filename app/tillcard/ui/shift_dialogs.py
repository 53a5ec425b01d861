"""The counter's shift dialogs: open with a counted float, the X so far, close with a count.

Every service call (the last Z's count, open, X, close) runs on the ``TaskRunner``; the
widgets only render what comes back. Counting is touch work: one large field per note and
coin with − and + beside it, the running total in big type.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QFontDatabase, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.cash import CashCount
from tillcard.domain.money import AmountError, Currency, format_number
from tillcard.domain.shift import ShiftSummary
from tillcard.services.auth import Approval, PermissionDenied, Session
from tillcard.services.shifts import ApprovalNeeded, NoOpenShift, ShiftAlreadyOpen, ShiftService
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr
from tillcard.ui.theme import MONEY_FAMILIES

log = logging.getLogger(__name__)

Approve = Callable[[int], Approval | None]
ROWS_PER_COLUMN = 8  # more notes and coins than this (USD, HKD, EUR) take two columns
TOUCH = 56  # px: the smallest thing a finger presses
MAX_WIDTH = 1280  # px: on a wide screen the figures stay near their captions

# Sizes follow the application's base font (the theme's large type makes them larger).
SHIFT_STYLE = """
QWidget { font-size: %(text)dpt; }
QLabel[money="true"] { font-family: "%(mono)s"; }
QLineEdit#pieces { font-family: "%(mono)s"; font-size: %(big)dpt; padding: 2px 8px; }
QPushButton#less, QPushButton#more { font-size: %(big)dpt; font-weight: bold; }
#denomination, #heading, #countTotalCaption { font-size: %(band)dpt; font-weight: bold; }
#countTotal, #zNumber { font-size: %(huge)dpt; font-weight: bold; }
#figure[kind="strong"], #figureCaption[kind="strong"], #expected
    { font-size: %(band)dpt; font-weight: bold; }
#figure[kind="sub"], #figureCaption[kind="sub"], #lineTotal, #note { color: #444; }
#counted { font-size: %(huge)dpt; font-weight: bold; }
#difference, #differenceWord { font-size: %(big)dpt; font-weight: bold; padding: 2px 10px; }
#difference[state="short"], #differenceWord[state="short"] { background: #c62828;
    color: white; }
#difference[state="over"], #differenceWord[state="over"] { background: #ffb300;
    color: #1a1a1a; }
#difference[state="exact"], #differenceWord[state="exact"] { background: #2e7d32;
    color: white; }
#message[state="error"] { color: #c62828; font-weight: bold; }
#message[state="done"] { color: #2e7d32; font-weight: bold; }
QPushButton#primary { background: #1565c0; color: white; font-weight: bold;
    font-size: %(band)dpt; padding: 0 24px; }
QPushButton#primary:disabled { background: #d6d6d6; color: #777; }
"""


def _style() -> str:
    base = QApplication.font().pointSize()
    base = base if base > 0 else 12
    have = set(QFontDatabase.families())
    mono = next((f for f in MONEY_FAMILIES if f in have), MONEY_FAMILIES[-1])
    return SHIFT_STYLE % {"mono": mono, "text": base + 2, "band": base + 6,
                          "big": base + 10, "huge": base * 2 + 8}


def _polish(widget: QWidget, **props: object) -> None:
    for name, value in props.items():
        widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _label(name: str, text: str = "", *, money: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    if money:
        label.setProperty("money", True)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


def _button(text: str, name: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setMinimumSize(TOUCH * 2, TOUCH)
    return b


def _centred(layout: QLayout) -> QHBoxLayout:
    """``layout`` no wider than ``MAX_WIDTH``, in the middle of a wide screen."""
    holder = QWidget()
    holder.setMaximumWidth(MAX_WIDTH)
    holder.setLayout(layout)
    layout.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    row.addWidget(holder)
    return row


def _when(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")  # the till's clock, as the service's


def error_text(exc: BaseException) -> str:
    """What the cashier reads when a shift call fails."""
    if isinstance(exc, NoOpenShift):
        return tr("No shift is open at this till")
    if isinstance(exc, ShiftAlreadyOpen):
        return tr("A shift is already open at this till")
    if isinstance(exc, PermissionDenied):
        return tr("Not allowed: {reason}").format(reason=exc)
    if isinstance(exc, AmountError):
        return tr("Check the counts: {reason}").format(reason=exc)
    log.error("shift call failed", exc_info=exc)
    return tr("Failed: {error}").format(error=exc)


class DenominationCounter(QWidget):
    """One row per note and coin: its value, −, a large count field, +, what they make.

    Signals:
        changed(): a count changed, typed or by − and +.
    """

    changed = Signal()

    def __init__(self, denominations: Sequence[int], currency: Currency, *,
                 show_total: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cur = currency
        self.fields: dict[int, QLineEdit] = {}
        self.less: dict[int, QPushButton] = {}
        self.more: dict[int, QPushButton] = {}
        self.line_totals: dict[int, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        rows = min(len(denominations), ROWS_PER_COLUMN)
        rows = rows if len(denominations) <= ROWS_PER_COLUMN else -(-len(denominations) // 2)
        for i, denom in enumerate(denominations):
            self._add_row(grid, i % rows, (i // rows) * 6, denom)
        last = (len(denominations) - 1) // rows * 6  # first grid column of the last one
        if last:
            grid.setColumnMinimumWidth(5, 32)  # a gutter between the two columns
        grid.setColumnStretch(last + 5, 1)  # the rows keep their size, the rest is air
        self.total_label = _label("countTotal", money=True)
        if show_total:  # under the last column of line totals
            caption = _label("countTotalCaption", tr("Total"))
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(caption, rows, 0, 1, last + 4)
            grid.addWidget(self.total_label, rows, last + 4)
        grid.setRowStretch(rows + 1, 1)
        self._on_counts_changed()

    def _add_row(self, grid: QGridLayout, row: int, col: int, denom: int) -> None:
        text = format_number(denom, self._cur)
        if self._cur.decimals and denom % self._cur.unit == 0:
            text = text[:-(self._cur.decimals + 1)]  # a note: "100", as printed on it
        field = QLineEdit("0")
        field.setObjectName("pieces")
        field.setAccessibleName(tr("pieces of {value}").format(value=text))
        field.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        field.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,5}"), field))
        field.setFixedSize(120, TOUCH)
        field.textChanged.connect(self._on_counts_changed)
        field.returnPressed.connect(lambda d=denom: self._on_field_return_pressed(d))
        less, more = QPushButton(tr("−")), QPushButton(tr("+"))
        for b, name, step in ((less, "less", -1), (more, "more", 1)):
            b.setObjectName(name)
            b.setFixedSize(TOUCH, TOUCH)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoRepeat(True)
            b.clicked.connect(lambda _=False, d=denom, s=step: self.step(d, s))
        line = _label("lineTotal", money=True)
        line.setMinimumWidth(120)
        for i, w in enumerate((_label("denomination", text, money=True), less, field, more,
                               line)):
            grid.addWidget(w, row, col + i)
        self.fields[denom], self.less[denom], self.more[denom] = field, less, more
        self.line_totals[denom] = line

    def counts(self) -> dict[int, int]:
        """Pieces per denomination; an empty field counts as none."""
        return {d: int(f.text() or 0) for d, f in self.fields.items()}

    def set_counts(self, pieces: Mapping[int, int]) -> None:
        for d, f in self.fields.items():
            f.setText(str(pieces.get(d, 0)))

    def total(self) -> int:
        return sum(d * n for d, n in self.counts().items())

    def step(self, denom: int, by: int) -> None:
        field = self.fields[denom]
        field.setText(str(min(max(int(field.text() or 0) + by, 0), 99_999)))

    def set_editable(self, editable: bool) -> None:
        """Fields and buttons on or off; the figures stay readable."""
        for w in (*self.fields.values(), *self.less.values(), *self.more.values()):
            w.setEnabled(editable)

    def _on_field_return_pressed(self, denom: int) -> None:
        order = list(self.fields)
        nxt = self.fields[order[(order.index(denom) + 1) % len(order)]]
        nxt.setFocus()
        nxt.selectAll()

    def _on_counts_changed(self) -> None:
        for d, n in self.counts().items():
            self.line_totals[d].setText(format_number(d * n, self._cur) if n else "")
        self.total_label.setText(format_number(self.total(), self._cur))
        self.changed.emit()


class _ShiftDialog(QDialog):
    """What the three dialogs share: the service, the worker, a message line, busy state."""

    def __init__(self, shifts: ShiftService, session: Session, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shifts = shifts
        self._session = session
        self._tasks = tasks
        self._cur = currency
        self._busy = False
        self._finished = False
        self.setStyleSheet(_style())
        self.message = _label("message")
        self.message.setWordWrap(True)

    def _m(self, minor: int) -> str:
        """An amount; a negative one with a real minus sign."""
        return ("−" if minor < 0 else "") + format_number(abs(minor), self._cur)

    def _signed(self, minor: int) -> str:
        return ("+" if minor > 0 else "") + self._m(minor)

    def _say(self, text: str, state: str = "") -> None:
        self.message.setText(text)
        _polish(self.message, state=state)

    def _run(self, fn: Callable[[], object], on_ok: Callable[[object], None],
             on_error: Callable[[BaseException], None] | None = None) -> None:
        """``fn()`` on the worker; its answer goes to one of this dialog's methods.

        The worker may drop its references last, and a widget released on its thread
        crashes Qt: ``fn`` must not hold the dialog, and the answer holds it only weakly
        (and is dropped once the dialog is done).
        """
        self._set_busy(True)
        me = weakref.ref(self)
        ok = weakref.WeakMethod(on_ok)
        failed = weakref.WeakMethod(on_error or self._on_task_failed)

        def answer(method: weakref.WeakMethod[Callable[[Any], None]], arg: object) -> None:
            dialog, call = me(), method()
            if dialog is not None and call is not None and not dialog._finished:
                dialog._set_busy(False)
                call(arg)

        self._tasks.run(fn, lambda value: answer(ok, value), lambda exc: answer(failed, exc))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._refresh()

    def _refresh(self) -> None:
        """Enable what may be pressed now."""

    def _on_task_failed(self, exc: BaseException) -> None:
        self._say(error_text(exc), "error")

    def reject(self) -> None:
        if not self._busy:  # an open or a close in flight finishes first
            super().reject()

    def done(self, result: int) -> None:
        self._finished = True
        super().done(result)


class OpenShiftDialog(_ShiftDialog):
    """Count the float in by denomination, pre-filled with the last Z's count; OK opens.

    Signals:
        shift_opened(object): the open shift, once stored.
    """

    shift_opened = Signal(object)

    def __init__(self, shifts: ShiftService, session: Session, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(shifts, session, tasks, currency, parent)
        self.setWindowTitle(tr("Open shift"))
        self._loaded = False
        self.counter = DenominationCounter(shifts.denominations, currency)
        self.ok_button = _button(tr("Open shift"), "primary")
        self.cancel_button = _button(tr("Cancel"))
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        box = QVBoxLayout()
        box.addWidget(_label("heading", tr("Count the float in the drawer")))
        box.addWidget(self.counter, 1)
        box.addLayout(buttons)
        QVBoxLayout(self).addLayout(_centred(box))
        self._say(tr("Reading the last count…"))
        self._run(shifts.suggested_float, self._on_float_loaded)

    def _refresh(self) -> None:
        self.ok_button.setEnabled(self._loaded and not self._busy)
        self.counter.set_editable(self._loaded and not self._busy)
        self.cancel_button.setEnabled(not self._busy)

    def _on_float_loaded(self, suggested: object) -> None:
        assert isinstance(suggested, CashCount)
        self.counter.set_counts(suggested.as_dict())
        self._loaded = True
        self._say(tr("The last shift's count, carried over: check it") if suggested.pieces
                  else "")
        self._refresh()

    def _on_ok_button_clicked(self) -> None:
        try:
            count = self._shifts.count(self.counter.counts())
        except AmountError as exc:
            self._on_task_failed(exc)
            return
        self._say(tr("Opening…"))
        shifts, session = self._shifts, self._session
        self._run(lambda: shifts.open(session, count), self._on_shift_opened)

    def _on_shift_opened(self, shift: object) -> None:
        self.shift_opened.emit(shift)
        self.accept()


def _figure_rows() -> tuple[tuple[str, str, bool, str], ...]:
    """(key, caption, with a count, "sub" | "strong" | "") for the X's figures."""
    return (
        ("sales", tr("Card sales"), True, ""),
        ("card_part", tr("paid from cards"), False, "sub"),
        ("sale_cash", tr("cash beside cards"), False, "sub"),
        ("cash_sales", tr("Cash sales"), True, ""),
        ("voids", tr("Voids"), True, ""),
        ("voided_card", tr("back to cards"), False, "sub"),
        ("handed_back", tr("cash handed back"), False, "sub"),
        ("recharges", tr("Recharges in cash"), True, ""),
        ("net_sales", tr("Net sales"), False, "strong"),
        ("float", tr("Float"), False, ""),
        ("cash_in", tr("Cash in"), False, ""),
        ("cash_out", tr("Cash out"), False, ""),
        ("expected", tr("Expected cash"), False, "strong"),
    )


def _figures(s: ShiftSummary) -> dict[str, tuple[int | None, int]]:
    t = s.totals
    return {
        "sales": (t.sales, t.card_part + t.sale_cash), "card_part": (None, t.card_part),
        "sale_cash": (None, t.sale_cash), "cash_sales": (t.cash_sales, t.cash_sales_amount),
        "voids": (t.voids, t.voided_card + t.handed_back), "voided_card": (None, t.voided_card),
        "handed_back": (None, t.handed_back), "recharges": (t.recharges, t.recharge_cash),
        "net_sales": (None, t.net_sales), "float": (None, s.float_count.total),
        "cash_in": (None, t.cash_in), "cash_out": (None, -t.cash_out),
        "expected": (None, s.expected),
    }


class XReportView(_ShiftDialog):
    """The shift so far (nothing stored, nothing closed); Print sends the X to the printer.

    Signals:
        loaded(object): the ``ShiftSummary`` now shown.
    """

    loaded = Signal(object)

    def __init__(self, shifts: ShiftService, session: Session, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(shifts, session, tasks, currency, parent)
        self.setWindowTitle(tr("X report — the shift so far"))
        self.summary: ShiftSummary | None = None
        self.opened = _label("note")
        self.opened.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        self.counts: dict[str, QLabel] = {}
        self.figures: dict[str, QLabel] = {}
        for row, (key, caption, counted, kind) in enumerate(_figure_rows()):
            cap, value = _label("figureCaption", caption), _label("figure", money=True)
            for w in (cap, value):
                w.setProperty("kind", kind)
            cap.setIndent(32 if kind == "sub" else 0)
            grid.addWidget(cap, row, 0)
            grid.addWidget(value, row, 2)
            self.figures[key] = value
            if counted:
                self.counts[key] = _label("count", money=True)
                grid.addWidget(self.counts[key], row, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnMinimumWidth(2, 180)
        self.refresh_button = _button(tr("Refresh"))
        self.print_button = _button(tr("Print"), "primary")
        self.close_button = _button(tr("Close"))
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        for b in (self.refresh_button, self.print_button, self.close_button):
            buttons.addWidget(b)
        box = QVBoxLayout()
        box.addWidget(_label("heading", tr("X report: the shift so far")))
        box.addWidget(self.opened)
        box.addLayout(grid)
        box.addStretch(1)
        box.addLayout(buttons)
        QVBoxLayout(self).addLayout(_centred(box))
        self._on_refresh_button_clicked()

    def _refresh(self) -> None:
        self.refresh_button.setEnabled(not self._busy)
        self.print_button.setEnabled(not self._busy and self.summary is not None)

    def _on_refresh_button_clicked(self) -> None:
        self._say(tr("Adding up the shift…"))
        shifts, session = self._shifts, self._session
        self._run(lambda: shifts.x_report(session), self._on_x_loaded)

    def _on_print_button_clicked(self) -> None:
        self._say(tr("Printing…"))
        shifts, session = self._shifts, self._session
        self._run(lambda: shifts.x_report(session, print_it=True), self._on_x_printed)

    def _on_x_printed(self, summary: object) -> None:
        self._on_x_loaded(summary)
        self._say(tr("X report sent to the printer"), "done")

    def _on_x_loaded(self, summary: object) -> None:
        assert isinstance(summary, ShiftSummary)
        self.summary = summary
        names = summary.names
        self.opened.setText(tr("Opened {at} by {name} · cashiers: {cashiers}").format(
            at=_when(summary.opened_at), name=names.get(summary.opened_by, "?"),
            cashiers=", ".join(names.get(i, "?") for i in summary.totals.cashiers) or "—"))
        for key, (count, amount) in _figures(summary).items():
            self.figures[key].setText(self._m(amount))
            if count is not None:
                self.counts[key].setText(str(count))
        self._say(tr("As at {at}").format(at=datetime.now().astimezone().strftime("%H:%M")))
        self._refresh()
        self.loaded.emit(summary)


class CloseShiftDialog(_ShiftDialog):
    """Count the drawer → expected, counted, difference, a comment → Close → the Z number.

    A difference beyond the site's allowance asks ``approve(difference)`` for a manager's
    approval (None: cancelled, the shift stays open) and closes again with it.

    Signals:
        shift_closed(object): the frozen Z (a ``ShiftSummary``), printed.
    """

    shift_closed = Signal(object)

    def __init__(self, shifts: ShiftService, session: Session, tasks: TaskRunner,
                 currency: Currency, approve: Approve, parent: QWidget | None = None) -> None:
        super().__init__(shifts, session, tasks, currency, parent)
        self.setWindowTitle(tr("Close shift"))
        self._approve = approve
        self.expected_minor: int | None = None
        self.z: ShiftSummary | None = None
        self._closing: tuple[CashCount, str] = (CashCount(), "")  # what the last try sent
        many = len(shifts.denominations) > ROWS_PER_COLUMN  # two columns: summary below
        self.counter = DenominationCounter(shifts.denominations, currency, show_total=False)
        self.counter.changed.connect(self._on_counter_changed)
        count_box = QVBoxLayout()
        count_box.addWidget(_label("heading", tr("Count the drawer")))
        count_box.addWidget(self.counter, 1)
        body = QBoxLayout(QBoxLayout.Direction.TopToBottom if many
                          else QBoxLayout.Direction.LeftToRight)
        body.addLayout(count_box, 3)
        body.addLayout(self._summary(many), 2)
        QVBoxLayout(self).addLayout(_centred(body))
        self._say(tr("Adding up the shift…"))
        self._run(lambda: shifts.x_report(session), self._on_x_loaded)

    def _summary(self, below: bool) -> QBoxLayout:
        """Expected, counted, difference; comment; Z number, message, buttons.

        Three blocks, stacked beside the counter or side by side below it.
        """
        figures = QGridLayout()
        self.expected = _label("expected", money=True)
        self.counted = _label("counted", money=True)
        self.difference = _label("difference", money=True)
        self.difference_word = _label("differenceWord")
        self.difference_word.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for row, (caption, w) in enumerate(((tr("Expected"), self.expected),
                                            (tr("Counted"), self.counted),
                                            (tr("Difference"), self.difference))):
            figures.addWidget(QLabel(caption), row, 0)
            figures.addWidget(w, row, 1)
        if below:  # the word beside the amount: the counter above takes the height
            figures.addWidget(self.difference_word, 2, 2)
        else:
            figures.addWidget(self.difference_word, 3, 0, 1, 2)
        comment = QVBoxLayout()
        self.comment = QLineEdit()
        self.comment.setObjectName("comment")
        self.comment.setMinimumHeight(TOUCH)
        self.comment.setMinimumWidth(240)
        self.comment.textChanged.connect(self._refresh)
        self.allowance = _label("note", tr("A difference over {amount} needs a manager")
                                .format(amount=self._m(self._shifts.policy.approval_over)))
        self.allowance.setWordWrap(True)
        comment.addWidget(self.comment)
        comment.addWidget(self.allowance)
        comment.addWidget(self.message)
        comment.addStretch(1)
        ending = QVBoxLayout()
        self.z_number = _label("zNumber")
        self.z_number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.close_button = _button(tr("Close shift"), "primary")
        self.cancel_button = _button(tr("Cancel"))
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button, 1)
        ending.addWidget(self.z_number, 1)
        ending.addLayout(buttons)
        box = QHBoxLayout() if below else QVBoxLayout()
        box.setSpacing(16)
        for part in (figures, comment, ending):
            box.addLayout(part, 1)
        return box

    def current_difference(self) -> int | None:
        if self.z is not None:
            return self.z.difference
        return None if self.expected_minor is None else self.counter.total() - self.expected_minor

    def _refresh(self) -> None:
        diff, closed, idle = self.current_difference(), self.z is not None, not self._busy
        comment_ok = diff == 0 or bool(self.comment.text().strip())
        self.close_button.setEnabled(closed or (diff is not None and comment_ok and idle))
        self.counter.set_editable(not closed and idle)
        self.comment.setEnabled(not closed and idle)
        self.cancel_button.setEnabled(not closed and idle)
        self.comment.setPlaceholderText(tr("Needed: why is the drawer off?") if diff
                                        else tr("Comment: why is the drawer off?"))

    def _on_x_loaded(self, summary: object) -> None:
        assert isinstance(summary, ShiftSummary)
        self.expected_minor = summary.expected
        self.expected.setText(self._m(summary.expected))
        self._say("")
        self._on_counter_changed()

    def _on_counter_changed(self) -> None:
        self.counted.setText(self._m(self.counter.total()))
        diff = self.current_difference()
        if diff is not None:
            state = "short" if diff < 0 else "over" if diff > 0 else "exact"
            self.difference.setText(self._signed(diff))
            self.difference_word.setText({"short": tr("SHORT"), "over": tr("OVER"),
                                          "exact": tr("EXACT")}[state])
            for w in (self.difference, self.difference_word):
                _polish(w, state=state)
        self._refresh()

    def _on_close_button_clicked(self) -> None:
        if self.z is not None:
            self.accept()
            return
        try:
            counted = self._shifts.count(self.counter.counts())
        except AmountError as exc:
            self._on_task_failed(exc)
            return
        self._close(counted, self.comment.text().strip(), None)

    def _close(self, counted: CashCount, comment: str, approval: Approval | None) -> None:
        self._closing = (counted, comment)
        self._say(tr("Closing the shift…"))
        shifts, session = self._shifts, self._session
        self._run(lambda: shifts.close(session, counted, comment, approval),
                  self._on_shift_closed, self._on_close_failed)

    def _on_close_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ApprovalNeeded):
            self._on_approval_needed(exc.difference, *self._closing)
        else:
            self._on_task_failed(exc)

    def _on_approval_needed(self, difference: int, counted: CashCount, comment: str) -> None:
        self._say(tr("A manager must approve a difference of {amount}").format(
            amount=self._signed(difference)))
        approval = self._approve(difference)
        if approval is None:
            self._say(tr("Not closed: a difference of {amount} needs a manager's "
                         "approval").format(amount=self._signed(difference)), "error")
            return
        self._close(counted, comment, approval)

    def _on_shift_closed(self, z: object) -> None:
        assert isinstance(z, ShiftSummary)
        self.z = z
        self.expected.setText(self._m(z.expected))
        self.counter.set_counts(z.counted.as_dict() if z.counted else {})
        self.z_number.setText(tr("Z {number}").format(number=z.z_no))
        self.allowance.hide()
        self.comment.setVisible(bool(z.comment))
        approver = z.names.get(z.approved_by) if z.approved_by is not None else None
        self._say(tr("Shift closed and the Z printed") + (
            " · " + tr("approved by {name}").format(name=approver) if approver else ""),
            "done")
        self.close_button.setText(tr("Done"))
        self._refresh()
        self.shift_closed.emit(z)
