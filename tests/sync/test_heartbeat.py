"""Till heartbeats: a running till reports itself, and the centre keeps its clock.

A till login's attempts at other tills' heartbeats and malformed documents are in
tests/security/test_report_tables_attacks.py. A running till's sync worker sends one every few
seconds with its link, unsent entries and the device states the UI wrote into its
holder; a heartbeat the centre does not answer leaves the link and the selling alone.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Centre
from tests.pg import LOGINS, till_login_engine
from tests.sync.conftest import TillFactory
from tests.sync.proxy import Proxy
from tillcard.store.ledger import SaleRequest
from tillcard.store.partitions import AHEAD, add_months, detach, month_of, months
from tillcard.store.roles import create_roles, create_till_login
from tillcard.store.till_health import HEARTBEATS, send_heartbeat
from tillcard.sync.heartbeat import HeartbeatSender
from tillcard.sync.link import Backoff, LinkState
from tillcard.sync.worker import SyncWorker

pytestmark = pytest.mark.postgres
DOC: dict[str, Any] = {"link": "online", "link_for_s": 12, "unsent": 0, "printer": "ok",
                       "printer_pending": 0, "reader_ok": True, "reader": "ACR122U"}


def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait on a condition that other threads make true (no fixed sleep)."""
    tick = threading.Event()
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        tick.wait(0.05)


def heartbeat_of(engine: Engine, till_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(HEARTBEATS).where(HEARTBEATS.c.till_id == till_id)
                            ).first()


@pytest.fixture
def as_till_1(centre: Centre) -> Iterator[Engine]:
    engine = till_login_engine(centre.url, centre.engine, 1)
    yield engine
    engine.dispose()


def sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", ""))


def test_the_state_s_start_stays_while_it_lasts(centre: Centre, as_till_1: Engine) -> None:
    send_heartbeat(as_till_1, 1, {**DOC, "link_for_s": 100})
    first = heartbeat_of(centre.engine, 1).link_since
    send_heartbeat(as_till_1, 1, {**DOC, "link_for_s": 3})  # jitter, or a restarted till
    assert heartbeat_of(centre.engine, 1).link_since == first
    send_heartbeat(as_till_1, 1, {**DOC, "link": "offline", "link_for_s": 0})
    row = heartbeat_of(centre.engine, 1)
    assert row.link_since > first and row.beats == 3


def till_login(centre: Centre, till_id: int) -> str:
    create_roles(centre.engine)
    login = f"till_{till_id}_{uuid.uuid4().hex[:8]}"
    create_till_login(centre.engine, till_id, login)
    LOGINS.append(login)
    return login


def test_a_running_till_s_sync_worker_sends_heartbeats(
        centre: Centre, make_till: TillFactory) -> None:
    till = make_till(1, user=till_login(centre, 1))
    till.devices.set_printer("paper out", 2)
    till.devices.set_reader(False, "no reader connected")
    till.link.backoff = Backoff(0.05, 0.2)
    coming = add_months(month_of(datetime.now(UTC)), AHEAD)
    with centre.engine.begin() as conn:  # a quiet quarter: the last coming month missing
        detach(conn, coming)
    worker = SyncWorker(till, 0.5)
    worker.heartbeat = HeartbeatSender(till, till.devices, every=0.2)  # the test's pace
    worker.start()
    try:
        wait_until(lambda: heartbeat_of(centre.engine, 1) is not None, 10, "a heartbeat")
        row = heartbeat_of(centre.engine, 1)
        assert (row.link_state, row.unsent, row.printer, row.printer_pending,
                row.reader_ok, row.reader) == ("online", 0, "paper out", 2, False,
                                               "no reader connected")
        assert row.app_version and row.shift_id is None
        till.devices.set_printer("ok", 0)
        wait_until(lambda: heartbeat_of(centre.engine, 1).printer == "ok", 5,
                   "the printer's new state")
        # the first heartbeat also had the centre make its coming months
        with centre.engine.connect() as conn:
            assert coming in months(conn)
    finally:
        worker.stop()
    assert worker.heartbeat.sent >= 2 and worker.heartbeat.failed == 0


def test_a_heartbeat_the_centre_refuses_leaves_selling_alone(
        centre: Centre, make_till: TillFactory, proxy: Proxy) -> None:
    card = centre.books.card("3001", cash=5_000)
    till = make_till(1, user=till_login(centre, 1))
    with centre.engine.begin() as conn:  # an older centre, or a broken grant
        conn.execute(text("REVOKE EXECUTE ON FUNCTION tillcard_heartbeat(integer, json) "
                          "FROM tillcard_till"))
    sender = HeartbeatSender(till, till.devices)
    assert sender.beat() is False
    assert till.link.state is LinkState.ONLINE
    out = till.sale(SaleRequest(uuid.uuid4(), 1, card, 300, datetime.now().astimezone()))
    assert out.entry is not None and not out.offline
    proxy.blackhole()  # a centre that does not answer: bounded by the watchdog
    started = time.monotonic()
    assert sender.beat() is False
    took = time.monotonic() - started
    print(f"a heartbeat into a black hole gave up after {took:.2f} s")
    assert till.link.state is LinkState.ONLINE  # the sync worker decides that, not it
    assert sender.failed == 2
