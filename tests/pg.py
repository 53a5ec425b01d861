"""Throwaway PostgreSQL databases on the real server (TILLCARD_TEST_DATABASE_URL or local)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tillcard.store import scratch
from tillcard.store.engine import normalise_url

DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return normalise_url(os.environ.get("TILLCARD_TEST_DATABASE_URL", DEFAULT))


@contextmanager
def throwaway_database(prefix: str = "tillcard_t") -> Iterator[str]:
    with scratch.throwaway_database(server_url(), prefix) as url:
        yield url
