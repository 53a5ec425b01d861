"""What a site sets once for every till: its clock and the largest amount any entry may move."""

from __future__ import annotations

from dataclasses import dataclass, field

from tillcard.domain.clock import SiteClock

# 1,000,000.00 in a two-decimal currency: far above any meal or recharge, far below the
# 64-bit integers both engines store (a slip of the finger is refused, not overflowed)
DEFAULT_MAX_AMOUNT = 100_000_000


@dataclass(frozen=True)
class SiteRules:
    clock: SiteClock = field(default_factory=SiteClock)
    max_amount: int = DEFAULT_MAX_AMOUNT

    def __post_init__(self) -> None:
        if type(self.max_amount) is not int or self.max_amount <= 0:
            raise ValueError(f"the maximum amount must be a positive integer, got "
                             f"{self.max_amount!r}")
