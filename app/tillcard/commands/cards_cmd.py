"""``tillcard cards …`` and ``tillcard recharge``: the card office for IT, on its services.

Every command acts as the signed-in user (``credentials``) through ``CardOffice``,
``CardList`` and ``CardImporter`` — the same permissions and refusals as the back office,
and at a central site the centre's functions. Amounts are typed in major units and parsed
on the string (``parse_amount``). One line per refusal; exit 2 for input to fix (a bad
amount, an empty reason, a file with bad rows), 1 for a refusal or failure, 0 when done.

The card office writes entries on a chain of its own: the till the database login is
bound to at a central site (what the centre's functions require of an admin's login),
else the office's till, ``OFFICE_TILL``, made on first use.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from tillcard.commands.credentials import (
    AdminContext,
    CommandFailed,
    add_db_option,
    admin_db_url,
    run_admin,
    site_currency,
)
from tillcard.domain.money import AmountError, Currency, format_plain, parse_amount
from tillcard.domain.office import IssueRequest, IssueResult, OfficeCode, OfficeRefused
from tillcard.domain.permissions import Permission
from tillcard.services.auth import Session
from tillcard.services.card_directory import CardFile, CardList
from tillcard.services.card_import import CardExporter, CardImporter, ImportRefused
from tillcard.services.card_office import CardOffice
from tillcard.store.card_directory import CardDirectory
from tillcard.store.card_file import CardFiles
from tillcard.store.ledger import InvalidRequest, Ledger, LedgerError
from tillcard.store.office import CardRegister, OfficeStore, office_store
from tillcard.store.reference import ReferenceStore

OFFICE_TILL = 99  # the card office's chain where no login is bound (as the demo's)
ANY_AMOUNT = 10**14  # before the database says the site's largest (parse_amount's own cap)
Body = Callable[[AdminContext], int]


def add_cards_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cards = sub.add_parser("cards", help="the card office: show, freeze, unfreeze, lost, "
                                         "replace, close, import, export (acts as "
                                         "TILLCARD_USER)")
    csub = cards.add_subparsers(dest="cards_command", required=True)

    show = csub.add_parser("show", help="a card's status, purses, bonus grants and limits")
    show.add_argument("number", metavar="NUMBER", help="card number or chip UID")
    show.add_argument("--json", action="store_true", help="one JSON object on stdout "
                                                          "(amounts in minor units)")
    show.set_defaults(func=_cmd_show)

    for verb, words in (("freeze", "no spending until unfrozen"),
                        ("unfreeze", "a frozen card may spend again"),
                        ("lost", "reported lost: blocked until replaced")):
        p = csub.add_parser(verb, help=words)
        p.add_argument("number", metavar="NUMBER", help="card number or chip UID")
        p.add_argument("--reason", required=True, help="why (the cashier sees it; audited)")
        p.set_defaults(func=_cmd_status, action=verb)

    rep = csub.add_parser("replace", help="every purse of a lost card onto a new card")
    rep.add_argument("old", metavar="OLD", help="the lost card's number or chip UID")
    rep.add_argument("new", metavar="NEW", help="the new card's number")
    rep.add_argument("--uid", help="the new card's chip UID (hex)")
    rep.add_argument("--reason", help="why (audited; default: the lost card it replaces)")
    rep.set_defaults(func=_cmd_replace)

    close = csub.add_parser("close", help="refund cash and deposit; bonus and allowance are "
                                          "forfeited")
    close.add_argument("number", metavar="NUMBER", help="card number or chip UID")
    close.add_argument("--reason", default="", help="why (audited)")
    close.set_defaults(func=_cmd_close)

    imp = csub.add_parser("import", help="issue the cards of a CSV file, all or nothing")
    imp.add_argument("file", metavar="FILE.csv", type=Path)
    imp.add_argument("--dry-run", action="store_true",
                     help="check the file against the database and change nothing")
    imp.set_defaults(func=_cmd_import)

    exp = csub.add_parser("export", help="every card and holder to a CSV file (UTF-8, "
                                         "opens in Excel)")
    exp.add_argument("file", metavar="FILE.csv", type=Path)
    exp.set_defaults(func=_cmd_export)

    for p in csub.choices.values():
        add_db_option(p)


def add_recharge_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("recharge", help="cash onto a card, with its type's bonus (acts as "
                                        "TILLCARD_USER)")
    p.add_argument("number", metavar="NUMBER", help="card number or chip UID")
    p.add_argument("amount", metavar="AMOUNT", help="in major units as typed, e.g. 50.00")
    add_db_option(p)
    p.set_defaults(func=_cmd_recharge)


# -- the office, as the signed-in user ----------------------------------------------------

def office_till(engine: Engine) -> int:
    """The chain the office writes: the login's own at a centre, else ``OFFICE_TILL``."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            bound = conn.execute(text("SELECT till_id FROM till_logins "
                                      "WHERE login = session_user")).scalar_one_or_none()
        if bound is not None:
            return int(bound)
    ReferenceStore(engine).ensure_till(OFFICE_TILL, "Card office")
    return OFFICE_TILL


