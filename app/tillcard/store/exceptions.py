"""Exceptions for managers: who sold, where, to whom, how much.

Raised by back-filled sales that left a card negative or went to a card frozen meanwhile.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from tillcard.store.schema import CardRow, ExceptionRow, HolderRow, TillRow, UserRow


@dataclass(frozen=True)
class ExceptionItem:
    id: int
    kind: str
    entry_id: uuid.UUID
    till: str
    cashier: str
    card_number: str
    holder: str
    amount: int  # the card's cash purse after the sale (negative: owed to the site)
    sold_at: datetime
    recorded_at: datetime
    resolved_at: datetime | None


def list_exceptions(engine: Engine, *, include_resolved: bool = False) -> list[ExceptionItem]:
    x = ExceptionRow
    q = (select(x.id, x.kind, x.entry_id, x.till_id, TillRow.name.label("till"),
                UserRow.name.label("cashier"), CardRow.number, HolderRow.name.label("holder"),
                x.amount, x.sold_at, x.recorded_at, x.resolved_at)
         .join(CardRow, CardRow.id == x.card_id)
         .join(HolderRow, HolderRow.id == CardRow.holder_id)
         .outerjoin(TillRow, TillRow.id == x.till_id)
         .outerjoin(UserRow, UserRow.id == x.cashier_id)
         .order_by(x.recorded_at, x.id))
    if not include_resolved:
        q = q.where(x.resolved_at.is_(None))
    with engine.connect() as conn:
        return [ExceptionItem(r.id, r.kind, r.entry_id, r.till or f"till {r.till_id}",
                              r.cashier or "", r.number, r.holder, r.amount, r.sold_at,
                              r.recorded_at, r.resolved_at) for r in conn.execute(q)]
