"""The cashier's one window: card, amount, charge; every slow call goes through TaskRunner.

Keys: digits and numpad, ``.`` ``+`` ``*``, Backspace, Esc clear (or leave the cash step),
Enter charge, F3 type a card number, F4 or − Cash (the card's shortfall in cash),
F8 reprint, F9 void last, F10 X report, F11 open or close the shift, F12 lock.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tillcard.devices.display.base import CustomerDisplay
from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    CardUnreadable,
    ReaderState,
)
from tillcard.domain.money import Currency, format_number
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.auth import AuthService, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.flow import ChargeIntent, CheckoutFlow, Flash, Phase
from tillcard.services.receipts import discount_label
from tillcard.services.views import CardView, ChargeResult
from tillcard.ui.bridges import PrinterBridge, ReaderBridge
from tillcard.ui.card_number_dialog import CardNumberDialog
from tillcard.ui.customer_display import DisplayPresenter
from tillcard.ui.keypad_widget import KeypadWidget
from tillcard.ui.panels import CardPanel, QuotePanel
from tillcard.ui.pin_dialog import ManagerApproval, ask_approval, ask_pin
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import (
    notice_text,
    paid_text,
    refusal_text,
    tr,
    void_armed_text,
    voided_text,
)
from tillcard.ui.theme import COUNTER_STYLE

log = logging.getLogger(__name__)

KEYS = {
    **{getattr(Qt.Key, f"Key_{d}"): str(d) for d in range(10)},
    Qt.Key.Key_Period: ".", Qt.Key.Key_Comma: ".", Qt.Key.Key_Plus: "+",
    Qt.Key.Key_Asterisk: "×", Qt.Key.Key_X: "×", Qt.Key.Key_Backspace: "backspace",
}
CASH_KEYS = (Qt.Key.Key_F4, Qt.Key.Key_Minus)  # Minus: the numpad's, or the main one
VOID_CONFIRM_MS = 5000
FLASH_MS = 400

def void_reasons() -> tuple[str, ...]:
    return (tr("Wrong amount keyed"), tr("Customer changed their mind"),
            tr("Charged the wrong card"))


def key_hints() -> str:
    return tr("F4 or − cash · F8 reprint · F9 void last")


class CashierWindow(QMainWindow):
    """Renders a ``CheckoutFlow``; reader, keys and task results drive it.

    Signals (the shift and the sign-in gate act on them; the window only asks):
        x_report_requested(): F10.
        shift_requested(): F11, open a shift when none is, else close it.
        lock_requested(): F12, the cashier steps away.
        sign_out_requested(): the cashier leaves.
    """

    x_report_requested = Signal()
    shift_requested = Signal()
    lock_requested = Signal()
    sign_out_requested = Signal()

    def __init__(self, checkout: CheckoutService, session: Session, tasks: TaskRunner,
                 reader: ReaderBridge, printer: PrinterBridge, currency: Currency, *,
                 max_minor: int = 100_000, paid_banner_ms: int = 2000,
                 card_clear_grace_ms: int = 1500,
                 display: CustomerDisplay | None = None,
                 auth: AuthService | None = None) -> None:
        super().__init__()
        self._auth = auth  # a manager's PIN for a later void; None: nobody can approve here
        self._shift_open: bool | None = None  # None: not known yet, or no shifts kept
        self._away = False  # hidden by the lock screen: the reader's taps are not for us
        self._checkout = checkout
        self._session = session
        self._tasks = tasks
        self._cur = currency
        self._paid_ms = paid_banner_ms
        self.flow = CheckoutFlow(max_minor=max_minor)
        self._void_armed = False
        self._pending_intent: ChargeIntent | None = None
        self._card_watched = True  # a reader will say when the card shown leaves
        self._card_problem = False  # a card is on the reader but could not be read
        self._card_number_dialog: CardNumberDialog | None = None
        self._display = DisplayPresenter(display, currency) if display else None
        till = checkout.till
        self.setWindowTitle(tr("Tillcard — {site} · {till}").format(site=till.site,
                                                                    till=till.till_name))
        self._build()
        self._clear_timer = QTimer(self, singleShot=True, interval=card_clear_grace_ms)
        self._clear_timer.timeout.connect(self._on_clear_timer_timeout)
        self._paid_timer = QTimer(self, singleShot=True, interval=paid_banner_ms)
        self._paid_timer.timeout.connect(self._on_paid_timer_timeout)
        self._void_timer = QTimer(self, singleShot=True, interval=VOID_CONFIRM_MS)
        self._void_timer.timeout.connect(self._on_void_timer_timeout)
        self._flash_timer = QTimer(self, singleShot=True, interval=FLASH_MS)
        self._flash_timer.timeout.connect(self._on_flash_timer_timeout)
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start()
        reader.card_presented.connect(self._on_reader_card_presented)
        reader.card_removed.connect(self._on_reader_card_removed)
        reader.card_unreadable.connect(self._on_reader_card_unreadable)
        reader.state_changed.connect(self._on_reader_state_changed)
        printer.status_changed.connect(self._on_printer_status_changed)
        self._on_clock_timeout()
        self._render()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        top = QHBoxLayout()
        till = self._checkout.till
        self.who = QLabel(f"{till.site} · {till.till_name} · {self._session.name} "
                          f"({tr(self._session.role.value)})")
        self.link_label = QLabel(tr("● local database"))
        self.printer_label = QLabel(tr("printer …"))
        self.printer_label.setObjectName("printerState")
        self.reader_label = QLabel(tr("reader …"))
        self.reader_label.setObjectName("readerState")
        self.clock_label = QLabel("")
        top.addWidget(self.who, 1)
        for w in (self.link_label, self.printer_label, self.reader_label, self.clock_label):
            top.addWidget(w)
        outer.addLayout(top)
        self.band = QLabel("")
        self.band.setObjectName("band")
        self.band.setWordWrap(True)
        outer.addWidget(self.band)
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setMinimumHeight(self.notice.fontMetrics().lineSpacing())  # no jumping
        outer.addWidget(self.notice)
        middle = QHBoxLayout()
        self.card_panel = CardPanel(self._cur)
        self.card_number_button = QPushButton(tr("Card no.  (F3)"))
        self.card_number_button.setObjectName("cardNumberButton")
        self.card_number_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.card_number_button.clicked.connect(self._on_card_number_button_clicked)
        left = QVBoxLayout()
        left.addWidget(self.card_panel, 1)
        left.addWidget(self.card_number_button)
        right = QVBoxLayout()
        self.quote_panel = QuotePanel(self._cur)
        self.keypad = KeypadWidget()
        self.keypad.key_pressed.connect(self._on_keypad_key_pressed)
        self.keypad.charge_pressed.connect(self._on_keypad_charge_pressed)
        self.cash_button = QPushButton(tr("CASH  (F4)"))
        self.cash_button.setObjectName("cash")
        self.cash_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cash_button.setMinimumHeight(48)
        self.cash_button.clicked.connect(self._on_cash_button_clicked)
        right.addWidget(self.quote_panel)
        right.addWidget(self.keypad, 1)
        right.addWidget(self.cash_button)
        middle.addLayout(left, 2)
        middle.addLayout(right, 3)
        outer.addLayout(middle, 1)
        self.last_label = QLabel(key_hints())
        self.last_label.setObjectName("lastSale")
        bottom = QHBoxLayout()
        bottom.addWidget(self.last_label, 1)
        self.x_button = self._small_button(tr("X report (F10)"), self.x_report_requested)
        self.shift_button = self._small_button(tr("Shift (F11)"), self.shift_requested)
        self.lock_button = self._small_button(tr("Lock (F12)"), self.lock_requested)
        self.sign_out_button = self._small_button(tr("Sign out"), self.sign_out_requested)
        for b in (self.x_button, self.shift_button, self.lock_button, self.sign_out_button):
            bottom.addWidget(b)
        outer.addLayout(bottom)
        self.setCentralWidget(root)
        self.setStyleSheet(COUNTER_STYLE)
        self.resize(1100, 720)

    def _small_button(self, text: str, signal: SignalInstance) -> QPushButton:
        b = QPushButton(text)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the counter
        b.clicked.connect(signal)
        return b

    # -- who and which shift --------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session

    def set_session(self, session: Session) -> None:
        """Someone signed in at the lock screen: a new cashier starts with nothing keyed."""
        changed = session.user_id != self._session.user_id
        self._session = session
        till = self._checkout.till
        self.who.setText(f"{till.site} · {till.till_name} · {session.name} "
                         f"({tr(session.role.value)})")
        if changed:
            self.flow.clear()
            self.flow.card_removed()
            self._void_armed = False
        self._render()

    def set_shift_open(self, is_open: bool | None) -> None:
        """Whether a shift is open (None: this till keeps none); no sale outside one."""
        self._shift_open = is_open
        self.shift_button.setText(tr("Close shift (F11)") if is_open
                                  else tr("Open shift (F11)"))
        self._render()

    # -- rendering ------------------------------------------------------------------------

    def _render(self) -> None:
        f = self.flow
        self.card_panel.show_view(f.view)
        collect = f.collect
        if collect is not None:
            self.quote_panel.show_collect(f.keypad.expression, f.keypad.total, collect)
        else:
            name = discount_label(f.view) if f.view else ""
            self.quote_panel.show_quote(f.keypad.expression, f.keypad.total, f.quote, name)
        self.quote_panel.show_limits(f.max_minor, f.pin_limit)
        state, text = self._band()
        self.band.setProperty("state", state)
        self.band.setText(text)
        self.band.style().polish(self.band)
        self.notice.setText(notice_text(f.notice, self._cur) if f.notice else "")
        if self._display is not None:
            self._display.update(f)
        self._render_keys()
        flash = f.take_flash()
        if flash is not None:
            self._flash(flash)

    def _render_keys(self) -> None:
        f = self.flow
        charge = self.keypad.charge_button
        no_shift = self._shift_open is False
        self.x_button.setEnabled(not no_shift)
        charge.setEnabled(f.can_charge and not no_shift)
        charge.setText(tr("CONFIRM CASH  (Enter)") if f.phase is Phase.COLLECT
                       else tr("CHARGE  (Enter)"))
        quote = f.quote
        self.cash_button.setEnabled(f.can_take_cash and not no_shift)
        self.cash_button.setText(tr("CASH {amount}  (F4)").format(amount=self._m(
            quote.shortfall)) if f.can_take_cash and quote else tr("CASH  (F4)"))

    def _band(self) -> tuple[str, str]:
        f = self.flow
        last = self._checkout.last_sale
        if f.error:
            return "error", tr("Not charged: {reason}").format(reason=f.error)
        if self._void_armed and last:
            return "busy", void_armed_text(last, self._cur)
        if f.phase is Phase.BUSY:
            return "busy", tr("Charging…")
        if self._shift_open is False and f.phase is not Phase.PAID:
            return "waiting", tr("No shift open — F11 to count the float and open one")
        collect = f.collect
        if collect is not None:
            return "collect", tr("COLLECT {amount} in cash — key the cash received, Enter "
                                 "to confirm, Esc to go back").format(
                amount=self._m(collect.cash_part))
        if f.phase is Phase.PAID and f.paid and f.paid.quote:
            return "paid", paid_text(f.paid, f.paid_received, self._cur)
        if f.voided is not None:
            return "voided", voided_text(f.voided, self._cur)
        refusal = f.shown_refusal
        if refusal is not None:
            text = refusal_text(refusal, self._cur, f.unknown_number)
            if refusal.code is RefusalCode.INSUFFICIENT and f.can_take_cash and f.quote:
                text += "  " + tr("— Cash (F4): take {amount} in cash").format(
                    amount=self._m(f.quote.shortfall))
            return "refused", text
        if f.view is None and self._card_problem:
            return "refused", tr("Card not readable — tap it again, or F3 to type its number")
        if f.view is None:
            return "waiting", tr("Waiting for a card")
        return "card", tr("Key the amount, Enter to charge")

    def _flash(self, flash: Flash) -> None:
        """A refused key or Enter: beep, and light up the amount or the reason a moment."""
        self._beep()
        if flash is Flash.AMOUNT:
            self.quote_panel.flash_amount(True)
        else:
            self.band.setProperty("flash", True)
            self.band.style().polish(self.band)
        self._flash_timer.start()

    def _on_flash_timer_timeout(self) -> None:
        self.quote_panel.flash_amount(False)
        self.band.setProperty("flash", False)
        self.band.style().polish(self.band)

    def _beep(self) -> None:
        QApplication.beep()

    def _m(self, minor: int) -> str:
        return format_number(minor, self._cur)

    # -- reader ---------------------------------------------------------------------------

    def _on_reader_card_presented(self, ev: CardPresented) -> None:
        if self._away:
            return  # a staff card at the lock screen, which shares the reader
        if self._card_number_dialog is not None:
            self._card_number_dialog.reject()  # the card was read after all
        self.present_token(ev.uid, reports_removal=ev.reports_removal)

    def present_token(self, token: str, *, reports_removal: bool = True) -> None:
        """Look a card up by chip UID or typed number, off the GUI thread.

        ``reports_removal=False``: nothing will say when this card leaves (typed number,
        keyboard wedge), so it is forgotten once its sale is paid.
        """
        self._clear_timer.stop()
        self._card_problem = False
        self._tasks.run(lambda: self._checkout.lookup(token),
                        lambda found: self._on_lookup_done(found, reports_removal, token),
                        self._on_task_error)

    def _on_lookup_done(self, found: CardView | Refusal, reports_removal: bool,
                        token: str) -> None:
        self._card_watched = reports_removal
        if isinstance(found, Refusal):
            self.flow.card_unknown(found, token)
        else:
            self.flow.card_presented(found)
        self._render()

    def _on_reader_card_removed(self, _ev: CardRemoved) -> None:
        self._clear_timer.start()

    def _on_clear_timer_timeout(self) -> None:
        self.flow.card_removed()
        self._render()

    def _on_reader_card_unreadable(self, _ev: CardUnreadable) -> None:
        """A new card that gives no UID: drop the last one now, not after the grace."""
        self._clear_timer.stop()
        self.flow.card_removed()
        self._card_problem = True
        self._render()

    def ask_card_number(self) -> None:
        """The typed fallback: the printed number, for a card no reader can read."""
        if self._card_number_dialog is None:
            self._card_number_dialog = CardNumberDialog(self)
            self._card_number_dialog.number_entered.connect(
                self._on_card_number_dialog_number_entered)
        self._card_number_dialog.ask()

    def _on_card_number_dialog_number_entered(self, number: str) -> None:
        self.present_token(number, reports_removal=False)

    def _on_card_number_button_clicked(self) -> None:
        self.ask_card_number()

    def _on_reader_state_changed(self, st: ReaderState) -> None:
        self.reader_label.setText(("▣ " if st.ok else "✖ ") + st.message)
        self.reader_label.setProperty("ok", st.ok)

    def _on_printer_status_changed(self, status: PrinterStatus, pending: int,
                                   message: str) -> None:
        text = tr("printer {status}").format(status=tr(status.value))
        if pending:
            text += " " + tr("({n} waiting)").format(n=pending)
        self.printer_label.setText(text)
        self.printer_label.setToolTip(message)

    def _on_clock_timeout(self) -> None:
        self.clock_label.setText(datetime.now().strftime("%H:%M"))

    # -- keys -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.charge()
        elif key == Qt.Key.Key_Escape:
            self.flow.clear()
            self._card_problem = False
            self._render()
        elif key == Qt.Key.Key_F3:
            self.ask_card_number()
        elif key in CASH_KEYS:
            self.take_cash()
        elif key == Qt.Key.Key_F8:
            self._tasks.run(self._checkout.reprint_last, self._on_reprint_done,
                            self._on_task_error)
        elif key == Qt.Key.Key_F9:
            self._void_key()
        elif key == Qt.Key.Key_F10:
            self.x_report_requested.emit()
        elif key == Qt.Key.Key_F11:
            self.shift_requested.emit()
        elif key == Qt.Key.Key_F12:
            self.lock_requested.emit()
        elif key in KEYS:
            self._on_keypad_key_pressed(KEYS[key])
        else:
            super().keyPressEvent(event)

    def _on_keypad_key_pressed(self, key: str) -> None:
        if key == "clear":
            self.flow.clear()
        else:
            self.flow.press(key)
        self._render()

    def _on_keypad_charge_pressed(self) -> None:
        self.charge()

    def _on_cash_button_clicked(self) -> None:
        self.take_cash()

    def _on_reprint_done(self, queued: bool) -> None:
        self.flow.reprint_done(queued)
        self._render()

    # -- charge ---------------------------------------------------------------------------

    def take_cash(self) -> None:
        """The Cash key: the card's shortfall is collected in cash (the cash step)."""
        self.flow.cash()
        self._render()

    def charge(self) -> None:
        if self._shift_open is False:
            self._flash(Flash.BAND)
            return
        intent = self.flow.charge_intent()
        self._render()
        if intent is not None:
            self._start_charge(intent, pin=None if not intent.needs_pin else self._ask_pin())

    def _ask_pin(self) -> str | None:
        view, total = self.flow.view, self.flow.keypad.total
        return ask_pin(self, amount=self._m(total) if total else None,
                       holder=view.card.holder.name if view else None)

    def _start_charge(self, intent: ChargeIntent, pin: str | None) -> None:
        if intent.needs_pin and pin is None:
            self.flow.pin_cancelled()
            self._render()
            return
        self._pending_intent = intent
        self._tasks.run(lambda: self._checkout.charge(
            self._session, intent.card_id, intent.list_amount, expression=intent.expression,
            split_tender=intent.split_tender, pin=pin), self._on_charge_done,
            self._on_charge_failed)

    def _on_charge_done(self, result: ChargeResult) -> None:
        intent = self._pending_intent
        if result.refusal and result.refusal.code is RefusalCode.PIN_REQUIRED and intent:
            pin = self._ask_pin()
            if pin is not None:  # the card's data changed since it was read: ask now
                self._start_charge(intent, pin)
                return
        self.flow.charged(result)
        if result.ok:
            self._paid_timer.start()
            self._show_last()
        self._render()

    def _on_charge_failed(self, exc: BaseException) -> None:
        log.error("charge failed: %s", exc, exc_info=exc)
        self.flow.failed(str(exc) or type(exc).__name__)
        self._render()

    def _on_paid_timer_timeout(self) -> None:
        if self.flow.phase is Phase.PAID:
            self.flow.paid_band_over()
            if not self._card_watched:
                self.flow.card_removed()  # else the next sale could go on this card
            self._render()

    def _show_last(self) -> None:
        last = self._checkout.last_sale
        if last is None:
            return
        state = tr(" (voided)") if last.voided else ""
        self.last_label.setText(tr("last: {time}  {holder}  −{charge}  → {after}{state}   "
                                   "({hints})").format(
            time=last.at.astimezone().strftime("%H:%M"), holder=last.holder,
            charge=self._m(last.charge), after=self._m(last.balance_after), state=state,
            hints=key_hints()))

    # -- void -----------------------------------------------------------------------------

    def _void_key(self) -> None:
        if self._checkout.last_sale is None or self._checkout.last_sale.voided:
            return
        if not self._void_armed:
            self._void_armed = True
            self._void_timer.start()
        else:
            self._void_armed = False
            self._void_timer.stop()
            self._start_void()
        self._render()

    def _start_void(self, approval: ManagerApproval | None = None) -> None:
        session = self._session
        self._tasks.run(lambda: self._checkout.void_last(
            session, approval.approval if approval else None,
            approval.reason if approval else ""), self._on_void_done, self._on_task_error)

    def _on_void_done(self, result: ChargeResult) -> None:
        refusal = result.refusal
        if refusal is not None and refusal.code is RefusalCode.VOID_NEEDS_APPROVAL:
            last = self._checkout.last_sale
            approval = None
            if self._auth is not None and last is not None:
                approval = ask_approval(self, self._auth, self._tasks, tr(
                    "Void {amount} for {holder}").format(amount=self._m(last.charge),
                                                        holder=last.holder),
                    reason_required=True, reasons=void_reasons())
            if approval is not None:
                self._start_void(approval)
                return
        self.flow.voided_sale(result)
        self._show_last()
        self._render()

    def _on_void_timer_timeout(self) -> None:
        self._void_armed = False
        self._render()

    def _on_task_error(self, exc: BaseException) -> None:
        log.error("operation failed: %s", exc, exc_info=exc)
        self.flow.failed(str(exc) or type(exc).__name__)
        self._render()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        if not event.spontaneous():  # hidden by the lock screen, not minimised
            self._away = True
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        self._away = False
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self._clock.stop()
        super().closeEvent(event)
