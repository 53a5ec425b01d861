"""A till login against the managers' tables: heartbeats of its own till, totals never.

Migrations 0016 and 0017 gave the till role one new function (``tillcard_heartbeat``)
and the day totals kept by a trigger in the sale's own transaction. Tried here as a real
login in role ``tillcard_till``: another till's heartbeat, malformed documents (negative,
huge, wrong types), and every way to write ``day_totals`` or ``booth_shares`` — refused,
and the totals still equal what was sold.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests.conftest import Centre
from tests.pg import till_login_engine
from tests.store.test_day_totals import ALL_DAYS, BOOTHS, START, _day_totals
from tests.sync.test_heartbeat import DOC, heartbeat_of, sqlstate
from tillcard.domain.cards import CardType
from tillcard.domain.report_facts import rolled_up
from tillcard.store.day_totals import rebuild_day_totals, summary_facts
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.reference import ReferenceStore
from tillcard.store.till_health import send_heartbeat

pytestmark = pytest.mark.postgres


@pytest.fixture
def as_till_1(centre: Centre) -> Iterator[Engine]:
    engine = till_login_engine(centre.url, centre.engine, 1)
    yield engine
    engine.dispose()


def test_a_till_login_reports_for_its_own_till_and_no_other(
        centre: Centre, as_till_1: Engine) -> None:
    seen = send_heartbeat(as_till_1, 1, {**DOC, "link": "recovering", "unsent": 4})
    row = heartbeat_of(centre.engine, 1)
    assert (row.link_state, row.unsent, row.reader_ok, row.seen_at) == (
        "recovering", 4, True, seen)
    assert 11 <= (seen - row.link_since).total_seconds() <= 13  # the server's clock
    with pytest.raises(DBAPIError, match="may not act for till 2") as refused:
        send_heartbeat(as_till_1, 2, DOC)
    assert sqlstate(refused.value) == "TC403"
    assert heartbeat_of(centre.engine, 2) is None
    with as_till_1.begin() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(text("UPDATE till_heartbeats SET unsent = 0"))  # only through it


@pytest.mark.parametrize("bad", [
    {"link": "asleep"}, {"link": None}, {"unsent": -1}, {"unsent": "3"},
    {"unsent": 1.5}, {"link_for_s": None}, {"printer": "x" * 41},
    {"shift": "not-a-uuid"}, {"difference": "-10"}, {"reader_ok": "yes"},
    {"cashier": -2}, {"version": 7},
])
def test_a_malformed_heartbeat_is_refused(as_till_1: Engine, bad: dict[str, Any]) -> None:
    with pytest.raises(DBAPIError) as refused:
        send_heartbeat(as_till_1, 1, {**DOC, **bad})
    assert sqlstate(refused.value) == "TC422"


def test_a_till_login_sells_but_cannot_write_the_totals(pg_engine: Engine, pg_url: str
                                                        ) -> None:
    refs = ReferenceStore(pg_engine)
    refs.ensure_till(1, "Till 1", BOOTHS[1])
    type_id = refs.add_card_type(CardType("plain", "Visitor"))
    card = refs.add_card("P1", refs.add_holder("李娜"), type_id)
    Ledger(pg_engine).recharge(uuid.uuid4(), 1, card, 5_000, START)
    till = till_login_engine(pg_url, pg_engine, 1)
    try:
        out = Ledger(till).sale(SaleRequest(uuid.uuid4(), 1, card, 700, START))
        assert out.entry is not None
        sums = rolled_up(_day_totals(pg_engine), keep=("kind",))
        assert (sums[("sale",)].n, sums[("sale",)].list_amount) == (1, 700)
        with till.connect() as conn:  # it reads the totals...
            assert summary_facts(conn, *ALL_DAYS) == _day_totals(pg_engine)
        for sql in ("UPDATE day_totals SET n = n + 1",
                    "DELETE FROM day_totals",
                    "TRUNCATE day_totals",
                    "INSERT INTO day_totals SELECT * FROM day_totals",
                    "INSERT INTO booth_shares VALUES ('Grill', 5000)"):
            with till.connect() as conn, pytest.raises(ProgrammingError,
                                                       match="permission denied"):
                conn.execute(text(sql))
        with till.connect() as conn, pytest.raises(ProgrammingError,
                                                   match="permission denied"):
            rebuild_day_totals(conn)
    finally:
        till.dispose()
    assert rolled_up(_day_totals(pg_engine), keep=("kind",))[("sale",)].n == 1
