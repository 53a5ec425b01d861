"""Throwaway PostgreSQL databases on the real server (TILLCARD_TEST_DATABASE_URL or local)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tillcard.store import scratch
from tillcard.store.scratch import server_url


@contextmanager
def throwaway_database(prefix: str = "tillcard_t") -> Iterator[str]:
    with scratch.throwaway_database(server_url(), prefix) as url:
        yield url
