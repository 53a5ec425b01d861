"""A hostile till against the meal count: it can neither reset the counter nor sell past it.

A real login in role ``tillcard_till`` bound to till 1 (as ``test_till_attacks``), a card
type with one meal a day in a window that spans the whole day, so the till's sales on the
server's real clock always fall into it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import NOW, Books
from tests.pg import CentreClock, till_login_engine
from tillcard.domain.cards import CardType
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.meals import MealWindow
from tillcard.domain.rules import RefusalCode
from tillcard.store.backfill import backfill
from tillcard.store.ledger import Ledger, NotPermitted, SaleRequest
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


@pytest.fixture
def till(pg_books: Books, pg_url: str, centre_clock: CentreClock) -> Iterator[Engine]:
    centre_clock.set(None)  # the owner's calls on the real clock too, as the till's
    engine = till_login_engine(pg_url, pg_books.engine, till_id=1)
    yield engine
    engine.dispose()


def _meal_card(books: Books) -> int:
    type_id = books.refs.add_card_type(CardType(
        "onemeal", "One meal", meal_windows=(MealWindow("Meal", 0, 24 * 60, count_limit=1),)))
    books.types["onemeal"] = type_id
    return books.card("7801", "onemeal", cash=10_000)


def _counter(books: Books, card: int) -> tuple[int | None, int]:
    with books.engine.connect() as conn:
        row = conn.execute(text("SELECT meal_minute, meal_count FROM purses "
                                "WHERE card_id = :c"), {"c": card}).one()
    return row.meal_minute, row.meal_count


def test_a_till_cannot_reset_the_meal_count_or_sell_a_second_meal(pg_books: Books,
                                                                  till: Engine) -> None:
    card = _meal_card(pg_books)
    ledger = Ledger(till)
    first = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 500, NOW))
    assert first.entry is not None and first.spent.meal_count == 1
    # the counter is the centre's: no UPDATE on purses for a till, column by column
    for sql in ("UPDATE purses SET meal_count = 0 WHERE card_id = :c",
                "UPDATE purses SET meal_day = NULL WHERE card_id = :c",
                "UPDATE purses SET meal_minute = NULL, meal_day = '2000-01-01' "
                "WHERE card_id = :c"):
        with pytest.raises(DBAPIError, match="permission denied"), till.begin() as conn:
            conn.execute(text(sql), {"c": card})
    # nor may it move the centre's clock to another day, or sell on another till's chain
    with pytest.raises(DBAPIError), till.begin() as conn:
        conn.execute(text("SELECT set_config('tillcard.fake_now', '2000-01-01', false), "
                          "tillcard_sale(gen_random_uuid(), 1, :c, 100, NULL, false, false)"),
                     {"c": card})
    with pytest.raises(NotPermitted):
        ledger.sale(SaleRequest(uuid.uuid4(), 2, card, 500, NOW))
    # what it claims as the time of the sale is ignored online
    for claimed in (NOW - timedelta(days=1), NOW + timedelta(days=1)):
        second = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 500, claimed))
        assert second.refusal is not None
        assert second.refusal.code is RefusalCode.OVER_MEAL_COUNT
        assert second.refusal.window == "Meal"
    # the same request again (a retry) is the first sale, not a second meal
    assert ledger.sale(SaleRequest(first.entry.id, 1, card, 500, NOW)).replayed
    assert _counter(pg_books, card)[1] == 1


def test_a_back_filled_meal_is_counted_on_the_day_the_centre_dates_it(pg_books: Books,
                                                                      till: Engine) -> None:
    """An "offline" sale dated yesterday to dodge today's count is dated to the till's last
    entry (the centre bounds it), applied — the goods are gone — and counted today."""
    card = _meal_card(pg_books)
    ledger = Ledger(till)
    assert ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 500, NOW)).entry is not None
    yesterday = datetime.now(UTC) - timedelta(days=1)
    result = backfill(till, 1, [Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card, -500,
                                      list_amount=500, created_at=yesterday)])
    assert result.items[0].applied
    assert result.items[0].entry.created_at > yesterday + timedelta(hours=23)
    assert _counter(pg_books, card)[1] == 2  # over the limit, and said so by the count
    third = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 500, NOW))
    assert third.refusal is not None and third.refusal.code is RefusalCode.OVER_MEAL_COUNT
    assert verify(pg_books.engine).ok
