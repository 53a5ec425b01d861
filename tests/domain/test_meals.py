"""Meal windows: at most five, never overlapping; a card may buy only inside one."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.clock import SiteClock
from tillcard.domain.meals import MealWindow, check_windows, window_at
from tillcard.domain.quote import make_quote, sale_refusal
from tillcard.domain.rules import DaySpend, RefusalCode
from tillcard.domain.wallet import Wallet

LUNCH = MealWindow("Lunch", 11 * 60, 13 * 60 + 30, count_limit=1, fixed_price=1_200)
SUPPER = MealWindow("Supper", 17 * 60, 24 * 60)


def test_windows_are_checked_and_found():
    assert check_windows([SUPPER, LUNCH]) == (LUNCH, SUPPER)
    assert window_at([LUNCH, SUPPER], 12 * 60) == LUNCH
    assert window_at([LUNCH, SUPPER], 13 * 60 + 30) is None  # until, exclusive
    assert window_at([LUNCH, SUPPER], 23 * 60 + 59) == SUPPER
    with pytest.raises(ValueError, match="overlap"):
        check_windows([LUNCH, MealWindow("Brunch", 10 * 60, 11 * 60 + 1)])
    with pytest.raises(ValueError, match="at most 5"):
        check_windows([MealWindow(f"W{i}", i * 60, i * 60 + 30) for i in range(6)])
    with pytest.raises(ValueError, match="within one day"):
        MealWindow("Late", 23 * 60, 25 * 60)
    assert LUNCH.label == "Lunch 11:00–13:30"


def test_a_card_that_buys_only_at_meal_times_is_refused_outside_them():
    ct = CardType("canteen", "Canteen", meal_windows=(LUNCH,), refuse_outside_windows=True)
    card = Card(1, "1", None, Holder(1, "Li"), ct, CardStatus.ACTIVE)
    q = make_quote(500, 0, Wallet(10_000), date(2026, 11, 23))
    clock = SiteClock("Asia/Shanghai")
    local = ZoneInfo("Asia/Shanghai")
    at_lunch = clock.minute(datetime(2026, 11, 23, 12, 0, tzinfo=local))
    at_ten = clock.minute(datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo("UTC")))  # 10:00 local
    assert sale_refusal(card, q, DaySpend(), date(2026, 11, 23), minute=at_lunch) is None
    r = sale_refusal(card, q, DaySpend(), date(2026, 11, 23), minute=at_ten)
    assert r is not None and r.code is RefusalCode.OUTSIDE_MEAL_WINDOW
    anytime = CardType("any", "Any", meal_windows=(LUNCH,))  # windows shown, not enforced
    free = Card(2, "2", None, Holder(2, "Wu"), anytime, CardStatus.ACTIVE)
    assert sale_refusal(free, q, DaySpend(), date(2026, 11, 23), minute=at_ten) is None

