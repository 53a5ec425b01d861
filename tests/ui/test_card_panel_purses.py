"""The cashier's card panel shows the allowance purse and the meal window the card is in."""

from __future__ import annotations

from datetime import date

import pytest

from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.meals import MealWindow
from tillcard.domain.money import Currency
from tillcard.domain.rules import DaySpend
from tillcard.domain.wallet import Wallet
from tillcard.services.views import CardView
from tillcard.ui.panels import CardPanel

TODAY = date(2026, 12, 3)
LUNCH = MealWindow("Lunch", 11 * 60, 13 * 60, count_limit=1)
SUPPER = MealWindow("Supper", 17 * 60, 19 * 60)


def view(minute: int | None, *, allowance: int = 0, had: int = 0) -> CardView:
    ct = CardType("meal", "Meal plan", meal_windows=(LUNCH, SUPPER))
    card = Card(1, "80001", None, Holder(1, "王芳"), ct, CardStatus.ACTIVE)
    spent = DaySpend(1_200 * had, had, meal_minute=11 * 60 + 30 if had else None,
                     meal_count=had)
    return CardView(card, Wallet(5_000, allowance=allowance), spent, TODAY, minute)


@pytest.fixture
def panel(qtbot) -> CardPanel:
    p = CardPanel(Currency())
    qtbot.addWidget(p)
    return p


def test_the_allowance_purse_is_shown(panel: CardPanel) -> None:
    panel.show_view(view(12 * 60, allowance=30_000))
    assert panel.expiry.text() == "allowance 300.00"
    assert panel.balance.text() == "350.00"
    panel.show_view(view(12 * 60))
    assert panel.expiry.text() == ""


@pytest.mark.parametrize(("minute", "had", "shown"), [
    (12 * 60, 0, "today 0.00  ·  Lunch 0 of 1"),
    (12 * 60, 1, "today 12.00  ·  Lunch 1 of 1"),
    (18 * 60, 0, "today 0.00  ·  Supper"),  # no limit: only its name
    (15 * 60, 0, "today 0.00  ·  outside meal times"),
])
def test_the_meal_window_of_the_tap_is_shown(panel: CardPanel, minute: int, had: int,
                                             shown: str) -> None:
    panel.show_view(view(minute, had=had))
    assert panel.today.text() == shown
