"""Meal windows: named times of the business day (breakfast, lunch...) a card type sells in.

A canteen's card may buy lunch only at lunchtime, or one meal per window, or at a fixed
price per window. Times are minutes after local midnight in the site's time zone; a
window does not cross midnight (a late supper ends at 24:00 and the next starts at 00:00).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

MAX_WINDOWS = 5


@dataclass(frozen=True)
class MealWindow:
    name: str
    start_min: int  # from, inclusive
    end_min: int  # until, exclusive
    count_limit: int | None = None  # meals per window and business day
    fixed_price: int | None = None  # a tap charges this, no amount keyed

    def __post_init__(self) -> None:
        if not 0 <= self.start_min < self.end_min <= 24 * 60:
            raise ValueError(f"a meal window runs within one day: {self.name!r}")
        if not self.name.strip():
            raise ValueError("a meal window needs a name")

    def contains(self, minute: int) -> bool:
        return self.start_min <= minute < self.end_min

    @property
    def label(self) -> str:
        return f"{self.name} {_hhmm(self.start_min)}–{_hhmm(self.end_min)}"


def check_windows(windows: Iterable[MealWindow]) -> tuple[MealWindow, ...]:
    """At most five, none overlapping: one moment is in one window at most."""
    ordered = tuple(sorted(windows, key=lambda w: w.start_min))
    if len(ordered) > MAX_WINDOWS:
        raise ValueError(f"at most {MAX_WINDOWS} meal windows")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start_min < a.end_min:
            raise ValueError(f"meal windows {a.name!r} and {b.name!r} overlap")
    return ordered


def window_at(windows: Iterable[MealWindow], minute: int) -> MealWindow | None:
    return next((w for w in windows if w.contains(minute)), None)


def set_price(windows: Iterable[MealWindow], minute: int | None, till_price: int | None,
              *, window_prices: bool = True) -> tuple[int, MealWindow | None] | None:
    """The price a card tap charges with no amount keyed (fixed-price mode), and its window.

    A meal window's own price holds during that window (``window_prices``: this till takes
    them) and takes precedence over the till's set price; outside priced windows the
    till's price, if it has one. ``None``: the cashier keys the amount. ``minute``: the
    site's wall-clock minute of the tap; ``None`` (unknown) leaves only the till's price.
    """
    if window_prices and minute is not None:
        w = window_at(windows, minute)
        if w is not None and w.fixed_price is not None and w.fixed_price > 0:
            return w.fixed_price, w
    return None if till_price is None else (till_price, None)


def minute_of(local: datetime) -> int:
    """Minutes after midnight of a wall-clock time in the site's zone."""
    return local.hour * 60 + local.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
