"""Meal windows: named times of the business day (breakfast, lunch...) a card type sells in.

A canteen's card may buy lunch only at lunchtime, or one meal per window, or at a fixed
price per window. Times are minutes after local midnight in the site's time zone; a
window does not cross midnight (a late supper ends at 24:00 and the next starts at 00:00).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

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


def counted_window(windows: Iterable[MealWindow], minute: int) -> MealWindow | None:
    """The window of ``minute`` when it limits meals per day; others count nothing."""
    w = window_at(windows, minute)
    return w if w is not None and w.count_limit is not None and w.count_limit > 0 else None


@dataclass(frozen=True)
class MealCounter:
    """The last counted meal of a card, as stored beside its purse (``purses.meal_*``).

    One window at a time is enough: windows do not overlap and follow each other through
    the business day, so once a sale lands in a later window the earlier one is over.
    ``minute`` (the wall-clock minute of the first counted sale) names the window, so an
    admin may move or rename windows without a stale key. Like ``DayCounter`` it never
    moves backwards: a sale of an earlier day, or earlier in the same business day (a
    back-filled offline sale), neither resets it nor counts toward it.
    """

    day: date | None = None
    minute: int | None = None
    count: int = 0

    def had(self, day: date, window: MealWindow) -> int:
        """Sales this window already made on ``day``."""
        if self.day != day or self.minute is None or not window.contains(self.minute):
            return 0
        return self.count

    def add(self, day: date, minute: int, windows: Iterable[MealWindow],
            cutoff: int) -> MealCounter:
        """After a sale of ``day`` at ``minute``; ``cutoff``: the business day's start."""
        w = counted_window(windows, minute)
        if w is None:
            return self
        if self.day == day and self.minute is not None and w.contains(self.minute):
            # the counter is on this window (even at 0 after a void): one more meal in it
            return MealCounter(day, self.minute, self.count + 1)
        if (self.day is None or self.minute is None or day > self.day or (
                day == self.day and _after(minute, self.minute, cutoff))):
            return MealCounter(day, minute, 1)
        return self

    def remove(self, day: date, minute: int, windows: Iterable[MealWindow]) -> MealCounter:
        """After the void of a sale of ``day`` at ``minute``: its window gets the meal back."""
        w = counted_window(windows, minute)
        if w is None or not self.had(day, w):
            return self
        return MealCounter(day, self.minute, max(0, self.count - 1))


def _after(minute: int, other: int, cutoff: int) -> bool:
    """``minute`` comes later than ``other`` in a business day starting at ``cutoff``."""
    return (minute - cutoff) % (24 * 60) > (other - cutoff) % (24 * 60)


def minute_of(local: datetime) -> int:
    """Minutes after midnight of a wall-clock time in the site's zone."""
    return local.hour * 60 + local.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
