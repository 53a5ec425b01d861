"""Tills with SQLite caches, reaching the real central PostgreSQL through the test's proxy.

The ``centre`` and ``proxy`` fixtures live in tests/conftest.py (the window tests use
them too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import Centre
from tests.sync.proxy import Proxy
from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, make_central_engine
from tillcard.sync.till_sync import OfflinePolicy, TillSync

FAST = {"connect_timeout_s": 1, "statement_timeout_ms": 500, "call_timeout_s": 1.0}


TillFactory = Callable[..., TillSync]


@pytest.fixture
def make_till(tmp_path: Path, centre: Centre, proxy: Proxy) -> Iterator[TillFactory]:
    made: list[TillSync] = []

    def factory(till_id: int = 1, *, via: Proxy | None = None, cap: int = 500_000,
                connect: bool = True, user: str | None = None, url: str | None = None
                ) -> TillSync:
        local = make_engine(str(tmp_path / f"till-{till_id}.db"))
        upgrade(local)
        central = url or (via or proxy).url(centre.url)
        if user:
            central = make_url(central).set(username=user).render_as_string(
                hide_password=False)
        opts = CentralOptions(url=central, **FAST)  # type: ignore[arg-type]
        sync = TillSync(TillCache(local, till_id), make_central_engine(opts), opts,
                        OfflinePolicy(cap))
        if connect:
            sync.probe()
            sync.link.recovering()
            sync.cycle()
            assert sync.link.online
        made.append(sync)
        return sync

    yield factory
    for s in made:
        s.central.dispose()
        s.cache.engine.dispose()
