"""``tillcard verify`` against owner-level tampering: its blind spots closed, no false alarms.

The owner can do anything, triggers included; what verify promises is to name it. Each
case is one that passed unnoticed before migration 0007's review (finding 8).
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import NOW, Books
from tillcard.cli import main
from tillcard.domain.clock import DayCounter
from tillcard.domain.journal import Entry, EntryKind
from tillcard.store.ledger import SaleRequest
from tillcard.store.verify import load_anchor, verify

pytestmark = pytest.mark.postgres


def sale(books: Books, card: int, amount: int, till: int = 1) -> Entry:
    out = books.ledger.sale(SaleRequest(uuid.uuid4(), till, card, amount, NOW))
    assert out.entry is not None
    return out.entry


def untriggered(books: Books, *sql: str, **params: object) -> None:
    """Statements run with the journal's and purses' guards off, as an owner could."""
    with books.engine.begin() as conn:
        conn.execute(text("ALTER TABLE journal DISABLE TRIGGER USER"))
        for s in sql:
            conn.execute(text(s), params)
        conn.execute(text("ALTER TABLE journal ENABLE TRIGGER USER"))


def test_a_chain_cut_back_is_named_against_the_anchor(pg_books: Books, tmp_path: Path):
    card = pg_books.card("9101", cash=5_000)
    for _ in range(3):
        sale(pg_books, card, 100)
    anchor = tmp_path / "heads.json"
    assert main(["verify", "--db", str(pg_books.engine.url.render_as_string(False)),
                 "--anchor", str(anchor)]) == 0
    assert load_anchor(anchor)[1][0] == 3
    # the newest entry deleted, its money put back, the head rewound: consistent inside
    untriggered(pg_books,
                "UPDATE purses SET cash = cash + 100 WHERE card_id = :c",
                "DELETE FROM journal WHERE till_id = 1 AND seq = 3",
                "UPDATE tills SET last_seq = 2, last_hash = (SELECT hash FROM journal "
                "WHERE till_id = 1 AND seq = 2) WHERE id = 1", c=card)
    assert verify(pg_books.engine).ok  # no database can see this from inside
    rep = verify(pg_books.engine, load_anchor(anchor))
    assert rep.problems == ["till 1: chain is shorter than anchored (2 entries, 3 recorded): "
                            "entries were removed"]
    assert main(["verify", "--db", pg_books.engine.url.render_as_string(False),
                 "--anchor", str(anchor)]) == 1
    assert load_anchor(anchor)[1][0] == 3  # a bad run keeps the evidence


def test_a_chain_rewritten_at_the_same_length_is_named(pg_books: Books):
    card = pg_books.card("9102", cash=5_000)
    sale(pg_books, card, 100)
    last = sale(pg_books, card, 200)
    anchor = {1: (last.seq, last.hash)}
    forged = Entry(uuid.uuid4(), 1, last.seq, EntryKind.SALE, card, -100, list_amount=100,
                   created_at=NOW, prev_hash=last.prev_hash)
    untriggered(pg_books,
                "UPDATE purses SET cash = cash + 100 WHERE card_id = :c",
                "DELETE FROM journal WHERE id = :old",
                "INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, bonus_delta,"
                " bonus_parts, grant_amount, list_amount, discount, tendered_cash, created_at,"
                " recorded_at, prev_hash, hash) VALUES (:id, 1, :seq, 'sale', :c, -100, 0, "
                "'[]', 0, 100, 0, 0, :at, :at, :prev, :hash)",
                "UPDATE tills SET last_hash = :hash WHERE id = 1",
                c=card, old=last.id, id=forged.id, seq=forged.seq, at=NOW,
                prev=forged.prev_hash, hash=forged.hash)
    assert verify(pg_books.engine).ok
    assert verify(pg_books.engine, anchor).problems == [
        f"till 1: entry {last.seq} differs from the anchored one: the chain forked or was "
        "rewritten"]


def test_a_grant_moved_to_another_card_and_extended_is_named(pg_books: Books):
    giver = pg_books.card("9103", "bonus", cash=1_000)  # 10 % bonus on recharge
    taker = pg_books.card("9104", "bonus")
    pg_books.ledger.recharge(uuid.uuid4(), 1, giver, 1_000, NOW)
    untriggered(pg_books,
                "UPDATE bonus_grants SET card_id = :t, expires_on = '2099-12-31' "
                "WHERE card_id = :g",
                "UPDATE purses SET bonus = 100 WHERE card_id = :t",
                "UPDATE purses SET bonus = 0 WHERE card_id = :g", t=taker, g=giver)
    problems = verify(pg_books.engine).problems
    assert any("card, expiry or origin differ" in p for p in problems)
    assert any(f"card {taker}: bonus 100 but journal says 0" in p for p in problems)


def test_grants_against_the_purse_and_the_journal(pg_books: Books):
    card = pg_books.card("9105", "bonus")
    pg_books.ledger.recharge(uuid.uuid4(), 1, card, 1_000, NOW)
    untriggered(pg_books, "DELETE FROM bonus_grants WHERE card_id = :c", c=card)
    problems = verify(pg_books.engine).problems
    assert any("created by entry" in p and "but missing" in p for p in problems)
    assert any(f"card {card}: bonus 100 but its grants hold 0" in p for p in problems)


def test_a_second_void_and_a_sale_that_credits_are_named(pg_books: Books):
    card = pg_books.card("9106", cash=5_000)
    sold = sale(pg_books, card, 300)
    void = pg_books.ledger.void(uuid.uuid4(), 1, sold.id, NOW).entry
    assert void is not None
    # owner-level: the one-void index dropped, a second void chained and hashed properly
    with pg_books.engine.begin() as conn:
        conn.execute(text("DROP INDEX uq_journal_void_of"))
    twice = Entry(uuid.uuid4(), 1, 0, EntryKind.VOID, card, 300, refers_to=sold.id,
                  created_at=NOW)
    credit = Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card, 50_000, list_amount=0,
                   created_at=NOW)
    with pg_books.engine.begin() as conn:
        for e in (twice, credit):
            pg_books.ledger._append(conn, e, DayCounter())
    problems = verify(pg_books.engine).problems
    assert any(f"sale {sold.id} voided twice" in p for p in problems)
    assert any("a sale that credits the card" in p for p in problems)


def test_one_snapshot_no_false_alarms_while_the_centre_works(pg_books: Books):
    """During recharges and sales, every verify sees one moment: all clean."""
    cards = [pg_books.card(f"92{i}", "bonus", cash=10_000) for i in range(5)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            i = 0
            while not stop.is_set():
                card = cards[i % len(cards)]
                pg_books.ledger.recharge(uuid.uuid4(), 2, card, 500, NOW)
                pg_books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 300, NOW))
                i += 1
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        reports = [verify(pg_books.engine) for _ in range(15)]
    finally:
        stop.set()
        worker.join(30)
    assert not errors
    assert [r.problems for r in reports if not r.ok] == []
    assert reports[-1].entries > reports[0].entries  # the work did go on meanwhile
