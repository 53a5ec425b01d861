"""Receipt data built from ledger outcomes, ready for the printer layer to lay out."""

from __future__ import annotations

from datetime import datetime

from tillcard.domain.journal import Entry
from tillcard.domain.quote import Quote
from tillcard.domain.receipt import (
    CashSaleReceipt,
    ReceiptContext,
    RechargeReceipt,
    SaleReceipt,
    VoidReceipt,
)
from tillcard.services.auth import Session
from tillcard.services.views import CardView, TillInfo


def discount_label(view: CardView) -> str:
    """The card type and its discount, one format on screen and receipt: "Staff 10%"."""
    ct = view.card.card_type
    bp = ct.discount_bp
    if not bp:
        return ct.name
    pct = f"{bp // 100}" if bp % 100 == 0 else f"{bp // 100}.{bp % 100:02d}".rstrip("0")
    return f"{ct.name} {pct}%"


class ReceiptBuilder:
    def __init__(self, till: TillInfo) -> None:
        self._till = till

    def _ctx(self, session: Session, at: datetime) -> ReceiptContext:
        return ReceiptContext(self._till.site, self._till.till_name, session.name, at)

    def sale(self, session: Session, view: CardView, entry: Entry, quote: Quote,
             expression: str, at: datetime) -> SaleReceipt:
        return SaleReceipt(
            ctx=self._ctx(session, at), entry_id=entry.id,
            card_masked=view.card.masked_number, holder_short=view.card.holder.short_name,
            expression=expression, list_amount=quote.list_amount, discount=quote.discount,
            discount_label=discount_label(view), charge=quote.charge,
            bonus_part=quote.allocation.bonus, cash_part=quote.allocation.cash,
            allowance_part=quote.allocation.allowance,
            tendered_cash=entry.tendered_cash, balance_before=quote.balance_before,
            balance_after=quote.balance_after,
        )

    def cash_sale(self, session: Session, entry: Entry, received: int | None,
                  at: datetime) -> CashSaleReceipt:
        """A sale without a card: its amount is the entry's cash taken, list price alike."""
        return CashSaleReceipt(ctx=self._ctx(session, at), entry_id=entry.id,
                               amount=entry.tendered_cash or entry.list_amount,
                               received=received)

    def void(self, session: Session, view: CardView, entry: Entry, at: datetime
             ) -> VoidReceipt:
        assert entry.refers_to is not None
        return VoidReceipt(
            ctx=self._ctx(session, at), entry_id=entry.id, voided_id=entry.refers_to,
            card_masked=view.card.masked_number, holder_short=view.card.holder.short_name,
            refunded_to_card=entry.total_delta, cash_returned=entry.tendered_cash,
            balance_after=view.balance,
        )

    def recharge(self, session: Session, view: CardView, entry: Entry, at: datetime
                 ) -> RechargeReceipt:
        g = entry.new_grant
        return RechargeReceipt(
            ctx=self._ctx(session, at), entry_id=entry.id,
            card_masked=view.card.masked_number, holder_short=view.card.holder.short_name,
            amount=entry.cash_delta, bonus=g.amount if g else 0,
            bonus_expires_on=g.expires_on if g else None, balance_after=view.balance,
        )
