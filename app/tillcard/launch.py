"""Start the GUI: the configured till, or the demo on a fresh embedded database."""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from tillcard.bootstrap import Till, build_till
from tillcard.config import (
    ConfigError,
    CounterSettings,
    DatabaseSettings,
    DeviceSettings,
    Settings,
    TillSettings,
)
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.devices.readers.base import CardReader
from tillcard.devices.readers.simulated import SimulatedReader
from tillcard.services.auth import SecretHasher, Session
from tillcard.services.demo import DemoCard, seed_demo
from tillcard.store.local_db import LocalDatabaseError
from tillcard.sync.heartbeat import DeviceStates
from tillcard.ui.bridges import PrinterBridge, ReaderBridge
from tillcard.ui.cashier_window import CashierWindow
from tillcard.ui.counter_shift import ShiftControl
from tillcard.ui.demo_dock import dock_demo_panels
from tillcard.ui.demo_panel import DemoCardsPanel, ReceiptView
from tillcard.ui.gc_guard import guard_gc
from tillcard.ui.i18n import install_language
from tillcard.ui.idle import IdleLock
from tillcard.ui.kiosk import KioskGuard, show_counter_window
from tillcard.ui.link_status import LinkBridge, LinkIndicator
from tillcard.ui.sign_in import SignInScreen
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr
from tillcard.ui.theme import apply_theme
from tillcard.ui.wedge import WedgeFilter

log = logging.getLogger(__name__)
DEMO_FLOAT = {10_000: 1, 2_000: 2, 1_000: 4, 100: 20}  # 200.00 in the demo's drawer


def qt_app(settings: Settings) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    guard_gc(app)
    apply_theme(app, settings.ui.large_type)
    install_language(app, settings.ui.language)  # before any window: read at restart only
    return app


@dataclass
class Counter:
    """A running till's front end; ``close`` stops devices and workers in order."""

    till: Till
    window: CashierWindow
    tasks: TaskRunner
    reader_bridge: ReaderBridge
    printer_bridge: PrinterBridge
    reader: SimulatedReader | None = None
    cards: list[DemoCard] = field(default_factory=list)
    extra_windows: list[object] = field(default_factory=list)
    link_bridge: LinkBridge | None = None  # central profile: the link in the status bar
    shift: ShiftControl | None = None
    gate: SignInGate | None = None  # lock, sign out, idle lock (a running till only)

    def close(self) -> None:
        if self.gate is not None:
            self.gate.close()
        self.window.close()
        self.tasks.shutdown()
        if self.reader is not None:
            self.reader.stop()
        self.till.close()


def demo_settings(data_dir: Path) -> Settings:
    return Settings(
        till=TillSettings(id=1, name="Till 3", site="Canteen North"),
        database=DatabaseSettings(local=str(data_dir / "till.db")),
        devices=DeviceSettings(reader="simulated",
                               printer=f"simulated://{data_dir / 'receipts.txt'}",
                               display="simulated"),
    )


def build_demo(data_dir: Path, hasher: SecretHasher | None = None,
               printer: str | None = None, *, large_type: bool = False,
               selling: CounterSettings | None = None) -> Counter:
    """The demo till: seeded database, simulated reader and printer, the cashier signed in.

    ``selling``: how it takes a sale (a set price per tap), else keyed amounts.
    """
    settings = demo_settings(data_dir)
    if selling is not None:
        settings = settings.model_validate({**settings.model_dump(),
                                            "counter": selling.model_dump()})
    if large_type:
        settings = settings.model_copy(update={"ui": settings.ui.model_copy(
            update={"large_type": True})})
    if printer is not None:
        settings = settings.model_copy(update={"devices": settings.devices.model_copy(
            update={"printer": printer})})
    printer_bridge = PrinterBridge()
    till = build_till(settings, hasher=hasher, on_printer_status=printer_bridge.on_status)
    existing = till.refs.card_ids()
    cards = [] if existing else seed_demo(till.refs, till.ledger, till.auth, till.hasher,
                                          datetime.now().astimezone(), settings.till.id,
                                          settings.till.name, settings.till.site)
    session = till.auth.login("cashier", "1234")
    if till.shifts.current() is None:  # the demo sells at once: its float is counted for it
        suggested = till.shifts.suggested_float()
        till.shifts.open(session, suggested if suggested.total else till.shifts.count(
            DEMO_FLOAT))
    reader = SimulatedReader()
    counter = _counter(till, session, printer_bridge)
    counter.reader, counter.cards = reader, cards
    reader.start(counter.reader_bridge.sink)
    return counter


