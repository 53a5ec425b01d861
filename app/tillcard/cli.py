"""The ``tillcard`` command: GUI, demo, database, verification and device tools."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import NoSuchModuleError, OperationalError

from tillcard.config import (
    ConfigError,
    Settings,
    check_config_file,
    folder_problem,
    load_settings,
)

log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: the command, the option, the reason.

    Sub-commands get the same class (``add_subparsers`` uses the parent's), so every
    ``tillcard … --bad-option`` answers alike, with exit status 2.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _folder(text: str) -> Path:
    """An argparse ``type``: a folder that exists or can be made (``demo --data``)."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a file, not a folder")
    reason = folder_problem(path)
    if reason:
        raise argparse.ArgumentTypeError(f"cannot create {path}: {reason}")
    return path


def build_parser() -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = _Parser(prog="tillcard", description="Stored-value card till.")
    p.add_argument("--config", type=Path, help="TOML settings file")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command")
    p.set_defaults(func=_cmd_gui)

    demo = sub.add_parser("demo", help="GUI on a fresh SQLite with demo cards")
    demo.add_argument("--data", type=_folder, help="keep the demo database in this folder")
    demo.set_defaults(func=_cmd_demo)

    db = sub.add_parser("db", help="database administration")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="create or migrate a database")
    up.add_argument("--db", help="database URL or SQLite path (default: this till's)")
    up.set_defaults(func=_cmd_db_upgrade)

    roles = dbsub.add_parser("roles", help="create the PostgreSQL roles tillcard_till, "
                                          "tillcard_manager, tillcard_admin")
    roles.add_argument("--db", required=True, help="PostgreSQL URL of a superuser or owner")
    roles.set_defaults(func=_cmd_db_roles)

    ver = sub.add_parser("verify", help="check journal chains and balances; exit 1 on any "
                                        "mismatch")
    ver.add_argument("--db", help="database URL or SQLite path (default: this till's)")
    ver.set_defaults(func=_cmd_verify)

    from tillcard.commands.bench import add_bench_command

    add_bench_command(sub)

    from tillcard.commands.sync_cmd import add_sync_command

    add_sync_command(sub)

    from tillcard.commands.exceptions_cmd import add_exceptions_command

    add_exceptions_command(sub)

    dev = sub.add_parser("devices", help="card reader and printer tools")
    devsub = dev.add_subparsers(dest="devices_command", required=True)
    _add_device_commands(devsub)
    return p


def _add_device_commands(devsub: argparse._SubParsersAction[argparse.ArgumentParser]
                         ) -> None:
    from tillcard.commands.printer_cmd import add_printer_commands
    from tillcard.commands.readers_cmd import add_reader_commands

    add_reader_commands(devsub)
    add_printer_commands(devsub)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _db_url(args: argparse.Namespace) -> str:
    return str(args.db) if args.db else str(_settings(args).local_db_path())


def _cmd_gui(args: argparse.Namespace) -> int:
    from tillcard.launch import run_till

    return run_till(_settings(args))


def _cmd_demo(args: argparse.Namespace) -> int:
    from tillcard.launch import run_demo

    return run_demo(args.data)


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import current_revision, upgrade

    engine = make_engine(_db_url(args))
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    engine.dispose()
    return 0


def _cmd_db_roles(args: argparse.Namespace) -> int:
    from tillcard.store.engine import make_engine
    from tillcard.store.roles import create_roles

    engine = make_engine(args.db)
    if engine.dialect.name != "postgresql":
        print("tillcard: roles exist only on PostgreSQL", file=sys.stderr)
        return 2
    for line in create_roles(engine):
        print(line)
    engine.dispose()
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from tillcard.store.engine import make_engine
    from tillcard.store.verify import verify

    engine = make_engine(_db_url(args))
    rep = verify(engine)
    engine.dispose()
    for problem in rep.problems:
        print(problem)
    print(f"{'OK' if rep.ok else 'MISMATCH'}: {rep.entries} entries, {rep.cards} cards, "
          f"{rep.tills} tills, {len(rep.problems)} problems")
    return 0 if rep.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 2 for bad input (arguments, settings), 1 for a failure.

    Each problem is one line on stderr, never a traceback: the cashier or support reads
    it over the phone.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by _Parser
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    func: Handler = args.func
    try:
        if args.config is not None:  # even for commands that do not read it: a typo
            check_config_file(args.config)
        return func(args)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"tillcard: configuration error: {line}", file=sys.stderr)
        return 2
    except NoSuchModuleError as exc:  # --db with a scheme SQLAlchemy does not know
        print(f"tillcard: not a database URL: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"tillcard: cannot reach the database: {exc.orig or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
