"""``tillcard card-types list|add``: the few fields of a card type IT sets from a script.

Amounts are typed in major units as a person would ("12.50") and parsed on the string
into minor units (``domain/money.parse_amount``), never through a float; a discount is a
percentage with at most two decimals, kept as basis points. Everything else about a type
(meal windows, bonus rules, PIN threshold...) is edited in the back office.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from decimal import Decimal, InvalidOperation

from tillcard.commands.credentials import (
    AdminContext,
    CommandFailed,
    add_db_option,
    admin_db_url,
    run_admin,
    site_currency,
)
from tillcard.domain.cards import CardType
from tillcard.domain.money import AmountError, Currency, parse_amount
from tillcard.services.card_types import CardTypeAdmin, describe_card_type


def add_card_types_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]
                           ) -> None:
    ct = sub.add_parser("card-types", help="card types: list, add (acts as TILLCARD_USER)")
    csub = ct.add_subparsers(dest="card_types_command", required=True)

    lst = csub.add_parser("list", help="every card type with its discount and limits")
    lst.add_argument("--json", action="store_true", help="one JSON array on stdout")
    add_db_option(lst)
    lst.set_defaults(func=_cmd_list)

    add = csub.add_parser("add", help="a new card type")
    add.add_argument("code", metavar="CODE", help="short code, e.g. staff")
    add.add_argument("--name", required=True)
    add.add_argument("--discount", type=percent_bp, default=0, metavar="PCT",
                     help="percent off every sale, e.g. 10 or 12.5")
    add.add_argument("--per-sale-limit", metavar="A", help="largest sale, e.g. 50.00")
    add.add_argument("--daily-limit", metavar="A", help="largest spend per business day")
    add_db_option(add)
    add.set_defaults(func=_cmd_add)


def percent_bp(text: str) -> int:
    """An argparse ``type``: "12.5" (percent) → 1250 basis points, parsed without float."""
    try:
        value = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a discount is 0 to 100 percent, got {text}")
    bp = value * 100
    if bp != bp.to_integral_value():
        raise argparse.ArgumentTypeError(f"a discount has at most 2 decimals, got {text}")
    return int(bp)


def _limit(option: str, text: str | None, currency: Currency) -> int | None:
    """A limit typed in major units; leaving the option out means no limit."""
    if text is None:
        return None
    try:
        minor = parse_amount(text, currency)
    except AmountError as exc:
        raise CommandFailed(f"argument {option}: {exc.reason}", 2) from None
    if minor == 0:
        raise CommandFailed(f"argument {option}: must be above 0 (leave it out for no "
                            "limit)", 2)
    return minor


def _cmd_add(args: argparse.Namespace) -> int:
    prog = "tillcard card-types add"
    try:  # the whole line is checked before the database is opened
        currency = site_currency(args)
        card_type = CardType(
            args.code, args.name, discount_bp=args.discount,
            per_txn_limit=_limit("--per-sale-limit", args.per_sale_limit, currency),
            daily_amount_limit=_limit("--daily-limit", args.daily_limit, currency))
    except CommandFailed as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return exc.code

    def body(ctx: AdminContext) -> int:
        CardTypeAdmin(ctx.refs, currency=currency).add(ctx.sign_in(), card_type)
        print(f"added card type {describe_card_type(card_type, currency)}")
        return 0

    return run_admin(prog, admin_db_url(args), body)


def _cmd_list(args: argparse.Namespace) -> int:
    currency = site_currency(args)

    def body(ctx: AdminContext) -> int:
        types = CardTypeAdmin(ctx.refs).card_types(ctx.sign_in())
        if args.json:
            print(json.dumps([{k: v for k, v in asdict(t).items()
                               if k in ("code", "name", "discount_bp", "per_txn_limit",
                                        "daily_amount_limit", "daily_count_limit")}
                              for t in types], ensure_ascii=False))
            return 0
        if not types:
            print("no card types yet")
        for t in types:
            print(describe_card_type(t, currency))
        return 0

    return run_admin("tillcard card-types list", admin_db_url(args), body)
