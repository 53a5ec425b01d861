"""The counter's new routes (recharge at the till, void of an earlier sale) on a central
till logged in as a real ``tillcard_till`` login: none of them moves money it may not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import Books
from tests.pg import LOGINS
from tillcard.bootstrap import Till, build_till, counter_office
from tillcard.config import DatabaseSettings, DeviceSettings, Profile, Settings, TillSettings
from tillcard.domain.rules import RefusalCode
from tillcard.services.auth import Role, SecretHasher, Session
from tillcard.store.ledger import NotPermitted
from tillcard.store.roles import create_roles, create_till_login
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


def _total(books: Books) -> int:
    with books.engine.connect() as conn:
        return int(conn.execute(select(func.sum(PurseRow.cash + PurseRow.bonus)))
                   .scalar_one())


@pytest.fixture
def till(tmp_path: Path, pg_books: Books, pg_url: str, hasher: SecretHasher
         ) -> Iterator[Till]:
    create_roles(pg_books.engine)
    login = f"till_1_{uuid.uuid4().hex[:8]}"
    create_till_login(pg_books.engine, 1, login)
    LOGINS.append(login)  # dropped when the session ends
    url = make_url(pg_url).set(username=login).render_as_string(hide_password=False)
    settings = Settings(
        profile=Profile.CENTRAL, till=TillSettings(id=1, name="Till 1", site="Site"),
        database=DatabaseSettings(local=str(tmp_path / "till.db"), central_url=url),
        devices=DeviceSettings(reader="simulated",
                               printer=f"simulated://{tmp_path / 'receipts.txt'}"))
    t = build_till(settings, hasher=hasher)
    yield t
    t.close()


def test_a_till_login_cannot_recharge_at_the_counter(till: Till, pg_books: Books,
                                                     hasher: SecretHasher) -> None:
    card = pg_books.card("8101", cash=1_000)
    before = _total(pg_books)
    manager = Session(2, "books-manager", "Wang Fang", Role.MANAGER)  # may recharge
    refused = till.checkout.recharge(manager, card, 5_000)
    assert refused.refusal is not None
    assert refused.refusal.code is RefusalCode.RECHARGE_AT_OFFICE
    assert till.checkout.recharge_refusal(manager) is not None
    assert till.sync is not None
    # past the counter's check, straight at the centre's card-office function
    office = counter_office(till.engine, till.ledger, till.sync, hasher, 1).office
    with pytest.raises(NotPermitted, match="permission denied"):
        office.recharge(manager, card, 5_000)
    assert _total(pg_books) == before
    assert verify(pg_books.engine).ok


def test_a_till_login_cannot_void_a_sale_outside_its_own_record(
        till: Till, pg_books: Books) -> None:
    """Another till's sale is not in this till's record: the counter refuses it unasked."""
    from datetime import datetime

    from tillcard.store.ledger import Ledger, SaleRequest

    card = pg_books.card("8102", cash=5_000)
    other = Ledger(pg_books.engine).sale(SaleRequest(
        uuid.uuid4(), 2, card, 1_000, datetime.now().astimezone(), 1))
    assert other.entry is not None
    before = _total(pg_books)
    manager = Session(2, "books-manager", "Wang Fang", Role.MANAGER)
    r = till.checkout.void(manager, other.entry.id)
    assert r.refusal is not None and r.refusal.code is RefusalCode.NOTHING_TO_VOID
    assert _total(pg_books) == before
