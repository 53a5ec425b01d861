"""A till's own SQLite file: opened only if whole, by one process, for the till it belongs to.

The file holds sales nobody else has (offline ones not yet sent): it is never reset,
repaired or replaced behind the cashier's back. A file that is not a database, fails
SQLite's integrity check, belongs to another till or is in use by another process stops
the start with a message saying what happened and what to do; the file is left as found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import sqlite3
import sys
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade

HEADER = b"SQLite format 3\x00"
TILL_KEY = "till_id"  # sync_state: the till this file was created for
RESTORE = ("restore the latest backup of this file, or have an admin re-provision the "
           "till (tillcard sync reprovision)")


class LocalDatabaseError(Exception):
    """This till's own database cannot be used; the message says why and what to do."""


class TillInUse(LocalDatabaseError):
    """Another process holds this till's database."""


def open_local(path: Path, till_id: int) -> Engine:
    """Check, open and migrate the till's file; create it only where none exists."""
    _check_header(path)
    engine = make_engine(str(path))
    try:
        _check_whole(engine, path)
        upgrade(engine)
        _claim(engine, path, till_id)
    except DBAPIError as exc:
        engine.dispose()
        raise LocalDatabaseError(f"this till's database {path} cannot be read "
                                 f"({_reason(exc)}): {RESTORE}") from None
    except LocalDatabaseError:
        engine.dispose()
        raise
    return engine


def integrity_problems(engine: Engine, *, full: bool) -> list[str]:
    """SQLite's own check: ``quick_check`` at every start, ``integrity_check`` on demand."""
    pragma = "integrity_check" if full else "quick_check"
    with engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
    return [] if rows == ["ok"] else rows


def _check_whole(engine: Engine, path: Path) -> None:
    problems = integrity_problems(engine, full=False)
    if problems:
        raise LocalDatabaseError(f"this till's database {path} is damaged ({problems[0]}): "
                                 f"{RESTORE}")


def _check_header(path: Path) -> None:
    """A file that exists must be a SQLite database; an empty one is as good as missing."""
    try:
        with path.open("rb") as f:
            head = f.read(len(HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LocalDatabaseError(f"this till's database {path} cannot be read "
                                 f"({exc.strerror or exc})") from None
    if head and head != HEADER:
        raise LocalDatabaseError(f"{path} is not a SQLite database (it may have been "
                                 f"overwritten): {RESTORE}")


def _claim(engine: Engine, path: Path, till_id: int) -> None:
    """Record the till a new file belongs to; refuse a file of another till."""
    with engine.begin() as conn:
        owner = conn.execute(text("SELECT value FROM sync_state WHERE key = :k"),
                             {"k": TILL_KEY}).scalar_one_or_none()
        if owner is None:
            conn.execute(text("INSERT INTO sync_state (key, value) VALUES (:k, :v)"),
                         {"k": TILL_KEY, "v": str(till_id)})
        elif owner != str(till_id):
            raise LocalDatabaseError(f"{path} belongs to till {owner}, and the settings say "
                                     f"this is till {till_id}: fix till.id or "
                                     "database.local")


def _reason(exc: DBAPIError) -> str:
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return str(orig)
    return str(exc).splitlines()[0]


def is_local_error(exc: BaseException) -> bool:
    """A failure of the till's own SQLite (disk full, I/O error, read-only, damaged)."""
    return isinstance(exc, DBAPIError) and isinstance(exc.orig, sqlite3.Error)


def disk_reason(exc: BaseException) -> str:
    """What a person should read about a local failure; never SQL."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "full" in text:
        return "this till's disk is full"
    if "readonly" in text or "read-only" in text:
        return "this till's database is read-only"
    if "malformed" in text or "not a database" in text:
        return f"this till's database is damaged: {RESTORE}"
    if "locked" in text or "busy" in text:
        return "this till's database is busy (another program holds it)"
    return "this till's disk cannot be read or written"


class LocalLock:
    """An exclusive lock beside the database file, held while this process runs the till.

    Two processes on one file would number sales in one chain and each enforce its own
    offline cap. The lock file names its holder so the refusal can say who it is; the
    operating system drops the lock when the holder dies, whatever its death.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = self.path.open("a+", encoding="utf-8")
        try:
            _lock(f)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise TillInUse(f"this till's database is in use by {holder}: close that "
                            "Tillcard first") from None
        f.seek(0)
        f.truncate()
        f.write(f"process {os.getpid()} on {socket.gethostname()} since "
                f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}\n")
        f.flush()
        self._file = f

    def release(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            with contextlib.suppress(OSError):
                f.close()  # closing drops the lock


def _lock(f: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - the Windows build
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
