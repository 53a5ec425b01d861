"""The set-up steps that talk to devices: list the card readers, print a test page.

Split from ``services.setup``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tillcard.config import (
    Settings,
)
from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.printer.connections import SimulatedPrinter, open_printer
from tillcard.devices.printer.render import render_test_page
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.readers.pcsc import PcscUnavailable, list_pcsc_readers
from tillcard.domain.money import Currency
from tillcard.domain.receipt import ReceiptContext, SaleReceipt

# -- devices --------------------------------------------------------------------------

@dataclass(frozen=True)
class ReaderList:
    names: list[str]
    problem: str = ""  # pcscd down or PC/SC support missing


def list_readers() -> ReaderList:
    try:
        return ReaderList(list_pcsc_readers())
    except PcscUnavailable as exc:
        return ReaderList([], str(exc))


@dataclass(frozen=True)
class PrintReport:
    status: PrinterStatus
    detail: str = ""
    text: str = ""  # what a simulated printer printed

    @property
    def ok(self) -> bool:
        return self.status is PrinterStatus.OK


def print_test_page(settings: Settings) -> PrintReport:
    """A test receipt on the configured printer, in its width and language."""
    r = settings.receipt
    receipt = ReceiptSettings(
        paper_mm=r.width_mm, language=r.language, cjk_mode=r.cjk_mode,
        header=tuple(r.header), footer=tuple(r.footer),
        profile=None if r.profile == "default" else r.profile,
        currency=Currency(settings.currency.code, settings.currency.locale))
    uri = settings.devices.printer
    try:
        conn = open_printer(uri, profile=receipt.profile, status_timeout=1.0)
        ctx = ReceiptContext(settings.till.site, settings.till.name, "test-print",
                             datetime.now())
        sample = SaleReceipt(ctx=ctx, entry_id=uuid.uuid4(), card_masked="**** 0000",
                             holder_short="Test", expression="12.50*2+3", list_amount=2800,
                             discount=0, discount_label="", charge=2800, bonus_part=0,
                             cash_part=2800, tendered_cash=0, balance_before=10000,
                             balance_after=7200)
        conn.send(render_test_page(receipt, uri, sample))
        status = conn.status()
    except (ValueError, OSError) as exc:
        return PrintReport(PrinterStatus.UNREACHABLE, str(exc))
    text = "\n".join(conn.texts) if isinstance(conn, SimulatedPrinter) else ""
    return PrintReport(status, getattr(conn, "detail", ""), text)