def open_office(ctx: AdminContext, session: Session,
                need: Permission = Permission.CARD_OFFICE) -> OfficeStore:
    """The office's store; a session that may not act is refused before the till is made.

    The service checks again: this is only so a refused user leaves nothing behind.
    """
    session.require(need)
    return office_store(ctx.engine, office_till(ctx.engine))


class _IssuerOnDemand:
    """The office's store, opened only when a batch is issued.

    So a refused file (or a dry run) leaves nothing behind, not even the office's till.
    """

    def __init__(self, ctx: AdminContext, session: Session) -> None:
        self._ctx = ctx
        self._session = session

    def issue_many(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]],
                   at: datetime) -> list[IssueResult]:
        return open_office(self._ctx, self._session).issue_many(user_id, batch, at)


@contextmanager
def office_refusals() -> Iterator[None]:
    """The card office's refusals as one line: 2 for input to fix, 1 for the rest."""
    try:
        yield
    except OfficeRefused as exc:
        raise CommandFailed(str(exc), 2 if exc.code is OfficeCode.REASON else 1) from None
    except (AmountError, InvalidRequest) as exc:
        raise CommandFailed(str(exc), 2) from None
    except LedgerError as exc:  # NotPermitted, an unknown card, a login not bound…
        raise CommandFailed(str(exc), 1) from None
    except ValueError as exc:  # a request's own check (a card number, a UID)
        raise CommandFailed(str(exc), 2) from None


def run_office(prog: str, args: argparse.Namespace, body: Body) -> int:
    def guarded(ctx: AdminContext) -> int:
        with office_refusals():
            return body(ctx)

    return run_admin(prog, admin_db_url(args), guarded)


def find_card(ctx: AdminContext, token: str) -> tuple[int, str]:
    """A typed card number or chip UID: the card's id and number.

    Never the walk-in card, which is nobody's (the directory does not list it).
    """
    found = ctx.refs.find_card_id(token)
    line = None if found is None else CardDirectory(ctx.engine).line(found)
    if line is None:
        raise CommandFailed(f"no card {token.strip()}")
    return line.card_id, line.number


def amount_arg(option: str, value: str, currency: Currency, maximum: int = ANY_AMOUNT
               ) -> int:
    """An amount typed in major units; the site's largest is checked once it is known."""
    try:
        return parse_amount(value, currency, maximum)
    except AmountError as exc:
        raise CommandFailed(f"argument {option}: {exc.reason}", 2) from None


def fail_early(prog: str, exc: CommandFailed) -> int:
    print(f"{prog}: {exc}", file=sys.stderr)
    return exc.code


# -- show ---------------------------------------------------------------------------------

