"""Throwaway PostgreSQL databases on the real server (TILLCARD_TEST_DATABASE_URL or local)."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from tillcard.store import scratch
from tillcard.store.scratch import server_url


@contextmanager
def throwaway_database(prefix: str = "tillcard_t") -> Iterator[str]:
    with scratch.throwaway_database(server_url(), prefix) as url:
        yield url


_CLOCKS: weakref.WeakKeyDictionary[Engine, CentreClock] = weakref.WeakKeyDictionary()


class CentreClock:
    """The centre's clock for an engine of its owner: every checkout sets ``tillcard.fake_now``.

    The centre's functions take time from the server; they honour that setting only for
    the owner or a superuser (a till's login that tries is refused), which is how tests
    move the centre across cut-offs, expiries and days. ``None`` is the real clock.
    """

    def __init__(self, engine: Engine) -> None:
        self.at: datetime | None = None
        _CLOCKS[engine] = self
        event.listen(engine, "checkout", self._on_checkout)

    @classmethod
    def of(cls, engine: Engine) -> CentreClock:
        return _CLOCKS.get(engine) or cls(engine)

    def set(self, at: datetime | None) -> None:
        self.at = at

    def _on_checkout(self, dbapi: Any, _record: Any, _proxy: Any) -> None:
        with dbapi.cursor() as cur:
            cur.execute("SELECT set_config('tillcard.fake_now', %s, false)",
                        ("" if self.at is None else self.at.isoformat(),))
        dbapi.commit()


LOGINS: list[str] = []  # made by this test session; logins outlive throwaway databases


def drop_logins() -> None:
    """Drop the logins this session made (not another run's: the server may be shared)."""
    from sqlalchemy import create_engine, text

    if not LOGINS:
        return
    admin = create_engine(make_url(server_url()), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            while LOGINS:
                try:
                    conn.execute(text(f'DROP ROLE IF EXISTS "{LOGINS.pop()}"'))
                except Exception:  # noqa: BLE001 - still in use somewhere: leave it
                    continue
    finally:
        admin.dispose()


def till_login_engine(url: str, owner: Engine, till_id: int, **kw: Any) -> Engine:
    """An engine that logs in as a real login in role ``tillcard_till``, bound to a till.

    What a till PC holds: a login of its own (trust auth on the test server, so no
    password), the roles made by ``tillcard db roles``, nothing of the owner's.
    """
    import uuid

    from sqlalchemy.engine import make_url

    from tillcard.store.engine import make_engine
    from tillcard.store.roles import create_roles, create_till_login

    create_roles(owner)
    login = f"till_{till_id}_{uuid.uuid4().hex[:8]}"
    create_till_login(owner, till_id, login)
    LOGINS.append(login)
    as_till = make_url(url).set(username=login).render_as_string(hide_password=False)
    return make_engine(as_till, **kw)
