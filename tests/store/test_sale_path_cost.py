"""Migration 0019 (the sale path's server CPU): what it changed holds on the real server.

The answers and the books are the twin test's and the day totals' property test's to
judge (``test_pg_sale_rules``, ``test_day_totals``); here: the planner settings that make
the sale cheap cannot make it dear (index scans forced only with JIT off: a disabled
sequential scan costs 10^10 and would compile every statement), one projection trigger
keeps the chain, purse and day totals, a broken chain still writes nothing, and the
functions on the server are the migration's.
"""

from __future__ import annotations

import uuid
from types import ModuleType

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import NOW, Books
from tillcard.store.ledger import SaleRequest
from tillcard.store.migrations.earlier import migration

pytestmark = pytest.mark.postgres

TILL = 1  # the books' till


def _migration(revision: str = "0019") -> ModuleType:
    return migration(revision)


def _body(sql: str) -> str:
    return sql[sql.index("AS $$") + len("AS $$"):sql.rindex("$$")]


def test_no_function_forces_index_scans_with_jit_on(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT proname, proconfig FROM pg_proc "
            "WHERE 'enable_seqscan=off' = ANY(proconfig)")).all()
    names = {name for name, _ in rows}
    assert {"tillcard_sale", "tillcard_journal_apply"} <= names
    for name, config in rows:
        assert "jit=off" in config, name
    sale = dict(rows)["tillcard_sale"]
    assert "join_collapse_limit=1" in sale
    assert any(c.startswith("search_path=pg_catalog") for c in sale)


def test_the_functions_on_the_server_are_the_migrations(pg_engine: Engine) -> None:
    m = _migration()
    with pg_engine.connect() as conn:
        src = dict(conn.execute(text(
            "SELECT proname, prosrc FROM pg_proc WHERE proname IN "
            "('tillcard_sale', 'tillcard_journal_apply')")).all())
        gone = conn.execute(text(
            "SELECT count(*) FROM pg_proc WHERE proname = 'tillcard_day_totals_add'")).scalar()
    # as 0019 wrote it, then changed by 0020 for the partitioned journal
    partitioned = _migration("0020")
    assert src["tillcard_sale"] == _body(partitioned.sale_replay_by_month(
        partitioned.without_id_conflict(m.sale())))
    assert src["tillcard_journal_apply"] == _body(partitioned.apply_with_keys(
        m.APPLY.replace("{totals}", m.totals_insert())))
    assert "ELSIF v_outside THEN" in src["tillcard_sale"]
    assert "INSERT INTO day_totals" in src["tillcard_journal_apply"]
    assert gone == 0


def test_one_row_trigger_projects_an_entry(pg_books: Books) -> None:
    """The chain head, the purse and the day totals move together, from one trigger."""
    pg_engine = pg_books.engine
    card = pg_books.card("880001", cash=5_000)
    with pg_engine.connect() as conn:
        triggers = set(conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'journal'::regclass "
            "AND NOT tgisinternal AND tgtype & 1 = 1 AND tgtype & 2 = 0 AND tgtype & 4 = 4"
        )).scalars())
        before = conn.execute(text("SELECT coalesce(sum(n), 0) FROM day_totals")).scalar()
        cash = conn.execute(text("SELECT cash FROM purses WHERE card_id = :c"),
                            {"c": card}).scalar()
    assert triggers == {"journal_apply"}  # one AFTER INSERT row trigger
    out = pg_books.ledger.sale(SaleRequest(uuid.uuid4(), TILL, card, 300, NOW))
    assert out.entry is not None
    with pg_engine.connect() as conn:
        head = conn.execute(text("SELECT last_seq, last_hash FROM tills WHERE id = :t"),
                            {"t": TILL}).one()
        after = conn.execute(text("SELECT coalesce(sum(n), 0) FROM day_totals")).scalar()
        booth = conn.execute(text(
            "SELECT d.booth = t.site FROM day_totals d JOIN tills t ON t.id = d.till_id "
            "WHERE d.till_id = :t"), {"t": TILL}).scalars().all()
        now_cash = conn.execute(text("SELECT cash FROM purses WHERE card_id = :c"),
                                {"c": card}).scalar()
    assert head == (out.entry.seq, out.entry.hash)
    assert after == before + 1
    assert booth == [True]
    assert now_cash == cash + out.entry.cash_delta


def test_a_broken_chain_still_writes_nothing(pg_books: Books) -> None:
    pg_engine = pg_books.engine
    card = pg_books.card("880002", cash=1_000)
    with pg_engine.connect() as conn:
        totals = conn.execute(text("SELECT count(*) FROM day_totals")).scalar()
    with (pytest.raises(DBAPIError, match="does not continue the chain"),
          pg_engine.begin() as conn):
        conn.execute(text(
            "INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, "
            "bonus_delta, bonus_parts, grant_amount, list_amount, discount, "
            "tendered_cash, created_at, recorded_at, prev_hash, hash) VALUES "
            "(gen_random_uuid(), :t, 5, 'cash_sale', :c, 0, 0, '[]', 0, 100, 0, 100, "
            "now(), now(), 'x', 'y')"), {"t": TILL, "c": card})
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM day_totals")).scalar() == totals
        assert conn.execute(text("SELECT last_seq FROM tills WHERE id = :t"),
                            {"t": TILL}).scalar() == 0
