"""The ``tillcard`` command: GUI, demo, database, verification and device tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import NoSuchModuleError, OperationalError

from tillcard.config import (
    ConfigError,
    Settings,
    check_config_file,
    default_config_path,
    env_overrides,
    folder_problem,
    load_settings,
)
from tillcard.store.local_db import LocalDatabaseError

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
    p.add_argument("--kiosk", action="store_true", default=None,
                   help="the till full screen with no frame (else the ui.kiosk setting)")
    p.add_argument("--version", action="version", version=f"tillcard {_version()}")
    sub = p.add_subparsers(dest="command")
    p.set_defaults(func=_cmd_gui)

    demo = sub.add_parser("demo", help="GUI on a fresh SQLite with demo cards")
    demo.add_argument("--data", type=_folder, help="keep the demo database in this folder")
    demo.add_argument("--selftest", action="store_true", help="charge one demo card "
                      "offscreen, print its receipt to the simulated printer, exit 0")
    demo.add_argument("--language", choices=["en", "zh_CN"], default="en",
                      help="the selftest's screen language (its translations must load)")
    demo.set_defaults(func=_cmd_demo)

    office = sub.add_parser("office", help="the back office (card office) window")
    office.add_argument("--db", help="database URL or SQLite path (default: the central "
                                     "database of a central till, else this till's own)")
    office.set_defaults(func=_cmd_office)

    from tillcard.commands.db_cmd import add_db_commands

    add_db_commands(sub, _db_url)

    from tillcard.commands.archive_cmd import add_archive_command

    add_archive_command(sub)

    from tillcard.commands.bench import add_bench_command

    add_bench_command(sub)

    from tillcard.commands.sync_cmd import add_sync_command

    add_sync_command(sub)

    from tillcard.commands.exceptions_cmd import add_exceptions_command

    add_exceptions_command(sub)

    from tillcard.commands.card_types_cmd import add_card_types_command
    from tillcard.commands.users_cmd import add_users_command

    add_users_command(sub)
    add_card_types_command(sub)

    from tillcard.commands.allowance_cmd import add_allowance_command
    from tillcard.commands.cards_cmd import add_cards_command, add_recharge_command

    add_cards_command(sub)
    add_recharge_command(sub)
    add_allowance_command(sub)

    from tillcard.commands.demo_data import add_demo_data_command

    add_demo_data_command(sub)

    from tillcard.commands.report_cmd import add_report_command

    add_report_command(sub)

    from tillcard.commands.booths_cmd import add_booths_command

    add_booths_command(sub)

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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tillcard")
    except PackageNotFoundError:  # a frozen bundle without metadata
        from tillcard import __version__

        return __version__


def _db_url(args: argparse.Namespace) -> str:
    return str(args.db) if args.db else str(_settings(args).local_db_path())


def _cmd_gui(args: argparse.Namespace) -> int:
    from tillcard.launch import run_till, run_wizard

    # issue 18: a first run (no file, no TILLCARD_* settings) or a bad file opens the
    # set-up wizard, on the faulty key's page, instead of exiting
    path = args.config or default_config_path()
    if args.config is None and not path.exists() and not env_overrides(os.environ):
        return run_wizard(path, None, kiosk=args.kiosk)
    try:
        settings = _settings(args)
    except ConfigError as exc:
        try:
            load_settings(path, env={})
        except ConfigError:  # the file's own fault: the wizard can mend it
            return run_wizard(path, exc, kiosk=args.kiosk)
        raise  # a bad TILLCARD_* variable: the one line says which
    return run_till(settings, kiosk=args.kiosk)


def _cmd_office(args: argparse.Namespace) -> int:
    from tillcard.commands.credentials import admin_db_url
    from tillcard.office_app import run_office

    return run_office(admin_db_url(args), _settings(args), args.config)


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.selftest:
        from tillcard.selftest import run_selftest

        return run_selftest(args.data, args.language)
    from tillcard.launch import run_demo

    return run_demo(args.data)


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
    except LocalDatabaseError as exc:  # damaged, another till's, or in use
        print(f"tillcard: {exc}", file=sys.stderr)
        return 1
    except NoSuchModuleError as exc:  # --db with a scheme SQLAlchemy does not know
        print(f"tillcard: not a database URL: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"tillcard: cannot reach the database: {exc.orig or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
