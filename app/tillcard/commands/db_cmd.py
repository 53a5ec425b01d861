"""``tillcard db …`` and ``tillcard verify``: create, secure, bind and check a database.

A site's IT runs these as the database's owner: ``upgrade`` (migrations), ``roles`` (least
privilege), ``till-login`` (one login per till, bound to its chain), ``site`` (the site
clock and the largest amount), and ``verify`` — which anyone may run read-only, with
``--anchor FILE`` to keep each till's chain head outside the database between runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from tillcard.config import local_db_path_problem
from tillcard.domain.clock import ClockError, SiteClock, format_cutoff, parse_cutoff
from tillcard.domain.site import SiteRules

Handler = Callable[[argparse.Namespace], int]
DbUrl = Callable[[argparse.Namespace], str]


def add_db_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                    db_url: DbUrl) -> None:
    """``db`` and ``verify``; ``db_url`` resolves ``--db`` or this till's own database."""
    db = sub.add_parser("db", help="database administration")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="create or migrate a database")
    up.add_argument("--db", help="database URL or SQLite path (default: this till's)")
    up.set_defaults(func=lambda a: _upgrade(db_url(a)))

    roles = dbsub.add_parser("roles", help="create the PostgreSQL roles tillcard_till, "
                                          "tillcard_manager, tillcard_admin")
    roles.add_argument("--db", required=True, help="PostgreSQL URL of a superuser or owner")
    roles.set_defaults(func=lambda a: _roles(a.db))

    login = dbsub.add_parser("till-login", help="a database login for one till, bound to "
                                               "its chain (PostgreSQL)")
    login.add_argument("--db", required=True, help="PostgreSQL URL of the owner")
    login.add_argument("--till", type=int, required=True, help="the till's number")
    login.add_argument("--name", help="the till's name (for a till not yet known)")
    login.add_argument("login", help="the login's name, e.g. till3")
    login.set_defaults(func=_till_login)

    site = dbsub.add_parser("site", help="show or set the site clock and largest amount")
    site.add_argument("--db", help="database URL or SQLite path (default: this till's)")
    site.add_argument("--time-zone", help="IANA time zone, e.g. Asia/Shanghai")
    site.add_argument("--day-cutoff", help="when the business day starts, HH:MM (e.g. 04:00)")
    site.add_argument("--max-amount", type=int, help="largest amount any entry may move, "
                      "in minor units")
    site.set_defaults(func=lambda a: _site(a, db_url(a)))

    ver = sub.add_parser("verify", help="check journal chains and balances; exit 1 on any "
                                        "mismatch")
    ver.add_argument("--db", help="database URL or SQLite path (default: this till's)")
    ver.add_argument("--anchor", type=Path, metavar="FILE",
                     help="compare each till's chain with the heads recorded in FILE by an "
                          "earlier run, then record the current ones there")
    ver.add_argument("--archive", type=Path, metavar="DIR",
                     help="the folder of `tillcard archive`: check the archived months' "
                          "files entry by entry, and each chain across them")
    ver.set_defaults(func=lambda a: _verify(db_url(a), a.anchor, a.archive))


def _path_problem(url: str, *, must_exist: bool) -> str | None:
    """A SQLite path that cannot be what the command needs (before SQLite makes one up)."""
    if "://" in url:
        return None
    path = Path(url).expanduser()
    if must_exist and not path.is_file():
        return f"{path}: no such database file"
    return local_db_path_problem(path)


def _upgrade(url: str) -> int:
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import current_revision, upgrade

    problem = _path_problem(url, must_exist=False)
    if problem:
        print(f"tillcard db upgrade: {problem}", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        upgrade(engine)
        print(f"database at revision {current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def _postgres(url: str, what: str) -> Engine | None:
    from tillcard.store.engine import make_engine

    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        print(f"tillcard: {what} exist only on PostgreSQL", file=sys.stderr)
        return None
    return engine


def _roles(url: str) -> int:
    from tillcard.store.roles import create_roles

    engine = _postgres(url, "roles")
    if engine is None:
        return 2
    try:
        for line in create_roles(engine):
            print(line)
    finally:
        engine.dispose()
    return 0


def _till_login(args: argparse.Namespace) -> int:
    from tillcard.store.reference import ReferenceStore
    from tillcard.store.roles import LOGIN, create_roles, create_till_login

    if not LOGIN.match(args.login):
        print(f"tillcard: a login is lower-case letters, digits and _, got {args.login!r}",
              file=sys.stderr)
        return 2
    engine = _postgres(args.db, "till logins")
    if engine is None:
        return 2
    try:
        create_roles(engine)
        ReferenceStore(engine).ensure_till(args.till, args.name or f"Till {args.till}")
        # the password comes from the environment, never from the command line
        create_till_login(engine, args.till, args.login,
                          os.environ.get("TILLCARD_NEW_PASSWORD") or None)
        print(f"login {args.login} writes the chain of till {args.till}")
    finally:
        engine.dispose()
    return 0


def _site(args: argparse.Namespace, url: str) -> int:
    from tillcard.store.engine import make_engine
    from tillcard.store.site import set_rules, site_rules

    problem = _path_problem(url, must_exist=True)
    if problem:
        print(f"tillcard db site: {problem}", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        rules = site_rules(engine)
        if args.time_zone or args.day_cutoff or args.max_amount is not None:
            try:
                clock = SiteClock(
                    args.time_zone or rules.clock.time_zone,
                    parse_cutoff(args.day_cutoff) if args.day_cutoff
                    else rules.clock.cutoff_minutes)
                rules = SiteRules(clock, rules.max_amount if args.max_amount is None
                                  else args.max_amount)
            except (ClockError, ValueError) as exc:
                print(f"tillcard db site: {exc}", file=sys.stderr)
                return 2
            set_rules(engine, rules)
        print(f"time zone {rules.clock.time_zone}, business day from "
              f"{format_cutoff(rules.clock.cutoff_minutes)}, largest amount "
              f"{rules.max_amount} minor units")
    finally:
        engine.dispose()
    return 0


def _verify(url: str, anchor: Path | None, archive: Path | None = None) -> int:
    from tillcard.store.engine import make_engine
    from tillcard.store.verify import load_anchor, save_anchor, verify

    try:
        recorded = load_anchor(anchor) if anchor is not None else {}
    except ValueError as exc:
        print(f"tillcard verify: {exc}", file=sys.stderr)
        return 2
    problem = _path_problem(url, must_exist=True)
    if problem is None and archive is not None and not archive.is_dir():
        problem = f"{archive}: no such folder"
    if problem:
        print(f"tillcard verify: {problem}", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        rep = verify(engine, recorded, archive)
    finally:
        engine.dispose()
    for problem in rep.problems:
        print(problem)
    print(f"{'OK' if rep.ok else 'MISMATCH'}: {rep.entries} entries, {rep.cards} cards, "
          f"{rep.tills} tills, {len(rep.problems)} problems")
    if anchor is not None and rep.ok:  # a bad run keeps the evidence of the last good one
        save_anchor(anchor, rep.heads)
        print(f"anchor: {len(rep.heads)} chain heads recorded in {anchor}")
    return 0 if rep.ok else 1
