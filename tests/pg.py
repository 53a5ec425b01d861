"""Throwaway PostgreSQL databases on the real server (TILLCARD_TEST_DATABASE_URL or local)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tillcard.store.engine import normalise_url

DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return normalise_url(os.environ.get("TILLCARD_TEST_DATABASE_URL", DEFAULT))


@contextmanager
def throwaway_database(prefix: str = "tillcard_t") -> Iterator[str]:
    base = make_url(server_url())
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
