"""The composition root: builds config, database, devices and services, once, in one place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tillcard.config import Settings
from tillcard.devices.display import open_display
from tillcard.devices.display.base import CustomerDisplay
from tillcard.devices.printer.base import PrinterConnection, PrinterStatus
from tillcard.devices.printer.connections import open_printer
from tillcard.devices.printer.queue import PrintQueue, StatusCallback
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.money import Currency
from tillcard.services.auth import AuthService, SecretHasher
from tillcard.services.checkout import CheckoutService
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import TillInfo
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger
from tillcard.store.migrate import upgrade
from tillcard.store.reference import ReferenceStore

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

    def close(self) -> None:
        self.printer.close()
        self.display.close()
        self.engine.dispose()


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
    if "://" not in url:
        Path(url).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    refs = ReferenceStore(engine)
    refs.ensure_till(settings.till.id, settings.till.name, settings.till.site)
    ledger = Ledger(engine)
    hasher = hasher or SecretHasher()
    currency = Currency(settings.currency.code, settings.currency.locale)
    till = TillInfo(settings.till.id, settings.till.name, settings.till.site)
    conn = printer_connection or open_printer(settings.devices.printer)
    queue = PrintQueue(conn, receipt_settings(settings, currency), on_printer_status)
    checkout = CheckoutService(ledger, refs, queue, till, hasher, ReceiptBuilder(till))
    display = open_display(settings.devices.display)
    return Till(settings, engine, refs, ledger, AuthService(refs, hasher), hasher, checkout,
                queue, conn, currency, display)
