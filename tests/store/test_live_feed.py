"""The live feed on the real server: another process's sales reach the listener.

``Seller`` is a separate Python process that sells at a till as a real till login and
pings the feed as a till does: through the centre's function with its own ``FeedPing``
(``ping``), without pinging at all (``quiet``: a ping that was lost), or through a whole
``TillSync`` with its sync worker running (``till``: the sale path of a real till). The
feed has no payloads: any wake-up reads the journal by a cursor per till, so a lost
ping shows at the next heartbeat, a recharge wakes it through ``tillcard_changes`` and a
bulk insert arrives whole, in capped batches. On SQLite the fallback poller finds new
rows by itself. Today's figures are held to direct sums, and a silent till is flagged.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.conftest import Books, Centre
from tests.pg import LOGINS
from tillcard.domain.cards import CardType
from tillcard.domain.meals import MealWindow
from tillcard.domain.permissions import Role
from tillcard.services.auth import PermissionDenied, Session
from tillcard.services.live import HealthFlag, LiveConsole, shown_amount
from tillcard.store import live_feed
from tillcard.store.ledger import SaleRequest
from tillcard.store.live_feed import (
    BulkNote,
    FeedNote,
    FeedSource,
    LiveStore,
    Note,
    PgFeed,
    TodayQueries,
)
from tillcard.store.roles import create_roles, create_till_login
from tillcard.store.till_health import HealthQueries, send_heartbeat

ROOT = Path(__file__).resolve().parents[2]
MANAGER = Session(2, "books-manager", "Wang Fang", Role.MANAGER)
BEAT: dict[str, Any] = {"link": "online", "link_for_s": 30, "unsent": 0, "printer": "ok",
                        "reader_ok": True, "reader": "ACS ACR122U"}

SELLER = """
import sys, time, uuid
from datetime import datetime
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.sync.central import Watchdog
from tillcard.sync.feed_ping import FeedPing
url, till, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode == "till":  # a whole till: SQLite cache, TillSync, its sync worker and pings
    from tillcard.store.migrate import upgrade
    from tillcard.sync.cache import TillCache
    from tillcard.sync.central import CentralOptions, make_central_engine
    from tillcard.sync.till_sync import TillSync
    from tillcard.sync.worker import SyncWorker
    local = make_engine(sys.argv[4])
    upgrade(local)
    opts = CentralOptions(url=url)
    sync = TillSync(TillCache(local, till), make_central_engine(opts), opts)
    sync.probe()
    sync.link.recovering()
    sync.cycle()
    runner = SyncWorker(sync)
    sell = sync.sale
else:  # the centre's function, and a ping of its own unless "quiet"
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    sell = Ledger(engine).sale
    runner = FeedPing(engine, till, Watchdog(engine), 3.0)
if mode != "quiet":
    runner.start()
print("ready", flush=True)
for line in sys.stdin:
    card, amount = (int(x) for x in line.split())
    before = time.time()
    out = sell(SaleRequest(uuid.uuid4(), till, card, amount, datetime.now().astimezone(),
                           cashier_id=1))
    if mode == "ping":
        runner.poke()  # as TillSync does once the centre has answered
    after = time.time()
    print(out.entry.id if out.entry else "refused", before, after, flush=True)
