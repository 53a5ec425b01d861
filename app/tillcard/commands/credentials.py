"""Who acts on an IT command line, on which database: the shared front of admin commands.

A command that changes users, card types or cards acts as a signed-in user, checked by the
same services as the back office: the name in ``TILLCARD_USER`` and the password in
``TILLCARD_PASSWORD``, or asked on a terminal. Secrets come from the environment or a
prompt, never from the command line (``ps`` shows every argument to everyone).
Exit codes as everywhere: 2 for input to fix, 1 for a failure; one line, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from tillcard.config import Profile, load_settings
from tillcard.domain.money import Currency
from tillcard.services.auth import (
    AuthService,
    LoginFailed,
    PermissionDenied,
    SecretHasher,
    Session,
)
from tillcard.services.card_types import CardTypeError, CardTypeInputError
from tillcard.services.users import UserError, UserInputError
from tillcard.store.reference import ReferenceStore

__all__ = ["AdminContext", "CommandFailed", "Terminal", "add_db_option", "admin_db_url",
           "read_new_secret", "run_admin"]

USER_VAR = "TILLCARD_USER"
PASSWORD_VAR = "TILLCARD_PASSWORD"
NO_CREDENTIALS = (f"who is acting? set {USER_VAR} and {PASSWORD_VAR}, or run this on a "
                  "terminal to be asked")


class CommandFailed(Exception):
    """One line for stderr and the exit status: 2 input to fix, 1 a failure."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Terminal:
    """How the command asks a person: a real terminal, or none (scripts, cron, tests)."""

    interactive: Callable[[], bool] = field(default=lambda: sys.stdin.isatty())
    ask: Callable[[str], str] = field(default=lambda prompt: _ask(prompt))
    ask_secret: Callable[[str], str] = field(default=lambda prompt: getpass.getpass(prompt))


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)  # stdout stays for the command's output
    sys.stderr.flush()
    return sys.stdin.readline().strip()


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database URL or SQLite path (default: the central "
                                     "database of a central till, else this till's own)")


def admin_db_url(args: argparse.Namespace) -> str:
    """``--db``, else the database the configuration names: the centre's, or this till's."""
    if args.db:
        return str(args.db)
    settings = load_settings(args.config)
    if settings.profile is Profile.CENTRAL and settings.database.central_url:
        return settings.database.central_url
    return str(settings.local_db_path())


def site_currency(args: argparse.Namespace) -> Currency:
    """The currency amounts on the command line are typed in (configuration's)."""
    cur = load_settings(args.config).currency
    return Currency(cur.code, cur.locale)


def _open(url: str) -> Engine:
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import current_revision

    if "://" not in url and not Path(url).expanduser().is_file():
        raise CommandFailed(f"{Path(url).expanduser()}: no such database file", 2)
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except BaseException:
        engine.dispose()
        raise
    if revision is None:
        engine.dispose()
        raise CommandFailed("the database has no Tillcard tables yet: run 'tillcard db "
                            "upgrade' on it first")
    return engine


@dataclass
class AdminContext:
    """The opened database and, once asked for, the acting user's session."""

    engine: Engine
    refs: ReferenceStore
    hasher: SecretHasher
    terminal: Terminal
    env: Mapping[str, str]

    def sign_in(self) -> Session:
        """The acting user, from the environment or a terminal; exit 1 if neither or wrong."""
        login = self.env.get(USER_VAR, "").strip()
        password = self.env.get(PASSWORD_VAR, "")
        if not (login and password):
            if not self.terminal.interactive():
                raise CommandFailed(NO_CREDENTIALS)
            login = login or self.terminal.ask("User: ").strip()
            password = password or self.terminal.ask_secret(f"Password for {login}: ")
            if not login:
                raise CommandFailed("no user name given")
        try:
            return AuthService(self.refs, self.hasher).login(login, password)
        except LoginFailed as exc:
            raise CommandFailed(f"cannot sign in as {login}: {exc}") from None


def read_new_secret(ctx: AdminContext, var: str, what: str) -> str:
    """A new password or PIN: from ``var``, or typed twice on a terminal."""
    value = ctx.env.get(var)
    if value:
        return value
    if not ctx.terminal.interactive():
        raise CommandFailed(f"no new {what}: set {var}, or run this on a terminal to be "
                            "asked")
    first = ctx.terminal.ask_secret(f"New {what}: ")
    if ctx.terminal.ask_secret(f"New {what} again: ") != first:
        raise CommandFailed(f"the two {what}s differ", 2)
    return first


def run_admin(prog: str, url: str, body: Callable[[AdminContext], int], *,
              terminal: Terminal | None = None, env: Mapping[str, str] | None = None,
              hasher: SecretHasher | None = None) -> int:
    """Open the database, run ``body`` and turn every refusal into one line and a status."""
    try:
        engine = _open(url)
        try:
            ctx = AdminContext(engine, ReferenceStore(engine), hasher or SecretHasher(),
                               terminal or Terminal(), os.environ if env is None else env)
            return body(ctx)
        finally:
            engine.dispose()
    except CommandFailed as exc:
        return _fail(prog, str(exc), exc.code)
    except (UserInputError, CardTypeInputError) as exc:
        return _fail(prog, str(exc), 2)
    except (PermissionDenied, UserError, CardTypeError) as exc:
        return _fail(prog, str(exc), 1)
    except OperationalError:
        raise  # the database did not answer: main() says so, for every command alike
    except DBAPIError as exc:  # it answered no: a login without the rights, say
        reason = str(exc.orig or exc).strip().splitlines()[0]
        return _fail(prog, f"the database refused: {reason}", 1)


def _fail(prog: str, message: str, code: int) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return code
