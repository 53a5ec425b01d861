"""One card as the office sees it: purses, grants, limits, today's spend and its history.

The history is the journal itself, newest first and keyset-paginated on
``(created_at, id)`` over the ``(card_id, created_at)`` index, so a card with years of
daily lunches opens as fast as a new one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, and_, func, or_, select

from tillcard.store.card_directory import CardDirectory, CardLine
from tillcard.store.schema import (
    BonusGrantRow,
    CardRow,
    CardTypeRow,
    JournalRow,
    PurseRow,
    TillRow,
    UserRow,
)

HISTORY_PAGE = 100


@dataclass(frozen=True)
class Grant:
    id: str
    remaining: int
    expires_on: date


@dataclass(frozen=True)
class Limits:
    discount_bp: int
    per_sale: int | None
    daily_amount: int | None
    daily_count: int | None
    pin_above: int | None
    offline: int | None


@dataclass(frozen=True)
class CardFile:
    line: CardLine
    status_reason: str
    deposit_held: int
    replaced_by: int | None
    has_pin: bool
    pin_failures: int
    limits: Limits
    spend_day: date | None  # the business day the two figures below belong to
    spent_amount: int
    spent_count: int
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class HistoryLine:
    entry_id: uuid.UUID
    at: datetime
    kind: str
    till: str
    cashier: str
    cash_delta: int
    bonus_delta: int
    allowance_delta: int
    list_amount: int
    discount: int
    tendered_cash: int

    @property
    def change(self) -> int:
        """What the card's balance moved by (a sale is negative)."""
        return self.cash_delta + self.bonus_delta + self.allowance_delta


@dataclass(frozen=True)
class HistoryPage:
    lines: tuple[HistoryLine, ...]
    before: tuple[datetime, uuid.UUID] | None  # where the next (older) page starts


class CardFiles:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._directory = CardDirectory(engine)

    def card(self, card_id: int) -> CardFile | None:
        line = self._directory.line(card_id)
        if line is None:
            return None
        with self._engine.connect() as conn:
            c = conn.execute(
                select(CardRow.status_reason, CardRow.deposit_held, CardRow.replaced_by,
                       CardRow.pin_hash.is_not(None), CardRow.pin_failures,
                       CardTypeRow.discount_bp, CardTypeRow.per_txn_limit,
                       CardTypeRow.daily_amount_limit, CardTypeRow.daily_count_limit,
                       CardTypeRow.pin_above, CardTypeRow.offline_limit,
                       PurseRow.day, func.coalesce(PurseRow.day_amount, 0),
                       func.coalesce(PurseRow.day_count, 0))
                .join(CardTypeRow, CardTypeRow.id == CardRow.card_type_id)
                .outerjoin(PurseRow, PurseRow.card_id == CardRow.id)
                .where(CardRow.id == card_id)).one()
            grants = tuple(Grant(g.id, g.remaining, g.expires_on) for g in conn.execute(
                select(BonusGrantRow.id, BonusGrantRow.remaining, BonusGrantRow.expires_on)
                .where(BonusGrantRow.card_id == card_id, BonusGrantRow.remaining > 0)
                .order_by(BonusGrantRow.expires_on, BonusGrantRow.id)))
        limits = Limits(c[5], c[6], c[7], c[8], c[9], c[10])
        return CardFile(line, c[0], c[1], c[2], bool(c[3]), c[4], limits, c[11], int(c[12]),
                        int(c[13]), grants)

    def history(self, card_id: int, before: tuple[datetime, uuid.UUID] | None = None,
                limit: int = HISTORY_PAGE) -> HistoryPage:
        """Entries of the card, newest first, older than ``before`` (a previous page's)."""
        if limit < 1:
            raise ValueError(f"a page holds at least one entry, not {limit}")
        j = JournalRow
        q = (select(j.id, j.created_at, j.kind, func.coalesce(TillRow.name, ""),
                    func.coalesce(UserRow.name, ""), j.cash_delta, j.bonus_delta,
                    j.allowance_delta, j.list_amount, j.discount, j.tendered_cash)
             .outerjoin(TillRow, TillRow.id == j.till_id)
             .outerjoin(UserRow, UserRow.id == j.cashier_id)
             .where(j.card_id == card_id))
        if before is not None:
            at, entry = before
            q = q.where(or_(j.created_at < at, and_(j.created_at == at, j.id < entry)))
        q = q.order_by(j.created_at.desc(), j.id.desc()).limit(limit + 1)
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        lines = tuple(HistoryLine(*r) for r in rows[:limit])
        more = len(rows) > limit and lines
        return HistoryPage(lines, (lines[-1].at, lines[-1].entry_id) if more else None)