runner.stop()
"""


@dataclass(frozen=True)
class Sold:
    entry_id: uuid.UUID
    before: float  # time.time() when the seller called the centre
    after: float  # … and when the centre had answered (committed)


class Seller:
    """Another process, selling at ``till_id`` as its login; ``mode``: see the docstring."""

    def __init__(self, url: str, till_id: int, mode: str = "ping") -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="tillcard-seller-")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SELLER, url, str(till_id), mode,
             str(Path(self._dir.name, "till.db"))], cwd=ROOT / "app",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        assert self._proc.stdout.readline().strip() == "ready"

    def sell(self, card_id: int, amount: int) -> Sold:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{card_id} {amount}\n")
        self._proc.stdin.flush()
        entry, before, after = self._proc.stdout.readline().split()
        return Sold(uuid.UUID(entry), float(before), float(after))

    def close(self) -> None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        self._proc.wait(15)
        self._proc.stdout.close()
        self._dir.cleanup()


def till_url(centre_url: str, owner: Engine, till_id: int) -> str:
    """A real login in role ``tillcard_till``, bound to ``till_id``."""
    create_roles(owner)
    login = f"till_{till_id}_{uuid.uuid4().hex[:8]}"
    create_till_login(owner, till_id, login)
    LOGINS.append(login)
    return make_url(centre_url).set(username=login).render_as_string(hide_password=False)


@pytest.fixture
def seller(centre: Centre) -> Iterator[Seller]:
    s = Seller(till_url(centre.url, centre.engine, 1), 1)
    yield s
    s.close()


@pytest.fixture
def feed(centre: Centre) -> Iterator[FeedSource]:
    f = LiveStore(centre.engine).open_feed()
    yield f
    f.close()


def gather(feed: FeedSource, until: Callable[[list[Note]], bool], timeout: float = 5.0,
           ) -> tuple[list[Note], int]:
    """Notes until ``until`` holds (or ``timeout`` passes); and how many waits gave any."""
    got: list[Note] = []
    batches = 0
    deadline = time.monotonic() + timeout
    while not until(got) and time.monotonic() < deadline:
        notes = feed.wait(0.5)
        batches += bool(notes)
        got += notes
    return got, batches


def ids(notes: list[Note]) -> set[uuid.UUID]:
    return {n.id for n in notes if isinstance(n, FeedNote)}


def chinese_card(books: Books, number: str, name: str, cash: int) -> int:
    holder = books.refs.add_holder(name)
    card = books.refs.add_card(number, holder, books.types["standard"], uid=f"UID{number}")
    books.ledger.recharge(uuid.uuid4(), 99, card, cash, datetime.now().astimezone())
    return card


@pytest.mark.postgres
def test_a_sale_by_another_process_reaches_the_listener_with_its_names(
        centre: Centre, seller: Seller, feed: FeedSource) -> None:
    card = chinese_card(centre.books, "880001", "张伟", 50_000)
    sold = seller.sell(card, 1_250)
    notes, _ = gather(feed, lambda got: sold.entry_id in ids(got))
    [note] = [n for n in notes if isinstance(n, FeedNote) and n.id == sold.entry_id]
    assert (note.till_id, note.kind, note.card_id, note.cashier_id) == (1, "sale", card, 1)
    assert note.list_amount == 1_250 and note.cash_delta == -1_250
    assert shown_amount(note) == 1_250
    assert isinstance(feed, PgFeed) and feed.wakeups >= 1  # woken, not polled
    [line] = LiveStore(centre.engine).lines([note])
    assert (line.holder, line.card_number, line.till_name, line.cashier) == (
        "张伟", "880001", "Till 1", "Li Na")


@pytest.mark.postgres
def test_a_sale_whose_ping_was_lost_shows_at_the_next_heartbeat(
        centre: Centre, feed: FeedSource) -> None:
    card = chinese_card(centre.books, "880003", "刘洋", 50_000)
    gather(feed, lambda got: bool(ids(got)))  # the recharge (it notifies by itself)
    quiet = Seller(till_url(centre.url, centre.engine, 1), 1, mode="quiet")
    try:
        sold = quiet.sell(card, 700)
    finally:
        quiet.close()
    assert feed.wait(0.3) == []  # no ping, no note: nothing polls the journal
    send_heartbeat(centre.engine, 1, BEAT)  # the till's next heartbeat wakes the feed
    notes, _ = gather(feed, lambda got: sold.entry_id in ids(got))
    assert [(n.id, n.seq) for n in notes if isinstance(n, FeedNote)] == [
        (sold.entry_id, 1)]


@pytest.mark.postgres
def test_a_recharge_wakes_the_feed_through_tillcard_changes(
        centre: Centre, feed: FeedSource) -> None:
    books = centre.books
    holder = books.refs.add_holder("陈静")
    card = books.refs.add_card("880004", holder, books.types["standard"], uid="UID880004")
    out = books.ledger.recharge(uuid.uuid4(), 99, card, 3_000, datetime.now().astimezone())
    notes, _ = gather(feed, lambda got: bool(ids(got)))
    [note] = [n for n in notes if isinstance(n, FeedNote)]
    assert out.entry is not None
    assert (note.id, note.kind, note.till_id, shown_amount(note)) == (
        out.entry.id, "recharge", 99, 3_000)


@pytest.mark.postgres
def test_the_safety_net_reads_without_any_wake_up(centre: Centre) -> None:
    card = chinese_card(centre.books, "880005", "孙丽", 5_000)
    feed = PgFeed(centre.engine, safety_s=0.3)
    try:  # a sale in this process: no ping, no heartbeat, and sales notify nothing
        out = centre.books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 100,
                                                   datetime.now().astimezone()))
        assert out.entry is not None
        notes, _ = gather(feed, lambda got: bool(ids(got)), timeout=3)
        assert ids(notes) == {out.entry.id} and feed.wakeups == 0
    finally:
        feed.close()


def bulk_insert(centre: Centre, till_id: int, count: int) -> None:
    """As demo-data's COPY: projection off (no trigger, no notification), then on."""
    card = centre.books.card("880002")
    with centre.engine.begin() as conn:
        conn.execute(text("ALTER TABLE journal DISABLE TRIGGER journal_apply"))
        conn.execute(text(
            "INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, "
            "bonus_delta, bonus_parts, allowance_delta, grant_amount, list_amount, "
            "discount, tendered_cash, created_at, recorded_at, prev_hash, hash) "
            "SELECT gen_random_uuid(), :till, s, 'cash_sale', :card, 0, 0, '[]', 0, 0, "
            "100, 0, 100, now(), now(), 'x', 'y' FROM generate_series(1, :n) s"),
            {"card": card, "till": till_id, "n": count})
        conn.execute(text("ALTER TABLE journal ENABLE TRIGGER journal_apply"))


