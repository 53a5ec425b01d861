"""``tillcard office``: the back office's window on the site's database.

The composition root of the back office, as ``launch`` is the till's: it opens the
database the configuration (or ``--db``) names, builds the services on it and shows the
window; the window asks who is there before it shows anything.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy import Engine

from tillcard.config import Settings
from tillcard.devices.printer.base import ReceiptSink
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Permission
from tillcard.domain.reports import Report, ReportKind
from tillcard.services.audit_view import AuditView
from tillcard.services.auth import AuthService, SecretHasher, Session
from tillcard.services.card_directory import CardList
from tillcard.services.card_import import CardImporter
from tillcard.services.card_office import CardOffice
from tillcard.services.card_types import CardTypeAdmin
from tillcard.services.live import LiveConsole
from tillcard.services.users import UserAdmin
from tillcard.store.audit import AuditQueries
from tillcard.store.card_directory import CardDirectory
from tillcard.store.card_file import CardFiles
from tillcard.store.reference import ReferenceStore
from tillcard.store.site import site_rules
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.office.card_actions import CardTypeTerms, OfficeDesk
from tillcard.ui.office.reports_tab import ReportDesk
from tillcard.ui.office.window import OfficeWindow
from tillcard.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass
class Office:
    engine: Engine
    window: OfficeWindow
    tasks: TaskRunner

    def close(self) -> None:
        self.window.close()
        self.tasks.shutdown()


def build_office(engine: Engine, currency: Currency, *, hasher: SecretHasher | None = None,
                 place: str = "", card_office: CardOffice | None = None,
                 printer: ReceiptSink | None = None, reader: ReaderBridge | None = None,
                 till_name: str = "", importer: CardImporter | None = None,
                 reports_from: Engine | None = None, language: str = "en",
                 settings: Callable[[Session, QWidget], QDialog] | None = None,
                 difference_alarm: int = 2_000) -> Office:
    """The window on ``engine``; with a ``card_office`` it also acts on cards.

    ``printer`` takes the receipts of recharges and card actions and the printed reports
    (a ``PrintQueue``; none: nothing prints), ``reader`` signs staff in by card and PIN
    and lets a blank card be tapped when issuing or replacing. Reports read
    ``reports_from`` (a replica) when given; ``settings`` opens the admin's Settings.
    """
    tasks = TaskRunner()
    refs = ReferenceStore(engine)
    hasher = hasher or SecretHasher()
    auth = AuthService(refs, hasher)
    cards = CardList(CardDirectory(engine), CardFiles(engine))
    desk = None
    if card_office is not None:
        types = CardTypeAdmin(refs)

        def card_types(session: Session) -> list[CardTypeTerms]:
            return [CardTypeTerms(s.card_type.code, s.card_type.name, s.deposit, s.card_fee)
                    for s in types.setups(session)]

        desk = OfficeDesk(card_office, card_types, printer, reader, place, till_name,
                          importer)
    audit = AuditView(AuditQueries(engine), lambda: site_rules(engine).clock)
    window = OfficeWindow(auth, cards, tasks, currency, place, desk,
                          users=UserAdmin(refs, hasher),
                          card_types=CardTypeAdmin(refs, currency=currency), audit=audit,
                          reader=reader,
                          reports=report_desk(engine, reports_from or engine, currency,
                                              language, printer),
                          settings=settings,
                          live=live_console(reports_from or engine, difference_alarm))
    return Office(engine, window, tasks)


def live_console(engine: Engine, difference_alarm: int) -> LiveConsole:
    """The console's feed, today's figures and the tills' health, on ``engine``."""
    from tillcard.store.live_feed import LiveStore, TodayQueries
    from tillcard.store.till_health import HealthQueries

    return LiveConsole(LiveStore(engine), TodayQueries(engine), HealthQueries(engine),
                       difference_alarm)


def report_desk(engine: Engine, reads: Engine, currency: Currency, language: str,
                printer: ReceiptSink | None) -> ReportDesk:
    """The Reports tab's service and outputs: the centre's day totals, files, paper."""
    from tillcard.devices.printer.queue import PrintQueue
    from tillcard.devices.printer.report_layout import render_report
    from tillcard.documents.pdf import write_pdf
    from tillcard.documents.sheets import write_csv, write_xlsx
    from tillcard.services.reports import ReportService
    from tillcard.store.day_totals import facts

    service = ReportService(reads, facts=facts, currency=currency.code)

    def run(session: Session, kind: ReportKind, first: date, last: date) -> Report:
        return service.run(session, kind, first, last, language)

    # read once, here: the tab asks for today on the GUI thread (its presets), which must
    # not wait on the database; the site clock changes only with `tillcard db site`
    clock = site_rules(engine).clock

    def today() -> date:
        return clock.business_day(datetime.now(UTC))

    exporters: dict[str, Callable[[Report, Path], None]] = {
        "pdf": lambda r, p: write_pdf(r, p, language=language),
        "csv": lambda r, p: write_csv(r, p, language=language),
        "xlsx": lambda r, p: write_xlsx(r, p, language=language)}
    print_report = None
    if isinstance(printer, PrintQueue):
        queue = printer

        def print_report(report: Report) -> None:
            queue.submit_document(report.title, partial(render_report, report))

    return ReportDesk(run, today, exporters, print_report)


