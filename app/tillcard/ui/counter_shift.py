"""The counter's shift: none open means no sale; F10 shows the X, F11 opens or closes.

The window only asks (its signals); this object asks the service off the GUI thread and
runs the dialogs, so the cashier window stays about selling.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from tillcard.domain.money import Currency, format_number
from tillcard.domain.shift import ShiftSummary
from tillcard.services.auth import Approval, AuthService, Session
from tillcard.services.shifts import ShiftService
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.cashier_window import CashierWindow
from tillcard.ui.pin_dialog import ask_approval
from tillcard.ui.shift_dialogs import CloseShiftDialog, OpenShiftDialog, XReportView
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr


class ShiftControl(QObject):
    """Keeps ``window.set_shift_open`` true to the store and runs the shift dialogs.

    ``required``: the till sells only inside a shift (``[shift] required``); then a
    cashier who signs in at a till with none open is asked for the float at once.

    Signals:
        shift_closed(ShiftSummary): a Z was taken and its dialog dismissed (after the
            cashier read the Z number): the cashier is done at this till.
    """

    shift_closed = Signal(object)

    def __init__(self, window: CashierWindow, shifts: ShiftService, auth: AuthService,
                 tasks: TaskRunner, currency: Currency, *, required: bool = True,
                 reader: ReaderBridge | None = None) -> None:
        super().__init__(window)
        self._window, self._shifts, self._auth = window, shifts, auth
        self._tasks, self._cur, self._required, self._reader = tasks, currency, required, reader
        self._open: bool | None = None
        self.dialog: QDialog | None = None  # the one shift dialog showing, if any
        self._z: ShiftSummary | None = None  # taken in the dialog still showing
        window.shift_requested.connect(self._on_window_shift_requested)
        window.x_report_requested.connect(self._on_window_x_report_requested)

    @property
    def is_open(self) -> bool | None:
        return self._open

    def check(self) -> None:
        """Ask the store whether a shift is open; offer to open one when none is."""
        self._tasks.run(self._shifts.current, self._on_current_loaded, self._on_check_failed)

    def _on_current_loaded(self, shift: object) -> None:
        self._set_open(shift is not None)
        if shift is None and self._required and self._window.isVisible():
            self.open_shift()

    def _on_check_failed(self, _exc: BaseException) -> None:
        self._set_open(False)  # the service refuses sales the same way; F11 tries again

    def _set_open(self, is_open: bool) -> None:
        self._open = is_open
        self._window.set_shift_open(is_open if self._required or is_open else None)

    @property
    def _session(self) -> Session:
        return self._window.session

    def open_shift(self) -> None:
        if self.dialog is not None:
            return
        dlg = OpenShiftDialog(self._shifts, self._session, self._tasks, self._cur,
                              parent=self._window)
        dlg.shift_opened.connect(self._on_dialog_shift_opened)
        self._show(dlg)

    def close_shift(self) -> None:
        if self.dialog is not None:
            return
        dlg = CloseShiftDialog(self._shifts, self._session, self._tasks, self._cur,
                               self._approve, parent=self._window)
        dlg.shift_closed.connect(self._on_dialog_shift_closed)
        self._show(dlg)

    def x_report(self) -> None:
        if self.dialog is not None or not self._open:
            return
        self._show(XReportView(self._shifts, self._session, self._tasks, self._cur,
                               parent=self._window))

    def _show(self, dlg: QDialog) -> None:
        self.dialog = dlg
        dlg.finished.connect(self._on_dialog_finished)
        dlg.resize(self._window.size())
        dlg.open()

    def _on_dialog_finished(self, _result: int) -> None:
        dlg, self.dialog = self.dialog, None
        if dlg is not None:
            dlg.deleteLater()
        z, self._z = self._z, None
        if z is not None:
            self.shift_closed.emit(z)

    def _approve(self, difference: int) -> Approval | None:
        what = tr("Drawer {difference} off — close the shift").format(
            difference=("−" if difference < 0 else "+") + format_number(abs(difference),
                                                                       self._cur))
        got = ask_approval(self._window, self._auth, self._tasks, what, reader=self._reader)
        return got.approval if got else None

    def _on_dialog_shift_opened(self, _shift: object) -> None:
        self._set_open(True)

    def _on_dialog_shift_closed(self, z: object) -> None:
        assert isinstance(z, ShiftSummary)
        self._set_open(False)
        self._z = z

    def _on_window_shift_requested(self) -> None:
        if self._open:
            self.close_shift()
        else:
            self.open_shift()

    def _on_window_x_report_requested(self) -> None:
        self.x_report()
