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

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from tillcard.bootstrap import Till, build_till
from tillcard.config import DatabaseSettings, DeviceSettings, Settings, TillSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.devices.readers.base import CardReader
from tillcard.devices.readers.simulated import SimulatedReader
from tillcard.services.auth import LoginFailed, SecretHasher, Session
from tillcard.services.demo import DemoCard, seed_demo
from tillcard.store.local_db import LocalDatabaseError
from tillcard.ui.bridges import PrinterBridge, ReaderBridge
from tillcard.ui.cashier_window import CashierWindow
from tillcard.ui.demo_panel import DemoCardsPanel, ReceiptView
from tillcard.ui.link_status import LinkBridge, LinkIndicator
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr
from tillcard.ui.theme import apply_theme
from tillcard.ui.wedge import WedgeFilter

log = logging.getLogger(__name__)
TRANSLATIONS = Path(__file__).parent / "ui" / "i18n"


def qt_app(settings: Settings) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    apply_theme(app, settings.ui.large_type)
    lang = settings.ui.language
    if lang != "en":
        tr = QTranslator(app)
        if tr.load(QLocale(lang), "tillcard", "_", str(TRANSLATIONS)):
            app.installTranslator(tr)
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

    def close(self) -> None:
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
               printer: str | None = None) -> Counter:
    """The demo till: seeded database, simulated reader and printer, the cashier signed in."""
    settings = demo_settings(data_dir)
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
                           display=till.display)
    counter = Counter(till, window, tasks, reader_bridge, printer_bridge)
    if till.sync is not None:
        counter.link_bridge = LinkBridge()
        till.sync.link.subscribe(counter.link_bridge.on_status)
        LinkIndicator(window.link_label, counter.link_bridge)
    return counter


def run_demo(data_dir: Path | None) -> int:
    folder = data_dir or Path(tempfile.mkdtemp(prefix="tillcard-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    app = qt_app(demo_settings(folder))
    counter = build_demo(folder)
    assert counter.reader is not None
    panel = DemoCardsPanel(counter.cards, counter.reader)
    conn = counter.till.printer_connection
    receipts = ReceiptView(lambda: conn.texts if isinstance(conn, SimulatedPrinter) else [])
    counter.window.show()
    panel.move(counter.window.x() + counter.window.width() + 10, counter.window.y())
    panel.show()
    receipts.show()
    print(f"demo data in {folder}; cashier 'cashier' PIN for staff cards 1234")
    code = app.exec()
    counter.close()
    return code


def run_till(settings: Settings) -> int:
    """The configured till: sign in, then the cashier window."""
    app = qt_app(settings)
    printer_bridge = PrinterBridge()
    try:
        till = build_till(settings, on_printer_status=printer_bridge.on_status)
    except LocalDatabaseError as exc:  # damaged, another till's, or open in another window
        log.warning("cannot start: %s", exc)  # the message says it all; no traceback
        QMessageBox.critical(None, tr("Tillcard cannot start"), str(exc))
        return 1
    till.start()  # the sync thread fetches users and cards while the cashier signs in
    session = _sign_in(till)
    if session is None:
        till.close()
        return 1
    counter = _counter(till, session, printer_bridge)
    reader, _wedge = start_reader(app, settings.devices, counter.reader_bridge)
    counter.window.show()
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


def _sign_in(till: Till) -> Session | None:
    for _ in range(3):
        login, ok = QInputDialog.getText(None, "Tillcard", tr("User:"))
        if not ok:
            return None
        password, ok = QInputDialog.getText(None, "Tillcard", tr("Password:"),
                                            QLineEdit.EchoMode.Password)
        if not ok:
            return None
        try:
            return till.auth.login(login, password)
        except LoginFailed as exc:
            text = str(exc)
            if till.sync is not None and not till.sync.link.online:
                text += "\n" + tr("The centre is out of reach: only users known at this "
                                   "till's last sync can sign in.")
            QMessageBox.warning(None, "Tillcard", text)
    return None