@pytest.mark.postgres
def test_a_bulk_insert_arrives_whole_in_capped_batches(
        centre: Centre, feed: FeedSource) -> None:
    bulk_insert(centre, 2, 1_500)
    send_heartbeat(centre.engine, 2, BEAT)  # any wake-up: the cursor does the rest
    notes, batches = gather(feed, lambda got: len(got) >= 1_500)
    seqs = [n.seq for n in notes if isinstance(n, FeedNote)]
    assert seqs == list(range(1, 1_501))  # every entry once, in the till's order
    assert batches == 3  # at most PER_TILL (500) per read
    assert feed.wait(0.2) == []


@pytest.mark.postgres
def test_a_till_far_behind_is_counted_not_listed(
        centre: Centre, feed: FeedSource, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_feed, "SKIP_AHEAD", 1_000)
    bulk_insert(centre, 2, 1_500)
    send_heartbeat(centre.engine, 2, BEAT)
    notes, _ = gather(feed, bool)
    assert notes == [BulkNote(1_500)]


def test_the_sqlite_feed_finds_new_entries_by_itself(books: Books) -> None:
    card = chinese_card(books, "770001", "李娜", 10_000)  # before: not announced
    feed = LiveStore(books.engine).open_feed()
    assert feed.wait(0.05) == []
    out = books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 700,
                                        datetime.now().astimezone(), cashier_id=1))
    assert out.entry is not None
    notes = feed.wait(2.0)
    feed.close()
    assert [(n.id, n.kind) for n in notes if isinstance(n, FeedNote)] == [
        (out.entry.id, "sale")]


def lunch_type(books: Books) -> int:
    now = datetime.now().astimezone(books.ledger.rules.clock.zone)
    minute = now.hour * 60 + now.minute
    window = MealWindow("午餐", max(0, minute - 60), min(24 * 60, minute + 60))
    return books.refs.add_card_type(CardType("lunch", "Lunch", meal_windows=(window,)))


