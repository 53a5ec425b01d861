"""The cashier's one window: card, amount, charge; every slow call goes through TaskRunner.

Keys: digits and numpad, ``.`` ``+`` ``*``, Backspace, Esc clear (or leave the cash step),
Enter charge, F3 type a card number, F4 or − Cash (the card's shortfall in cash),
F6 recharge the card shown, F7 recent sales (void an earlier one), F8 reprint, F9 void last,
F10 X report, F11 open or close the shift, F12 lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from tillcard.devices.display.base import CustomerDisplay
from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    CardUnreadable,
    ReaderState,
)
from tillcard.domain.money import Currency, format_number
from tillcard.domain.permissions import Permission
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.auth import Approval, AuthService, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.flow import CashSaleIntent, ChargeIntent, CheckoutFlow, Flash, Phase
from tillcard.services.receipts import discount_label
from tillcard.services.views import CardView, ChargeResult, RecentSale
from tillcard.ui.bridges import PrinterBridge, ReaderBridge
from tillcard.ui.card_number_dialog import CardNumberDialog
from tillcard.ui.counter_band import CASH_KEYS, KEYS, band_for, key_hints
from tillcard.ui.counter_view import CounterView
from tillcard.ui.customer_display import DisplayPresenter
from tillcard.ui.pin_dialog import ManagerApproval, ask_approval, ask_pin
from tillcard.ui.recent_sales import RecentSalesDialog
from tillcard.ui.recharge_dialog import RechargeRequest, ask_recharge
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import (
    notice_text,
    printer_status_text,
    reader_state_text,
    role_text,
    tr,
)

log = logging.getLogger(__name__)
VoidCall = Callable[[Approval | None, str], ChargeResult]

VOID_CONFIRM_MS = 5000
FLASH_MS = 400

def void_reasons() -> tuple[str, ...]:
    return (tr("Wrong amount keyed"), tr("Customer changed their mind"),
            tr("Charged the wrong card"))


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
                 auth: AuthService | None = None, large_type: bool = False,
                 fixed_price: int | None = None, meal_prices: bool = False) -> None:
        super().__init__()
        self._auth = auth  # a manager's PIN for a later void; None: nobody can approve here
        self._shift_open: bool | None = None  # None: not known yet, or no shifts kept
        self._away = False  # hidden by the lock screen: the reader's taps are not for us
        self._checkout = checkout
        self._session = session
        self._tasks = tasks
        self._cur = currency
        self._paid_ms = paid_banner_ms
        self.flow = CheckoutFlow(max_minor=max_minor, fixed_price=fixed_price,
                                 meal_prices=meal_prices)
        self._void_armed = False
        self._pending_intent: ChargeIntent | None = None
        self._card_watched = True  # a reader will say when the card shown leaves
        self._card_problem = False  # a card is on the reader but could not be read
        self._card_number_dialog: CardNumberDialog | None = None
        self.recent_sales_dialog: RecentSalesDialog | None = None
        self._display = DisplayPresenter(display, currency) if display else None
        till = checkout.till
        self.setWindowTitle(tr("Tillcard — {site} · {till}").format(site=till.site,
                                                                    till=till.till_name))
        self._build(large_type)
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

    def _build(self, large_type: bool) -> None:
        view = CounterView(self._cur, large_type=large_type)
        self.counter_view = view
        self.who, self.band, self.notice = view.who, view.band, view.notice
        self.link_label, self.printer_label = view.link_label, view.printer_label
        self.reader_label, self.clock_label = view.reader_label, view.clock_label
        self.card_panel, self.quote_panel = view.card_panel, view.quote_panel
        self.keypad, self.cash_button = view.keypad, view.cash_button
        self.card_number_button, self.last_label = view.card_number_button, view.last_label
        self.x_button, self.shift_button = view.x_button, view.shift_button
        self.lock_button, self.sign_out_button = view.lock_button, view.sign_out_button
        self._show_who()
        self.last_label.setText(key_hints())
        self.keypad.key_pressed.connect(self._on_keypad_key_pressed)
        self.keypad.charge_pressed.connect(self._on_keypad_charge_pressed)
        self.cash_button.clicked.connect(self._on_cash_button_clicked)
        self.card_number_button.clicked.connect(self._on_card_number_button_clicked)
        self.x_button.clicked.connect(self.x_report_requested)
        self.shift_button.clicked.connect(self.shift_requested)
        self.lock_button.clicked.connect(self.lock_requested)
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self.setCentralWidget(view)
        self.resize(1024, 768)

    def _show_who(self) -> None:
        till = self._checkout.till
        self.who.setText(f"{till.site} · {till.till_name} · {self._session.name} "
                         f"({role_text(self._session.role)})")

    # -- who and which shift --------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session

    def set_session(self, session: Session) -> None:
        """Someone signed in at the lock screen: a new cashier starts with nothing keyed."""
        changed = session.user_id != self._session.user_id
        self._session = session
        self._show_who()
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
        state, text = band_for(f, self._cur, last=self._checkout.last_sale,
                               void_armed=self._void_armed, shift_open=self._shift_open,
                               card_problem=self._card_problem)
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
        cash_sale = f.cash_sale_amount
        self.cash_button.setEnabled((f.can_take_cash or cash_sale is not None)
                                    and not no_shift)
        if f.can_take_cash and quote:
            label = tr("CASH {amount}  (F4)").format(amount=self._m(quote.shortfall))
        elif cash_sale is not None:
            label = tr("CASH {amount}  (F4)").format(amount=self._m(cash_sale))
        else:
            label = tr("CASH  (F4)")
        self.cash_button.setText(label)

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
        intent = None
        if isinstance(found, Refusal):
            self.flow.card_unknown(found, token)
        else:
            intent = self.flow.card_presented(found)  # at a set price: the tap charges
        self._render()
        if intent is not None and self._shift_open is not False:
            self._start_charge(intent, pin=self._ask_pin() if intent.needs_pin else None)

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
        self.reader_label.setText(("▣ " if st.ok else "✖ ") + reader_state_text(st))
        self.reader_label.setToolTip(st.message)
        self.reader_label.setProperty("ok", st.ok)

    def _on_printer_status_changed(self, status: PrinterStatus, pending: int,
                                   message: str) -> None:
        text = tr("printer {status}").format(status=printer_status_text(status))
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
        elif key == Qt.Key.Key_F6:
            self.start_recharge()
        elif key == Qt.Key.Key_F7:
            self.show_recent_sales()
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
        intent = self.flow.enter()
        self._render()
        if isinstance(intent, CashSaleIntent):
            amount, received = intent.amount, intent.cash_received
            self._tasks.run(lambda: self._checkout.cash_sale(self._session, amount,
                                                             received=received),
                            self._on_cash_sale_done, self._on_charge_failed)
        elif intent is not None:
            self._start_charge(intent, pin=None if not intent.needs_pin else self._ask_pin())

    def _on_cash_sale_done(self, result: ChargeResult) -> None:
        self.flow.cash_sold(result)
        if result.ok:
            self._paid_timer.start()
            self._show_last()
        self._render()

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

    def _start_void(self, call: VoidCall | None = None, what: str = "",
                    approval: ManagerApproval | None = None) -> None:
        """Void off the GUI thread: ``call`` (by default the last sale's void).

        ``what`` names the sale to the manager, should one have to approve.
        """
        if call is None:
            session, last = self._session, self._checkout.last_sale
            if last is None:
                return
            what = tr("Void {amount} for {holder}").format(amount=self._m(last.charge),
                                                          holder=last.holder)

            def void_last(a: Approval | None, reason: str) -> ChargeResult:
                return self._checkout.void_last(session, a, reason)
            call = void_last
        void = call
        self._tasks.run(lambda: void(approval.approval if approval else None,
                                     approval.reason if approval else ""),
                        lambda result: self._on_void_done(void, what, result),
                        self._on_task_error)

    def _on_void_done(self, call: VoidCall, what: str, result: ChargeResult) -> None:
        refusal = result.refusal
        if refusal is not None and refusal.code is RefusalCode.VOID_NEEDS_APPROVAL:
            approval = None
            if self._auth is not None:
                approval = ask_approval(self, self._auth, self._tasks, what,
                                        reason_required=True, reasons=void_reasons())
            if approval is not None:
                self._start_void(call, what, approval)
                return
        self.flow.voided_sale(result)
        self._show_last()
        self._render()

    # -- recharge (F6) --------------------------------------------------------------------

    def start_recharge(self) -> None:
        """F6: money onto the card shown, if this till and this session may take it."""
        view = self.flow.view
        if view is None or not self.flow.can_recharge:
            self._flash(Flash.BAND)
            return
        session = self._session
        self._tasks.run(lambda: self._checkout.recharge_refusal(session),
                        lambda refusal: self._on_recharge_checked(view, refusal),
                        self._on_task_error)

    def _on_recharge_checked(self, view: CardView, refusal: Refusal | None) -> None:
        if refusal is not None:  # said before anything is keyed: the card office does it
            self.flow.recharged(ChargeResult(None, refusal, None))
            self._render()
            return
        alone = self._session.can(Permission.RECHARGE)
        request = ask_recharge(self, view.card.holder.name, self._m(view.balance), self._cur,
                               self.flow.max_minor, needs_manager=not alone)
        if request is None:
            return
        approval = None
        if not alone:
            got = None if self._auth is None else ask_approval(
                self, self._auth, self._tasks,
                tr("Recharge {amount} onto the card of {holder}").format(
                    amount=self._m(request.amount), holder=view.card.holder.name),
                permission=Permission.RECHARGE)
            if got is None:
                self.flow.recharged(ChargeResult(None, Refusal(
                    RefusalCode.RECHARGE_NEEDS_APPROVAL), None))
                self._render()
                return
            approval = got.approval
        self._recharge(view.card.id, request, approval)

    def _recharge(self, card_id: int, request: RechargeRequest,
                  approval: Approval | None) -> None:
        session = self._session
        self._tasks.run(lambda: self._checkout.recharge(session, card_id, request.amount,
                                                        approval=approval),
                        lambda result: self._on_recharge_done(result, request.received),
                        self._on_task_error)

    def _on_recharge_done(self, result: ChargeResult, received: int) -> None:
        self.flow.recharged(result, received)
        self._render()

    # -- recent sales (F7) ----------------------------------------------------------------

    def show_recent_sales(self) -> None:
        """This shift's card sales, read on the worker; the one picked is voided."""
        if self.recent_sales_dialog is not None:
            return
        session = self._session
        dlg = RecentSalesDialog(lambda: self._checkout.recent_sales(session), self._tasks,
                                self._cur, self)
        dlg.sale_chosen.connect(self._on_recent_sales_sale_chosen)
        dlg.finished.connect(self._on_recent_sales_finished)
        self.recent_sales_dialog = dlg
        dlg.open()

    def _on_recent_sales_finished(self, _result: int) -> None:
        dlg, self.recent_sales_dialog = self.recent_sales_dialog, None
        if dlg is not None:
            dlg.deleteLater()

    def _on_recent_sales_sale_chosen(self, sale: RecentSale) -> None:
        session = self._session
        what = tr("Void {amount} for {holder}, {time}").format(
            amount=self._m(sale.charge), holder=sale.holder,
            time=sale.at.astimezone().strftime("%H:%M"))

        def call(approval: Approval | None, reason: str) -> ChargeResult:
            return self._checkout.void(session, sale.entry_id, approval, reason)
        self._start_void(call, what)

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
