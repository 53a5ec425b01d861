"""The back office's card list: search every way, page without gaps, on both engines."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from tests.conftest import NOW, OFFICE, Books
from tillcard.domain.permissions import Role
from tillcard.services.auth import PermissionDenied, Session
from tillcard.services.card_directory import CardList
from tillcard.store.card_directory import CardDirectory
from tillcard.store.card_file import CardFiles
from tillcard.store.schema import HolderRow

PEOPLE = [  # number, uid, name, member no, phone, type
    ("100001", "04A1B2C3", "王芳", "S-2024-001", "13800000001", "standard"),
    ("100002", None, "Li Na", "S-2024-002", "13800000002", "staff"),
    ("100003", "04FFEE01", "李娜", "", "", "standard"),
    ("200010", None, "Chen 50%_off", "E77", "021-5555", "bonus"),
    ("200011", None, "Zhang Wei", "e78", "", "staff"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest) -> Books:
    books: Books = request.getfixturevalue("books" if request.param == "sqlite"
                                           else "pg_books")
    for number, uid, name, member, phone, kind in PEOPLE:
        holder = books.refs.add_holder(name, member)
        with books.engine.begin() as conn:
            conn.execute(update(HolderRow).where(HolderRow.id == holder).values(phone=phone))
        card = books.refs.add_card(number, holder, books.types[kind], uid=uid)
        books.ledger.recharge(uuid.uuid4(), OFFICE, card, int(number[-2:]) * 100, NOW)
    return books


def numbers(directory: CardDirectory, query: str) -> list[str]:
    return [line.number for line in directory.search(query).lines]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["100001", "100002", "100003", "200010", "200011"]),
    ("100002", ["100002"]),  # a card number, exactly
    ("2000", ["200010", "200011"]),  # the start of a number
    ("04a1b2c3", ["100001"]),  # a UID, in any case
    ("王", ["100001"]), ("li na", ["100002"]), ("李娜", ["100003"]),  # part of a name
    ("1380000000", ["100001", "100002"]), ("5555", ["200010"]),  # part of a phone
    ("E7", ["200010", "200011"]),  # a member number, any case
    ("50%_", ["200010"]), ("%", ["200010"]), ("_", ["200010"]),  # LIKE's characters literal
    ("nobody", []),
])
def test_one_box_finds_a_card_every_way(office: Books, query: str,
                                        expected: list[str]) -> None:
    directory = CardDirectory(office.engine)
    page = directory.search(query)
    assert [line.number for line in page.lines] == expected
    assert page.total == len(expected) and page.after is None


def test_a_line_shows_holder_type_status_and_purses(office: Books) -> None:
    (line,) = CardDirectory(office.engine).search("100002").lines
    assert (line.holder, line.member_no, line.phone, line.card_type, line.status) == (
        "Li Na", "S-2024-002", "13800000002", "Staff", "active")
    assert (line.cash, line.bonus, line.allowance, line.balance) == (200, 0, 0, 200)


def test_pages_follow_each_other_without_gap_or_repeat(office: Books) -> None:
    directory = CardDirectory(office.engine)
    for query, expected in (("", [p[0] for p in PEOPLE]), ("S-2024", ["100001", "100002"]),
                            ("20001", ["200010", "200011"])):
        page = directory.search(query, limit=1)
        assert page.total == len(expected)
        seen = [line.number for line in page.lines]
        while page.after is not None:
            page = directory.page(query, page.after, limit=1)
            assert len(page.lines) == 1 and page.total is None
            seen += [line.number for line in page.lines]
        assert seen == expected
    with pytest.raises(ValueError, match="at least one card"):
        directory.search("", limit=0)


def test_the_walk_in_card_is_not_listed(office: Books) -> None:
    assert "CASH" not in numbers(CardDirectory(office.engine), "")


@pytest.mark.parametrize("role", list(Role))
def test_only_the_back_office_may_browse_cards(office: Books, role: Role) -> None:
    cards = CardList(CardDirectory(office.engine), CardFiles(office.engine))
    session = Session(1, "someone", "Someone", role)
    if role is Role.CASHIER:
        with pytest.raises(PermissionDenied):
            cards.search(session)
        with pytest.raises(PermissionDenied):
            cards.page(session, "", "100001")
    else:
        assert len(cards.search(session).lines) == len(PEOPLE)
        assert cards.search(session, "王").total == 1
        assert [x.number for x in cards.page(session, "", "200010").lines] == ["200011"]
