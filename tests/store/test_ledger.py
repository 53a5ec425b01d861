import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.conftest import NOW
from tillcard.domain.journal import EntryKind
from tillcard.domain.rules import RefusalCode
from tillcard.store.ledger import EntryConflict, LedgerError, SaleRequest
from tillcard.store.verify import verify


def sale(card_id, amount, *, till=1, split=False, at=NOW, entry_id=None):
    return SaleRequest(entry_id or uuid.uuid4(), till, card_id, amount, at, split_tender=split)


def test_sale_moves_balance_and_chains(books):
    c = books.card("1001", cash=5_000)
    out = books.ledger.sale(sale(c, 1_250))
    assert out.entry is not None and out.refusal is None
    assert out.wallet.cash == 3_750
    e2 = books.ledger.sale(sale(c, 250)).entry
    assert e2 is not None and e2.prev_hash == out.entry.hash and e2.seq == out.entry.seq + 1
    assert verify(books.engine).ok


def test_replay_applies_once_and_returns_first_result(books):
    c = books.card("1002", cash=5_000)
    req = sale(c, 1_000)
    first = books.ledger.sale(req)
    again = books.ledger.sale(req)
    assert again.replayed and again.entry is not None and first.entry is not None
    assert again.entry.id == first.entry.id and again.entry.hash == first.entry.hash
    assert books.ledger.card_state(c, NOW.date())[1].cash == 4_000


def test_same_uuid_different_card_or_amount_is_an_error(books):
    c1, c2 = books.card("1003", cash=5_000), books.card("1004", cash=5_000)
    req = sale(c1, 1_000)
    books.ledger.sale(req)
    with pytest.raises(EntryConflict):
        books.ledger.sale(sale(c1, 999, entry_id=req.entry_id))
    with pytest.raises(EntryConflict):
        books.ledger.sale(sale(c2, 1_000, entry_id=req.entry_id))


def test_insufficient_refused_then_split_records_cash(books):
    c = books.card("1005", cash=390)
    out = books.ledger.sale(sale(c, 1_000))
    assert out.refusal is not None and out.refusal.code is RefusalCode.INSUFFICIENT
    assert out.refusal.numbers["shortfall"] == 610
    out = books.ledger.sale(sale(c, 1_000, split=True))
    assert out.entry is not None
    assert out.entry.cash_delta == -390 and out.entry.tendered_cash == 610
    assert out.wallet.cash == 0


def test_bonus_used_soonest_expiring_first_and_expiry_entry(books):
    c = books.card("1006", "bonus")
    books.ledger.recharge(uuid.uuid4(), 1, c, 1_000, NOW)  # +100 bonus, 7 days
    books.ledger.recharge(uuid.uuid4(), 1, c, 1_000, NOW + timedelta(days=2))  # expires later
    out = books.ledger.sale(sale(c, 150, at=NOW + timedelta(days=3)))
    assert out.entry is not None
    parts = dict(out.entry.bonus_parts)
    assert list(parts.values()) == [-100, -50]
    # a week later the first grant is gone, the second's remainder expires in an entry
    late = NOW + timedelta(days=10)
    out = books.ledger.sale(sale(c, 100, at=late))
    assert [e.kind for e in out.extra] == [EntryKind.BONUS_EXPIRE]
    assert out.extra[0].bonus_delta == -50
    assert verify(books.engine).ok


def test_void_restores_purses_and_only_once(books):
    c = books.card("1007", "bonus")
    books.ledger.recharge(uuid.uuid4(), 1, c, 1_000, NOW)
    s = books.ledger.sale(sale(c, 300)).entry
    assert s is not None
    v = books.ledger.void(uuid.uuid4(), 1, s.id, NOW)
    assert v.wallet.balance(NOW.date()) == 1_100
    assert v.spent.amount == 0 and v.spent.count == 0
    with pytest.raises(LedgerError, match="already voided"):
        books.ledger.void(uuid.uuid4(), 1, s.id, NOW)
    assert verify(books.engine).ok


def test_daily_limit_uses_todays_spend(books):
    c = books.card("1008", "staff", cash=20_000)
    assert books.ledger.sale(sale(c, 5_000)).entry is not None  # 4,500 after discount
    out = books.ledger.sale(sale(c, 5_000))
    assert out.refusal is not None and out.refusal.code is RefusalCode.OVER_DAILY_AMOUNT
    assert out.refusal.numbers["left"] == 3_500
    tomorrow = NOW + timedelta(days=1)
    assert books.ledger.sale(sale(c, 5_000, at=tomorrow)).entry is not None


def test_verify_detects_balance_edit_and_journal_edit(books):
    c = books.card("1009", cash=5_000)
    books.ledger.sale(sale(c, 100))
    with books.engine.begin() as conn:
        conn.execute(text("UPDATE purses SET cash = cash + 100 WHERE card_id = :c"), {"c": c})
    rep = verify(books.engine)
    assert not rep.ok and any("cash 5000 but journal says 4900" in p for p in rep.problems)
    with books.engine.begin() as conn:
        conn.execute(text("UPDATE purses SET cash = cash - 100 WHERE card_id = :c"), {"c": c})
    with pytest.raises(IntegrityError, match="append-only"), books.engine.begin() as conn:
        conn.execute(text("UPDATE journal SET cash_delta = -1 WHERE kind = 'sale'"))
    with books.engine.begin() as conn:  # someone with the file drops the guard
        conn.execute(text("DROP TRIGGER journal_no_update"))
        conn.execute(text("UPDATE journal SET cash_delta = -1 WHERE kind = 'sale'"))
    rep = verify(books.engine)
    assert any("does not match its hash" in p for p in rep.problems)


def test_verify_detects_deleted_entry(books):
    c = books.card("1010", cash=5_000)
    for _ in range(3):
        books.ledger.sale(sale(c, 100))
    with pytest.raises(IntegrityError, match="append-only"), books.engine.begin() as conn:
        conn.execute(text("DELETE FROM journal WHERE seq = 2 AND till_id = 1"))
    with books.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER journal_no_delete"))
        conn.execute(text("DELETE FROM journal WHERE seq = 2 AND till_id = 1"))
    problems = verify(books.engine).problems
    assert any("sequence gap" in p for p in problems)
