"""The central database: concurrency, idempotency, least privilege, tamper detection."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import Engine, TextClause, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

from tests.conftest import NOW, Books
from tests.pg import till_login_engine
from tests.threads import run_together
from tillcard.domain.rules import RefusalCode
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.schema import JournalRow, PurseRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


def balances(books: Books) -> dict[int, int]:
    with books.engine.connect() as conn:
        return {r.card_id: r.cash + r.bonus for r in conn.execute(select(PurseRow))}


def copy_entry(void_of: str) -> TextClause:
    """An INSERT of journal row ``:i`` again under a new id and the next seq, written by hand."""
    return text("INSERT INTO journal SELECT gen_random_uuid(), till_id, seq + 1, kind, card_id, "
                "cash_delta, bonus_delta, bonus_parts, grant_id, grant_amount, "
                "grant_expires_on, list_amount, discount, tendered_cash, refers_to, "
                f"{void_of}, cashier_id, created_at, recorded_at, prev_hash, hash "
                "FROM journal WHERE id = :i")


def test_sixteen_tills_on_five_shared_cards(pg_books: Books):
    for t in range(3, 17 + 1):
        pg_books.refs.ensure_till(t, f"Till {t}")
    cards = [pg_books.card(f"55{i}", cash=20_000) for i in range(5)]
    before = balances(pg_books)
    applied: list[tuple[int, int]] = []
    refusals: Counter[str] = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def till(till_id: int) -> None:
        rnd = random.Random(till_id)
        ledger = Ledger(pg_books.engine)
        try:
            for _ in range(200):
                card = rnd.choice(cards)
                out = ledger.sale(SaleRequest(uuid.uuid4(), till_id, card,
                                              rnd.randint(100, 2_000), NOW))
                with lock:
                    if out.entry is not None:
                        applied.append((card, -out.entry.total_delta))
                    else:
                        assert out.refusal is not None
                        refusals[out.refusal.code.value] += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    run_together(till, [(t,) for t in range(2, 18)], timeout=120)
    assert not errors, errors
    assert len(applied) + sum(refusals.values()) == 16 * 200
    after = balances(pg_books)
    for c in cards:
        spent = sum(a for card, a in applied if card == c)
        assert after[c] == before[c] - spent
        assert after[c] >= 0
    assert set(refusals) <= {RefusalCode.INSUFFICIENT.value}
    assert refusals[RefusalCode.INSUFFICIENT.value] > 0  # the cards did run dry
    rep = verify(pg_books.engine)
    assert rep.ok, rep.problems[:5]


def test_every_request_sent_twice_applies_once(pg_books: Books):
    cards = [pg_books.card(f"66{i}", cash=50_000) for i in range(3)]
    reqs = [SaleRequest(uuid.uuid4(), 1, random.choice(cards), 100 + i, NOW)
            for i in range(150)]
    ledger = Ledger(pg_books.engine)
    first_results: dict[uuid.UUID, str] = {}

    together = threading.Barrier(2)

    def send(batch: list[SaleRequest]) -> None:
        for r in batch:
            together.wait(timeout=30)  # the retry races the original, as after a timeout
            out = ledger.sale(r)
            assert out.entry is not None
            first_results.setdefault(r.entry_id, out.entry.hash)
            assert first_results[r.entry_id] == out.entry.hash

    run_together(send, [(reqs,), (reqs,)], timeout=60)
    with pg_books.engine.connect() as conn:
        ids = conn.execute(select(JournalRow.id).where(JournalRow.kind == "sale")).scalars()
        counted = Counter(ids)
    assert len(counted) == 150 and set(counted.values()) == {1}
    assert sum(balances(pg_books)[c] for c in cards) == 150_000 - sum(r.list_amount
                                                                       for r in reqs)
    assert verify(pg_books.engine).ok


def till_engine(url: str, owner: Engine, till_id: int = 1) -> Engine:
    """A real till login (role ``tillcard_till``, bound to ``till_id``)."""
    return till_login_engine(url, owner, till_id)


def test_till_role_cannot_rewrite_history_but_can_sell(pg_books: Books, pg_url: str):
    card = pg_books.card("7701", cash=5_000)
    engine = till_engine(pg_url, pg_books.engine)
    try:
        out = Ledger(engine).sale(SaleRequest(uuid.uuid4(), 1, card, 1_000, NOW))
        assert out.entry is not None and out.wallet.cash == 4_000  # the apply path works
        for sql in ("UPDATE journal SET cash_delta = 0",
                    "DELETE FROM journal",
                    "UPDATE purses SET cash = 1000000",
                    "UPDATE bonus_grants SET remaining = 100",
                    "UPDATE tills SET last_seq = 0",
                    "INSERT INTO journal SELECT * FROM journal LIMIT 0",
                    "UPDATE cards SET pin_failures = 0",
                    "INSERT INTO exceptions SELECT * FROM exceptions LIMIT 0",
                    "SELECT password_hash FROM users",
                    "TRUNCATE journal"):
            with pytest.raises(ProgrammingError, match="permission denied"), \
                    engine.begin() as conn:
                conn.execute(text(sql))
    finally:
        engine.dispose()
    assert verify(pg_books.engine).ok


def test_triggers_refuse_even_the_owner(pg_books: Books):
    pg_books.card("7702", cash=5_000)
    for sql in ("UPDATE journal SET cash_delta = 0", "DELETE FROM journal",
                "TRUNCATE journal"):
        with pytest.raises(DBAPIError, match="append-only"), pg_books.engine.begin() as conn:
            conn.execute(text(sql))


def test_verify_detects_balance_edit_and_tampered_journal(pg_books: Books):
    card = pg_books.card("7703", cash=5_000)
    Ledger(pg_books.engine).sale(SaleRequest(uuid.uuid4(), 1, card, 700, NOW))
    with pg_books.engine.begin() as conn:  # behind the ledger's back
        conn.execute(text("UPDATE purses SET cash = cash + 1 WHERE card_id = :c"), {"c": card})
    rep = verify(pg_books.engine)
    assert any(f"card {card}: cash 4301 but journal says 4300" in p for p in rep.problems)
    with pg_books.engine.begin() as conn:
        conn.execute(text("UPDATE purses SET cash = cash - 1 WHERE card_id = :c"), {"c": card})
        conn.execute(text("ALTER TABLE journal DISABLE TRIGGER USER"))  # a superuser
        conn.execute(text("UPDATE journal SET list_amount = 1 WHERE kind = 'sale'"))
        conn.execute(text("ALTER TABLE journal ENABLE TRIGGER USER"))
    rep = verify(pg_books.engine)
    assert any("does not match its hash" in p for p in rep.problems)


def test_one_till_two_connections_serialise(pg_books: Books):
    cards = [pg_books.card(f"68{i}", cash=50_000) for i in range(4)]
    ledger = Ledger(pg_books.engine)
    errors: list[BaseException] = []

    def send(card: int) -> None:
        try:
            for i in range(50):
                assert ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 10 + i, NOW)).entry
        except BaseException as exc:
            errors.append(exc)

    run_together(send, [(c,) for c in cards], timeout=60)
    assert not errors
    assert verify(pg_books.engine).ok


def test_chain_fork_refused(pg_books: Books):
    card = pg_books.card("7704", cash=5_000)
    e = Ledger(pg_books.engine).sale(SaleRequest(uuid.uuid4(), 1, card, 100, NOW)).entry
    assert e is not None
    with pytest.raises(DBAPIError, match="does not continue the chain"), \
            pg_books.engine.begin() as conn:
        conn.execute(copy_entry("NULL"), {"i": e.id})


def test_a_sale_is_voided_once_by_the_database_itself(pg_books: Books):
    """Migration 0006: the unique index on ``void_of`` holds only voids, and still bites."""
    card = pg_books.card("7705", cash=5_000)
    ledger = Ledger(pg_books.engine)
    s = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 100, NOW)).entry
    assert s is not None
    v = ledger.void(uuid.uuid4(), 1, s.id, NOW).entry
    assert v is not None
    with pg_books.engine.connect() as conn:
        indexdef = conn.execute(text("SELECT indexdef FROM pg_indexes "
                                     "WHERE indexname = 'uq_journal_void_of'")).scalar_one()
    assert "UNIQUE" in indexdef and "WHERE (void_of IS NOT NULL)" in indexdef
    # a second void of the same sale, written past the ledger's own check
    with pytest.raises(IntegrityError, match="uq_journal_void_of"), \
            pg_books.engine.begin() as conn:
        conn.execute(copy_entry("void_of"), {"i": v.id})
    assert verify(pg_books.engine).ok
