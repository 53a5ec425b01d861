"""Shared fixtures: a cheap argon2 profile and a migrated SQLite ledger with reference data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tillcard.domain.cards import CardType, RechargeRule  # noqa: E402
from tillcard.services.auth import SecretHasher  # noqa: E402
from tillcard.store.engine import make_engine  # noqa: E402
from tillcard.store.ledger import Ledger  # noqa: E402
from tillcard.store.migrate import upgrade  # noqa: E402
from tillcard.store.reference import ReferenceStore  # noqa: E402

if TYPE_CHECKING:
    from tests.pg import CentreClock
    from tests.sync.proxy import Proxy

NOW = datetime.fromisoformat("2026-11-23T12:00:00+08:00")
OFFICE = 99  # the card office's chain: recharges of the fixtures


@pytest.fixture
def hasher() -> SecretHasher:
    return SecretHasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(str(tmp_path / "till.db"))
    upgrade(engine)
    yield engine
    engine.dispose()


@dataclass
class Books:
    engine: Engine
    refs: ReferenceStore
    ledger: Ledger
    types: dict[str, int]

    def card(self, number: str, type_code: str = "standard", cash: int = 0,
             till: int = OFFICE) -> int:
        import uuid
        holder = self.refs.add_holder(f"Holder {number}")
        card_id = self.refs.add_card(number, holder, self.types[type_code], uid=f"UID{number}")
        if cash:
            self.ledger.recharge(uuid.uuid4(), till, card_id, cash, NOW)
        return card_id


def make_books(engine: Engine) -> Books:
    refs = ReferenceStore(engine)
    refs.ensure_till(1, "Till 1", "Site")
    refs.ensure_till(2, "Till 2", "Site")
    refs.ensure_till(OFFICE, "Card office", "Site")  # opening balances: not a till's chain
    # users 1 and 2: the ledger refuses a sale by a cashier it does not know
    refs.add_user("books-cashier", "Li Na", "cashier", "not-a-hash")
    refs.add_user("books-manager", "Wang Fang", "manager", "not-a-hash")
    types = {
        "standard": refs.add_card_type(CardType("standard", "Standard")),
        "bonus": refs.add_card_type(CardType("bonus", "Bonus", recharge=RechargeRule(
            bonus_bp=1_000, bonus_expiry_days=7))),
        "staff": refs.add_card_type(CardType("staff", "Staff", discount_bp=1_000,
                                             daily_amount_limit=8_000, pin_above=5_000)),
    }
    return Books(engine, refs, Ledger(engine), types)


@pytest.fixture
def books(sqlite_engine: Engine) -> Books:
    return make_books(sqlite_engine)


@pytest.fixture
def pg_url() -> Iterator[str]:
    from tests.pg import throwaway_database

    with throwaway_database() as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """The centre as its owner, its clock held at ``NOW`` (``centre_clock`` moves it)."""
    from tests.pg import CentreClock

    engine = make_engine(pg_url, pool_size=20, max_overflow=10)
    upgrade(engine)
    CentreClock(engine).set(NOW)
    yield engine
    engine.dispose()


@pytest.fixture
def centre_clock(pg_engine: Engine) -> CentreClock:
    from tests.pg import CentreClock

    return CentreClock.of(pg_engine)


@pytest.fixture
def pg_books(pg_engine: Engine) -> Books:
    return make_books(pg_engine)


@dataclass
class Centre:
    """The central database of a site: its URL, a superuser engine, reference data."""

    url: str
    engine: Engine
    books: Books


@pytest.fixture
def centre(pg_engine: Engine, pg_url: str) -> Centre:
    """A site's centre on the real clock: tills sell to it at their own real time."""
    from tests.pg import CentreClock

    CentreClock.of(pg_engine).set(None)
    return Centre(pg_url, pg_engine, make_books(pg_engine))


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    """A loopback TCP proxy to the PostgreSQL server that the test can cut or black-hole."""
    from sqlalchemy.engine import make_url

    from tests.pg import server_url
    from tests.sync.proxy import Proxy

    u = make_url(server_url())
    p = Proxy(u.host or "127.0.0.1", u.port or 5432)
    yield p
    p.close()


@pytest.fixture(scope="session", autouse=True)
def _drop_test_logins() -> Iterator[None]:
    """Logins made by tests live on the server, not in the throwaway databases."""
    yield
    from tests.pg import drop_logins

    drop_logins()
