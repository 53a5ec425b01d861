"""Rows to domain objects and back, at the store boundary only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tillcard.domain.cards import BonusTier, Card, CardStatus, CardType, Holder, RechargeRule
from tillcard.domain.journal import (
    Entry,
    EntryKind,
    NewGrant,
    bonus_parts_from_json,
    bonus_parts_to_json,
)
from tillcard.domain.meals import MealWindow
from tillcard.domain.wallet import DEFAULT_ORDER, BonusGrant, Wallet


def card_type_from(r: Any, windows: Sequence[MealWindow] = ()) -> CardType:
    tiers = tuple(BonusTier(int(a), int(b)) for a, b in json.loads(r.bonus_tiers or "[]"))
    return CardType(
        code=r.code, name=r.name, discount_bp=r.discount_bp, per_txn_limit=r.per_txn_limit,
        daily_amount_limit=r.daily_amount_limit, daily_count_limit=r.daily_count_limit,
        pin_above=r.pin_above, offline_limit=r.offline_limit, validity_days=r.validity_days,
        recharge=RechargeRule(r.bonus_bp, tiers, r.bonus_expiry_days),
        meal_windows=tuple(windows),
        refuse_outside_windows=bool(getattr(r, "refuse_outside_windows", False)),
        spend_order=tuple((getattr(r, "spend_order", None) or ",".join(DEFAULT_ORDER))
                          .split(",")),
        allowance_reset=getattr(r, "allowance_reset", None) or "never",
    )


def window_from(r: Any) -> MealWindow:
    return MealWindow(r.name, r.start_min, r.end_min, r.count_limit, r.fixed_price)


def card_from(card: Any, holder: Any, card_type: CardType) -> Card:
    return Card(
        id=card.id, number=card.number, uid=card.uid,
        holder=Holder(holder.id, holder.name, holder.staff_no),
        card_type=card_type, status=CardStatus(card.status), valid_until=card.valid_until,
        pin_hash=card.pin_hash, pin_failures=card.pin_failures,
        status_reason=getattr(card, "status_reason", None) or "",
    )


def wallet_from(cash: int, grants: Sequence[Any], allowance: int = 0) -> Wallet:
    return Wallet(cash, tuple(BonusGrant(g.id, g.remaining, g.expires_on) for g in grants),
                  allowance=allowance)


def entry_from(r: Any) -> Entry:
    grant = None
    if r.grant_id is not None:
        grant = NewGrant(r.grant_id, r.grant_amount, r.grant_expires_on)
    return Entry(
        id=r.id, till_id=r.till_id, seq=r.seq, kind=EntryKind(r.kind), card_id=r.card_id,
        cash_delta=r.cash_delta, bonus_parts=bonus_parts_from_json(r.bonus_parts),
        new_grant=grant, list_amount=r.list_amount, discount=r.discount,
        tendered_cash=r.tendered_cash, refers_to=r.refers_to, cashier_id=r.cashier_id,
        created_at=r.created_at, prev_hash=r.prev_hash,
        allowance_delta=getattr(r, "allowance_delta", 0) or 0,
    )


def entry_values(e: Entry) -> dict[str, Any]:
    """Column values of a journal row; ``recorded_at`` is added by the writer."""
    g = e.new_grant
    return {
        "id": e.id, "till_id": e.till_id, "seq": e.seq, "kind": str(e.kind),
        "card_id": e.card_id, "cash_delta": e.cash_delta, "bonus_delta": e.bonus_delta,
        "bonus_parts": bonus_parts_to_json(e.bonus_parts),
        "grant_id": g.id if g else None, "grant_amount": g.amount if g else 0,
        "grant_expires_on": g.expires_on if g else None, "list_amount": e.list_amount,
        "discount": e.discount, "tendered_cash": e.tendered_cash, "refers_to": e.refers_to,
        "void_of": e.refers_to if e.kind is EntryKind.VOID else None,
        "cashier_id": e.cashier_id, "created_at": e.created_at, "prev_hash": e.prev_hash,
        "hash": e.hash, "allowance_delta": e.allowance_delta,
    }
