"""The centre's sale on PostgreSQL: same bytes, same answers, same errors as the ledger."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests.conftest import NOW, Books
from tests.pg import CentreClock
from tests.store.test_central_postgres import till_engine
from tests.threads import run_together
from tillcard.domain.cards import CardStatus
from tillcard.domain.journal import Entry, EntryKind, NewGrant, bonus_parts_to_json
from tillcard.domain.rules import RefusalCode
from tillcard.store.engine import make_engine
from tillcard.store.ledger import CentreTooOld, EntryConflict, Ledger, LedgerError, SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.roles import create_roles
from tillcard.store.schema import JournalRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres

# every character class Python's json.dumps(ensure_ascii=True) treats differently
# any text PostgreSQL can store: no NUL, no lone surrogates (not encodable as UTF-8)
awkward_text = st.text(alphabet=st.characters(exclude_characters="\x00",
                                              exclude_categories=("Cs",)), max_size=12)
entries = st.builds(
    Entry,
    id=st.uuids(), till_id=st.integers(1, 2**31 - 1), seq=st.integers(1, 2**40),
    kind=st.sampled_from(list(EntryKind)), card_id=st.integers(1, 2**31 - 1),
    cash_delta=st.integers(-(2**40), 2**40),
    bonus_parts=st.lists(st.tuples(awkward_text, st.integers(-(2**40), 2**40)),
                         max_size=3).map(tuple),
    new_grant=st.none() | st.builds(NewGrant, awkward_text, st.integers(0, 2**40),
                                    st.dates(date(1000, 1, 1), date(9999, 12, 31))),
    list_amount=st.integers(0, 2**40), discount=st.integers(0, 2**40),
    tendered_cash=st.integers(0, 2**40), refers_to=st.none() | st.uuids(),
    cashier_id=st.none() | st.integers(1, 2**31 - 1),
    created_at=st.datetimes(datetime(1970, 1, 2), datetime(9999, 12, 30),
                            timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)),
                                                       timezone(timedelta(hours=-9,
                                                                          minutes=-30))])),
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(e=entries)
def test_canonical_form_and_hash_are_byte_identical(pg_engine: Engine, e: Entry):
    """What ``tillcard verify`` recomputes in Python is what the function hashed."""
    g = e.new_grant
    with pg_engine.connect() as conn:
        row = conn.execute(text(
            "SELECT tillcard_entry_canonical(:id, :till, :seq, :kind, :card, :cash, :bonus, "
            ":gid, :gamount, :gexp, :list, :discount, :tendered, :refers, :cashier, :at), "
            "tillcard_chain_hash(:prev, tillcard_entry_canonical(:id, :till, :seq, :kind, "
            ":card, :cash, :bonus, :gid, :gamount, :gexp, :list, :discount, :tendered, "
            ":refers, :cashier, :at)), "
            "'[' || coalesce((SELECT string_agg('[' || tillcard_json_str(p->>0) || ',' "
            "|| (p->>1) || ']', ',' ORDER BY n) FROM json_array_elements(CAST(:bonus AS json)) "
            "WITH ORDINALITY AS a(p, n)), '') || ']'"),
            {"id": e.id, "till": e.till_id, "seq": e.seq, "kind": str(e.kind),
             "card": e.card_id, "cash": e.cash_delta,
             "bonus": bonus_parts_to_json(e.bonus_parts), "gid": g.id if g else None,
             "gamount": g.amount if g else 0, "gexp": g.expires_on if g else None,
             "list": e.list_amount, "discount": e.discount, "tendered": e.tendered_cash,
             "refers": e.refers_to, "cashier": e.cashier_id, "at": e.created_at,
             "prev": e.prev_hash}).one()
    assert row[0].encode() == e.canonical()
    assert row[1] == e.hash
    # the function builds a sale's bonus parts itself: the journal column's exact text
    assert row[2] == bonus_parts_to_json(e.bonus_parts)


def sale(card: int, amount: int, *, till: int = 1, at: datetime = NOW,
         entry_id: uuid.UUID | None = None, **kw: object) -> SaleRequest:
    return SaleRequest(entry_id or uuid.uuid4(), till, card, amount, at, **kw)  # type: ignore


def test_sale_replay_conflict_and_expiry(pg_books: Books, centre_clock: CentreClock):
    ledger = pg_books.ledger
    assert ledger._pg is not None  # the centre's functions
    c = pg_books.card("8001", "bonus")
    ledger.recharge(uuid.uuid4(), 1, c, 1_000, NOW)  # +100 bonus, expires in 7 days
    req = sale(c, 150, cashier_id=1)
    first = ledger.sale(req)
    assert first.entry is not None and first.refusal is None and not first.replayed
    assert first.entry.created_at == NOW  # the centre's clock, not the request's
    assert dict(first.entry.bonus_parts) and first.entry.bonus_delta == -100
    assert first.entry.cash_delta == -50 and first.wallet.cash == 950
    assert first.spent.amount == 150 and first.spent.count == 1
    stored = ledger.entry(req.entry_id)
    assert stored is not None and stored.hash == first.entry.hash
    again = ledger.sale(req)
    assert again.replayed and again.entry == stored and again.quote is None
    assert again.wallet.cash == 950
    with pytest.raises(EntryConflict):
        ledger.sale(sale(c, 151, entry_id=req.entry_id))
    other = pg_books.card("8002", cash=1_000)
    with pytest.raises(EntryConflict):
        ledger.sale(sale(other, 150, entry_id=req.entry_id))
    # a second grant, left to expire: it leaves through an entry before the sale
    centre_clock.set(NOW + timedelta(days=1))
    ledger.recharge(uuid.uuid4(), 1, c, 1_000, NOW)
    centre_clock.set(NOW + timedelta(days=30))
    late = ledger.sale(sale(c, 10))
    assert [e.kind for e in late.extra] == [EntryKind.BONUS_EXPIRE]
    assert late.extra[0].bonus_delta == -100
    assert late.entry is not None and late.entry.seq == late.extra[0].seq + 1
    assert late.entry.prev_hash == late.extra[0].hash
    assert late.wallet.bonus(NOW.date() + timedelta(days=30)) == 0
    # a refusal still lets the expiry through, as the SQLite ledger does
    centre_clock.set(NOW + timedelta(days=31))
    ledger.recharge(uuid.uuid4(), 1, c, 100, NOW)
    centre_clock.set(NOW + timedelta(days=60))
    refused = ledger.sale(sale(c, 1_000_000))
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.INSUFFICIENT
    assert len(refused.extra) == 1 and refused.entry is None
    assert ledger.entry(refused.extra[0].id) == refused.extra[0]
    rep = verify(pg_books.engine)
    assert rep.ok, rep.problems


def test_limits_pin_status_and_split(pg_books: Books):
    ledger = pg_books.ledger
    c = pg_books.card("8101", "staff", cash=20_000)  # 10 % off, 80.00/day, PIN > 50.00
    pin = ledger.sale(sale(c, 6_000))
    assert pin.refusal is not None and pin.refusal.code is RefusalCode.PIN_REQUIRED
    ok = ledger.sale(sale(c, 6_000, pin_verified=True))
    assert ok.entry is not None and ok.entry.discount == 600 and ok.spent.amount == 5_400
    over = ledger.sale(sale(c, 5_000))
    assert over.refusal is not None and over.refusal.code is RefusalCode.OVER_DAILY_AMOUNT
    assert over.refusal.numbers == {"left": 2_600, "limit": 8_000}
    poor = pg_books.card("8111", cash=390)
    short = ledger.sale(sale(poor, 1_000))
    assert short.refusal is not None
    assert short.refusal.numbers == {"shortfall": 610, "available": 390}
    split = ledger.sale(sale(poor, 1_000, split_tender=True))
    assert split.entry is not None and split.entry.tendered_cash == 610
    assert split.wallet.cash == 0
    frozen = pg_books.card("8121", cash=1_000)
    pg_books.refs.set_card_status(frozen, CardStatus.FROZEN)
    refused = ledger.sale(sale(frozen, 100))
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.FROZEN
    assert verify(pg_books.engine).ok


def test_unknown_card_and_till_are_ledger_errors(pg_books: Books):
    c = pg_books.card("8201", cash=1_000)
    with pytest.raises(LedgerError, match="unknown card"):
        pg_books.ledger.sale(sale(999_999, 100))
    with pytest.raises(LedgerError, match="unknown till"):
        pg_books.ledger.sale(sale(c, 100, till=4242))
    with pytest.raises(LedgerError, match="unknown card"):
        pg_books.ledger.card_state(999_999, NOW.date())
    assert pg_books.ledger.card_state(c, NOW.date())[1].cash == 1_000  # nothing moved


def test_card_state_is_what_the_sale_answered(pg_books: Books):
    c = pg_books.card("8301", "bonus")
    pg_books.ledger.recharge(uuid.uuid4(), 1, c, 1_000, NOW)
    out = pg_books.ledger.sale(sale(c, 30))
    card, wallet, spent = pg_books.ledger.card_state(c, NOW.date())
    assert (card, wallet, spent) == (out.card, out.wallet, out.spent)
    tomorrow = pg_books.ledger.card_state(c, NOW.date() + timedelta(days=1))
    assert tomorrow[2].amount == 0 and tomorrow[1] == wallet


def test_same_uuid_racing_on_two_cards_is_a_conflict_not_a_crash(pg_books: Books):
    cards = [pg_books.card(f"84{i}", cash=5_000) for i in range(2)]
    for attempt in range(20):
        entry_id = uuid.uuid4()
        together = threading.Barrier(2)
        outcomes: list[object] = []

        def send(card: int, entry_id: uuid.UUID = entry_id, amount: int = 100 + attempt,
                 together: threading.Barrier = together,
                 outcomes: list[object] = outcomes) -> None:
            together.wait(timeout=30)
            try:
                outcomes.append(pg_books.ledger.sale(sale(card, amount, entry_id=entry_id)))
            except EntryConflict as exc:
                outcomes.append(exc)

        run_together(send, [(c,) for c in cards], timeout=30)
        assert sorted(type(o).__name__ for o in outcomes) == ["EntryConflict", "Outcome"]
    with pg_books.engine.connect() as conn:
        assert conn.execute(select(JournalRow.id).where(JournalRow.kind == "sale")).all()
    assert verify(pg_books.engine).ok


def test_engine_cursor_listeners_see_the_fast_path(pg_books: Books):
    """The sync watchdog finds the socket to cut through ``before_cursor_execute``."""
    c = pg_books.card("8501", cash=1_000)
    seen: list[tuple[str, int]] = []

    @event.listens_for(pg_books.engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, _params, _ctx, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, int(conn.connection.dbapi_connection.pgconn.socket)))

    try:
        pg_books.ledger.card_state(c, NOW.date())
        pg_books.ledger.sale(sale(c, 100))
    finally:
        event.remove(pg_books.engine, "before_cursor_execute", _seen)
    assert [s for s, _ in seen if "tillcard_sale" in s]
    assert all(fd > 0 for _, fd in seen)


def test_a_killed_connection_is_a_link_error_then_the_pool_recovers(pg_url: str):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    try:
        upgrade(engine)
        from tests.conftest import make_books

        books = make_books(engine)
        c = books.card("8601", cash=1_000)
        ledger = Ledger(engine)
        ledger.card_state(c, NOW.date())  # the pooled connection has the statements now
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        killer = make_engine(pg_url)
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        killer.dispose()
        with pytest.raises(DBAPIError) as info:
            ledger.sale(sale(c, 100))
        assert info.value.connection_invalidated
        out = ledger.sale(sale(c, 100))  # a fresh connection, statements prepared again
        assert out.entry is not None and out.wallet.cash == 900
    finally:
        engine.dispose()


def test_till_login_may_sell_but_manager_may_not(pg_books: Books, pg_url: str):
    c = pg_books.card("8701", cash=1_000)
    create_roles(pg_books.engine)
    till = till_engine(pg_url, pg_books.engine, till_id=1)
    try:
        out = Ledger(till).sale(sale(c, 100))
        assert out.entry is not None and out.wallet.cash == 900
    finally:
        till.dispose()
    manager = make_engine(pg_url)

    @event.listens_for(manager, "connect")
    def _as_manager(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
        with dbapi_conn.cursor() as cur:
            cur.execute("SET ROLE tillcard_manager")
        dbapi_conn.commit()

    try:
        with pytest.raises(ProgrammingError, match="permission denied"):
            Ledger(manager).sale(sale(c, 100))
    finally:
        manager.dispose()
    assert verify(pg_books.engine).ok


def test_a_centre_without_the_money_functions_is_named_not_bypassed(pg_books: Books):
    c = pg_books.card("8801", cash=1_000)
    with pg_books.engine.begin() as conn:
        conn.execute(text("DROP FUNCTION tillcard_sale(uuid, integer, bigint, bigint, "
                          "integer, boolean, boolean)"))
    with pytest.raises(CentreTooOld, match="tillcard db upgrade"):
        Ledger(pg_books.engine).sale(sale(c, 100))
    assert pg_books.ledger.card_state(c, NOW.date())[1].cash == 1_000


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(["UTC", "Asia/Shanghai", "Europe/Berlin", "America/St_Johns",
                             "Pacific/Kiritimati", "Australia/Lord_Howe"]),
       cutoff=st.integers(0, 1439),
       at=st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_the_centre_maps_instants_to_business_days_as_the_domain(pg_engine: Engine, zone: str,
                                                                  cutoff: int, at: datetime):
    from tillcard.domain.clock import SiteClock

    with pg_engine.connect() as conn:
        day = conn.execute(text("SELECT tillcard_business_day(:at, :z, :c)"),
                           {"at": at, "z": zone, "c": cutoff}).scalar_one()
    assert day == SiteClock(zone, cutoff).business_day(at)
