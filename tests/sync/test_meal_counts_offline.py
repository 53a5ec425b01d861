"""A till offline sells no second meal: its replica's counter plus its own unsent sales.

A real centre and a till with its SQLite replica; a card type with one meal a day in a
window spanning the whole day, so every sale on the real clock falls into it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.conftest import Centre
from tests.sync.conftest import TillFactory
from tillcard.domain.cards import CardType
from tillcard.domain.meals import MealWindow
from tillcard.domain.rules import RefusalCode
from tillcard.store.ledger import Outcome, SaleRequest
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify
from tillcard.sync.push import push
from tillcard.sync.till_sync import TillSync

pytestmark = pytest.mark.postgres

ONE_MEAL = CardType("onemeal", "One meal",
                    meal_windows=(MealWindow("Meal", 0, 24 * 60, count_limit=1),))


def now() -> datetime:
    return datetime.now().astimezone()


def sale(sync: TillSync, card_id: int, amount: int = 500) -> Outcome:
    return sync.sale(SaleRequest(uuid.uuid4(), sync.till_id, card_id, amount, now()))


def _over(out: Outcome) -> bool:
    return out.refusal is not None and out.refusal.code is RefusalCode.OVER_MEAL_COUNT


def _meal_count(engine, card: int) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(PurseRow.meal_count).where(
            PurseRow.card_id == card)).scalar_one())


@pytest.fixture
def cards(centre: Centre) -> list[int]:
    centre.books.types["onemeal"] = centre.books.refs.add_card_type(ONE_MEAL)
    return [centre.books.card(f"880{i}", "onemeal", cash=10_000) for i in range(2)]


def test_a_meal_had_online_is_known_offline(centre: Centre, make_till: TillFactory,
                                            cards: list[int]) -> None:
    till = make_till()
    first = sale(till, cards[0])
    assert first.entry is not None and not first.offline
    assert _meal_count(till.cache.engine, cards[0]) == 1  # the answer, in the replica
    # the card as the counter reads it, online: the refusal is shown before Enter
    spent = till.card_state(cards[0], till.business_day(now()))[2]
    assert spent.meal_count == 1
    till.link.down("cable pulled")
    refused = sale(till, cards[0])
    assert _over(refused) and refused.entry is None


def test_a_till_offline_counts_its_own_unsent_meals(centre: Centre, make_till: TillFactory,
                                                   cards: list[int]) -> None:
    till = make_till()
    till.link.down("cable pulled")
    offline = sale(till, cards[1])
    assert offline.entry is not None and offline.offline
    assert _meal_count(till.cache.engine, cards[1]) == 0  # the replica has not heard yet
    assert till.cache.card_state(cards[1], till.business_day(now()))[2].meal_count == 1
    assert _over(sale(till, cards[1]))
    # back-filled: the centre counts it, the replica learns its count from the answer
    push(till.central, till.cache)
    assert _meal_count(centre.engine, cards[1]) == 1
    assert _meal_count(till.cache.engine, cards[1]) == 1
    assert till.cache.card_state(cards[1], till.business_day(now()))[2].meal_count == 1
    till.link.recovering()
    till.cycle()
    assert till.link.online
    online = sale(till, cards[1])
    assert _over(online) and not online.offline  # the centre refuses it too
    assert verify(centre.engine).ok
