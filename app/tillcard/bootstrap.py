"""The composition root: builds config, database, devices and services, once, in one place."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tillcard.config import ConfigError, Profile, Settings
from tillcard.devices.display import open_display
from tillcard.devices.display.base import CustomerDisplay
from tillcard.devices.printer.base import PrinterConnection, PrinterStatus
from tillcard.devices.printer.connections import open_printer
from tillcard.devices.printer.queue import PrintQueue, StatusCallback
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.money import Currency
from tillcard.domain.site import SiteRules
from tillcard.services.auth import AuthService, SecretHasher
from tillcard.services.card_office import CardOffice
from tillcard.services.checkout import VOID_GRACE, CheckoutService, CounterOffice, local_now
from tillcard.services.ports import CardDirectory, SalesBook
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.shifts import ShiftPolicy, ShiftService
from tillcard.services.views import TillInfo
from tillcard.store.audit import AuditLog
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger, Outcome
from tillcard.store.local_db import LocalLock, open_local
from tillcard.store.migrate import upgrade
from tillcard.store.office import GenericOffice, office_store
from tillcard.store.reference import ReferenceStore
from tillcard.store.shifts import ShiftStore
from tillcard.store.site import set_rules, site_rules
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, make_central_engine
from tillcard.sync.till_sync import OfflinePolicy, TillSync
from tillcard.sync.worker import SyncWorker

log = logging.getLogger(__name__)


def _ignore_status(_s: PrinterStatus, _pending: int, _msg: str) -> None:
    return None


@dataclass
class Till:
    """Everything one till runs on; the UI receives the parts it needs from here."""

    settings: Settings
    engine: Engine
    refs: ReferenceStore
    ledger: Ledger
    auth: AuthService
    hasher: SecretHasher
    checkout: CheckoutService
    printer: PrintQueue
    printer_connection: PrinterConnection
    currency: Currency
    display: CustomerDisplay
    shifts: ShiftService
    sync: TillSync | None = None  # central profile only
    worker: SyncWorker | None = None
    lock: LocalLock | None = None  # held while this process runs the till's own file

    def start(self) -> None:
        """Start background work (the sync thread); never waits on the network."""
        if self.worker is not None:
            self.worker.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.printer.close()
        self.display.close()
        if self.sync is not None:
            self.sync.release()  # the lease on the till id, for a replacement PC
            self.sync.central.dispose()
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def receipt_settings(settings: Settings, currency: Currency) -> ReceiptSettings:
    r = settings.receipt
    return ReceiptSettings(paper_mm=r.width_mm, language=r.language, cjk_mode=r.cjk_mode,
                           header=tuple(r.header),
                           footer=tuple(r.footer), currency=currency,
                           profile=None if r.profile == "default" else r.profile)


def build_till(settings: Settings, *, db_url: str | None = None,
               hasher: SecretHasher | None = None,
               on_printer_status: StatusCallback = _ignore_status,
               printer_connection: PrinterConnection | None = None) -> Till:
    """Open (and migrate) the till's database and start its printer queue."""
    url = db_url or str(settings.local_db_path())
    lock: LocalLock | None = None
    if "://" in url:
        engine = make_engine(url)
        upgrade(engine)
    else:  # the till's own file: one process, whole, its own (see store.local_db)
        lock = LocalLock(Path(url))
        lock.acquire()
        try:
            engine = open_local(Path(url), settings.till.id)
        except BaseException:
            lock.release()
            raise
    if settings.profile is Profile.STANDALONE:  # central sites set it once at the centre
        current = site_rules(engine)
        set_rules(engine, SiteRules(settings.site.clock(), current.max_amount))
    refs = ReferenceStore(engine)
    refs.ensure_till(settings.till.id, settings.till.name, settings.till.site)
    ledger = Ledger(engine)
    sync = central_sync(settings, engine) if settings.profile is Profile.CENTRAL else None
    book: SalesBook = sync or ledger
    directory: CardDirectory = sync or refs
    hasher = hasher or SecretHasher()
    currency = Currency(settings.currency.code, settings.currency.locale)
    till = TillInfo(settings.till.id, settings.till.name, settings.till.site)
    conn = printer_connection or open_printer(settings.devices.printer)
    queue = PrintQueue(conn, receipt_settings(settings, currency), on_printer_status)
    store = ShiftStore(engine)
    audit = AuditLog(engine)

    def open_shift() -> uuid.UUID | None:
        shift = store.current(till.till_id)
        return shift.id if shift else None

    def open_mark() -> int | None:
        shift = store.current(till.till_id)
        return shift.open_mark if shift else None

    checkout = CheckoutService(book, directory, queue, till, hasher, ReceiptBuilder(till),
                               offline=sync.offline if sync else lambda: False,
                               shift=open_shift if settings.shift.required else None,
                               void_grace=VOID_GRACE if settings.shift.void_needs_manager
                               else None, audit=audit.record,
                               minute=lambda at: (sync.cache.clock if sync else
                                                  ledger.rules.clock).minute(at),
                               shift_mark=open_mark if settings.shift.required else None,
                               office=counter_office(engine, ledger, sync, hasher,
                                                     till.till_id))
    display = open_display(settings.devices.display)
    worker = SyncWorker(sync, settings.sync.poll_s) if sync else None
    shifts = ShiftService(store, book, refs, till, queue, local_now,
                          ShiftPolicy(settings.shift.approval_over_minor, currency.code))
    return Till(settings, engine, refs, ledger, AuthService(refs, hasher), hasher, checkout,
                queue, conn, currency, display, shifts, sync, worker, lock)