def _cmd_show(args: argparse.Namespace) -> int:
    currency = site_currency(args)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        cards = CardList(CardDirectory(ctx.engine), CardFiles(ctx.engine))
        file = cards.card(session, find_card(ctx, args.number)[0])
        if file is None:
            raise CommandFailed(f"no card {args.number}")
        replaced = (CardDirectory(ctx.engine).line(file.replaced_by)
                    if file.replaced_by is not None else None)
        doc = card_doc(file, replaced.number if replaced else None)
        if args.json:
            print(json.dumps(doc, ensure_ascii=False))
        else:
            print("\n".join(card_text(doc, currency)))
        return 0

    return run_office("tillcard cards show", args, body)


def card_doc(f: CardFile, replaced_by: str | None) -> dict[str, Any]:
    """The card as JSON: amounts in integer minor units, dates as ISO text."""
    line = f.line
    return {
        "card_id": line.card_id, "number": line.number, "uid": line.uid,
        "holder": line.holder, "member_no": line.member_no, "phone": line.phone,
        "card_type": line.card_type, "status": line.status,
        "status_reason": f.status_reason,
        "valid_until": line.valid_until.isoformat() if line.valid_until else None,
        "replaced_by": replaced_by,
        "purses": {"cash": line.cash, "allowance": line.allowance, "bonus": line.bonus,
                   "bonus_grants": [{"id": g.id, "remaining": g.remaining,
                                     "expires_on": g.expires_on.isoformat()}
                                    for g in f.grants]},
        "balance": line.balance, "deposit_held": f.deposit_held,
        "limits": asdict(f.limits), "has_pin": f.has_pin,
        "today": {"day": f.spend_day.isoformat() if f.spend_day else None,
                  "spent": f.spent_amount, "sales": f.spent_count},
    }


def card_text(d: dict[str, Any], currency: Currency) -> list[str]:
    def m(minor: int | None) -> str:
        return "-" if minor is None else format_plain(minor, currency)

    p, lim = d["purses"], d["limits"]
    status = d["status"] + (f" — {d['status_reason']}" if d["status_reason"] else "")
    lines = [
        f"card       {d['number']}  (uid {d['uid'] or '-'})",
        f"holder     {d['holder']}  member {d['member_no'] or '-'}  phone "
        f"{d['phone'] or '-'}",
        f"type       {d['card_type']}",
        f"status     {status}",
        f"valid      {'until ' + d['valid_until'] if d['valid_until'] else 'no end'}",
        f"purses     cash {m(p['cash'])}  allowance {m(p['allowance'])}  bonus "
        f"{m(p['bonus'])}",
        *[f"  bonus    {m(g['remaining'])} until {g['expires_on']}"
          for g in p["bonus_grants"]],
        f"balance    {m(d['balance'])}",
        f"deposit    {m(d['deposit_held'])}",
        f"limits     discount {lim['discount_bp'] / 100:g}%  per sale {m(lim['per_sale'])}"
        f"  daily {m(lim['daily_amount'])} / {lim['daily_count'] or '-'} sales  PIN above "
        f"{m(lim['pin_above'])}  offline {m(lim['offline'])}",
        f"today      {d['today']['day'] or '-'}: {m(d['today']['spent'])} in "
        f"{d['today']['sales']} sale(s)",
    ]
    if d["replaced_by"]:
        lines.append(f"replaced   by card {d['replaced_by']}")
    return lines


# -- status, replace, close, recharge -----------------------------------------------------

