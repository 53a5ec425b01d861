"""Back online soon after the network heals; backoff only for a centre that answers.

While the centre is out of reach the worker probes it cheaply on a short timer; only a
centre that answers and still fails the sync is backed off. No test here times anything:
a backoff of two minutes stands for "waited it out", so a till that comes back within
the generous waits below cannot have used it. The figures (heal-to-online) come from
tests/benchmarks/bench_heal.py.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy import text

from tests.conftest import Centre
from tests.sync.conftest import TillFactory
from tests.sync.proxy import Proxy
from tests.sync.test_worker import wait_until
from tillcard.domain.journal import EntryState
from tillcard.store.ledger import SaleRequest
from tillcard.sync.central import CentralOptions
from tillcard.sync.link import Backoff, Link, LinkState, LinkStatus
from tillcard.sync.till_sync import TillSync
from tillcard.sync.worker import SyncWorker, centre_answers, centre_endpoints

NEVER = 120.0  # a backoff the tests would time out on long before it ends


class RecordedBackoff(Backoff):
    """A backoff that notes every delay the worker asked it for."""

    def __init__(self, first: float, cap: float) -> None:
        super().__init__(first, cap)
        self.asked: list[float] = []

    def next(self) -> float:
        delay = super().next()
        self.asked.append(delay)
        return delay


Start = Callable[[TillSync, RecordedBackoff], SyncWorker]


@pytest.fixture
def start_worker() -> Iterator[Start]:
    workers: list[SyncWorker] = []

    def start(sync: TillSync, backoff: RecordedBackoff) -> SyncWorker:
        sync.link.backoff = backoff
        w = SyncWorker(sync, poll_s=60.0)  # no timed pull: only the link matters here
        w.start()
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()


def sell(till: TillSync, card: int, amount: int = 300):
    return till.sale(SaleRequest(uuid.uuid4(), 1, card, amount, datetime.now().astimezone()))


def endpoints(url: str) -> list[str | tuple[str, int]]:
    return centre_endpoints(CentralOptions(url=url))


# -- the probe ---------------------------------------------------------------------------

@pytest.mark.postgres
def test_the_probe_tells_an_answering_server_from_a_dead_route(centre: Centre, proxy: Proxy):
    through = endpoints(proxy.url(centre.url))
    assert centre_answers(through, 0.8)
    proxy.blackhole()  # the proxy accepts, nothing comes back
    assert not centre_answers(through, 0.8)
    proxy.cut()  # accepted and closed at once
    assert not centre_answers(through, 0.8)
    proxy.restore()
    assert centre_answers(through, 0.8)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert not centre_answers([("127.0.0.1", port)], 0.8)  # nobody listens: refused


@pytest.mark.postgres
def test_a_server_that_refuses_the_login_still_answers_the_probe(centre: Centre):
    from sqlalchemy.engine import make_url

    nobody = make_url(centre.url).set(username="no_such_role_here").render_as_string(
        hide_password=False)
    assert centre_answers(endpoints(nobody), 0.8)


def test_the_probe_reads_where_the_centre_listens_from_the_url():
    assert endpoints("postgresql://till@central.example:6432/books") == [
        ("central.example", 6432)]
    assert endpoints("postgresql://till@10.0.0.5/books") == [("10.0.0.5", 5432)]
    assert endpoints("postgresql://till@/books?host=/run/postgresql") == [
        "/run/postgresql/.s.PGSQL.5432"]
    assert endpoints("postgresql://till@/books") == []  # libpq's default: cannot tell
    assert centre_answers([], 0.8)  # so the probe lets the real connection decide


# -- the link's backoff ------------------------------------------------------------------

def test_only_going_online_resets_the_backoff():
    link = Link(lambda: 0, Backoff(1.0, 8.0))
    assert [link.backoff.next() for _ in range(2)] == [1.0, 2.0]
    link.down("refused")
    link.recovering()  # reached again, not yet working: keep backing off
    assert link.backoff.next() == 4.0
    link.up()
    assert link.backoff.next() == 1.0


# -- the worker --------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.parametrize("fault", ["blackhole", "cut"])
def test_out_of_reach_the_worker_probes_again_and_again_and_never_backs_off(
        fault: str, centre: Centre, make_till: TillFactory, proxy: Proxy,
        start_worker: Start):
    card = centre.books.card("6001", cash=5_000)
    till = make_till()
    backoff = RecordedBackoff(NEVER, NEVER)
    worker = start_worker(till, backoff)
    wait_until(lambda: worker.cycles >= 1 and till.link.online, 10, "worker online")
    getattr(proxy, fault)()
    assert sell(till, card).offline  # the sale finds the link down
    assert till.link.state is LinkState.OFFLINE
    seen = worker.probes
    wait_until(lambda: worker.probes >= seen + 3, 15, "three more probes while out of reach")
    assert till.link.status() == LinkStatus(LinkState.OFFLINE, 1, "no answer from the centre")
    proxy.restore()
    wait_until(lambda: till.link.online and till.cache.unsent_count() == 0, 15,
               "online again, the offline sale back-filled")
    assert backoff.asked == []
    assert {i.state for i in till.cache.items()} == {EntryState.APPLIED}


@pytest.mark.postgres
def test_a_flapping_link_comes_back_after_every_heal(
        centre: Centre, make_till: TillFactory, proxy: Proxy, start_worker: Start):
    card = centre.books.card("6002", cash=5_000)
    till = make_till()
    backoff = RecordedBackoff(NEVER, NEVER)
    worker = start_worker(till, backoff)
    wait_until(lambda: worker.cycles >= 1 and till.link.online, 10, "worker online")
    for flap in range(3):
        proxy.blackhole()
        assert sell(till, card).offline
        seen = worker.probes
        wait_until(lambda s=seen: worker.probes > s, 15, f"a probe in black hole {flap}")
        proxy.restore()
        wait_until(lambda: till.link.online and till.cache.unsent_count() == 0, 15,
                   f"online after heal {flap}")
    assert backoff.asked == []
    assert {i.state for i in till.cache.items()} == {EntryState.APPLIED}


@pytest.fixture
def unprivileged(centre: Centre) -> Iterator[str]:
    """A role that may log in at the centre and do nothing else."""
    login = f"nobody_{uuid.uuid4().hex[:8]}"
    with centre.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
    yield login
    with centre.engine.begin() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE usename = '{login}'"))
        conn.execute(text(f"DROP ROLE {login}"))


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["no_such_role_here", "unprivileged"])
def test_a_centre_that_answers_but_fails_the_sync_is_backed_off(
        who: str, request: pytest.FixtureRequest, make_till: TillFactory,
        start_worker: Start):
    """Login refused, or let in and every cycle refused: the delays double to the cap."""
    user = request.getfixturevalue(who) if who == "unprivileged" else who
    till = make_till(user=user, connect=False)
    backoff = RecordedBackoff(0.01, 0.04)
    worker = start_worker(till, backoff)
    wait_until(lambda: len(backoff.asked) >= 5, 15, "five attempts on the failing centre")
    worker.stop()
    assert backoff.asked[:5] == [0.01, 0.02, 0.04, 0.04, 0.04]
    assert worker.probes >= 5  # each attempt began with a probe that found the centre
    assert till.link.state is LinkState.OFFLINE
    assert "answers" in till.link.status().message


@pytest.mark.postgres
def test_a_call_on_the_listening_connection_is_cut_short_in_a_black_hole(
        centre: Centre, proxy: Proxy):
    """The LISTEN after connecting must not wait for ever if the link dies right then."""
    import psycopg

    from tillcard.store.engine import libpq_url
    from tillcard.sync.central import is_link_error
    from tillcard.sync.worker import _cut_after

    with psycopg.connect(libpq_url(proxy.url(centre.url)), autocommit=True) as conn:
        with _cut_after(conn, 5.0):
            conn.execute("SELECT 1")  # in time: untouched
        proxy.blackhole()
        with pytest.raises(psycopg.OperationalError) as cut, _cut_after(conn, 0.3):
            conn.execute("LISTEN tillcard_changes")
        assert is_link_error(cut.value)