def counter_office(engine: Engine, ledger: Ledger, sync: TillSync | None,
                   hasher: SecretHasher, till_id: int) -> CounterOffice:
    """Recharges at the counter (F6), on this till's own chain.

    Standalone: the card office's Python on the till's database. Central: the centre's
    card-office functions, which only the admin role may run — a plain till login is
    refused (by design: a till PC may be an attacker's), so the counter says that
    recharges are done at the card office; a desk that doubles as a card office connects
    with an admin-role login bound to its till (docs/counter-and-card-office.md).
    """
    if sync is None:
        return CounterOffice(CardOffice(GenericOffice(engine, till_id, ledger), hasher))
    central = sync.central
    known: list[bool] = []

    def allowed() -> bool:
        if not known:
            try:
                with central.connect() as conn:
                    known.append(bool(conn.execute(text(
                        "SELECT pg_has_role(current_user, 'tillcard_admin', 'MEMBER')"))
                        .scalar()))
            except DBAPIError as exc:  # no such role (an old centre), or the link is down
                log.info("recharges at this till: cannot tell the login's role: %s", exc)
                return False
        return known[0]

    def recorded(out: Outcome) -> None:
        sync.cache.record_centre(out)
        if out.entry is not None:
            sync.cache.record_applied(out.entry)  # the shift counts the cash taken

    return CounterOffice(CardOffice(office_store(central, till_id), hasher), allowed,
                         recorded)


def central_options(settings: Settings) -> CentralOptions:
    db, s = settings.database, settings.sync
    if not db.central_url:
        raise ConfigError("database.central_url: required by the central profile")
    return CentralOptions(
        url=db.central_url, password_env=db.password_env, sslmode=db.sslmode,
        sslrootcert=db.sslrootcert, connect_timeout_s=db.connect_timeout_s,
        statement_timeout_ms=s.statement_timeout_ms, call_timeout_s=s.call_timeout_s,
        application_name=f"tillcard-till-{settings.till.id}")


def central_sync(settings: Settings, local: Engine) -> TillSync:
    """The till's link to the centre; builds engines only, connects nothing yet."""
    opts = central_options(settings)
    return TillSync(TillCache(local, settings.till.id), make_central_engine(opts), opts,
                    OfflinePolicy(settings.sync.offline_cap_minor))
