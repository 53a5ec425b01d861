"""``tillcard report KIND --from D --to D``: a report on the terminal, as files, on paper.

Acts as a manager (``TILLCARD_USER``/``TILLCARD_PASSWORD``, or asked on a terminal), like
the back office: reports need the reports permission. Reads the replica when
``reports.replica_url`` is set. ``tillcard report daily-pdfs --folder DIR`` writes the
business days' summary PDFs that are not there yet (for a timer at the cut-off).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tillcard.commands.argtypes import iso_day
from tillcard.commands.credentials import (
    AdminContext,
    CommandFailed,
    add_db_option,
    admin_db_url,
    run_admin,
)
from tillcard.config import Settings, load_settings
from tillcard.domain.clock import SiteClock
from tillcard.domain.money import Currency, format_plain
from tillcard.domain.reports import Cell, Report, ReportKind, ValueType

if TYPE_CHECKING:
    from tillcard.services.auth import Session
    from tillcard.services.reports import ReportService

KINDS = [k.value for k in ReportKind]
DAILY_PDFS = "daily-pdfs"


def add_report_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="managers' reports over business days: on the "
                                      "terminal, --pdf/--csv/--xlsx files, --print")
    p.add_argument("kind", choices=[*KINDS, DAILY_PDFS], metavar="KIND",
                   help=", ".join(KINDS) + f"; or {DAILY_PDFS} (each finished business day's "
                   "summary PDF not yet in --folder)")
    p.add_argument("--from", dest="first", type=iso_day, metavar="YYYY-MM-DD",
                   help="first business day (default: yesterday's)")
    p.add_argument("--to", dest="last", type=iso_day, metavar="YYYY-MM-DD",
                   help="last business day, inclusive (default: --from)")
    p.add_argument("--pdf", type=Path, metavar="F")
    p.add_argument("--csv", type=Path, metavar="F")
    p.add_argument("--xlsx", type=Path, metavar="F")
    p.add_argument("--print", dest="to_printer", action="store_true",
                   help="on the configured receipt printer")
    p.add_argument("--folder", type=Path, help=f"{DAILY_PDFS}: where the PDFs go (default: "
                   "reports.daily_folder)")
    add_db_option(p)
    p.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    prog = f"tillcard report {args.kind}"
    settings = load_settings(args.config)
    url = admin_db_url(args)

    def body(ctx: AdminContext) -> int:
        from tillcard.services.reports import ReportService
        from tillcard.store.day_totals import facts
        from tillcard.store.engine import make_engine
        from tillcard.store.site import site_rules

        session = ctx.sign_in()
        replica = settings.reports.replica_url
        reads = make_engine(replica) if replica and not args.db else ctx.engine
        try:
            service = ReportService(reads, facts=facts, currency=settings.currency.code)
            clock = site_rules(ctx.engine).clock
            if args.kind == DAILY_PDFS:
                return _daily(args, settings, service, session, clock)
            first, last = _range(args, clock)
            try:
                report = service.run(session, ReportKind(args.kind), first, last,
                                     settings.ui.language)
            except ValueError as exc:
                raise CommandFailed(str(exc), 2) from None
            _outputs(args, report, settings)
            if not (args.pdf or args.csv or args.xlsx or args.to_printer):
                currency = Currency(settings.currency.code, settings.currency.locale)
                print("\n".join(text_lines(report, currency)))
            return 0
        finally:
            if reads is not ctx.engine:
                reads.dispose()

    return run_admin(prog, url, body)


def _range(args: argparse.Namespace, clock: SiteClock) -> tuple[date, date]:
    first = args.first or clock.business_day(datetime.now(UTC)) - timedelta(days=1)
    last = args.last or first
    if last < first:
        raise CommandFailed(f"--to {last} is before --from {first}", 2)
    return first, last


def _outputs(args: argparse.Namespace, report: Report, settings: Settings) -> None:
    from tillcard.documents.pdf import write_pdf
    from tillcard.documents.sheets import write_csv, write_xlsx

    language = settings.ui.language
    for path in (args.pdf, args.csv, args.xlsx):
        if path is not None and not path.expanduser().parent.is_dir():
            raise CommandFailed(f"{path.expanduser().parent}: no such folder", 2)
    try:
        if args.pdf:
            write_pdf(report, args.pdf.expanduser(), language=language)
            print(f"wrote {args.pdf}")
        if args.csv:
            write_csv(report, args.csv.expanduser(), language=language)
            print(f"wrote {args.csv}")
        if args.xlsx:
            write_xlsx(report, args.xlsx.expanduser(), language=language)
            print(f"wrote {args.xlsx}")
    except OSError as exc:
        raise CommandFailed(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
    if args.to_printer:
        _print(report, settings)


def _print(report: Report, settings: Settings) -> None:
    from tillcard.bootstrap import receipt_settings
    from tillcard.devices.printer.report_layout import ReportNotPrinted, print_report_to

    rs = receipt_settings(settings, Currency(report.currency, settings.currency.locale))
    try:
        print_report_to(settings.devices.printer, report, rs, printed_at=datetime.now())
    except (OSError, ReportNotPrinted) as exc:
        raise CommandFailed(f"the printer did not take the report: {exc}") from None
    print("printed")


def _daily(args: argparse.Namespace, settings: Settings, service: ReportService,
           session: Session, clock: SiteClock) -> int:
    from tillcard.documents.pdf import write_pdf
    from tillcard.services.daily_report import DailyReports

    folder_setting = settings.reports.daily_folder
    folder = args.folder or (Path(folder_setting).expanduser() if folder_setting else None)
    if folder is None:
        raise CommandFailed("no folder: give --folder or set reports.daily_folder", 2)
    language = settings.ui.language

    def write(day: date, path: Path) -> None:
        report = service.run(session, ReportKind.SUMMARY, day, day, language)
        write_pdf(report, path, language=language)

    daily = DailyReports(folder, lambda: clock, write, lambda: datetime.now(UTC))
    try:
        written = daily.tick()
    except OSError as exc:
        raise CommandFailed(f"cannot write into {folder}: {exc.strerror or exc}") from None
    for path in written:
        print(f"wrote {path}")
    for day, reason in daily.failures:
        print(f"tillcard report daily-pdfs: {day} not written: {reason}", file=sys.stderr)
    if daily.failures:
        return 1
    if not written:
        print(f"nothing due: every finished day's summary is in {folder}")
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell(value: Cell, vtype: ValueType, currency: Currency) -> str:
    if value is None:
        return ""
    if vtype is ValueType.MONEY and isinstance(value, int):
        return format_plain(value, currency)
    if vtype is ValueType.PERCENT and isinstance(value, int):
        return f"{value / 100:.2f} %"
    if vtype is ValueType.COUNT and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def text_lines(report: Report, currency: Currency) -> list[str]:
    """The report as an aligned table for a terminal (Chinese counted double width)."""
    types = [c.type for c in report.columns]
    body: list[Sequence[str]] = [[c.title for c in report.columns]]
    body += [[_cell(v, t, currency) for v, t in zip(r, types, strict=True)]
             for r in report.rows]
    if report.totals is not None:
        body.append([_cell(v, t, currency) for v, t in zip(report.totals, types,
                                                             strict=True)])
    widths = [max(_width(row[i]) for row in body) for i in range(len(types))]

    def line(row: Sequence[str]) -> str:
        cells = []
        for i, (text, t) in enumerate(zip(row, types, strict=True)):
            pad = " " * (widths[i] - _width(text))
            cells.append(text + pad if t is ValueType.TEXT else pad + text)
        return "  ".join(cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    out = [f"{report.title} · {report.first_day}..{report.last_day}", line(body[0]), rule]
    out += [line(r) for r in body[1:len(body) - (report.totals is not None)]]
    if report.totals is not None:
        out += [rule, line(body[-1])]
    out += list(report.notes)
    out += ["", *(f"{c.title}: {c.definition}" for c in report.columns)]
    return out
