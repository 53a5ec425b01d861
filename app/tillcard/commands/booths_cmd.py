"""``tillcard booths``: the booths and their owners' shares; ``booths share`` sets one.

The booths report splits each booth's revenue into the site's part and the owner's
(a concession stand that pays the canteen a percentage). Setting a share is an admin's
act, audited with its reason; reading is a manager's.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from tillcard.commands.credentials import (
    AdminContext,
    CommandFailed,
    add_db_option,
    admin_db_url,
    run_admin,
)
from tillcard.services.booths import BoothShareError, BoothShares


def _percent(text: str) -> int:
    """``"25"``, ``"12.5"`` or ``"12.5%"`` → basis points (at most two decimals)."""
    try:
        value = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    bp = value * 100
    if bp != bp.to_integral_value() or not 0 <= bp <= 10_000:
        raise argparse.ArgumentTypeError(f"a share is 0 to 100 with at most two decimals, "
                                         f"got {text!r}")
    return int(bp)


def add_booths_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("booths", help="booths and their owners' revenue shares (share: "
                                      "acts as TILLCARD_USER, an admin)")
    bsub = p.add_subparsers(dest="booths_command")
    share = bsub.add_parser("share", help="set a booth owner's share of its revenue")
    share.add_argument("booth", help="the booth's name, as its tills' site")
    share.add_argument("percent", type=_percent, help="the owner's part, e.g. 25 or 12.5 "
                       "(0: all the site's)")
    share.add_argument("--reason", required=True, help="why (kept in the audit log)")
    add_db_option(share)
    add_db_option(p)
    p.set_defaults(func=_cmd_booths)
    share.set_defaults(func=_cmd_share)


def _cmd_booths(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        shares = BoothShares(ctx.engine).list(ctx.sign_in())
        if not shares:
            print("no booths yet: a booth is the site name of its tills")
        for b in shares:
            print(f"{b.booth}\t{b.tills} till(s)\towner {b.owner_bp / 100:.2f} %")
        return 0

    return run_admin("tillcard booths", admin_db_url(args), body)


def _cmd_share(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        try:
            before = BoothShares(ctx.engine).set(ctx.sign_in(), args.booth, args.percent,
                                                 args.reason)
        except BoothShareError as exc:
            raise CommandFailed(str(exc), 2) from None
        print(f"{args.booth}: owner {before / 100:.2f} % → {args.percent / 100:.2f} %")
        return 0

    return run_admin("tillcard booths share", admin_db_url(args), body)
