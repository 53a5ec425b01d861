"""``tillcard allowance grant|reset``: an employer's meal subsidy, one batch per period.

A batch is asked by card type and period (``YYYY-MM``); the card office applies it once —
run again (cron retried, someone unsure), it answers what it did the first time and moves
nothing, which the command says. Another amount for the same batch is refused.
"""

from __future__ import annotations

import argparse

from tillcard.commands.cards_cmd import amount_arg, fail_early, open_office, run_office
from tillcard.commands.credentials import (
    AdminContext,
    CommandFailed,
    add_db_option,
    site_currency,
)
from tillcard.domain.money import format_plain
from tillcard.domain.office import BatchResult, period_days
from tillcard.domain.permissions import Permission
from tillcard.services.card_office import CardOffice
from tillcard.store.ledger import Ledger


def add_allowance_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]
                          ) -> None:
    allowance = sub.add_parser("allowance", help="allowance batches per card type and "
                                                 "period: grant, reset (acts as "
                                                 "TILLCARD_USER)")
    asub = allowance.add_subparsers(dest="allowance_command", required=True)

    grant = asub.add_parser("grant", help="an amount to every active card of a type, once "
                                          "per period")
    grant.add_argument("--card-type", required=True, metavar="CODE")
    grant.add_argument("--amount", required=True, metavar="A", help="per card, in major "
                                                                    "units, e.g. 300.00")
    grant.add_argument("--period", required=True, metavar="YYYY-MM")
    grant.set_defaults(func=_cmd_grant)

    reset = asub.add_parser("reset", help="after a period ended: what is left of its "
                                          "allowance leaves (types that reset only)")
    reset.add_argument("--card-type", required=True, metavar="CODE")
    reset.add_argument("--period", required=True, metavar="YYYY-MM")
    reset.set_defaults(func=_cmd_reset)

    for p in (grant, reset):
        add_db_option(p)


def _period(text: str) -> str:
    try:
        period_days(text)
    except ValueError as exc:
        raise CommandFailed(f"argument --period: {exc}", 2) from None
    return text


def _said(done: BatchResult, verb: str, money: str) -> str:
    what = f"{verb} {done.card_type} for {done.period}: {done.cards} card(s), {money}"
    if done.replayed:
        return f"{what} — done before; nothing applied now"
    return what


def _cmd_grant(args: argparse.Namespace) -> int:
    prog = "tillcard allowance grant"
    currency = site_currency(args)
    try:  # the whole line is checked before anyone is asked to sign in
        period = _period(args.period)
        amount = amount_arg("--amount", args.amount, currency)
    except CommandFailed as exc:
        return fail_early(prog, exc)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        office = CardOffice(open_office(ctx, session, Permission.ALLOWANCE), ctx.hasher)
        amount_arg("--amount", args.amount, currency, Ledger(ctx.engine).rules.max_amount)
        done = office.grant_allowance(session, args.card_type, period, amount)
        print(_said(done, "allowance granted to", f"{format_plain(amount, currency)} each, "
                    f"{format_plain(done.total, currency)} in all"))
        return 0

    return run_office(prog, args, body)


def _cmd_reset(args: argparse.Namespace) -> int:
    prog = "tillcard allowance reset"
    currency = site_currency(args)
    try:
        period = _period(args.period)
    except CommandFailed as exc:
        return fail_early(prog, exc)

    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        office = CardOffice(open_office(ctx, session, Permission.ALLOWANCE), ctx.hasher)
        done = office.reset_allowance(session, args.card_type, period)
        print(_said(done, "allowance reset for", f"{format_plain(-done.total, currency)} "
                    "left the purses"))
        return 0

    return run_office(prog, args, body)