def settings_opener(engine: Engine, hasher: SecretHasher, config_path: Path
                    ) -> Callable[[Session, QWidget], QDialog]:
    """The admin's Settings: the first-run wizard's pages on this office's file."""
    def open_settings(session: Session, parent: QWidget) -> QDialog:
        from tillcard.services.setup import SetupService
        from tillcard.ui.wizard.window import SettingsDialog

        service = SetupService(config_path, hasher, session=session,
                               refs=ReferenceStore(engine))
        return SettingsDialog(session, service, parent=parent)

    return open_settings


@dataclass
class DailyPdfs:
    """The back office's daily summary PDFs: ``tick`` writes what is due (on the worker)."""

    timer: QTimer
    tick: Callable[[], None]


def daily_reports(office: Office, settings: Settings, desk: ReportDesk) -> DailyPdfs | None:
    """Each finished business day's summary PDF into ``reports.daily_folder``.

    Checked every minute on the worker while a user who may read reports is signed in:
    the file appears within a minute of the cut-off (or when the office next opens).
    """
    if not settings.reports.daily_folder:
        return None
    from tillcard.documents.pdf import write_pdf
    from tillcard.services.daily_report import DailyReports

    folder = Path(settings.reports.daily_folder).expanduser()
    language = settings.ui.language
    window, engine = office.window, office.engine

    def write_due() -> None:
        session = window.session
        if session is None or not session.can(Permission.REPORTS):
            return

        def write(day: date, path: Path) -> None:
            write_pdf(desk.run(session, ReportKind.SUMMARY, day, day), path,
                      language=language)

        DailyReports(folder, lambda: site_rules(engine).clock, write,
                     lambda: datetime.now(UTC)).tick()

    def tick() -> None:
        office.tasks.run(write_due, lambda _r: None,
                         lambda exc: log.error("daily summary PDFs: %s", exc))

    timer = QTimer(window)
    timer.setInterval(60_000)
    timer.timeout.connect(tick)
    timer.start()
    return DailyPdfs(timer, tick)


def run_office(url: str, settings: Settings, config_path: Path | None = None) -> int:
    from tillcard.bootstrap import receipt_settings
    from tillcard.config import default_config_path
    from tillcard.devices.printer.connections import open_printer
    from tillcard.devices.printer.queue import PrintQueue
    from tillcard.launch import qt_app, start_reader
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import current_revision
    from tillcard.store.office import CardRegister, office_store

    engine = make_engine(url)
    try:
        if current_revision(engine) is None:
            print("tillcard office: the database has no Tillcard tables yet: run "
                  "'tillcard db upgrade' on it first", file=sys.stderr)
            return 1
        app = qt_app(settings)
        currency = Currency(settings.currency.code, settings.currency.locale)
        hasher = SecretHasher()
        # the office acts on its own till's chain (the admin login is bound to it)
        store = office_store(engine, settings.till.id)
        card_office = CardOffice(store, hasher)
        importer = CardImporter(store, CardRegister(engine), currency)
        queue = PrintQueue(open_printer(settings.devices.printer),
                           receipt_settings(settings, currency))
        bridge = ReaderBridge()  # staff cards to sign in, blank cards to issue
        reader = None
        if settings.devices.reader != "simulated":
            reader, _wedge = start_reader(app, settings.devices, bridge)
        replica = settings.reports.replica_url
        reads = make_engine(replica) if replica else engine
        office = build_office(engine, currency, hasher=hasher, place=settings.till.site,
                              card_office=card_office, printer=queue, reader=bridge,
                              till_name=settings.till.name, importer=importer,
                              reports_from=reads, language=settings.ui.language,
                              difference_alarm=settings.reports.shift_difference_flag_minor,
                              settings=settings_opener(engine, hasher, config_path
                                                       or default_config_path()))
        desk = office.window.reports_desk
        if desk is not None:
            daily_reports(office, settings, desk)
        office.window.resize(1280, 800)
        office.window.show()
        code = app.exec()
        office.close()
        if reader is not None:
            reader.stop()
        queue.close()
        if reads is not engine:
            reads.dispose()
        return code
    finally:
        engine.dispose()
