"""A meal window's count limit: how many sales one card makes in it per business day."""

from datetime import date

from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.meals import MealCounter, MealWindow, counted_window
from tillcard.domain.quote import make_quote, sale_refusal
from tillcard.domain.rules import DaySpend, RefusalCode, with_meals
from tillcard.domain.wallet import Wallet

DAY = date(2026, 11, 23)
BREAKFAST = MealWindow("Breakfast", 7 * 60, 9 * 60, count_limit=1)
LUNCH = MealWindow("Lunch", 11 * 60, 13 * 60 + 30, count_limit=2)
SUPPER = MealWindow("Supper", 17 * 60, 20 * 60)  # no limit
NIGHT = MealWindow("Night", 0, 3 * 60, count_limit=1)  # after midnight, before a 04:00 cut-off
WINDOWS = (NIGHT, BREAKFAST, LUNCH, SUPPER)
CUTOFF = 4 * 60


def _card(**kw: object) -> Card:
    ct = CardType("canteen", "Canteen", meal_windows=WINDOWS, **kw)  # type: ignore[arg-type]
    return Card(1, "1", None, Holder(1, "Li"), ct, CardStatus.ACTIVE)


def _spent(meal: MealCounter, day: date = DAY) -> DaySpend:
    return with_meals(DaySpend(), meal, day)


def test_only_windows_with_a_limit_count():
    assert counted_window(WINDOWS, 12 * 60) == LUNCH
    assert counted_window(WINDOWS, 18 * 60) is None  # Supper has no limit
    assert counted_window(WINDOWS, 10 * 60) is None  # between windows
    assert counted_window((MealWindow("Zero", 0, 60, 0),), 30) is None  # 0: no limit


def test_the_counter_counts_one_window_of_one_day():
    m = MealCounter().add(DAY, 12 * 60, WINDOWS, CUTOFF)
    assert m == MealCounter(DAY, 12 * 60, 1)
    m = m.add(DAY, 13 * 60, WINDOWS, CUTOFF)  # the same window: the first minute names it
    assert m == MealCounter(DAY, 12 * 60, 2)
    assert m.had(DAY, LUNCH) == 2
    assert m.had(DAY, BREAKFAST) == 0
    assert m.had(date(2026, 11, 24), LUNCH) == 0
    assert m.add(DAY, 18 * 60, WINDOWS, CUTOFF) == m  # Supper is not counted
    later = m.add(DAY, 1 * 60, WINDOWS, CUTOFF)  # 01:00 is the end of the business day
    assert later == MealCounter(DAY, 60, 1)
    assert m.add(date(2026, 11, 24), 8 * 60, WINDOWS, CUTOFF) == MealCounter(
        date(2026, 11, 24), 8 * 60, 1)


def test_the_counter_never_moves_backwards():
    m = MealCounter(DAY, 12 * 60, 1)
    # a back-filled breakfast of the same day arrives after lunch: lunch's count stays
    assert m.add(DAY, 8 * 60, WINDOWS, CUTOFF) == m
    # and one of the day before
    assert m.add(date(2026, 11, 22), 12 * 60, WINDOWS, CUTOFF) == m


def test_a_void_gives_the_meal_back_on_its_own_day_and_window_only():
    m = MealCounter(DAY, 12 * 60, 2)
    assert m.remove(DAY, 11 * 60 + 5, WINDOWS) == MealCounter(DAY, 12 * 60, 1)
    assert m.remove(DAY, 8 * 60, WINDOWS) == m  # breakfast's void: lunch keeps its count
    assert m.remove(date(2026, 11, 22), 12 * 60, WINDOWS) == m
    assert MealCounter(DAY, 12 * 60, 0).remove(DAY, 12 * 60, WINDOWS).count == 0


def test_a_second_breakfast_is_refused_whatever_the_amount():
    card = _card()
    wallet = Wallet(10_000)
    had = _spent(MealCounter(DAY, 7 * 60 + 30, 1))
    for amount in (1, 500, 9_999):
        r = sale_refusal(card, make_quote(amount, 0, wallet, DAY), had, DAY, minute=8 * 60)
        assert r is not None and r.code is RefusalCode.OVER_MEAL_COUNT
        assert r.numbers == {"limit_count": 1} and r.window == "Breakfast"
        assert r.message == "Already had Breakfast today (1 per day)"
    # two lunches a day: the second goes, the third does not
    q = make_quote(500, 0, wallet, DAY)
    assert sale_refusal(card, q, _spent(MealCounter(DAY, 11 * 60, 1)), DAY,
                        minute=12 * 60) is None
    r = sale_refusal(card, q, _spent(MealCounter(DAY, 11 * 60, 2)), DAY, minute=12 * 60)
    assert r is not None and r.code is RefusalCode.OVER_MEAL_COUNT and r.window == "Lunch"
    # breakfast had; lunch, supper and tomorrow's breakfast are free
    assert sale_refusal(card, q, had, DAY, minute=12 * 60) is None
    assert sale_refusal(card, q, had, DAY, minute=18 * 60) is None
    assert sale_refusal(card, q, _spent(MealCounter(DAY, 7 * 60 + 30, 1),
                                        date(2026, 11, 24)), date(2026, 11, 24),
                        minute=8 * 60) is None
    # no minute known: the centre's to decide
    assert sale_refusal(card, q, had, DAY, minute=None) is None


def test_the_refusal_comes_after_the_card_and_the_meal_times_before_the_balance():
    had = _spent(MealCounter(DAY, 7 * 60 + 30, 1))
    short = make_quote(5_000, 0, Wallet(100), DAY)
    # the card cannot pay, and cash beside it would not help: the meal is had
    r = sale_refusal(_card(), short, had, DAY, minute=8 * 60)
    assert r is not None and r.code is RefusalCode.OVER_MEAL_COUNT
    r = sale_refusal(_card(), short, had, DAY, split_tender=True, minute=8 * 60)
    assert r is not None and r.code is RefusalCode.OVER_MEAL_COUNT
    frozen = Card(1, "1", None, Holder(1, "Li"), _card().card_type, CardStatus.FROZEN)
    r = sale_refusal(frozen, short, had, DAY, minute=8 * 60)
    assert r is not None and r.code is RefusalCode.FROZEN
    over_count = _card(daily_count_limit=1)
    r = sale_refusal(over_count, make_quote(100, 0, Wallet(10_000), DAY),
                     DaySpend(100, 1, 7 * 60 + 30, 1), DAY, minute=8 * 60)
    assert r is not None and r.code is RefusalCode.OVER_MEAL_COUNT


def test_a_meal_after_a_void_counts_in_the_same_window_even_at_an_earlier_minute() -> None:
    """Found by the twin test: the centre counts it; the domain must too."""
    from datetime import date

    from tillcard.domain.meals import MealCounter, MealWindow

    early = MealWindow("Early", 0, 300, count_limit=1)
    day = date(2026, 11, 23)
    voided = MealCounter(day, 120, 0)  # a meal at 02:00, given back by its void
    assert voided.add(day, 60, (early,), 0) == MealCounter(day, 120, 1)  # back-filled 01:00
