"""A till login and the journal's monthly partitions (migration 0020).

The till role may call one maintenance function, ``tillcard_ensure_partitions()``, which
each till's heartbeat sender calls hourly. It takes no argument a till could bend: the
months come from the server's clock. Tried as a real login in role ``tillcard_till``: it
makes only the missing coming months, leaves a month whose entries sit in the default
partition to the owner's ``db upgrade``, and the login itself cannot create a partition.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import NOW, Books
from tests.pg import till_login_engine
from tests.store.test_partitions import _at, _where
from tillcard.store import partitions as parts
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.till_health import ensure_months
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


def test_a_till_login_keeps_the_coming_months_and_leaves_a_filled_default_alone(
        pg_url: str, pg_books: Books) -> None:
    """``tillcard_ensure_partitions`` (what each till's heartbeat sender calls hourly)."""
    engine = pg_books.engine
    now = parts.month_of(datetime.now().astimezone())
    last, before_last = parts.add_months(now, parts.AHEAD), parts.add_months(now, 2)
    with engine.begin() as conn:  # two coming months missing, as after a quiet quarter
        for m in (before_last, last):
            parts.detach(conn, m)
    card = pg_books.card("8805", cash=5_000)
    mid = datetime(before_last.year, before_last.month, 15, 12, tzinfo=NOW.tzinfo)
    _at(engine, mid)  # a sale whose month has no partition: the default takes it
    early = Ledger(engine).sale(SaleRequest(uuid.uuid4(), 1, card, 300, mid)).entry
    assert early is not None and _where(engine, early.id) == parts.DEFAULT
    till = till_login_engine(pg_url, engine, 1)
    try:
        assert ensure_months(till) == 1  # the empty month only
        assert ensure_months(till) == 0  # nothing left to do
        with pytest.raises(DBAPIError, match="permission denied"), till.begin() as conn:
            conn.execute(text("CREATE TABLE journal_2099_01 PARTITION OF journal FOR "
                              "VALUES FROM ('2099-01-01') TO ('2099-02-01')"))
    finally:
        till.dispose()
    with engine.connect() as conn:
        months = set(parts.months(conn))
        triggers = set(conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(:t)"),
            {"t": parts.partition_name(last)}).scalars())
    assert last in months and before_last not in months
    assert "journal_no_truncate" in triggers  # the statement trigger, as on every month
    with engine.begin() as conn:  # what db upgrade does: the filled month split out
        assert before_last in parts.ensure_partitions(conn)
    assert _where(engine, early.id) == parts.partition_name(before_last)
    assert verify(engine).ok
