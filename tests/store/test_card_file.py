"""One card's file for the office: purses, grants with expiry, limits, history by pages."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from tests.conftest import NOW, OFFICE, Books
from tests.pg import CentreClock
from tillcard.store.card_file import CardFiles
from tillcard.store.ledger import CASH_CARD, SaleRequest
from tillcard.store.reference import ReferenceStore


@pytest.fixture(params=["sqlite", "postgresql"])
def books_on(request: pytest.FixtureRequest) -> Books:
    return request.getfixturevalue("books" if request.param == "sqlite" else "pg_books")


def at(b: Books, when: datetime) -> datetime:
    """``when`` for the entry: a standalone ledger takes it, the centre its own clock."""
    if b.engine.dialect.name == "postgresql":
        CentreClock.of(b.engine).set(when)
    return when


def test_a_card_file_shows_purses_grants_limits_and_todays_spend(books_on: Books) -> None:
    b = books_on
    card = b.card("700001", "bonus", cash=10_000)  # 10 % bonus, kept 7 days
    b.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 2_500, at(b, NOW + timedelta(minutes=5)),
                              cashier_id=1))
    f = CardFiles(b.engine).card(card)
    assert f is not None
    assert (f.line.number, f.line.holder, f.line.card_type) == ("700001", "Holder 700001",
                                                                "Bonus")
    assert f.line.balance == 10_000 + 1_000 - 2_500
    assert f.line.bonus == sum(g.remaining for g in f.grants) == 0  # bonus is spent first
    assert (f.spent_amount, f.spent_count) == (2_500, 1)
    assert f.limits.discount_bp == 0 and not f.has_pin


def test_unexpired_grants_are_listed_soonest_first(books_on: Books) -> None:
    b = books_on
    card = b.card("700002", "bonus", cash=5_000)
    b.ledger.recharge(uuid.uuid4(), OFFICE, card, 20_000, at(b, NOW + timedelta(days=1)))
    f = CardFiles(b.engine).card(card)
    assert f is not None
    assert [(g.remaining, g.expires_on) for g in f.grants] == [
        (500, (NOW + timedelta(days=7)).date()), (2_000, (NOW + timedelta(days=8)).date())]
    assert f.line.bonus == 2_500


def test_staff_limits_show(books_on: Books) -> None:
    f = CardFiles(books_on.engine).card(books_on.card("700003", "staff"))
    assert f is not None
    assert (f.limits.discount_bp, f.limits.daily_amount, f.limits.pin_above) == (
        1_000, 8_000, 5_000)


def test_history_newest_first_in_pages(books_on: Books) -> None:
    b = books_on
    card = b.card("700004", cash=10_000)
    for minutes in (1, 2, 3):
        b.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 100 * minutes,
                                  at(b, NOW + timedelta(minutes=minutes)), cashier_id=1))
    files = CardFiles(b.engine)
    seen = []
    page = files.history(card, limit=2)
    while True:
        seen += [(line.kind, line.change, line.till, line.cashier) for line in page.lines]
        if page.before is None:
            break
        page = files.history(card, page.before, limit=2)
    assert seen == [("sale", -300, "Till 1", "Li Na"), ("sale", -200, "Till 1", "Li Na"),
                    ("sale", -100, "Till 1", "Li Na"), ("recharge", 10_000, "Card office", "")]
    with pytest.raises(ValueError, match="at least one entry"):
        files.history(card, limit=0)


def test_no_file_for_an_unknown_card_or_the_walk_in_card(books_on: Books) -> None:
    files = CardFiles(books_on.engine)
    assert files.card(987_654) is None
    walk_in = ReferenceStore(books_on.engine).find_card_id(CASH_CARD)
    if walk_in is not None:
        assert files.card(walk_in) is None
