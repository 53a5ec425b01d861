"""A till's cash sales reach the centre once, online or not, and count in its shift."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import Centre
from tests.sync.conftest import TillFactory
from tillcard.domain.journal import EntryKind, EntryState
from tillcard.domain.shift import shift_totals
from tillcard.store.schema import JournalRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


def now() -> datetime:
    return datetime.now().astimezone()


def test_cash_sales_are_recorded_at_once_and_sent_once(centre: Centre, make_till: TillFactory):
    till = make_till()
    mark = till.till_mark(1)
    online = till.cash_sale(uuid.uuid4(), 1, 800, now())
    till.link.down("test")
    offline = till.cash_sale(uuid.uuid4(), 1, 1_200, now())
    assert [i.state for i in till.cache.items()] == [EntryState.OFFLINE] * 2
    t = shift_totals(till.till_entries(1, mark))  # the drawer knows at once
    assert (t.cash_sales, t.cash_sales_amount) == (2, 2_000)
    till.link.recovering()
    till.cycle()
    assert till.link.online and till.cache.unsent_count() == 0
    with centre.engine.connect() as conn:
        for e in (online, offline):
            kinds = conn.execute(select(JournalRow.kind).where(JournalRow.id == e.id)).all()
            assert kinds == [(EntryKind.CASH_SALE.value,)]
        assert conn.execute(select(func.count()).where(
            JournalRow.kind == "cash_sale")).scalar_one() == 2
    t = shift_totals(till.till_entries(1, mark))
    assert (t.cash_sales, t.cash_sales_amount) == (2, 2_000)  # counted once, sent or not
    assert till.chain_check().agrees
    assert verify(centre.engine).ok
