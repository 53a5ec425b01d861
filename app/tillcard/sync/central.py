"""The connection to the central PostgreSQL: bounded in time, whatever the network does.

libpq bounds connecting (``connect_timeout``) and the server bounds statements
(``statement_timeout``, ``idle_in_transaction_session_timeout``), but nothing bounds a
client waiting for an answer that a black-holed network will never deliver: TCP keeps
the socket open for minutes. ``Watchdog`` puts a deadline on a whole block of work on
this thread: when it passes, the sockets used in the block are shut down, the blocked
read fails at once, and the caller sees an ordinary link error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from tillcard.store.engine import make_engine
from tillcard.store.local_db import is_local_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CentralOptions:
    """How a till reaches the centre; times are deliberately short (a queue is waiting)."""

    url: str
    password_env: str = "TILLCARD_DB_PASSWORD"
    sslmode: str = "prefer"
    sslrootcert: str = ""
    connect_timeout_s: int = 3
    statement_timeout_ms: int = 2000
    call_timeout_s: float = 3.0  # the watchdog's deadline for one sale or read
    application_name: str = "tillcard"


def central_url(opts: CentralOptions, env: Mapping[str, str] | None = None) -> str:
    """The URL with the password from the environment and the TLS options as query keys.

    The password never appears in settings files or logs (``redacted`` is what to log).
    """
    env = os.environ if env is None else env
    u = make_url(opts.url)
    password = env.get(opts.password_env) if opts.password_env else None
    if password and not u.password:
        u = u.set(password=password)
    query = dict(u.query)
    query.setdefault("sslmode", opts.sslmode)
    if opts.sslrootcert:
        query.setdefault("sslrootcert", opts.sslrootcert)
    return u.set(query=query).render_as_string(hide_password=False)


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def session_options(opts: CentralOptions) -> str:
    """The server-side bounds of every central session of a till (libpq ``options``).

    No session of a till may hold a card's lock for long, whatever happens to the till:
    a statement is cut after ``statement_timeout``, a wait for a lock after
    ``lock_timeout``, a forgotten transaction after ``idle_in_transaction_session_timeout``
    (every money call is a single statement, so there is none: no pipeline, no lone
    Flush that PostgreSQL 15 would then stop timing out); the server notices a till that
    died mid-statement within ``client_connection_check_interval`` and one whose link went
    dark while it sends the answer (which precedes the commit) within
    ``tcp_user_timeout``, with keepalives for an idle session.
    """
    timeout = opts.statement_timeout_ms
    return (f"-c statement_timeout={timeout} -c lock_timeout={timeout} "
            f"-c idle_in_transaction_session_timeout={max(timeout * 2, 1000)} "
            "-c client_connection_check_interval=1000 "
            f"-c tcp_user_timeout={max(timeout * 2, 2000)} "
            "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 "
            "-c tcp_keepalives_count=2")


def make_central_engine(opts: CentralOptions, env: Mapping[str, str] | None = None,
                        pool_size: int = 2) -> Engine:
    options = session_options(opts)
    return make_engine(
        central_url(opts, env), pool_size=pool_size, max_overflow=2, pool_pre_ping=False,
        connect_args={
            "connect_timeout": opts.connect_timeout_s, "options": options,
            "application_name": opts.application_name, "keepalives": 1,
            "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2,
            "tcp_user_timeout": int(opts.call_timeout_s * 1000),
        })


def settle_margin_s(opts: CentralOptions) -> float:
    """After this long, a request the till sent is either committed at the centre or dead.

    The server kills a statement after ``statement_timeout``, a forgotten transaction
    after ``idle_in_transaction_session_timeout`` and a session whose answer cannot be
    delivered after ``tcp_user_timeout`` (see ``session_options``); settling an
    ``authorizing`` entry any sooner could call it abandoned while the centre is still
    about to commit it.
    """
    ms = opts.statement_timeout_ms
    return (ms + max(ms * 2, 1000) + max(ms * 2, 2000)) / 1000 + opts.call_timeout_s + 1.0


LINK_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
    psycopg.OperationalError, psycopg.InterfaceError, OSError, TimeoutError,
)


def is_link_error(exc: BaseException) -> bool:
    """A failure of the network or the server, as opposed to a bug or a refused request.

    Never the till's own SQLite: a full or failing local disk is not the centre's fault
    (``store.local_db.is_local_error``).
    """
    if is_local_error(exc):
        return False
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.DBAPIError) and isinstance(
            exc.orig, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable
            | psycopg.errors.IdleInTransactionSessionTimeout
            | psycopg.errors.AdminShutdown | psycopg.errors.CannotConnectNow):
        return True
    return isinstance(exc, LINK_ERRORS)


class DeadlineExceeded(TimeoutError):
    """The centre did not answer within the watchdog's deadline."""


class Watchdog:
    """Per-thread deadlines over an engine's connections (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._local = threading.local()
        # Sockets are noted when a connection is checked out (before any I/O on it, however
        # the caller then talks to the driver) and at each statement (a connection held
        # from before the block).
        event.listen(engine, "checkout", self._on_checkout)
        event.listen(engine, "before_cursor_execute", self._track)

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        socks: list[int] = []
        fired = threading.Event()
        self._local.socks = socks

        def expire() -> None:
            fired.set()
            for fd in list(socks):
                _shutdown(fd)

        timer = threading.Timer(seconds, expire)
        timer.daemon = True
        started = time.monotonic()
        timer.start()
        try:
            yield
        except BaseException as exc:
            if fired.is_set():
                raise DeadlineExceeded(
                    f"no answer from the centre within {seconds:g} s") from exc
            raise
        finally:
            timer.cancel()
            self._local.socks = None
            log.debug("central call took %.1f ms", (time.monotonic() - started) * 1000)

    def _on_checkout(self, dbapi: Any, _record: Any, _proxy: Any) -> None:
        self._note(dbapi)

    def _track(self, conn: Any, _cursor: Any, _stmt: Any, _params: Any, _ctx: Any,
               _many: Any) -> None:
        self._note(conn.connection.dbapi_connection)

    def _note(self, dbapi: Any) -> None:
        socks = getattr(self._local, "socks", None)
        if socks is None:
            return
        pgconn = getattr(dbapi, "pgconn", None)
        if pgconn is not None:
            with contextlib.suppress(Exception):
                fd = int(pgconn.socket)
                if fd not in socks:
                    socks.append(fd)


def _shutdown(fd: int) -> None:
    """Make a blocked read on ``fd`` fail now, leaving the descriptor to its owner."""
    try:
        s = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()
