"""``tillcard office``: the back office's window on the site's database.

The composition root of the back office, as ``launch`` is the till's: it opens the
database the configuration (or ``--db``) names, builds the services on it and shows the
window; the window asks who is there before it shows anything.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import Engine

from tillcard.config import Settings
from tillcard.devices.printer.base import ReceiptSink
from tillcard.domain.money import Currency
from tillcard.services.audit_view import AuditView
from tillcard.services.auth import AuthService, SecretHasher, Session
from tillcard.services.card_directory import CardList
from tillcard.services.card_import import CardImporter
from tillcard.services.card_office import CardOffice
from tillcard.services.card_types import CardTypeAdmin
from tillcard.services.users import UserAdmin
from tillcard.store.audit import AuditQueries
from tillcard.store.card_directory import CardDirectory
from tillcard.store.card_file import CardFiles
from tillcard.store.reference import ReferenceStore
from tillcard.store.site import site_rules
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.office.card_actions import CardTypeTerms, OfficeDesk
from tillcard.ui.office.window import OfficeWindow
from tillcard.ui.tasks import TaskRunner


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
                 till_name: str = "", importer: CardImporter | None = None) -> Office:
    """The window on ``engine``; with a ``card_office`` it also acts on cards.

    ``printer`` takes the receipts of recharges and card actions (a ``PrintQueue``; none:
    nothing prints), ``reader`` signs staff in by card and PIN and lets a blank card be
    tapped when issuing or replacing.
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
                          reader=reader)
    return Office(engine, window, tasks)


def run_office(url: str, settings: Settings) -> int:
    from tillcard.bootstrap import receipt_settings
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
        office = build_office(engine, currency, hasher=hasher, place=settings.till.site,
                              card_office=card_office, printer=queue, reader=bridge,
                              till_name=settings.till.name, importer=importer)
        office.window.resize(1280, 800)
        office.window.show()
        code = app.exec()
        office.close()
        if reader is not None:
            reader.stop()
        queue.close()
        return code
    finally:
        engine.dispose()
