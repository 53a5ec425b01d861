"""Cash in the drawer: denominations, counts by denomination, and change.

A drawer is counted note by note and coin by coin, so a count is a mapping from a
denomination (minor units) to how many there are; its total is derived, never typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tillcard.domain.money import AmountError

# Notes and coins in circulation, largest first, in minor units.
DENOMINATIONS: dict[str, tuple[int, ...]] = {
    "CNY": (10_000, 5_000, 2_000, 1_000, 500, 100, 50, 10),
    "HKD": (100_000, 50_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10),
    "TWD": (2_000, 1_000, 500, 200, 100, 50, 10, 5, 1),  # zero-decimal in practice
    "EUR": (50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
    "USD": (10_000, 5_000, 2_000, 1_000, 500, 100, 25, 10, 5, 1),
    "GBP": (5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
}
DEFAULT_DENOMINATIONS = DENOMINATIONS["CNY"]
MAX_PIECES = 100_000  # of one denomination in one drawer: a typo, not a float


def denominations(currency_code: str) -> tuple[int, ...]:
    return DENOMINATIONS.get(currency_code.upper(), DEFAULT_DENOMINATIONS)


@dataclass(frozen=True)
class CashCount:
    """How many of each note and coin; zero counts are left out."""

    pieces: tuple[tuple[int, int], ...] = field(default=())  # (denomination, count)

    @classmethod
    def of(cls, counts: Mapping[int, int], allowed: tuple[int, ...] | None = None
           ) -> CashCount:
        """A count from what the cashier keyed; refuses what no drawer can hold."""
        pieces = []
        for denom, n in sorted(counts.items(), reverse=True):
            if type(denom) is not int or type(n) is not int:
                raise AmountError("counts are whole numbers")
            if allowed is not None and denom not in allowed:
                raise AmountError(f"{denom} is not a note or coin of this currency")
            if denom <= 0 or not 0 <= n <= MAX_PIECES:
                raise AmountError(f"a count must be 0..{MAX_PIECES}, got {n}")
            if n:
                pieces.append((denom, n))
        return cls(tuple(pieces))

    @property
    def total(self) -> int:
        return sum(d * n for d, n in self.pieces)

    def as_dict(self) -> dict[int, int]:
        return dict(self.pieces)


def change_due(to_collect: int, received: int | None) -> int:
    """Change for cash received against an amount to collect; nothing keyed is exact."""
    if received is None:
        return 0
    if received < to_collect:
        raise AmountError("less cash received than there is to collect")
    return received - to_collect
