"""Sales without a card: on the walk-in card, no purse moved, counted like any entry."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.conftest import NOW, Books
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.money import AmountError
from tillcard.store.backfill import backfill
from tillcard.store.ledger import CASH_CARD, EntryConflict, InvalidRequest
from tillcard.store.schema import CardRow, PurseRow
from tillcard.store.verify import verify


def cash_card(books: Books) -> tuple[int, tuple[int, int, int]]:
    with books.engine.connect() as conn:
        card = conn.execute(select(CardRow.id).where(CardRow.number == CASH_CARD)).scalar_one()
        p = conn.execute(select(PurseRow.cash, PurseRow.bonus, PurseRow.version).where(
            PurseRow.card_id == card)).one()
    return card, (p.cash, p.bonus, p.version)


def test_a_cash_sale_moves_no_purse_and_is_recorded_once(books: Books):
    card, before = cash_card(books)
    entry_id = uuid.uuid4()
    e = books.ledger.cash_sale(entry_id, 1, 1_250, NOW, 1)
    assert (e.kind, e.card_id, e.tendered_cash, e.list_amount, e.total_delta) == (
        EntryKind.CASH_SALE, card, 1_250, 1_250, 0)
    assert books.ledger.cash_sale(entry_id, 1, 1_250, NOW, 1) == e  # a retry
    with pytest.raises(EntryConflict):
        books.ledger.cash_sale(entry_id, 1, 1_300, NOW, 1)
    for bad in (0, -5, 12.5, True, "10"):
        with pytest.raises(AmountError):
            books.ledger.cash_sale(uuid.uuid4(), 1, bad, NOW, 1)  # type: ignore[arg-type]
    assert cash_card(books)[1] == before  # nobody owes anybody anything
    assert verify(books.engine).ok


@pytest.mark.postgres
def test_offline_cash_sales_are_back_filled_once_on_both_engines(books: Books, pg_books: Books):
    for side in (books, pg_books):
        card, before = cash_card(side)
        sales = [Entry(uuid.uuid4(), 1, 0, EntryKind.CASH_SALE, card, 0, list_amount=a,
                       tendered_cash=a, cashier_id=1, created_at=NOW) for a in (500, 700)]
        sold = side.card("9401", cash=5_000)
        mixed = [sales[0], Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, sold, -300,
                                 list_amount=300, cashier_id=1, created_at=NOW), sales[1]]
        first = backfill(side.engine, 1, mixed, now=NOW)
        assert [r.entry.kind for r in first.items] == [EntryKind.CASH_SALE, EntryKind.SALE,
                                                       EntryKind.CASH_SALE]
        assert [r.entry.card_id for r in first.items][::2] == [card, card]
        again = backfill(side.engine, 1, mixed, now=NOW)
        assert all(r.replayed for r in again.items)
        assert cash_card(side)[1] == before
        with pytest.raises(InvalidRequest):
            backfill(side.engine, 1, [Entry(uuid.uuid4(), 1, 0, EntryKind.CASH_SALE, card, 0,
                                            list_amount=500, tendered_cash=400,
                                            created_at=NOW)], now=NOW)
        rep = verify(side.engine)
        assert rep.ok, rep.problems
