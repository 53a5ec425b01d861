"""Meal counts on both engines: the SQLite ledger and the centre's functions (migration 0015).

One scenario, run through each engine: a second breakfast refused, a third lunch refused,
a void giving a meal back, a window without a limit never counted, the next business day
starting over, and an offline sale back-filled over the limit applied all the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import Books
from tillcard.domain.cards import CardType
from tillcard.domain.clock import SiteClock
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.meals import MealWindow
from tillcard.domain.rules import RefusalCode
from tillcard.domain.site import SiteRules
from tillcard.store.backfill import backfill
from tillcard.store.ledger import Ledger, Outcome, SaleRequest
from tillcard.store.schema import PurseRow
from tillcard.store.site import set_rules

ZONE = ZoneInfo("Asia/Shanghai")
RULES = SiteRules(SiteClock("Asia/Shanghai", 4 * 60))
WINDOWS = (MealWindow("Night", 0, 3 * 60, count_limit=1),  # before the 04:00 cut-off
           MealWindow("Breakfast", 7 * 60, 9 * 60, count_limit=1),
           MealWindow("Lunch", 11 * 60, 13 * 60 + 30, count_limit=2),
           MealWindow("Supper", 17 * 60, 20 * 60))


def local(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=ZONE)


class Engine_:
    """One engine's books with the site clock set, and a way to sell at a given time."""

    def __init__(self, books: Books, set_clock: Callable[[datetime], None]) -> None:
        set_rules(books.engine, RULES)
        self.books = books
        self.ledger = Ledger(books.engine)
        self.set_clock = set_clock
        type_id = books.refs.add_card_type(CardType("canteen", "Canteen",
                                                    meal_windows=WINDOWS))
        books.types["canteen"] = type_id
        self.card = books.card("7001", "canteen", cash=100_000)

    def sale(self, at: datetime, amount: int = 1_000) -> Outcome:
        self.set_clock(at)
        return self.ledger.sale(SaleRequest(uuid.uuid4(), 1, self.card, amount, at, 1))

    def void(self, at: datetime, sale: Outcome) -> Outcome:
        assert sale.entry is not None
        self.set_clock(at)
        return self.ledger.void(uuid.uuid4(), 1, sale.entry.id, at, 1)

    def stored(self) -> tuple[object, ...]:
        with self.books.engine.connect() as conn:
            row = conn.execute(select(PurseRow.meal_day, PurseRow.meal_minute,
                                      PurseRow.meal_count).where(
                PurseRow.card_id == self.card)).one()
        return tuple(row)


@pytest.fixture(params=["sqlite", "postgresql"])
def side(request: pytest.FixtureRequest) -> Engine_:
    if request.param == "sqlite":
        return Engine_(request.getfixturevalue("books"), lambda _at: None)
    clock = request.getfixturevalue("centre_clock")
    return Engine_(request.getfixturevalue("pg_books"), clock.set)


def _refused(out: Outcome, window: str, limit: int) -> None:
    assert out.entry is None and out.refusal is not None
    assert out.refusal.code is RefusalCode.OVER_MEAL_COUNT
    assert (out.refusal.window, out.refusal.numbers) == (window, {"limit_count": limit})


def test_a_window_sells_its_meals_of_the_day_and_no_more(side: Engine_) -> None:
    assert side.sale(local(23, 7, 30)).entry is not None
    assert side.stored() == (local(23, 7).date(), 7 * 60 + 30, 1)
    _refused(side.sale(local(23, 8, 59)), "Breakfast", 1)
    first = side.sale(local(23, 11, 0))
    assert first.entry is not None and first.spent.meal_count == 1
    second = side.sale(local(23, 13, 29))
    assert second.spent.meal_count == 2
    _refused(side.sale(local(23, 13, 0), amount=1), "Lunch", 2)
    # the card as a till reads it says so before anything is keyed
    _card, _wallet, spent = side.ledger.card_state(side.card, local(23, 13).date())
    assert (spent.meal_minute, spent.meal_count) == (11 * 60, 2)
    for minute in (0, 30, 59):  # supper has no limit: never counted
        assert side.sale(local(23, 17, minute)).entry is not None
    assert side.stored() == (local(23, 11).date(), 11 * 60, 2)