def _cmd_status(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        office = CardOffice(open_office(ctx, session), ctx.hasher)
        card, number = find_card(ctx, args.number)
        act = {"freeze": office.freeze, "unfreeze": office.unfreeze,
               "lost": office.report_lost}[args.action]
        change = act(session, card, args.reason)
        print(f"card {number} {change.after} (was {change.before}): "
              f"{args.reason.strip()}")
        return 0

    return run_office(f"tillcard cards {args.action}", args, body)


def _cmd_replace(args: argparse.Namespace) -> int:
    currency = site_currency(args)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        office = CardOffice(open_office(ctx, session), ctx.hasher)
        old, number = find_card(ctx, args.old)
        reason = args.reason if args.reason is not None else f"replaces lost card {number}"
        done = office.replace(session, old, args.new, reason, uid=args.uid)
        bonus = sum(g.amount for g in done.grants)
        until = ", ".join(f"{format_plain(g.amount, currency)} until {g.expires_on}"
                          for g in done.grants)
        print(f"card {number} replaced by {args.new.strip()}: cash "
              f"{format_plain(done.cash, currency)}, allowance "
              f"{format_plain(done.allowance, currency)}, bonus "
              f"{format_plain(bonus, currency)} in {len(done.grants)} grant(s)"
              + (f" ({until})" if until else "") + f"; {number} stays blocked")
        return 0

    return run_office("tillcard cards replace", args, body)


def _cmd_close(args: argparse.Namespace) -> int:
    currency = site_currency(args)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        office = CardOffice(open_office(ctx, session), ctx.hasher)
        card, number = find_card(ctx, args.number)
        done = office.close(session, card, args.reason)

        def m(minor: int) -> str:
            return format_plain(minor, currency)

        print(f"card {number} closed: pay out {m(done.paid_out)} (cash "
              f"{m(done.cash_refunded)} + deposit {m(done.deposit_refunded)}); forfeited: "
              f"bonus {m(done.bonus_forfeited)}, allowance {m(done.allowance_forfeited)}")
        return 0

    return run_office("tillcard cards close", args, body)


def _cmd_recharge(args: argparse.Namespace) -> int:
    prog = "tillcard recharge"
    currency = site_currency(args)
    try:  # the amount is checked before anyone is asked to sign in
        amount = amount_arg("AMOUNT", args.amount, currency)
    except CommandFailed as exc:
        return fail_early(prog, exc)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        office = CardOffice(open_office(ctx, session, Permission.RECHARGE), ctx.hasher)
        card, number = find_card(ctx, args.number)
        ledger = Ledger(ctx.engine)
        amount_arg("AMOUNT", args.amount, currency, ledger.rules.max_amount)
        out = office.recharge(session, card, amount)
        grant = out.entry.new_grant if out.entry else None
        today = ledger.business_day(datetime.now(UTC))
        bonus = (f"; bonus {format_plain(grant.amount, currency)} until "
                 f"{grant.expires_on}" if grant else "")
        print(f"recharged {format_plain(amount, currency)} onto card {number}{bonus}; "
              f"balance {format_plain(out.wallet.balance(today), currency)} (cash "
              f"{format_plain(out.wallet.cash, currency)})")
        return 0

    return run_office(prog, args, body)


# -- import, export -----------------------------------------------------------------------

def _cmd_import(args: argparse.Namespace) -> int:
    prog = "tillcard cards import"
    currency = site_currency(args)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return fail_early(prog, CommandFailed(f"{args.file}: {exc.strerror or exc}", 2))

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        try:
            importer = CardImporter(_IssuerOnDemand(ctx, session), CardRegister(ctx.engine),
                                    currency)
            report = importer.run(session, data, dry_run=args.dry_run)
        except ImportRefused as exc:
            for problem in exc.problems:
                print(f"{prog}: {args.file.name}: {problem}", file=sys.stderr)
            raise CommandFailed(f"{args.file.name}: {exc}", 2) from None
        m = format_plain
        if report.dry_run:
            print(f"{args.file.name}: {report.cards} card(s) would be imported, opening "
                  f"balances {m(report.opening_total, currency)} ({report.encoding}); "
                  "nothing changed (--dry-run)")
        else:
            print(f"imported {report.cards} card(s) from {args.file.name}: opening "
                  f"balances {m(report.opening_total, currency)}, bonus "
                  f"{m(report.bonus_total, currency)}, deposits "
                  f"{m(report.deposits, currency)}, fees {m(report.fees, currency)}")
        return 0

    return run_office(prog, args, body)


def _cmd_export(args: argparse.Namespace) -> int:
    currency = site_currency(args)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        try:
            count = CardExporter(CardRegister(ctx.engine), currency).export(session,
                                                                            args.file)
        except OSError as exc:
            raise CommandFailed(f"{args.file}: {exc.strerror or exc}", 2) from None
        print(f"exported {count} card(s) to {args.file}")
        return 0

    return run_office("tillcard cards export", args, body)
