"""The back office's card list on the real widgets: pages as it scrolls, searches as typed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Books
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.services.auth import Session
from tillcard.services.card_directory import CardList, CardPage
from tillcard.store.card_directory import CardDirectory
from tillcard.store.card_file import CardFiles
from tillcard.ui.office.card_list import CardListModel, CardListView
from tillcard.ui.tasks import TaskRunner

CARDS = 450
OFFICE = Session(2, "books-manager", "Wang Fang", Role.MANAGER)


@pytest.fixture
def ids(books: Books) -> dict[str, int]:
    out = {}
    for n in range(CARDS):
        holder = books.refs.add_holder(f"Holder {n:03d}", f"M{n:03d}")
        out[f"{500000 + n}"] = books.refs.add_card(f"{500000 + n}", holder,
                                                   books.types["standard"])
    return out


@pytest.fixture
def view(qtbot, books: Books, ids: dict[str, int], tasks: TaskRunner) -> CardListView:
    cards = CardList(CardDirectory(books.engine), CardFiles(books.engine))
    model = CardListModel(tasks, lambda q: cards.search(OFFICE, q),
                          lambda q, after: cards.page(OFFICE, q, after), Currency())
    v = CardListView(model)
    qtbot.addWidget(v)
    v.resize(1000, 600)
    v.show()
    model.set_query("")
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=5000)
    return v


def test_opens_with_the_first_page_and_the_count(view: CardListView) -> None:
    assert view.count.text() == "450 cards"
    assert view.model.data(view.model.index(0, 0)) == "500000"
    assert view.model.data(view.model.index(0, 1)) == "Holder 000"
    assert view.model.data(view.model.index(0, 5)) == "Active"
    assert view.model.data(view.model.index(0, 6)) == "0.00"


def test_scrolling_to_the_end_fetches_the_next_pages(qtbot, view: CardListView) -> None:
    for expected in (400, 450):
        view.table.scrollToBottom()
        qtbot.waitUntil(lambda n=expected: view.model.rowCount() == n, timeout=5000)
    numbers = [view.model.line(r).number for r in range(view.model.rowCount())]
    assert numbers == [f"{500000 + n}" for n in range(CARDS)]  # no gap, no repeat
    assert not view.model.canFetchMore()


def test_typing_searches_and_enter_opens_a_single_hit(qtbot, view: CardListView,
                                                      ids: dict[str, int]) -> None:
    qtbot.keyClicks(view.search, "holder 12")
    qtbot.waitUntil(lambda: view.count.text() == "10 cards", timeout=5000)
    assert {view.model.line(r).holder for r in range(view.model.rowCount())} == {
        f"Holder {n}" for n in range(120, 130)}
    view.search.clear()
    qtbot.keyClicks(view.search, "500321")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.count.text() == "1 card", timeout=5000)
    with qtbot.waitSignal(view.card_opened, timeout=2000) as opened:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert opened.args == [ids["500321"]]


def test_an_older_answer_never_overwrites_a_newer_search(qtbot, view: CardListView) -> None:
    model = view.model
    model.set_query("Holder")  # 450 hits, answered first on the one worker
    model.set_query("M449")
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert [model.line(r).number for r in range(model.rowCount())] == ["500449"]
    assert view.count.text() == "1 card"


def test_a_failed_search_says_so_and_keeps_the_list(qtbot, tasks: TaskRunner) -> None:
    def broken(_q: str) -> CardPage:
        raise ConnectionError("server closed the connection")

    model = CardListModel(tasks, broken, lambda q, a: CardPage((), None), Currency())
    v = CardListView(model)
    qtbot.addWidget(v)
    model.set_query("x")
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert v.count.text() == "Cannot read the cards: server closed the connection"
    assert model.rowCount() == 0