def test_a_void_gives_the_meal_back(side: Engine_) -> None:
    side.sale(local(23, 7, 10))
    sale = side.sale(local(23, 11, 30))
    side.sale(local(23, 11, 40))
    _refused(side.sale(local(23, 11, 50)), "Lunch", 2)
    voided = side.void(local(23, 11, 55), sale)
    assert voided.entry is not None and voided.spent.meal_count == 1
    assert side.sale(local(23, 12, 0)).entry is not None
    _refused(side.sale(local(23, 12, 5)), "Lunch", 2)
    # breakfast's meal is not given back by a void after lunch counted: its window is over
    assert side.stored()[2] == 2


def test_the_next_business_day_starts_over_at_the_cut_off(side: Engine_) -> None:
    side.sale(local(23, 8))
    # 01:00 on the 24th still belongs to the 23rd (cut-off 04:00); a night meal, one
    assert side.sale(local(24, 1)).entry is not None
    _refused(side.sale(local(24, 2)), "Night", 1)
    assert side.stored() == (local(23, 8).date(), 60, 1)
    # the 24th's breakfast is a new day's
    assert side.sale(local(24, 8)).entry is not None
    _refused(side.sale(local(24, 8, 30)), "Breakfast", 1)


def test_an_offline_meal_over_the_limit_is_back_filled_all_the_same(side: Engine_) -> None:
    assert side.sale(local(23, 7, 5)).entry is not None
    at = local(23, 8, 0)
    offline = Entry(uuid.uuid4(), 2, 0, EntryKind.SALE, side.card, -1_000,
                    list_amount=1_000, cashier_id=1, created_at=at)
    side.set_clock(at + timedelta(minutes=5))
    result = backfill(side.books.engine, 2, [offline], now=at + timedelta(minutes=5))
    assert result.items[0].applied and result.items[0].exception is None
    assert side.stored() == (at.date(), 7 * 60 + 5, 2)  # counted: over the limit of 1
    assert [p["meal_count"] for p in result.purses] == [2]  # the till's replica learns it
    _refused(side.sale(local(23, 8, 10)), "Breakfast", 1)
    # an offline breakfast arriving after lunch counted leaves lunch's count alone
    side.sale(local(23, 11, 0))
    late = Entry(uuid.uuid4(), 2, 0, EntryKind.SALE, side.card, -1_000, list_amount=1_000,
                 cashier_id=1, created_at=local(23, 8, 30))
    side.set_clock(local(23, 11, 1))
    backfill(side.books.engine, 2, [late], now=local(23, 11, 1))
    assert side.stored() == (at.date(), 11 * 60, 1)


def test_the_counter_shows_the_refusal_before_enter(side: Engine_) -> None:
    """The card read (the till's view) carries the count; the flow refuses on the tap."""
    from tillcard.services.flow import CheckoutFlow
    from tillcard.services.views import CardView

    side.sale(local(23, 7, 30))
    at = local(23, 8, 15)
    day = RULES.clock.business_day(at)
    card, wallet, spent = side.ledger.card_state(side.card, day)
    flow = CheckoutFlow()
    flow.card_presented(CardView(card, wallet, spent, day, RULES.clock.minute(at)))
    shown = flow.shown_refusal
    assert shown is not None and shown.code is RefusalCode.OVER_MEAL_COUNT
    assert shown.window == "Breakfast"
    for key in "500":  # an amount keyed changes nothing: Enter is not offered
        flow.press(key)
    assert flow.shown_refusal == shown and not flow.can_charge
    # at lunch the same read of the card sells
    flow = CheckoutFlow()
    flow.card_presented(CardView(card, wallet, spent, day, 12 * 60))
    assert flow.shown_refusal is None
