"""Why a card was frozen reaches the counter: from the centre's quote, and in the till's
replica (pulled), so the refusal band can say it online and offline alike."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import Books
from tillcard.domain.cards import CardStatus
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger
from tillcard.store.migrate import upgrade
from tillcard.sync.cache import TillCache
from tillcard.sync.pull import pull

pytestmark = pytest.mark.postgres
REASON = "lost wallet reported by holder"


def test_the_reason_is_in_the_centres_quote_and_the_tills_replica(
        pg_books: Books, tmp_path: Path) -> None:
    card = pg_books.card("9301", cash=1_000)
    with pg_books.engine.begin() as conn:  # as tillcard_office_status leaves it
        conn.execute(text("UPDATE cards SET status = 'frozen', status_reason = :r "
                          "WHERE id = :c"), {"r": REASON, "c": card})
    centre_card = Ledger(pg_books.engine).card_state(card, date(2026, 11, 23))[0]
    assert (centre_card.status, centre_card.status_reason) == (CardStatus.FROZEN, REASON)

    local = make_engine(str(tmp_path / "till.db"))
    upgrade(local)
    cache = TillCache(local, 1)
    pull(pg_books.engine, cache)
    replica = cache.card_state(card, date(2026, 11, 23))[0]
    assert (replica.status, replica.status_reason) == (CardStatus.FROZEN, REASON)

    with pg_books.engine.begin() as conn:  # unfrozen: the reason goes with the freeze
        conn.execute(text("UPDATE cards SET status = 'active', status_reason = '' "
                          "WHERE id = :c"), {"c": card})
    pull(pg_books.engine, cache)
    assert cache.card_state(card, date(2026, 11, 23))[0].status_reason == ""
    local.dispose()
