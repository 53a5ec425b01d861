"""Journal entries: the only way a balance changes, numbered and hash-chained per till."""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

GENESIS_HASH = "0" * 64


class EntryKind(enum.StrEnum):
    SALE = "sale"
    VOID = "void"  # reverses a sale; references it
    RECHARGE = "recharge"  # cash in, optional bonus grant
    BONUS_EXPIRE = "expire"
    REFUND = "refund"  # cash paid out on closing
    TRANSFER_OUT = "transfer_out"  # lost card: balance moves to a new card
    TRANSFER_IN = "transfer_in"
    CASH_SALE = "cash_sale"  # no card: paid in cash (or tokens); counted in shift and booth
    ALLOWANCE = "allowance"  # an employer's subsidy granted (a batch, one entry per card)
    ALLOWANCE_RESET = "allowance_reset"  # what was left at the period's end, taken out
    # a card's deposit and fee taken in cash at issue; moves no purse (the deposit is
    # refunded by the closing REFUND): list_amount = deposit, tendered_cash = deposit + fee
    DEPOSIT = "deposit"
    CORRECTION = "correction"  # the card office takes back a wrong recharge (refers to it)


class EntryState(enum.StrEnum):
    AUTHORIZING = "authorizing"
    APPLIED = "applied"
    DECLINED = "declined"
    ABANDONED = "abandoned"
    OFFLINE = "offline"
    EXCEPTION = "exception"


@dataclass(frozen=True)
class NewGrant:
    """A bonus grant an entry creates (a recharge's bonus)."""

    id: str
    amount: int
    expires_on: date


@dataclass(frozen=True)
class Entry:
    """One change to one card's purses, as recorded at the till where it happened.

    ``cash_delta`` and ``bonus_parts`` are signed changes (a sale is negative). A sale's
    ``list_amount``/``discount``/``tendered_cash`` explain it; they do not move balances.
    """

    id: uuid.UUID
    till_id: int
    seq: int
    kind: EntryKind
    card_id: int
    cash_delta: int
    bonus_parts: tuple[tuple[str, int], ...] = ()
    new_grant: NewGrant | None = None
    list_amount: int = 0
    discount: int = 0
    tendered_cash: int = 0
    refers_to: uuid.UUID | None = None
    cashier_id: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    prev_hash: str = GENESIS_HASH
    allowance_delta: int = 0  # the allowance purse (employer's subsidy)

    @property
    def bonus_delta(self) -> int:
        grant = self.new_grant.amount if self.new_grant else 0
        return sum(d for _, d in self.bonus_parts) + grant

    @property
    def total_delta(self) -> int:
        return self.cash_delta + self.bonus_delta + self.allowance_delta

    def canonical(self) -> bytes:
        """Stable byte encoding covered by the hash; field order and format never change."""
        doc: dict[str, object] = {
            "id": str(self.id), "till": self.till_id, "seq": self.seq, "kind": str(self.kind),
            "card": self.card_id, "cash": self.cash_delta,
            "bonus": [[g, d] for g, d in self.bonus_parts],
            "grant": None if self.new_grant is None else [
                self.new_grant.id, self.new_grant.amount, self.new_grant.expires_on.isoformat()],
            "list": self.list_amount, "discount": self.discount, "tendered": self.tendered_cash,
            "refers": None if self.refers_to is None else str(self.refers_to),
            "cashier": self.cashier_id, "at": self.created_at.astimezone(UTC).isoformat(),
        }
        if self.allowance_delta:  # absent when zero: every earlier entry hashes as it did
            doc["allow"] = self.allowance_delta
        return json.dumps(doc, separators=(",", ":"), sort_keys=True,
                          ensure_ascii=True).encode()

    @functools.cached_property
    def hash(self) -> str:  # cached: a back-fill needs it three times per entry
        return chain_hash(self.prev_hash, self.canonical())


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


def bonus_parts_to_json(parts: tuple[tuple[str, int], ...]) -> str:
    return json.dumps([[g, d] for g, d in parts], separators=(",", ":"))


def bonus_parts_from_json(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((str(g), int(d)) for g, d in json.loads(text or "[]"))
