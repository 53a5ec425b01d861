"""A meal window the card office removes is removed at the tills too, at their next pull."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import Centre
from tests.sync.conftest import TillFactory
from tillcard.domain.cards import CardType
from tillcard.domain.meals import MealWindow
from tillcard.store.reference import CardTypeSetup
from tillcard.store.schema import MealWindowRow

pytestmark = pytest.mark.postgres

BREAKFAST = MealWindow("Breakfast", 7 * 60, 9 * 60, count_limit=1)
LUNCH = MealWindow("Lunch", 11 * 60, 13 * 60, fixed_price=1_200)
SUPPER = MealWindow("Supper", 17 * 60, 19 * 60)


def windows_at(engine, type_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(select(MealWindowRow.name).where(
            MealWindowRow.card_type_id == type_id).order_by(MealWindowRow.position))
            .scalars())


def test_removed_and_readded_windows_follow_the_centre(centre: Centre,
                                                       make_till: TillFactory) -> None:
    refs = centre.books.refs
    canteen = CardType("canteen", "Canteen", meal_windows=(BREAKFAST, LUNCH))
    type_id = refs.add_card_type(canteen)
    till = make_till()
    till.cycle(pull_only=True)
    local = till.cache.engine
    assert windows_at(local, type_id) == ["Breakfast", "Lunch"]

    refs.update_card_type(CardTypeSetup(CardType("canteen", "Canteen",
                                                 meal_windows=(BREAKFAST,))))
    till.cycle(pull_only=True)
    assert windows_at(local, type_id) == ["Breakfast"]

    # a new window where the removed one stood (same position, a new row at the centre)
    refs.update_card_type(CardTypeSetup(CardType("canteen", "Canteen",
                                                 meal_windows=(BREAKFAST, SUPPER))))
    till.cycle(pull_only=True)
    assert windows_at(local, type_id) == ["Breakfast", "Supper"]
    assert windows_at(centre.engine, type_id) == ["Breakfast", "Supper"]
