"""Purses of a card: refundable cash and expiring bonus grants, and how a debit draws on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BonusGrant:
    """Promotional credit from one recharge; spendable until (and including) ``expires_on``."""

    id: str
    remaining: int
    expires_on: date


@dataclass(frozen=True)
class Allocation:
    """Which purses pay a charge: bonus grants (soonest-expiring first), then cash."""

    bonus_parts: tuple[tuple[str, int], ...]
    cash: int

    @property
    def bonus(self) -> int:
        return sum(a for _, a in self.bonus_parts)

    @property
    def total(self) -> int:
        return self.bonus + self.cash


@dataclass(frozen=True)
class Wallet:
    """The balances of one card as the ledger projects them."""

    cash: int
    grants: tuple[BonusGrant, ...] = ()
    withheld: int = 0  # authorised, not yet settled

    def live_grants(self, today: date) -> tuple[BonusGrant, ...]:
        live = [g for g in self.grants if g.remaining > 0 and g.expires_on >= today]
        return tuple(sorted(live, key=lambda g: (g.expires_on, g.id)))

    def bonus(self, today: date) -> int:
        return sum(g.remaining for g in self.live_grants(today))

    def balance(self, today: date) -> int:
        return self.cash + self.bonus(today)

    def available(self, today: date) -> int:
        return max(0, self.balance(today) - self.withheld)

    def nearest_expiry(self, today: date) -> BonusGrant | None:
        live = self.live_grants(today)
        return live[0] if live else None

    def allocate(self, amount: int, today: date) -> Allocation:
        """Split ``amount`` over bonus grants then cash; cash may go negative only if forced.

        Callers check ``available`` first; back-fill of offline sales is the one place that
        allocates more than the balance, and the excess lands on cash.
        """
        if amount < 0:
            raise ValueError("cannot allocate a negative amount")
        rest = amount
        parts: list[tuple[str, int]] = []
        for g in self.live_grants(today):
            if rest == 0:
                break
            take = min(g.remaining, rest)
            parts.append((g.id, take))
            rest -= take
        return Allocation(tuple(parts), rest)

    def after(self, alloc: Allocation) -> Wallet:
        """The wallet once ``alloc`` has been debited."""
        used = dict(alloc.bonus_parts)
        grants = tuple(
            BonusGrant(g.id, g.remaining - used.get(g.id, 0), g.expires_on) for g in self.grants
        )
        return Wallet(self.cash - alloc.cash, grants, self.withheld)
