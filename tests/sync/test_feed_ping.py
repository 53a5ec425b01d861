"""The till's feed ping: after the centre commits, never in the way of a sale.

A listener on ``tillcard_feed`` hears a till's id after its online sale (poked by
``TillSync``, sent by the ``FeedPing`` thread), and after its heartbeat; pokes in a burst
make one ping; a ping the centre refuses, or one into a black hole, leaves the sale and
the link alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from tests.conftest import Centre
from tests.store.test_live_feed import BEAT
from tests.sync.conftest import TillFactory
from tests.sync.proxy import Proxy
from tests.sync.test_heartbeat import till_login, wait_until
from tillcard.store.engine import libpq_url
from tillcard.store.ledger import SaleRequest
from tillcard.store.till_health import send_heartbeat
from tillcard.sync.feed_ping import CHANNEL, FeedPing
from tillcard.sync.link import LinkState

pytestmark = pytest.mark.postgres


@pytest.fixture
def listener(centre: Centre) -> Iterator[psycopg.Connection[Any]]:
    conn = psycopg.connect(libpq_url(centre.url), autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    yield conn
    conn.close()


def heard(conn: psycopg.Connection[Any], timeout: float) -> list[str]:
    return [n.payload for n in conn.notifies(timeout=timeout)]


def sale(card: int) -> SaleRequest:
    return SaleRequest(uuid.uuid4(), 1, card, 300, datetime.now().astimezone())


def test_an_online_sale_pings_the_feed_after_it_commits(
        centre: Centre, make_till: TillFactory, listener: psycopg.Connection[Any]) -> None:
    card = centre.books.card("3101", cash=5_000)
    till = make_till(1, user=till_login(centre, 1))
    till.feed_ping.start()
    try:
        out = till.sale(sale(card))
        assert out.entry is not None and not out.offline
        wait_until(lambda: till.feed_ping.sent == 1, 5, "a ping")
    finally:
        till.feed_ping.stop()
    assert heard(listener, 0.5) == ["1"]  # a till id, nothing of the sale
    assert till.feed_ping.failed == 0


def test_a_heartbeat_pings_the_feed_too(centre: Centre,
                                        listener: psycopg.Connection[Any]) -> None:
    send_heartbeat(centre.engine, 2, BEAT)
    assert heard(listener, 0.5) == ["2"]


def test_pokes_in_a_burst_make_one_ping(centre: Centre, make_till: TillFactory,
                                        listener: psycopg.Connection[Any]) -> None:
    till = make_till(1)
    ping = FeedPing(till.central, 1, till.watchdog, 1.0, min_gap_s=60.0)
    ping.start()
    try:
        for _ in range(100):
            ping.poke()
        wait_until(lambda: ping.sent == 1, 5, "the first ping")
        assert heard(listener, 0.3) == ["1"]  # the rest wait for the gap's end
    finally:
        ping.stop()
    assert ping.sent == 1


def test_a_refused_ping_leaves_the_online_sale_alone(
        centre: Centre, make_till: TillFactory) -> None:
    card = centre.books.card("3102", cash=5_000)
    till = make_till(1, user=till_login(centre, 1))
    with centre.engine.begin() as conn:  # this database only: nobody may notify
        conn.execute(text("REVOKE EXECUTE ON FUNCTION pg_notify(text, text) FROM PUBLIC"))
    till.feed_ping.start()
    try:
        out = till.sale(sale(card))
        wait_until(lambda: till.feed_ping.failed == 1, 5, "the refused ping")
    finally:
        till.feed_ping.stop()
    assert out.entry is not None and not out.offline
    assert till.link.state is LinkState.ONLINE and till.feed_ping.sent == 0


def test_a_ping_into_a_black_hole_disturbs_no_sale(
        centre: Centre, make_till: TillFactory, proxy: Proxy) -> None:
    card = centre.books.card("3103", cash=5_000)
    till = make_till(1, user=till_login(centre, 1))
    till.feed_ping.start()
    try:
        first = till.sale(sale(card))
        wait_until(lambda: till.feed_ping.sent == 1, 5, "the first ping")
        proxy.blackhole()
        till.feed_ping.poke()  # returns at once; the thread waits for the watchdog
        second = till.sale(sale(card))  # the centre is gone: sold offline, not raised
        wait_until(lambda: till.feed_ping.failed == 1, 5, "the lost ping")
    finally:
        till.feed_ping.stop()
    assert first.entry is not None and not first.offline
    assert second.entry is not None and second.offline
    assert till.link.state is LinkState.OFFLINE  # the sale decided that, not the ping
