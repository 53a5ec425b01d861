"""A shift at one till: a float in, the day's entries, a counted drawer out (X and Z).

A shift is a record, not a mood (quicktill's sessions, LaBoutik's frozen Z): it opens with
a float counted by denomination, its figures are sums over the till's own entries between
opening and closing, and it closes with the drawer counted the same way. The Z is frozen
as a snapshot when the shift closes and numbered without gaps per till; a reprint reads
the snapshot, never the journal again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tillcard.domain.cash import CashCount
from tillcard.domain.journal import Entry, EntryKind


@dataclass(frozen=True)
class Totals:
    """What a shift's entries add up to; every cash figure is what passed the drawer."""

    sales: int = 0  # count
    sales_list: int = 0  # before discount
    discounts: int = 0
    card_part: int = 0  # paid from cards
    sale_cash: int = 0  # paid in cash beside a card (split tender)
    voids: int = 0  # count
    voided_card: int = 0  # given back to cards
    handed_back: int = 0  # cash given back for voided split sales
    cash_sales: int = 0  # count of sales without a card
    cash_sales_amount: int = 0
    recharges: int = 0  # count
    recharge_cash: int = 0  # taken in cash for recharges at this till
    refunds: int = 0  # cash paid out when closing cards (the purse's cash and the deposit)
    deposits: int = 0  # deposits and card fees taken in cash when issuing cards
    cashiers: tuple[int, ...] = ()

    @property
    def cash_in(self) -> int:
        return self.sale_cash + self.cash_sales_amount + self.recharge_cash + self.deposits

    @property
    def cash_out(self) -> int:
        return self.handed_back + self.refunds

    @property
    def net_sales(self) -> int:
        """What the till sold, less what it voided (card and cash parts)."""
        return (self.card_part + self.sale_cash + self.cash_sales_amount
                - self.voided_card - self.handed_back)


def shift_totals(entries: Iterable[Entry]) -> Totals:
    """Sum a shift's entries; bonus expiries and transfers move no cash and no sales."""
    t: dict[str, int] = {k: 0 for k in Totals.__dataclass_fields__ if k != "cashiers"}
    cashiers: set[int] = set()
    for e in entries:
        if e.cashier_id is not None:
            cashiers.add(e.cashier_id)
        if e.kind is EntryKind.SALE:
            t["sales"] += 1
            t["sales_list"] += e.list_amount
            t["discounts"] += e.discount
            t["card_part"] += -e.total_delta
            t["sale_cash"] += e.tendered_cash
        elif e.kind is EntryKind.VOID:
            t["voids"] += 1
            t["voided_card"] += e.total_delta
            t["handed_back"] += e.tendered_cash
        elif e.kind is EntryKind.CASH_SALE:
            t["cash_sales"] += 1
            t["cash_sales_amount"] += e.tendered_cash
        elif e.kind is EntryKind.RECHARGE:
            t["recharges"] += 1
            t["recharge_cash"] += e.list_amount
        elif e.kind is EntryKind.REFUND:  # the card's cash and its deposit, handed out
            t["refunds"] += e.tendered_cash
        elif e.kind is EntryKind.DEPOSIT:  # deposit and fee, taken when the card was issued
            t["deposits"] += e.tendered_cash
    return Totals(**t, cashiers=tuple(sorted(cashiers)))


@dataclass(frozen=True)
class ShiftSummary:
    """An X (while open) or a Z (closed, numbered, frozen): the drawer against the books."""

    shift_id: uuid.UUID
    till_id: int
    opened_at: datetime
    opened_by: int
    float_count: CashCount
    totals: Totals
    z_no: int | None = None
    closed_at: datetime | None = None
    closed_by: int | None = None
    counted: CashCount | None = None
    comment: str = ""
    approved_by: int | None = None
    names: dict[int, str] = field(default_factory=dict)  # user id → name, for printing

    @property
    def expected(self) -> int:
        """Cash that should be in the drawer: the float and what came in, less what left."""
        return self.float_count.total + self.totals.cash_in - self.totals.cash_out

    @property
    def difference(self) -> int | None:
        """Counted less expected: negative is cash missing."""
        return None if self.counted is None else self.counted.total - self.expected

    def snapshot(self) -> str:
        """The frozen Z: every figure as printed, so a reprint never asks the journal."""
        doc: dict[str, Any] = {
            "shift_id": str(self.shift_id), "till_id": self.till_id, "z_no": self.z_no,
            "opened_at": self.opened_at.isoformat(), "opened_by": self.opened_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "closed_by": self.closed_by, "float": list(self.float_count.pieces),
            "counted": list(self.counted.pieces) if self.counted else None,
            "totals": asdict(self.totals), "comment": self.comment,
            "approved_by": self.approved_by,
            "names": {str(k): v for k, v in self.names.items()},
        }
        return json.dumps(doc, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_snapshot(cls, text: str) -> ShiftSummary:
        d = json.loads(text)
        totals = dict(d["totals"])
        totals["cashiers"] = tuple(totals.get("cashiers", ()))
        return cls(
            shift_id=uuid.UUID(d["shift_id"]), till_id=d["till_id"],
            opened_at=datetime.fromisoformat(d["opened_at"]), opened_by=d["opened_by"],
            float_count=CashCount(tuple((int(a), int(b)) for a, b in d["float"])),
            totals=Totals(**totals), z_no=d["z_no"],
            closed_at=None if d["closed_at"] is None else datetime.fromisoformat(
                d["closed_at"]),
            closed_by=d["closed_by"],
            counted=None if d["counted"] is None else CashCount(
                tuple((int(a), int(b)) for a, b in d["counted"])),
            comment=d["comment"], approved_by=d["approved_by"],
            names={int(k): v for k, v in d.get("names", {}).items()})


def needs_approval(difference: int, threshold: int) -> bool:
    """A drawer off by more than the site allows needs a manager to sign the Z."""
    return abs(difference) > threshold
