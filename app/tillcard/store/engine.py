"""Database engines: SQLite tuned for durability, PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and paths; always use the psycopg 3 driver."""
    if "://" not in url:
        return f"sqlite:///{url}"
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """A PostgreSQL URL as libpq (psycopg.connect, pgbench) takes it: no SQLAlchemy driver."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite every transaction takes the write lock up front.

    ``BEGIN IMMEDIATE`` serialises writers the way ``SELECT … FOR UPDATE`` does on
    PostgreSQL, so the read-decide-write of a charge can never interleave with another.
    WAL with synchronous=FULL makes a commit durable before the cashier sees "paid".
    """
    full = normalise_url(url)
    if full.startswith("sqlite"):
        engine = create_engine(full, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(full, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # a reader that must see one moment (verify) asks for a deferred transaction, so
        # it never holds the write lock a selling till waits on
        deferred = conn.get_execution_options().get("sqlite_deferred")
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
