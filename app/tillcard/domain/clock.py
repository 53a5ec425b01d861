"""The site clock: one time zone and one business-day cut-off for limits, voids and reports.

A canteen that serves until 01:00 still counts those meals on the evening's day; a till
in another time zone (or a server in UTC) must not disagree about what "today" is. Every
rule that depends on the date asks ``SiteClock.business_day`` — the centre runs the same
mapping in SQL (``tillcard_business_day``), and tests hold the two to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tillcard.domain.rules import DaySpend

MINUTES_PER_DAY = 24 * 60


class ClockError(ValueError):
    """A time zone or cut-off that cannot be used."""


@dataclass(frozen=True)
class SiteClock:
    """The site's time zone (IANA name) and the minute of the local day a business day starts."""

    time_zone: str = "UTC"
    cutoff_minutes: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.cutoff_minutes < MINUTES_PER_DAY:
            raise ClockError(f"day cut-off must be 00:00..23:59, got {self.cutoff_minutes} min")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ClockError(f"unknown time zone {self.time_zone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def cutoff(self) -> time:
        return time(self.cutoff_minutes // 60, self.cutoff_minutes % 60)

    def business_day(self, instant: datetime) -> date:
        """The business day an instant belongs to; a naive instant is refused, not guessed."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ClockError("a business day needs an instant with a time zone")
        local = instant.astimezone(self.zone).replace(tzinfo=None)
        return (local - timedelta(minutes=self.cutoff_minutes)).date()

    def minute(self, instant: datetime) -> int:
        """Wall-clock minutes after midnight in the site's zone (meal windows)."""
        local = instant.astimezone(self.zone)
        return local.hour * 60 + local.minute

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The first instant of a business day and the first of the next, time-zone aware."""
        start = datetime.combine(day, self.cutoff, tzinfo=self.zone)
        end = datetime.combine(day + timedelta(days=1), self.cutoff, tzinfo=self.zone)
        return start, end


def parse_cutoff(text: str) -> int:
    """``"04:00"`` → minutes after midnight; a clear error for anything else."""
    hh, sep, mm = text.strip().partition(":")
    if not sep or not (hh.isdigit() and mm.isdigit()) or len(mm) != 2:
        raise ClockError(f"day cut-off must look like HH:MM, got {text!r}")
    minutes = int(hh) * 60 + int(mm)
    if int(hh) > 23 or int(mm) > 59:
        raise ClockError(f"day cut-off must be 00:00..23:59, got {text!r}")
    return minutes


def format_cutoff(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class DayCounter:
    """A card's spend of one business day, as stored beside its purse.

    The counter never moves backwards: an entry of an earlier day (a back-filled offline
    sale, a till whose clock lags) neither resets it nor counts toward it, and a decision
    made with a clock behind the counter uses the counter's day — otherwise two tills a
    few seconds apart around the cut-off would reset each other's limits.
    """

    day: date | None = None
    amount: int = 0
    count: int = 0

    def effective_day(self, today: date) -> date:
        """The day a decision made ``today`` counts against."""
        return today if self.day is None or today > self.day else self.day

    def spent(self, today: date) -> DaySpend:
        """What counts against a sale decided ``today`` (the counter's day when later)."""
        if self.day is not None and self.effective_day(today) == self.day:
            return DaySpend(self.amount, self.count)
        return DaySpend()

    def add(self, day: date, part: int) -> DayCounter:
        """After a sale of ``day`` paying ``part`` from the card."""
        if self.day is None or day > self.day:
            return DayCounter(day, part, 1)
        if day == self.day:
            return DayCounter(day, self.amount + part, self.count + 1)
        return self

    def remove(self, day: date, part: int) -> DayCounter:
        """After the void of a sale of ``day``: only that day's counter gives it back."""
        if day != self.day:
            return self
        return DayCounter(day, max(0, self.amount - part), max(0, self.count - 1))