def _counter(till: Till, session: Session, printer_bridge: PrinterBridge) -> Counter:
    tasks = TaskRunner()
    reader_bridge = ReaderBridge()
    ui = till.settings.ui
    window = CashierWindow(till.checkout, session, tasks, reader_bridge, printer_bridge,
                           till.currency, max_minor=ui.max_amount_minor,
                           paid_banner_ms=ui.paid_banner_ms,
                           card_clear_grace_ms=ui.card_clear_grace_ms,
                           display=till.display, auth=till.auth,
                           large_type=ui.large_type,
                           fixed_price=till.settings.fixed_price_minor,
                           meal_prices=till.settings.counter.meal_prices)
    counter = Counter(till, window, tasks, reader_bridge, printer_bridge)
    counter.shift = ShiftControl(window, till.shifts, till.auth, tasks, till.currency,
                                 required=till.settings.shift.required, reader=reader_bridge)
    counter.shift.check()
    if till.sync is not None:
        counter.link_bridge = LinkBridge()
        till.sync.link.subscribe(counter.link_bridge.on_status)
        LinkIndicator(window.link_label, counter.link_bridge)
        feed_devices(till.sync.devices, printer_bridge, reader_bridge)
    return counter


def feed_devices(devices: DeviceStates, printer: PrinterBridge, reader: ReaderBridge) -> None:
    """What the counter knows of its printer and reader, into the till's heartbeat.

    The managers' console flags a till whose printer is out of paper or whose reader
    is gone; the heartbeat (sync worker) reads these, the GUI thread writes them.
    """
    printer.status_changed.connect(
        lambda status, pending, _m: devices.set_printer(status.value, pending))
    reader.state_changed.connect(lambda state: devices.set_reader(state.ok, state.message))
    if printer.last is not None:
        devices.set_printer(printer.last[0].value, printer.last[1])