def test_todays_figures_equal_direct_sums(books: Books) -> None:
    lunch = lunch_type(books)
    now = datetime.now().astimezone()
    cards = [chinese_card(books, f"66000{i}", f"王{i}", 20_000) for i in range(3)]
    holder = books.refs.add_holder("赵敏")
    lunch_card = books.refs.add_card("660009", holder, lunch, uid="UID660009")
    books.ledger.recharge(uuid.uuid4(), 99, lunch_card, 5_000, now)
    sold = [books.ledger.sale(SaleRequest(uuid.uuid4(), 1, c, a, now, cashier_id=1))
            for c, a in ((cards[0], 1_000), (cards[0], 500), (cards[1], 250),
                         (lunch_card, 1_500))]
    first = sold[0].entry
    assert first is not None
    books.ledger.void(uuid.uuid4(), 1, first.id, now, cashier_id=1)
    books.ledger.cash_sale(uuid.uuid4(), 2, 800, now, cashier_id=1)
    figures = LiveConsole(LiveStore(books.engine), TodayQueries(books.engine),
                          HealthQueries(books.engine)).today(MANAGER)
    assert figures.day == books.ledger.rules.clock.business_day(now)
    assert figures.revenue == 500 + 250 + 1_500 + 800  # the voided 1,000 is gone
    assert figures.sales == 4 + 1 - 1
    assert figures.cards == 3  # card 0 (voided once, bought again), card 1, the lunch card
    meals = {m.name: (m.revenue, m.sales) for m in figures.meals}
    assert meals == {"午餐": (1_500, 1), "": (1_000 + 500 + 250 - 1_000 + 800, 3 + 1 - 1)}
    assert sum(m.revenue for m in figures.meals) == figures.revenue
    assert sum(m.sales for m in figures.meals) == figures.sales


def test_the_console_asks_for_the_reports_permission(books: Books) -> None:
    console = LiveConsole(LiveStore(books.engine), TodayQueries(books.engine),
                          HealthQueries(books.engine))
    cashier = Session(1, "books-cashier", "Li Na", Role.CASHIER)
    for call in (console.today, console.health, console.open_feed):
        with pytest.raises(PermissionDenied):
            call(cashier)


@pytest.mark.postgres
def test_a_silent_till_is_flagged_and_a_healthy_one_is_not(centre: Centre) -> None:
    send_heartbeat(centre.engine, 1, BEAT)
    send_heartbeat(centre.engine, 2, {**BEAT, "printer": "paper out"})
    with centre.engine.begin() as conn:  # till 2 last spoke a minute ago
        conn.execute(text("UPDATE till_heartbeats SET seen_at = seen_at - interval '60 s' "
                          "WHERE till_id = 2"))
    console = LiveConsole(LiveStore(centre.engine), TodayQueries(centre.engine),
                          HealthQueries(centre.engine))
    rows = {h.record.till_id: h for h in console.health(MANAGER)}
    assert rows[1].flags == frozenset()
    assert rows[2].flags == {HealthFlag.SILENT, HealthFlag.PRINTER}
    assert rows[2].silent_s is not None and rows[2].silent_s >= 60
    assert rows[99].record.seen_at is None and rows[99].flags == frozenset()


@pytest.mark.postgres
def test_a_shift_closed_today_with_a_large_difference_is_flagged(centre: Centre) -> None:
    base = {"link": "offline", "link_for_s": 5, "unsent": 3, "printer": "ok",
            "reader_ok": False, "reader": "no reader", "z_no": 7, "closed_for_s": 60,
            "shift": str(uuid.uuid4()), "cashier": 1}
    send_heartbeat(centre.engine, 1, {**base, "difference": -2_500})
    send_heartbeat(centre.engine, 2, {**base, "difference": 500})
    console = LiveConsole(LiveStore(centre.engine), TodayQueries(centre.engine),
                          HealthQueries(centre.engine), difference_alarm=1_000)
    rows = {h.record.till_id: h for h in console.health(MANAGER)}
    common = {HealthFlag.OFFLINE, HealthFlag.UNSENT, HealthFlag.READER}
    assert rows[1].flags == common | {HealthFlag.SHIFT_DIFFERENCE}
    assert rows[2].flags == common
    r = rows[1].record
    assert (r.last_z_no, r.last_difference, r.shift_open, r.shift_cashier) == (
        7, -2_500, True, "Li Na")
    assert r.last_closed_at is not None
    assert abs(r.last_closed_at - (datetime.now(UTC) - timedelta(seconds=60))) \
        < timedelta(seconds=30)
