"""The sync thread: NOTIFY wakes it at once, it reconnects by itself and drains the outbox."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.conftest import Centre
from tests.sync.conftest import TillFactory
from tests.sync.proxy import Proxy
from tillcard.domain.cards import CardStatus
from tillcard.domain.journal import EntryState
from tillcard.store.ledger import SaleRequest
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify
from tillcard.sync.link import Backoff, LinkState, LinkStatus
from tillcard.sync.till_sync import TillSync
from tillcard.sync.worker import SyncWorker

pytestmark = pytest.mark.postgres


def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait on a condition (polled; the thing waited on lives in other threads)."""
    start = time.monotonic()
    done = threading.Event()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        done.wait(0.02)
    return time.monotonic() - start


@pytest.fixture
def running() -> Iterator[Callable[[TillSync, float], SyncWorker]]:
    workers: list[SyncWorker] = []

    def start(sync: TillSync, poll_s: float) -> SyncWorker:
        sync.link.backoff = Backoff(0.05, 0.2)
        w = SyncWorker(sync, poll_s)
        w.start()
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()


def cached_status(sync: TillSync, card_id: int) -> CardStatus:
    return sync.cache.card_state(card_id, datetime.now().astimezone().date())[0].status


def test_a_card_frozen_centrally_reaches_an_online_till_within_two_seconds(
        centre: Centre, make_till: TillFactory, running: Callable[[TillSync, float], SyncWorker]):
    card = centre.books.card("2001", cash=5_000)
    till = make_till()
    worker = running(till, 60.0)  # the timer alone would take a minute
    wait_until(lambda: worker.cycles >= 1 and till.link.online, 10, "worker online")
    centre.books.refs.set_card_status(card, CardStatus.FROZEN)
    took = wait_until(lambda: cached_status(till, card) is CardStatus.FROZEN, 2.0,
                      "frozen status in the till's replica")
    print(f"freeze reached the till in {took * 1000:.0f} ms")


def test_the_worker_reconnects_by_itself_and_drains_the_outbox(
        centre: Centre, make_till: TillFactory, proxy: Proxy,
        running: Callable[[TillSync, float], SyncWorker]):
    card = centre.books.card("2002", cash=5_000)
    till = make_till()
    seen: list[LinkStatus] = []
    till.link.subscribe(seen.append)
    worker = running(till, 0.5)
    wait_until(lambda: worker.cycles >= 1, 10, "first cycle")
    proxy.cut()
    outs = [till.sale(SaleRequest(uuid.uuid4(), 1, card, 300,
                                  datetime.now().astimezone())) for _ in range(4)]
    assert all(o.entry is not None and o.offline for o in outs)
    assert till.link.state is not LinkState.ONLINE
    proxy.restore()
    wait_until(lambda: till.link.online and till.cache.unsent_count() == 0, 15,
               "back online with nothing unsent")
    states = [s.state for s in seen]
    assert LinkState.OFFLINE in states and LinkState.RECOVERING in states
    assert any(s.unsent == 4 for s in seen)
    assert {i.state for i in till.cache.items()} == {EntryState.APPLIED}
    with centre.engine.connect() as conn:
        cash = conn.execute(select(PurseRow.cash).where(PurseRow.card_id == card)).scalar_one()
    assert cash == 5_000 - 1_200
    assert verify(centre.engine).ok
