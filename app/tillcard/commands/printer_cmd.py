"""``tillcard devices test-print``: print a test receipt and say what the printer reports.

Exit status: 0 printed and the printer is fine; 2 the bytes went out (or wait in the
printer) but it reports a problem such as paper out or an open cover; 1 the printer
cannot be reached or the URI is wrong. Installers run it while setting up a till.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import datetime
from pathlib import Path

from tillcard.commands.argtypes import positive_float
from tillcard.config import Settings, load_settings
from tillcard.devices.printer.base import PrinterConnection, PrinterStatus
from tillcard.devices.printer.connections import URI_EXAMPLES, SimulatedPrinter, open_printer
from tillcard.devices.printer.render import ReceiptSettings, render_test_page
from tillcard.domain.money import Currency
from tillcard.domain.receipt import ReceiptContext, SaleReceipt

EXIT_OK, EXIT_UNREACHABLE, EXIT_PROBLEM = 0, 1, 2

_ADVICE = {
    PrinterStatus.PAPER_NEAR_END: "the roll is nearly finished; have a new one ready",
    PrinterStatus.PAPER_OUT: "load a new paper roll",
    PrinterStatus.COVER_OPEN: "close the printer cover",
    PrinterStatus.OFFLINE: "check the printer's error light; a printer that never answers "
                           "status queries can be used with ?status=0 in its URI",
}


def add_printer_commands(devices_sub: argparse._SubParsersAction[argparse.ArgumentParser]
                         ) -> None:
    """Add ``test-print`` under ``tillcard devices``."""
    p = devices_sub.add_parser(
        "test-print", help="print a test receipt and report the printer's status",
        description="Print a test receipt and report the printer's status. Exit 0: printed,"
                    " no problem; 2: printed or waiting in the printer but it reports a"
                    " problem; 1: cannot reach the printer.")
    p.add_argument("--printer", metavar="URI",
                   help="printer URI, e.g. " + ", ".join(URI_EXAMPLES[:3])
                   + " (default: devices.printer in the settings)")
    p.add_argument("--lang", choices=("en", "zh"), help="receipt language")
    p.add_argument("--width", type=int, choices=(58, 80), help="paper width in mm")
    p.add_argument("--cjk-mode", choices=("gb18030", "fs"),
                   help="gb18030: Chinese-market printer; fs: Epson international model")
    p.add_argument("--profile", help="python-escpos capability profile, e.g. TM-T88V")
    p.add_argument("--status-timeout", type=positive_float, default=1.0, metavar="SECONDS",
                   help="how long to wait for each status answer (default 1)")
    p.set_defaults(func=run_test_print)


def _settings(args: argparse.Namespace) -> Settings:
    config: Path | None = getattr(args, "config", None)
    return load_settings(config)


def _receipt_settings(args: argparse.Namespace, cfg: Settings) -> ReceiptSettings:
    rc = cfg.receipt
    return ReceiptSettings(
        paper_mm=args.width or rc.width_mm,
        language=args.lang or rc.language,
        cjk_mode=args.cjk_mode or rc.cjk_mode,
        header=tuple(rc.header),
        footer=tuple(rc.footer),
        profile=args.profile or rc.profile or None,
        currency=Currency(cfg.currency.code, cfg.currency.locale),
    )


def _sample(cfg: Settings) -> SaleReceipt:
    ctx = ReceiptContext(cfg.till.site, cfg.till.name, "test-print", datetime.now())
    return SaleReceipt(ctx=ctx, entry_id=uuid.uuid4(), card_masked="**** **** 0000",
                       holder_short="Test", expression="12.50*2+3", list_amount=2800,
                       discount=280, discount_label="10 %", charge=2520, bonus_part=500,
                       cash_part=2020, tendered_cash=0, balance_before=10000,
                       balance_after=7480)


def _status(conn: PrinterConnection) -> tuple[PrinterStatus, str]:
    try:
        status = conn.status()
    except OSError as e:
        return PrinterStatus.UNREACHABLE, str(e)
    return status, getattr(conn, "detail", "")


def run_test_print(args: argparse.Namespace) -> int:
    """Handler for ``devices test-print``; returns the exit status."""
    cfg = _settings(args)
    uri = args.printer or cfg.devices.printer
    try:
        settings = _receipt_settings(args, cfg)
        conn = open_printer(uri, profile=settings.profile, status_timeout=args.status_timeout)
    except ValueError as e:
        print(f"test-print: {e}", file=sys.stderr)
        return EXIT_UNREACHABLE
    print(f"printer {uri}: {settings.cols} columns, language {settings.language}, "
          f"Chinese mode {settings.cjk_mode}")
    before, detail = _status(conn)
    if before is PrinterStatus.UNREACHABLE:
        print(f"cannot reach the printer: {detail or before}", file=sys.stderr)
        return EXIT_UNREACHABLE
    try:
        conn.send(render_test_page(settings, uri, _sample(cfg)))
    except OSError as e:
        print(f"cannot send to the printer: {e}", file=sys.stderr)
        return EXIT_UNREACHABLE
    after, detail = _status(conn)
    if isinstance(conn, SimulatedPrinter):
        for text in conn.texts:
            print(text)
    if after is PrinterStatus.UNREACHABLE:
        print(f"the printer stopped answering after the job: {detail}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if after is PrinterStatus.OK:
        print("printed; printer status: ok")
        return EXIT_OK
    sent = "printed" if after.can_print else "sent; it waits in the printer"
    print(f"{sent}, but the printer reports: {after}" + (f" ({detail})" if detail else ""))
    print(f"what to do: {_ADVICE.get(after, 'check the printer')}")
    return EXIT_PROBLEM
