"""Throwaway PostgreSQL databases: the tests' and the benchmarks' own, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tillcard.store.engine import normalise_url

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    """The server for scratch databases: ``TILLCARD_TEST_DATABASE_URL``, else the local one."""
    return normalise_url(os.environ.get("TILLCARD_TEST_DATABASE_URL", LOCAL_SERVER))


@contextmanager
def throwaway_database(server_url: str, prefix: str = "tillcard_t") -> Iterator[str]:
    """A fresh database on the server at ``server_url``; its URL, for the ``with`` block."""
    base = make_url(normalise_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
