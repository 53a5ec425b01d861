"""``tillcard exceptions``: what managers must chase after an outage."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from tillcard.domain.money import format_plain
from tillcard.store.engine import make_engine
from tillcard.store.exceptions import list_exceptions


def add_exceptions_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("exceptions", help="back-filled sales that need a manager: card "
                                          "negative, or sold while frozen")
    p.add_argument("--db", required=True, help="the central database URL")
    p.add_argument("--all", action="store_true", help="resolved ones too")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_exceptions)


def _cmd_exceptions(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    try:
        items = list_exceptions(engine, include_resolved=args.all)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([asdict(i) for i in items], default=str))
        return 0
    if not items:
        print("no open exceptions")
    for i in items:
        when = i.sold_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{when}  {i.kind:20s} {i.till:12s} {i.cashier or '-':12s} card {i.card_number}"
              f" ({i.holder})  balance {format_plain(i.amount)}")
    return 0
