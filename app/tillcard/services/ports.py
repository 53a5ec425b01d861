"""What the checkout needs from wherever money lives: a local ledger or a synced till.

The standalone profile passes the SQLite ``Ledger`` and ``ReferenceStore``; the central
profile passes ``sync.TillSync``, which authorises at the centre or decides offline. The
checkout cannot tell them apart, which is the point.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Protocol

from tillcard.domain.cards import Card
from tillcard.domain.journal import Entry
from tillcard.domain.rules import DaySpend
from tillcard.domain.wallet import Wallet
from tillcard.store.ledger import Outcome, SaleRequest


class SalesBook(Protocol):
    def sale(self, req: SaleRequest) -> Outcome: ...

    def void(self, entry_id: uuid.UUID, till_id: int, sale_id: uuid.UUID,
             created_at: datetime, cashier_id: int | None = None) -> Outcome: ...

    def card_state(self, card_id: int, today: date) -> tuple[Card, Wallet, DaySpend]: ...

    def business_day(self, at: datetime) -> date:
        """The site clock's day of an instant: what limits and "today" mean here."""

    def cash_sale(self, entry_id: uuid.UUID, till_id: int, amount: int, created_at: datetime,
                  cashier_id: int | None = None) -> Entry:
        """A sale without a card, paid in cash (or tokens)."""

    def till_mark(self, till_id: int) -> int:
        """Where the till's own record ends now (a shift starts or ends there)."""

    def till_entries(self, till_id: int, after: int, upto: int | None = None
                     ) -> list[Entry]:
        """The till's entries after one mark, up to another (a shift's), in its order."""


class CardDirectory(Protocol):
    def find_card_id(self, token: str) -> int | None: ...

    def set_pin_failures(self, card_id: int, failures: int) -> None: ...
