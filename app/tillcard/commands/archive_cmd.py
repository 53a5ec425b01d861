"""``tillcard archive --before YYYY-MM --to DIR``: old months of the journal out to files.

Run by the site's IT as the database's owner (detaching a partition is the owner's), like
``tillcard db upgrade``: ``--db`` names the centre, else the configuration's central
database. What it writes and why it is safe to stop at any point: ``store.archive`` and
docs/archive.md. Exit codes: 2 for input to fix, 1 for a refusal or failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from tillcard.commands.credentials import add_db_option, admin_db_url


def add_archive_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("archive", help="write whole months of the journal to files, then "
                                       "detach them from the database (PostgreSQL)")
    p.add_argument("--before", required=True, metavar="YYYY-MM",
                   help="archive every month before this one (at most the current month)")
    p.add_argument("--to", required=True, type=Path, metavar="DIR",
                   help="folder for journal-YYYY-MM.tsv.gz and its manifest")
    add_db_option(p)
    p.set_defaults(func=_cmd_archive)


def _cmd_archive(args: argparse.Namespace) -> int:
    from tillcard.store.archive import ArchiveRefused, archive
    from tillcard.store.engine import make_engine
    from tillcard.store.partitions import parse_month

    try:
        before = parse_month(args.before)
    except ValueError as exc:
        print(f"tillcard archive: --before: {exc}", file=sys.stderr)
        return 2
    url = admin_db_url(args)
    if "://" not in url:
        print("tillcard archive: only a PostgreSQL centre's journal is archived",
              file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        done = archive(engine, before, args.to)
    except ArchiveRefused as exc:
        print(f"tillcard archive: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:  # not the owner; a lock not granted in time
        print(f"tillcard archive: the database refused: {exc.orig}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for d in done:
        how = "resumed, file already written" if d.resumed else "written"
        print(f"{d.month:%Y-%m}: {d.rows} entries {how} to {args.to / d.file}, detached")
    if not done:
        print(f"nothing to archive before {before:%Y-%m}")
    return 0
