"""The central server itself stopped (not just the network): sell on, back-fill once."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.conftest import make_books
from tests.sync.conftest import TillFactory
from tests.sync.private_pg import private_server
from tillcard.domain.journal import EntryState
from tillcard.store.engine import make_engine
from tillcard.store.ledger import SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify
from tillcard.sync.link import LinkState

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_the_till_sells_through_a_server_restart_and_backfills_once(make_till: TillFactory):
    with private_server() as srv:
        engine = make_engine(srv.url)
        upgrade(engine)
        books = make_books(engine)
        card = books.card("5001", cash=10_000)
        till = make_till(url=srv.url)

        def sell(amount: int):
            return till.sale(SaleRequest(uuid.uuid4(), 1, card, amount,
                                         datetime.now().astimezone()))

        assert not sell(1_000).offline
        engine.dispose()
        srv.stop()
        first = sell(500)  # the session was terminated under it: sold offline
        assert first.entry is not None and first.offline
        assert till.link.state is LinkState.OFFLINE
        assert all(sell(250).offline for _ in range(3))
        with pytest.raises(Exception) as refused:  # noqa: PT011 (any link error)
            till.probe()  # nobody listens: refused at once
        from tillcard.sync.central import is_link_error

        assert is_link_error(refused.value)

        srv.start()
        till.probe()
        till.link.recovering()
        report = till.cycle()
        assert report.pushed.applied == 4 and till.link.online
        assert {i.state for i in till.cache.items()} == {EntryState.APPLIED}
        with engine.connect() as conn:
            cash = conn.execute(select(PurseRow.cash).where(PurseRow.card_id == card)
                                ).scalar_one()
        assert cash == 10_000 - 1_000 - 500 - 750
        assert verify(engine).ok
        till.central.dispose()
        engine.dispose()
