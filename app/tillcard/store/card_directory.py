"""The card office's list of cards: one page at a time, in card-number order, searched.

A site has up to a few hundred thousand cards; the back office must open and answer a
search at once. Pages are keyset-paginated on the card number (``number > :after``,
the unique index), never ``OFFSET``, so page 500 costs what page 1 does; a search is one
statement whose filter PostgreSQL evaluates over short columns (measured in
``tests/benchmarks/bench_card_list.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, literal, or_, select

from tillcard.store.ledger import CASH_CARD
from tillcard.store.schema import CardRow, CardTypeRow, HolderRow, PurseRow

PAGE = 200


@dataclass(frozen=True)
class CardLine:
    """One line of the list: enough to recognise the card and see its state."""

    card_id: int
    number: str
    uid: str | None
    holder: str
    member_no: str
    phone: str
    card_type: str
    status: str
    valid_until: date | None
    cash: int
    bonus: int
    allowance: int

    @property
    def balance(self) -> int:
        return self.cash + self.bonus + self.allowance


@dataclass(frozen=True)
class CardPage:
    lines: tuple[CardLine, ...]
    after: str | None  # the last number on this page; None when there is no more
    total: int | None = None  # how many match in all (the first page of a search)


def _like(text: str) -> str:
    """``%text%`` with LIKE's own characters taken literally (backslash escapes them)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_filter(query: str) -> ColumnElement[bool]:
    """What a typed query matches, as the office types it.

    A card number or UID exactly, the start of a number, or a part of the holder's name,
    phone or member number (case-insensitive), so one box finds a card every way. The
    holder's columns are searched in a subquery of ``holders`` alone: one scan of short
    rows, not the join of every card with its holder (measured: 3 to 5 times faster).
    """
    q = query.strip()
    if not q:
        return literal(True)
    pattern = _like(q.lower())
    holders = select(HolderRow.id).where(or_(
        func.lower(HolderRow.name).like(pattern, escape="\\"),
        HolderRow.phone.like(_like(q), escape="\\"),
        func.lower(HolderRow.staff_no).like(pattern, escape="\\"),
    ))
    return or_(
        CardRow.number == q,
        CardRow.uid == q.upper(),  # stored upper-case (ReferenceStore.add_card)
        CardRow.number.like(_like(q)[1:], escape="\\"),  # starts with
        CardRow.holder_id.in_(holders),
    )


class CardDirectory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _lines(self, query: str, *extra: Any) -> Any:
        return (select(CardRow.id, CardRow.number, CardRow.uid, HolderRow.name,
                       HolderRow.staff_no, HolderRow.phone, CardTypeRow.name.label("type"),
                       CardRow.status, CardRow.valid_until,
                       func.coalesce(PurseRow.cash, 0), func.coalesce(PurseRow.bonus, 0),
                       func.coalesce(PurseRow.allowance, 0), *extra)
                .join(HolderRow, HolderRow.id == CardRow.holder_id)
                .join(CardTypeRow, CardTypeRow.id == CardRow.card_type_id)
                .outerjoin(PurseRow, PurseRow.card_id == CardRow.id)
                .where(and_(CardRow.number != CASH_CARD, search_filter(query))))

    def search(self, query: str = "", limit: int = PAGE) -> CardPage:
        """The first page of ``query`` and how many cards match it in all.

        A search that matches a few hundred cards counts them in the same statement (a
        window over the matches); the unfiltered list counts the table on its own, since
        numbering every card to count them costs more than the count.
        """
        _check(limit)
        with self._engine.connect() as conn:
            if not query.strip():
                total = int(conn.execute(select(func.count()).select_from(CardRow).where(
                    CardRow.number != CASH_CARD)).scalar_one())
                rows = conn.execute(self._lines("").order_by(CardRow.number)
                                    .limit(limit + 1)).all()
                return _page(rows, limit, total)
            rows = conn.execute(self._lines(query, func.count().over())
                                .order_by(CardRow.number).limit(limit + 1)).all()
        total = int(rows[0][-1]) if rows else 0
        return _page([r[:-1] for r in rows], limit, total)

    def line(self, card_id: int) -> CardLine | None:
        """One card's line; None for an unknown id or the walk-in card (no holder's)."""
        q = self._lines("").where(CardRow.id == card_id)
        with self._engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else CardLine(*row)

    def page(self, query: str, after: str, limit: int = PAGE) -> CardPage:
        """The cards matching ``query`` whose number sorts after ``after``: the next page."""
        _check(limit)
        q = (self._lines(query).where(CardRow.number > after).order_by(CardRow.number)
             .limit(limit + 1))
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        return _page(rows, limit, None)


def _check(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"a page holds at least one card, not {limit}")


def _page(rows: Sequence[Any], limit: int, total: int | None) -> CardPage:
    lines = tuple(CardLine(*r) for r in rows[:limit])
    more = len(rows) > limit
    return CardPage(lines, lines[-1].number if more and lines else None, total)
