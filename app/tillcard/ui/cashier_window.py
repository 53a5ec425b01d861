"""The cashier's one window: card, amount, charge; every slow call goes through TaskRunner."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
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
from tillcard.services.auth import Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.flow import ChargeIntent, CheckoutFlow, Phase
from tillcard.services.receipts import discount_label
from tillcard.services.views import CardView, ChargeResult
from tillcard.ui.bridges import PrinterBridge, ReaderBridge
from tillcard.ui.card_number_dialog import CardNumberDialog
from tillcard.ui.customer_display import DisplayPresenter
from tillcard.ui.keypad_widget import KeypadWidget
from tillcard.ui.panels import CardPanel, QuotePanel
from tillcard.ui.pin_dialog import ask_pin
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import refusal_text, tr

log = logging.getLogger(__name__)

KEYS = {
    **{getattr(Qt.Key, f"Key_{d}"): str(d) for d in range(10)},
    Qt.Key.Key_Period: ".", Qt.Key.Key_Comma: ".", Qt.Key.Key_Plus: "+",
    Qt.Key.Key_Asterisk: "×", Qt.Key.Key_X: "×", Qt.Key.Key_Backspace: "backspace",
}
VOID_CONFIRM_MS = 5000


class CashierWindow(QMainWindow):
    """Renders a ``CheckoutFlow``; reader, keys and task results drive it."""

    def __init__(self, checkout: CheckoutService, session: Session, tasks: TaskRunner,
                 reader: ReaderBridge, printer: PrinterBridge, currency: Currency, *,
                 max_minor: int = 100_000, paid_banner_ms: int = 2000,
                 card_clear_grace_ms: int = 1500,
                 display: CustomerDisplay | None = None) -> None:
        super().__init__()
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
        right.addWidget(self.quote_panel)
        right.addWidget(self.keypad, 1)
        middle.addLayout(left, 2)
        middle.addLayout(right, 3)
        outer.addLayout(middle, 1)
        self.last_label = QLabel(tr("F8 reprint · F9 void last"))
        self.last_label.setObjectName("lastSale")
        outer.addWidget(self.last_label)
        self.setCentralWidget(root)
        self.resize(1100, 720)

    # -- rendering ------------------------------------------------------------------------

    def _render(self) -> None:
        f = self.flow
        self.card_panel.show_view(f.view)
        name = discount_label(f.view) if f.view else ""
        self.quote_panel.show_quote(f.keypad.expression, f.keypad.total, f.quote, name)
        state, text = self._band()
        self.band.setProperty("state", state)
        self.band.setText(text)
        self.band.style().polish(self.band)
        if self._display is not None:
            self._display.update(f)
        self.keypad.charge_button.setText(
            tr("PAY {amount} IN CASH  (Enter)").format(
                amount=self._m(f.quote.shortfall)) if f.split_offered and f.quote
            else tr("CHARGE  (Enter)"))

    def _band(self) -> tuple[str, str]:
        f = self.flow
        if f.error:
            return "error", tr("Not charged: {reason}").format(reason=f.error)
        if self._void_armed and self._checkout.last_sale:
            return "busy", tr("Press F9 again to void the last sale ({amount})").format(
                amount=self._m(self._checkout.last_sale.charge))
        if f.phase is Phase.BUSY:
            return "busy", tr("Charging…")
        if f.phase is Phase.REFUSED and f.refusal:
            text = refusal_text(f.refusal, self._cur)
            if f.split_offered and f.quote:
                text += "  " + tr("— Enter: pay {amount} in cash").format(
                    amount=self._m(f.quote.shortfall))
            return "refused", text
        if f.phase is Phase.PAID and f.paid and f.paid.quote:
            q = f.paid.quote
            text = tr("Paid {charge} — new balance {balance}").format(
                charge=self._m(q.card_part), balance=self._m(q.balance_after))
            if q.shortfall:
                text += "  " + tr("· cash {amount}").format(amount=self._m(q.shortfall))
            if f.paid.offline:
                text += "  " + tr("· recorded offline")
            return "paid", text
        if f.view is None and self._card_problem:
            return "refused", tr("Card not readable — tap it again, or F3 to type its number")
        if f.view is None:
            return "waiting", tr("Waiting for a card")
        return "card", tr("Key the amount, Enter to charge")

    def _m(self, minor: int) -> str:
        return format_number(minor, self._cur)

    # -- reader ---------------------------------------------------------------------------

    def _on_reader_card_presented(self, ev: CardPresented) -> None:
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
                        lambda found: self._on_lookup_done(found, reports_removal),
                        self._on_task_error)

    def _on_lookup_done(self, found: CardView | Refusal, reports_removal: bool) -> None:
        self._card_watched = reports_removal
        if isinstance(found, Refusal):
            self.flow.card_unknown(found)
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
        elif key == Qt.Key.Key_F8:
            self._tasks.run(self._checkout.reprint_last, lambda _ok: None, self._on_task_error)
        elif key == Qt.Key.Key_F9:
            self._void_key()
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

    # -- charge ---------------------------------------------------------------------------

    def charge(self) -> None:
        intent = self.flow.charge_intent()
        self._render()
        if intent is not None:
            self._start_charge(intent, pin=None if not intent.needs_pin else self._ask_pin())

    def _ask_pin(self) -> str | None:
        return ask_pin(self)

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
            self.flow.phase = Phase.CARD if self.flow.view else Phase.WAITING
            if not self._card_watched:
                self.flow.card_removed()  # else the next sale could go on this card
            self._render()

    def _show_last(self) -> None:
        last = self._checkout.last_sale
        if last is None:
            return
        state = tr(" (voided)") if last.voided else ""
        self.last_label.setText(tr("last: {time}  {holder}  −{charge}  → {after}{state}   "
                                   "(F8 reprint · F9 void last)").format(
            time=datetime.now().strftime("%H:%M"), holder=last.holder,
            charge=self._m(last.charge), after=self._m(last.balance_after), state=state))

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
            self._tasks.run(lambda: self._checkout.void_last(self._session),
                            self._on_void_done, self._on_task_error)
        self._render()

    def _on_void_done(self, result: ChargeResult) -> None:
        if result.view is not None and self.flow.view is not None and \
                self.flow.view.card.id == result.view.card.id:
            self.flow.view = result.view
        self._show_last()
        self._render()

    def _on_void_timer_timeout(self) -> None:
        self._void_armed = False
        self._render()

    def _on_task_error(self, exc: BaseException) -> None:
        log.error("operation failed: %s", exc, exc_info=exc)
        self.flow.failed(str(exc) or type(exc).__name__)
        self._render()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self._clock.stop()
        super().closeEvent(event)
