"""Purses of a card: refundable cash, an employer's allowance, expiring bonus grants.

A debit draws on the purses in the card type's spending order (default bonus → allowance
→ cash; bonus soonest-expiring first); whatever the purses cannot cover lands on cash,
which goes negative only when forced (a back-filled offline sale).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BONUS, ALLOWANCE, CASH = "bonus", "allowance", "cash"
DEFAULT_ORDER: tuple[str, ...] = (BONUS, ALLOWANCE, CASH)


def check_order(order: tuple[str, ...]) -> tuple[str, ...]:
    """A spending order names each purse once."""
    if sorted(order) != sorted(DEFAULT_ORDER):
        raise ValueError(f"a spending order names bonus, allowance and cash once each, "
                         f"got {order!r}")
    return order


@dataclass(frozen=True)
class BonusGrant:
    """Promotional credit from one recharge; spendable until (and including) ``expires_on``."""

    id: str
    remaining: int
    expires_on: date


@dataclass(frozen=True)
class Allocation:
    """Which purses pay a charge: bonus grants, allowance, cash."""

    bonus_parts: tuple[tuple[str, int], ...]
    cash: int
    allowance: int = 0

    @property
    def bonus(self) -> int:
        return sum(a for _, a in self.bonus_parts)

    @property
    def total(self) -> int:
        return self.bonus + self.allowance + self.cash


@dataclass(frozen=True)
class Wallet:
    """The balances of one card as the ledger projects them."""

    cash: int
    grants: tuple[BonusGrant, ...] = ()
    withheld: int = 0  # authorised, not yet settled
    allowance: int = 0  # an employer's subsidy: spendable, never refunded

    def live_grants(self, today: date) -> tuple[BonusGrant, ...]:
        live = [g for g in self.grants if g.remaining > 0 and g.expires_on >= today]
        return tuple(sorted(live, key=lambda g: (g.expires_on, g.id)))

    def bonus(self, today: date) -> int:
        return sum(g.remaining for g in self.live_grants(today))

    def balance(self, today: date) -> int:
        return self.cash + self.bonus(today) + self.allowance

    def available(self, today: date) -> int:
        return max(0, self.balance(today) - self.withheld)

    def nearest_expiry(self, today: date) -> BonusGrant | None:
        live = self.live_grants(today)
        return live[0] if live else None

    def allocate(self, amount: int, today: date,
                 order: tuple[str, ...] = DEFAULT_ORDER) -> Allocation:
        """Split ``amount`` over the purses in ``order``; any excess lands on cash.

        Callers check ``available`` first; back-fill of offline sales is the one place that
        allocates more than the balance.
        """
        if amount < 0:
            raise ValueError("cannot allocate a negative amount")
        rest = amount
        parts: list[tuple[str, int]] = []
        allowance = cash = 0
        for purse in order:
            if rest == 0:
                break
            if purse == BONUS:
                for g in self.live_grants(today):
                    if rest == 0:
                        break
                    take = min(g.remaining, rest)
                    parts.append((g.id, take))
                    rest -= take
            elif purse == ALLOWANCE:
                allowance = min(max(self.allowance, 0), rest)
                rest -= allowance
            else:
                cash = min(max(self.cash, 0), rest)
                rest -= cash
        return Allocation(tuple(parts), cash + rest, allowance)

    def after(self, alloc: Allocation) -> Wallet:
        """The wallet once ``alloc`` has been debited."""
        used = dict(alloc.bonus_parts)
        grants = tuple(
            BonusGrant(g.id, g.remaining - used.get(g.id, 0), g.expires_on) for g in self.grants
        )
        return Wallet(self.cash - alloc.cash, grants, self.withheld,
                      self.allowance - alloc.allowance)