def run_demo(data_dir: Path | None) -> int:
    folder = data_dir or Path(tempfile.mkdtemp(prefix="tillcard-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    app = qt_app(demo_settings(folder))
    counter = build_demo(folder)
    assert counter.reader is not None
    panel = DemoCardsPanel(counter.cards, counter.reader)
    conn = counter.till.printer_connection
    receipts = ReceiptView(lambda: conn.texts if isinstance(conn, SimulatedPrinter) else [])
    counter.gate = attach_sign_in(counter, counter.window.session, app)
    dock_demo_panels(counter.window, panel, receipts)  # inside the window, never a window
    counter.window.show()  # the demo stays a window on the desktop, never kiosk
    print(f"demo data in {folder}; cashier 'cashier' PIN for staff cards 1234")
    code = app.exec()
    counter.close()
    return code


def run_till(settings: Settings, *, kiosk: bool | None = None) -> int:
    """The configured till: sign in, then the cashier window.

    ``kiosk`` (``tillcard --kiosk``; else ``ui.kiosk``): the sign-in screen and the
    counter full screen with no frame, and no key that leaves it.
    """
    kiosk = settings.ui.kiosk if kiosk is None else kiosk
    app = qt_app(settings)
    printer_bridge = PrinterBridge()
    try:
        till = build_till(settings, on_printer_status=printer_bridge.on_status)
    except LocalDatabaseError as exc:  # damaged, another till's, or open in another window
        log.warning("cannot start: %s", exc)  # the message says it all; no traceback
        QMessageBox.critical(None, tr("Tillcard cannot start"), str(exc))
        return 1
    till.start()  # the sync thread fetches users and cards while the cashier signs in
    session = _sign_in(till, kiosk=kiosk)
    if session is None:
        till.close()
        return 1
    counter = _counter(till, session, printer_bridge)
    reader, _wedge = start_reader(app, settings.devices, counter.reader_bridge)
    counter.gate = attach_sign_in(counter, session, app)
    if kiosk:  # the lock screen takes the window's place: full screen too
        KioskGuard(counter.gate.screen)
    show_counter_window(counter.window, kiosk=kiosk)
    assert counter.shift is not None
    counter.shift.check()  # shown now: no shift open asks for the float at once
    code = app.exec()
    reader.stop()
    counter.close()
    return code


def start_reader(app: QCoreApplication, devices: DeviceSettings, bridge: ReaderBridge, *,
                 wedge_clock: Callable[[], float] = time.monotonic,
                 ) -> tuple[CardReader, WedgeFilter | None]:
    """Opens and starts the configured reader, feeding ``bridge``.

    A keyboard-wedge reader is only a keyboard: its bursts are caught by a key filter on
    the whole application before any widget sees them, and come back through the
    reader's sink like any other tap. The filter is returned so that a caller outliving
    the window (a test) can remove it again.
    """
    from tillcard.devices.readers.factory import WedgeReader, open_reader

    reader = open_reader(devices.reader)
    wedge = None
    if isinstance(reader, WedgeReader):
        wedge = WedgeFilter(app, max_gap=devices.wedge_max_gap_ms / 1000,
                            min_length=devices.wedge_min_length, clock=wedge_clock)
        wedge.card_read.connect(reader.typed)
        app.installEventFilter(wedge)
    reader.start(bridge.sink)
    return reader, wedge


def _sign_in(till: Till, *, kiosk: bool = False) -> Session | None:
    """The sign-in screen until someone signs in (their Session) or Quit is confirmed (None).

    The configured reader runs meanwhile so that a staff card can be tapped; it stops
    again before the counter starts its own.
    """
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    tasks = TaskRunner()
    bridge = ReaderBridge()
    reader, wedge = _sign_in_reader(app, till.settings.devices, bridge)
    screen = sign_in_screen(till, tasks, bridge)
    try:
        show_counter_window(screen, kiosk=kiosk)
        return wait_for_sign_in(screen)
    finally:
        screen.hide()
        screen.deleteLater()
        if wedge is not None:
            app.removeEventFilter(wedge)
        if reader is not None:
            reader.stop()
        tasks.shutdown()


def _sign_in_reader(app: QApplication, devices: DeviceSettings, bridge: ReaderBridge
                    ) -> tuple[CardReader | None, WedgeFilter | None]:
    try:
        return start_reader(app, devices, bridge)
    except Exception as exc:  # names and PINs still work without a reader
        log.warning("no staff cards at sign-in: the reader did not start: %s", exc)
        return None, None


def sign_in_screen(till: Till, tasks: TaskRunner, reader: ReaderBridge | None
                   ) -> SignInScreen:
    """The till's sign-in screen, told where it is and whether the centre is in reach."""
    sync = till.sync
    info = till.settings.till
    place = " · ".join(p for p in (info.site, info.name) if p)
    return SignInScreen(till.auth, tasks, reader, place=place,
                        offline=None if sync is None else lambda: not sync.link.online)


def wait_for_sign_in(screen: SignInScreen, locked_by: Session | None = None
                     ) -> Session | None:
    """Runs the shown ``screen`` until someone signs in (their Session) or Quit (None)."""
    loop = QEventLoop()
    result: list[Session] = []

    def signed_in(session: Session) -> None:
        result.append(session)
        loop.quit()

    screen.signed_in.connect(signed_in)
    screen.quit_requested.connect(loop.quit)
    screen.start(locked_by)
    try:
        loop.exec()
    finally:
        screen.signed_in.disconnect(signed_in)
        screen.quit_requested.disconnect(loop.quit)
    return result[0] if result else None


class SignInGate(QObject):
    """Locks the running counter, signs its cashier out, lets the next one in.

    The sign-in screen takes the cashier window's place (same geometry; the window is
    hidden, so nothing of the last sale shows) until someone signs in; then the window
    comes back and ``session_changed`` says who is at the till now: the same cashier
    after a lock, or another. An ``IdleLock`` locks by itself; it is disarmed while the
    screen shows and armed again after each sign-in.

    Signals:
        session_changed(Session): someone signed in on the screen.
        quit_requested(): Quit was confirmed on the screen.
    """

    session_changed = Signal(object)
    quit_requested = Signal()

    def __init__(self, screen: SignInScreen, window: QWidget, session: Session,
                 idle: IdleLock | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.screen, self._window, self._session, self._idle = screen, window, session, idle
        screen.signed_in.connect(self._on_screen_signed_in)
        screen.quit_requested.connect(self.quit_requested)
        if idle is not None:
            idle.idle.connect(self._on_idle_idle)
            idle.start()

    @property
    def session(self) -> Session:
        return self._session

    @property
    def showing(self) -> bool:
        return self.screen.isVisible()

    def lock(self) -> None:
        """The cashier steps away: their PIN brings the window back ("Another cashier" too)."""
        self._show(self._session)

    def sign_out(self) -> None:
        """The cashier leaves: the names again, for whoever comes next."""
        self._show(None)

    def change_cashier(self) -> None:
        """Another cashier takes over: the same as signing out, the next one signs in."""
        self._show(None)

    def _show(self, locked_by: Session | None) -> None:
        if self.showing:
            return
        if self._idle is not None:
            self._idle.stop()
        self.screen.setGeometry(self._window.geometry())
        self.screen.start(locked_by)
        self.screen.setWindowState(self._window.windowState())
        self.screen.show()
        self.screen.activateWindow()
        self._window.hide()

    def close(self) -> None:
        """Stop watching the application and drop the screen (the counter is closing)."""
        if self._idle is not None:
            self._idle.uninstall()
        self.screen.hide()
        self.screen.deleteLater()

    def _on_idle_idle(self) -> None:
        self.lock()

    def _on_screen_signed_in(self, session: Session) -> None:
        self._session = session
        self._window.show()
        self._window.activateWindow()
        self.screen.hide()
        if self._idle is not None:
            self._idle.start()
        self.session_changed.emit(session)


def attach_sign_in(counter: Counter, session: Session, app: QCoreApplication) -> SignInGate:
    """Lock, sign-out and the idle lock (``shift.idle_lock_s``) for a running counter.

    Card taps count as activity; Quit on the screen quits the application. The window's
    F12 locks and its Sign out signs out; whoever signs in next is the window's cashier,
    and a Z taken signs its cashier out. The caller keeps the gate.
    """
    screen = sign_in_screen(counter.till, counter.tasks, counter.reader_bridge)
    idle = IdleLock(app, counter.till.settings.shift.idle_lock_s, parent=screen)
    counter.reader_bridge.card_presented.connect(idle.poke)
    gate = SignInGate(screen, counter.window, session, idle, parent=screen)
    gate.quit_requested.connect(app.quit)
    window = counter.window
    gate.session_changed.connect(window.set_session)
    window.lock_requested.connect(gate.lock)
    window.sign_out_requested.connect(gate.sign_out)
    if counter.shift is not None:
        shift = counter.shift
        gate.session_changed.connect(lambda _session: shift.check())
        counter.shift.shift_closed.connect(gate.sign_out)  # the Z is the cashier's last act
    return gate


# -- the first-run wizard (issue 18) --------------------------------------------------

def run_wizard(config_path: Path, problem: ConfigError | None, *,
               kiosk: bool | None = None) -> int:
    """The set-up wizard for a missing or broken settings file, then the till on it.

    ``problem``: why the file did not load; the wizard opens on that key's page with the
    reason shown, instead of a traceback. Cancelled: exit status 1, nothing written.
    """
    from tillcard.config import load_settings
    from tillcard.services.setup import SetupService
    from tillcard.ui.wizard import SetupWizard

    service = SetupService(config_path, SecretHasher())
    draft, _problems = service.draft()
    app = qt_app(draft.settings() if not draft.problems() else Settings())
    wizard = SetupWizard(service, problem)
    wizard.resize(1100, 700)
    if wizard.exec() != QDialog.DialogCode.Accepted or wizard.result_settings is None:
        app.processEvents()
        return 1
    return run_till(load_settings(config_path), kiosk=kiosk)
