"""Outages at service level: a real PostgreSQL behind a proxy that cuts, black-holes, slows."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Centre
from tests.pg import LOGINS
from tests.sync.conftest import TillFactory
from tests.sync.proxy import Proxy
from tillcard.cli import main
from tillcard.domain.cards import CardStatus, CardType
from tillcard.domain.journal import EntryState
from tillcard.domain.rules import RefusalCode, Refused
from tillcard.store.backfill import backfill
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.schema import CardRow, ExceptionRow, JournalRow, PurseRow
from tillcard.store.verify import verify
from tillcard.sync.link import LinkState
from tillcard.sync.push import reversal_id, settle
from tillcard.sync.till_sync import TillSync

pytestmark = pytest.mark.postgres


def now() -> datetime:
    return datetime.now().astimezone()


def sale(sync: TillSync, card_id: int, amount: int, **kw: object):
    return sync.sale(SaleRequest(entry_id=uuid.uuid4(), till_id=sync.till_id, card_id=card_id,
                                 list_amount=amount, created_at=now(), cashier_id=None,
                                 **kw))  # type: ignore[arg-type]


def central_balance(c: Centre, card_id: int) -> int:
    with c.engine.connect() as conn:
        p = conn.execute(select(PurseRow).where(PurseRow.card_id == card_id)).one()
        return int(p.cash + p.bonus)


def journal_count(c: Centre, entry_id: uuid.UUID) -> int:
    with c.engine.connect() as conn:
        return len(conn.execute(select(JournalRow.id).where(JournalRow.id == entry_id)).all())


def card_status(c: Centre, card_id: int) -> str:
    with c.engine.connect() as conn:
        return str(conn.execute(select(CardRow.status).where(CardRow.id == card_id))
                   .scalar_one())


def test_online_sale_is_applied_at_the_centre_and_recorded_at_the_till(
        centre: Centre, make_till: TillFactory):
    card = centre.books.card("1001", cash=10_000)
    till = make_till()
    out = sale(till, card, 1_250)
    assert out.entry is not None and not out.offline
    assert out.wallet.cash == 8_750
    item = till.cache.item(out.entry.id)
    assert item is not None and item.state is EntryState.APPLIED
    assert item.entry.seq == out.entry.seq > 0
    assert central_balance(centre, card) == 8_750
    assert till.cache.card_state(card, now().date())[1].cash == 8_750


def test_keeps_selling_when_the_link_is_cut_and_backfills_each_entry_once(
        centre: Centre, make_till: TillFactory, proxy: Proxy):
    card = centre.books.card("1002", cash=10_000)
    till = make_till()
    proxy.cut()
    first = sale(till, card, 1_000)  # the centre fails mid-call: sold offline instead
    assert first.entry is not None and first.offline
    assert till.link.state is LinkState.OFFLINE
    more = [sale(till, card, 500) for _ in range(5)]
    assert all(o.entry is not None and o.offline for o in more)
    assert till.cache.card_state(card, now().date())[1].balance(now().date()) == 6_500
    assert till.link.status().unsent == 6
    assert central_balance(centre, card) == 10_000

    proxy.restore()
    till.probe()
    till.link.recovering()
    report = till.cycle()
    assert report.pushed.applied == 6
    assert till.link.online and till.link.status().unsent == 0
    assert central_balance(centre, card) == 6_500
    ids = [first.entry.id] + [o.entry.id for o in more if o.entry]
    assert [journal_count(centre, i) for i in ids] == [1] * 6
    states = {i.state for i in till.cache.items()}
    assert states == {EntryState.APPLIED}
    rep = verify(centre.engine)
    assert rep.ok, rep.problems

    # pushing again (as after a crash before the local mark) changes nothing
    again = backfill(centre.engine, 1, [o.entry for o in more if o.entry])
    assert all(r.replayed for r in again.items)
    assert central_balance(centre, card) == 6_500


def test_a_black_holed_centre_costs_one_bounded_wait_then_sales_are_local(
        centre: Centre, make_till: TillFactory, proxy: Proxy):
    card = centre.books.card("1003", cash=10_000)
    till = make_till()
    proxy.blackhole()
    out = sale(till, card, 700)  # returns after the watchdog's deadline, not minutes
    assert out.entry is not None and out.offline
    assert till.link.state is LinkState.OFFLINE
    out2 = sale(till, card, 300)
    assert out2.entry is not None and out2.offline
    proxy.restore()
    till.probe()
    till.link.recovering()
    till.cycle()
    assert central_balance(centre, card) == 9_000
    assert verify(centre.engine).ok


def test_a_slow_link_still_sells_online(centre: Centre, make_till: TillFactory,
                                        proxy: Proxy):
    card = centre.books.card("1004", cash=10_000)
    till = make_till()
    proxy.slow(0.01)
    out = sale(till, card, 100)
    assert out.entry is not None and not out.offline
    assert till.link.online


def test_offline_rules(centre: Centre, make_till: TillFactory, proxy: Proxy):
    capped = centre.books.refs.add_card_type(CardType("capped", "Capped", offline_limit=2_000))
    centre.books.types["capped"] = capped
    card = centre.books.card("1005", "capped", cash=10_000)
    poor = centre.books.card("1006", cash=1_000)
    rich = centre.books.card("1011", cash=50_000)
    till = make_till(cap=3_000)
    new_card = centre.books.card("1007", cash=5_000)  # issued after the till's last pull
    till.link.down("test")

    assert till.find_card_id("1007") is None  # unknown offline: refused at lookup
    assert sale(till, card, 1_500).entry is not None
    over = sale(till, card, 600)
    assert over.refusal is not None and over.refusal.code is RefusalCode.OFFLINE_LIMIT
    assert over.refusal.numbers == {"left": 500, "limit": 2_000}
    # cached balance less this till's unsent debits
    assert sale(till, poor, 800).entry is not None
    short = sale(till, poor, 300)
    assert short.refusal is not None and short.refusal.code is RefusalCode.INSUFFICIENT
    # the till's cap over all cards: 1,500 + 800 + 200 sold, 500 left
    split = sale(till, poor, 500, split_tender=True)
    assert split.entry is not None and split.quote is not None
    assert (split.quote.card_part, split.quote.shortfall) == (200, 300)
    cap = sale(till, rich, 600)
    assert cap.refusal is not None and cap.refusal.code is RefusalCode.OFFLINE_TILL_CAP
    assert cap.refusal.numbers == {"left": 500, "limit": 3_000}
    assert sale(till, rich, 500).entry is not None
    with pytest.raises(Refused) as refused:  # the checkout shows it as a refusal
        sale(till, new_card, 100)
    assert refused.value.refusal.code is RefusalCode.OFFLINE_UNKNOWN_CARD


def test_frozen_card_reaches_an_offline_till_at_its_next_sync(
        centre: Centre, make_till: TillFactory, proxy: Proxy):
    card = centre.books.card("1008", cash=10_000)
    till = make_till()
    till.link.down("test")
    centre.books.refs.set_card_status(card, CardStatus.FROZEN)
    assert sale(till, card, 100).entry is not None  # it cannot know yet
    till.probe()
    till.link.recovering()
    till.cycle()
    till.link.down("test")
    refused = sale(till, card, 100)
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.FROZEN
    # the sale made before the sync reached the centre as an exception for managers
    with centre.engine.connect() as conn:
        kinds = conn.execute(select(ExceptionRow.kind)).scalars().all()
    assert kinds == ["sold_while_frozen"]


def test_two_tills_offline_overspend_a_card_both_sales_land_card_blocked(
        centre: Centre, make_till: TillFactory, proxy: Proxy,
        capsys: pytest.CaptureFixture[str]):
    card = centre.books.card("1009", cash=3_000)
    till1, till2 = make_till(1), make_till(2)
    proxy.cut()
    till1.link.down("test")
    till2.link.down("test")
    a = sale(till1, card, 2_000)
    b = sale(till2, card, 2_000)
    assert a.entry is not None and b.entry is not None
    proxy.restore()
    for t in (till1, till2):
        t.probe()
        t.link.recovering()
        t.cycle()
    assert central_balance(centre, card) == -1_000
    assert card_status(centre, card) == CardStatus.BLOCKED.value
    with centre.engine.connect() as conn:
        exc = conn.execute(select(ExceptionRow)).one()
    assert (exc.till_id, exc.card_id, exc.kind, exc.amount) == (2, card, "negative_balance",
                                                                -1_000)
    assert exc.entry_id == b.entry.id
    item = till2.cache.item(b.entry.id)
    assert item is not None and item.state is EntryState.EXCEPTION
    assert item.note == "negative_balance"
    assert verify(centre.engine).ok
    # managers see it listed: where, who, whose card, how much
    code = main(["exceptions", "--db", centre.url, "--json"])
    [listed] = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (listed["kind"], listed["till"], listed["card_number"], listed["holder"],
            listed["amount"]) == ("negative_balance", "Till 2", "1009", "Holder 1009", -1_000)
    # online, the blocked card is refused until recharged
    refused = sale(till1, card, 100)
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.BLOCKED
    Ledger(centre.engine).recharge(uuid.uuid4(), 1, card, 5_000, now())
    assert card_status(centre, card) == CardStatus.ACTIVE.value


def test_settling_sales_of_unknown_fate(centre: Centre, make_till: TillFactory):
    card = centre.books.card("1010", cash=10_000)
    till = make_till()
    # two sales the cashier never saw confirmed: one the centre has, one it never got
    seen = SaleRequest(uuid.uuid4(), 1, card, 1_000, now())
    lost = SaleRequest(uuid.uuid4(), 1, card, 2_000, now())
    from tillcard.sync.till_sync import _request_entry

    for req in (seen, lost):
        till.cache.add(_request_entry(req), EntryState.AUTHORIZING, sent_at=now())
    Ledger(centre.engine).sale(seen)
    assert central_balance(centre, card) == 9_000
    young = settle(centre.engine, till.cache, margin_s=60)
    assert young.waiting == 2 and young.abandoned == 0
    later = datetime.now(UTC) + timedelta(seconds=120)
    done = settle(centre.engine, till.cache, margin_s=60, now=later)
    assert (done.applied_reversed, done.abandoned) == (1, 1)
    assert central_balance(centre, card) == 10_000  # charged, then reversed
    assert journal_count(centre, reversal_id(seen.entry_id)) == 1
    assert journal_count(centre, lost.entry_id) == 0
    got, gone = till.cache.item(seen.entry_id), till.cache.item(lost.entry_id)
    assert got is not None and got.state is EntryState.APPLIED
    assert gone is not None and gone.state is EntryState.ABANDONED
    # settling again finds nothing left and charges nothing
    assert settle(centre.engine, till.cache, margin_s=60, now=later).abandoned == 0
    assert central_balance(centre, card) == 10_000
    assert verify(centre.engine).ok


def test_a_till_holding_only_the_till_role_sells_backfills_and_settles(
        centre: Centre, make_till: TillFactory, proxy: Proxy):
    """Least privilege: the till's database role is enough for every sync path."""
    from sqlalchemy import text

    from tillcard.store.roles import create_roles, create_till_login
    from tillcard.sync.till_sync import _request_entry

    create_roles(centre.engine)
    login = f"till_{uuid.uuid4().hex[:8]}"
    create_till_login(centre.engine, 1, login)
    LOGINS.append(login)  # dropped when the session ends
    till = make_till(user=login)
    try:
        card = centre.books.card("1101", cash=3_000)
        till.probe()
        till.cycle()
        assert sale(till, card, 500).entry is not None  # online, as the till role
        till.set_pin_failures(card, 1)
        unconfirmed = SaleRequest(uuid.uuid4(), 1, card, 100, now())
        till.cache.add(_request_entry(unconfirmed), EntryState.AUTHORIZING, sent_at=now())
        Ledger(till.central).sale(unconfirmed)  # reached the centre; the till never knew
        till.link.down("test")
        assert sale(till, card, 2_000).entry is not None
        till.link.recovering()
        till.cycle()
        settle(till.central, till.cache, margin_s=0)  # the 100 is reversed
        till.cycle()
        till.link.down("test")  # 2,500 of 3,000 spent; the replica says 500 is left
        assert sale(till, card, 500).entry is not None
        centre.books.ledger.sale(SaleRequest(uuid.uuid4(), 2, card, 300, now()))
        till.link.recovering()
        till.cycle()  # back-fill leaves the card at -300: blocked, exception raised
        assert central_balance(centre, card) == -300
        assert card_status(centre, card) == CardStatus.BLOCKED.value
        rev = till.cache.item(unconfirmed.entry_id)
        assert rev is not None and rev.state is EntryState.APPLIED
        assert journal_count(centre, reversal_id(unconfirmed.entry_id)) == 1
        assert verify(centre.engine).ok
    finally:
        till.central.dispose()
        with centre.engine.begin() as conn:
            conn.execute(text(f"DROP ROLE {login}"))
