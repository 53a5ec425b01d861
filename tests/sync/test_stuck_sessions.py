"""No till's session can hold a card's lock for long: killed or cut off mid-back-fill.

Every money call is one statement (``tillcard_backfill``): no transaction ever waits on a
till between statements, so nothing can sit "idle in transaction" holding purse locks
(under psycopg's pipeline mode PostgreSQL 15 stopped timing such sessions out). A till that
dies while the server works for it is noticed by ``client_connection_check_interval``; a
till whose link dies while the answer travels costs nothing, the statement has finished.
Each test lets another till back-fill the same cards with ``lock_timeout`` = 5 s: if it
succeeds, the first till's locks were gone within those 5 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from datetime import datetime

import pytest
from sqlalchemy import text

from tests.conftest import Centre
from tests.sync.conftest import FAST
from tests.sync.proxy import Proxy
from tillcard.domain.journal import Entry, EntryKind
from tillcard.store.backfill import backfill
from tillcard.store.site import site_rules
from tillcard.store.verify import verify
from tillcard.sync.central import CentralOptions, DeadlineExceeded, Watchdog, make_central_engine

pytestmark = pytest.mark.postgres


def now() -> datetime:
    return datetime.now().astimezone()


def offline_sales(till: int, cards: list[int], n: int) -> list[Entry]:
    return [Entry(uuid.uuid4(), till, 0, EntryKind.SALE, cards[i % len(cards)], -10,
                  list_amount=10, created_at=now()) for i in range(n)]


def patient_till(url: str, lock_timeout_s: int = 5):  # type: ignore[no-untyped-def]
    """Another till's engine, willing to wait ``lock_timeout_s`` for a card's lock."""
    return make_central_engine(CentralOptions(url=url, statement_timeout_ms=lock_timeout_s
                                              * 1000, connect_timeout_s=2))


def wait_until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)  # polling a condition, not synchronising on time


def test_a_till_cut_off_while_its_back_fill_answers_holds_nothing(
        centre: Centre, proxy: Proxy):
    cards = [centre.books.card(f"41{i}", cash=100_000) for i in range(5)]
    opts = CentralOptions(url=proxy.url(centre.url), **FAST)  # type: ignore[arg-type]
    engine = make_central_engine(opts)
    watchdog = Watchdog(engine)
    batch = offline_sales(1, cards, 500)
    try:
        rules = site_rules(centre.engine)  # as a till has them: pulled earlier
        backfill(engine, 1, offline_sales(1, cards, 1), rules=rules)  # statement prepared
        proxy.mute_replies()  # the link dies while the centre answers the next batch
        with pytest.raises(DeadlineExceeded), watchdog.within(opts.call_timeout_s):
            backfill(engine, 1, batch, rules=rules)
        other = patient_till(centre.url)
        try:
            done = backfill(other, 2, offline_sales(2, cards, 50))
        finally:
            other.dispose()
        assert all(r.applied and not r.replayed for r in done.items)
        with centre.engine.connect() as conn:  # no session of the till is left in a transaction
            stuck = conn.execute(text(
                "SELECT pid, state, query FROM pg_stat_activity WHERE "
                "application_name = 'tillcard' AND state LIKE 'idle in transaction%'")).all()
        assert stuck == []
        proxy.restore()
        engine.dispose()
        again = backfill(engine, 1, batch, rules=rules)  # resent: its answer was lost
        assert all(r.replayed for r in again.items)
    finally:
        engine.dispose()
    assert verify(centre.engine).ok


def test_a_till_killed_mid_back_fill_frees_the_cards_within_seconds(centre: Centre):
    first, held = (centre.books.card(f"42{i}", cash=100_000) for i in range(2))
    script = textwrap.dedent(f"""
        import uuid
        from datetime import datetime
        from tillcard.domain.journal import Entry, EntryKind
        from tillcard.store.backfill import backfill
        from tillcard.sync.central import CentralOptions, make_central_engine
        # a till that would wait 60 s for a lock: only the server's check can free it
        engine = make_central_engine(CentralOptions(url={centre.url!r},
                                                    statement_timeout_ms=60_000))
        at = datetime.now().astimezone()
        backfill(engine, 1, [Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card, -10,
                                   list_amount=10, created_at=at)
                             for card in ({first}, {held})])
    """)
    with centre.engine.connect() as blocker:
        # someone holds the second card: the dying till's batch waits with the first locked
        blocker.execute(text("SELECT 1 FROM purses WHERE card_id = :c FOR UPDATE"),
                        {"c": held})
        proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ))
        try:
            def waiting() -> bool:
                with centre.engine.connect() as conn:
                    return bool(conn.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                        "'tillcard' AND wait_event_type = 'Lock'")).scalar_one())

            wait_until(waiting)
            os.kill(proc.pid, signal.SIGKILL)  # the power goes, mid-statement
            proc.wait(10)
            other = patient_till(centre.url)
            try:
                done = backfill(other, 2, offline_sales(2, [first], 3))
            finally:
                other.dispose()
            assert all(r.applied for r in done.items)
        finally:
            if proc.poll() is None:
                proc.kill()
        blocker.rollback()
    assert verify(centre.engine).ok
