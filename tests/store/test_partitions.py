"""Migration 0020: the journal in monthly partitions, uniqueness across months kept."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import NOW, Books
from tests.pg import CentreClock
from tillcard.store import partitions as parts
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.verify import verify

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def _months(engine: Engine, since: date, through: date) -> None:
    with engine.begin() as conn:
        parts.ensure_partitions(conn, since=since, through=through)


def _where(engine: Engine, entry: uuid.UUID) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT tableoid::regclass::text FROM journal "
                                     "WHERE id = :i"), {"i": entry}).scalar_one())


def _at(engine: Engine, when: datetime) -> None:
    CentreClock.of(engine).set(when)


def test_a_migrated_journal_is_partitioned_and_a_sale_lands_in_its_month(pg_books: Books):
    engine = pg_books.engine
    with engine.connect() as conn:
        assert parts.is_partitioned(conn)
        kinds = dict(conn.execute(text(
            "SELECT c.relname, c.relkind FROM pg_inherits i JOIN pg_class c "
            "ON c.oid = i.inhrelid WHERE i.inhparent = 'journal'::regclass")).all())
        assert kinds.get(parts.DEFAULT) == "r"
        # db upgrade made this month and the next ones
        now = parts.month_of(datetime.now().astimezone())
        assert {now, parts.add_months(now, parts.AHEAD)} <= set(parts.months(conn))
        triggers = set(conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'journal'::regclass")).scalars())
        assert {"journal_apply", "journal_no_update",
                "journal_no_truncate"} <= triggers
    _months(engine, NOV, NOV)
    card = pg_books.card("8801", cash=5_000)
    s = Ledger(engine).sale(SaleRequest(uuid.uuid4(), 1, card, 300, NOW)).entry
    assert s is not None
    assert _where(engine, s.id) == "journal_2026_11"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT created_at FROM journal_ids WHERE id = :i"),
                            {"i": s.id}).scalar_one() == s.created_at
    # append-only holds on the partition itself, as on the journal
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM journal_2026_11"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE journal_2026_11"))
    assert verify(engine).ok


def test_entries_of_several_months_land_in_theirs_and_the_default_is_split(pg_books: Books):
    engine = pg_books.engine
    _months(engine, OCT, NOV)
    card = pg_books.card("8802")
    ledger = Ledger(engine)
    placed = {}
    for when in (datetime(2026, 9, 20, 12, tzinfo=NOW.tzinfo), NOW - timedelta(days=30),
                 NOW):
        _at(engine, when)
        r = ledger.recharge(uuid.uuid4(), 1, card, 1_000, when).entry
        assert r is not None
        placed[when.month] = r.id
    assert _where(engine, placed[10]) == "journal_2026_10"
    assert _where(engine, placed[11]) == "journal_2026_11"
    assert _where(engine, placed[9]) == parts.DEFAULT  # no September yet: never refused
    _months(engine, SEP, SEP)  # maintenance: September out of the default partition
    assert _where(engine, placed[9]) == "journal_2026_09"
    with engine.connect() as conn:
        assert parts.default_rows(conn) == 0
    rep = verify(engine)
    assert rep.ok, rep.problems
    assert rep.entries == 3


def test_an_id_is_unique_across_months_and_a_replay_is_a_no_op(pg_books: Books):
    engine = pg_books.engine
    _months(engine, OCT, NOV)
    card = pg_books.card("8803", cash=5_000)
    ledger = Ledger(engine)
    _at(engine, NOW - timedelta(days=30))
    first = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 300, NOW)).entry
    assert first is not None and _where(engine, first.id) == "journal_2026_10"
    _at(engine, NOW)
    again = ledger.sale(SaleRequest(first.id, 1, card, 300, NOW))
    assert again.replayed and again.entry is not None and again.entry.seq == first.seq
    # the same id written by hand in November, past the functions: refused
    with pytest.raises(IntegrityError, match="pk_journal_ids"), engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO journal SELECT id, till_id, seq + 1, kind, card_id, cash_delta, "
            "bonus_delta, bonus_parts, grant_id, grant_amount, grant_expires_on, "
            "list_amount, discount, tendered_cash, refers_to, void_of, cashier_id, "
            "created_at + interval '30 days', recorded_at, hash, hash FROM journal "
            "WHERE id = :i"), {"i": first.id})
    assert verify(engine).ok


def test_a_sale_is_voided_once_across_months(pg_books: Books):
    engine = pg_books.engine
    _months(engine, OCT, NOV)
    card = pg_books.card("8804", cash=5_000)
    ledger = Ledger(engine)
    _at(engine, NOW - timedelta(days=30))
    s = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 300, NOW)).entry
    assert s is not None
    _at(engine, NOW)
    v = ledger.void(uuid.uuid4(), 1, s.id, NOW).entry
    assert v is not None and _where(engine, v.id) == "journal_2026_11"
    # a second void in another month, chained by hand past the function's own check
    with pytest.raises(IntegrityError, match="uq_journal_void_of"), engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO journal SELECT gen_random_uuid(), till_id, seq + 1, kind, card_id, "
            "cash_delta, bonus_delta, bonus_parts, grant_id, grant_amount, "
            "grant_expires_on, list_amount, discount, tendered_cash, refers_to, void_of, "
            "cashier_id, created_at - interval '30 days', recorded_at, hash, hash "
            "FROM journal WHERE id = :i"), {"i": v.id})
    assert verify(engine).ok


def test_demo_data_fills_the_partitioned_journal(pg_url: str):
    from tillcard.commands.demo_data import run_demo_data
    from tillcard.store.engine import make_engine

    run_demo_data(pg_url, 20_000, 75, 3, 3, date(2026, 10, 20))
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            by_part = dict(conn.execute(text(
                "SELECT tableoid::regclass::text, count(*) FROM journal GROUP BY 1")).all())
            assert set(by_part) >= {"journal_2026_08", "journal_2026_09", "journal_2026_10"}
            assert parts.DEFAULT not in by_part
            ids = conn.execute(text("SELECT count(*) FROM journal_ids")).scalar_one()
            voids = conn.execute(text("SELECT count(*) FROM journal_voids")).scalar_one()
            assert ids == sum(by_part.values()) == 20_000
            assert voids == conn.execute(text(
                "SELECT count(*) FROM journal WHERE kind = 'void'")).scalar_one()
            # every index of the journal covers every month (none left ON ONLY the parent)
            assert conn.execute(text(
                "SELECT count(*) FROM pg_index WHERE NOT indisvalid")).scalar_one() == 0
            assert conn.execute(text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'journal'::regclass "
                "AND tgenabled = 'D'")).scalar_one() == 0
        rep = verify(engine)
        assert rep.ok, rep.problems[:5]
    finally:
        engine.dispose()
