"""The site clock and the day counter: one business day per instant, counters never back."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillcard.domain.clock import ClockError, DayCounter, SiteClock, parse_cutoff
from tillcard.domain.rules import DaySpend

ZONES = ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/St_Johns", "Pacific/Kiritimati"]


def test_a_sale_before_the_cutoff_counts_on_the_evening_before():
    clock = SiteClock("Asia/Shanghai", parse_cutoff("04:00"))
    local = ZoneInfo("Asia/Shanghai")
    assert clock.business_day(datetime(2026, 11, 24, 3, 59, tzinfo=local)) == date(2026, 11, 23)
    assert clock.business_day(datetime(2026, 11, 24, 4, 0, tzinfo=local)) == date(2026, 11, 24)
    # the same instant written in UTC, as a server in another zone sees it
    assert clock.business_day(datetime(2026, 11, 23, 19, 59, tzinfo=UTC)) == date(2026, 11, 23)


def test_bad_clocks_are_refused():
    with pytest.raises(ClockError):
        SiteClock("Mars/Olympus")
    with pytest.raises(ClockError):
        SiteClock("UTC", 24 * 60)
    with pytest.raises(ClockError):
        SiteClock().business_day(datetime(2026, 1, 1))  # naive: refused, never guessed
    for text in ("4", "4:0", "04:60", "25:00", "aa:bb"):
        with pytest.raises(ClockError):
            parse_cutoff(text)


@given(zone=st.sampled_from(ZONES), cutoff=st.integers(0, 1439),
       instant=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_every_instant_lies_within_the_bounds_of_its_business_day(zone: str, cutoff: int,
                                                                    instant: datetime):
    clock = SiteClock(zone, cutoff)
    day = clock.business_day(instant)
    start, end = clock.day_bounds(day)
    assert start <= instant < end
    assert clock.business_day(start) == day
    assert clock.business_day(end) == day + timedelta(days=1)


D = date(2026, 11, 24)


def test_the_day_counter_never_moves_backwards():
    c = DayCounter().add(D, 500)
    assert c == DayCounter(D, 500, 1)
    assert c.add(D, 100) == DayCounter(D, 600, 2)
    assert c.add(D - timedelta(days=1), 100) == c  # an earlier day's entry: left alone
    assert c.add(D + timedelta(days=1), 100) == DayCounter(D + timedelta(days=1), 100, 1)
    # a clock behind the counter decides on the counter's day
    assert c.spent(D - timedelta(days=1)) == DaySpend(500, 1)
    assert c.effective_day(D - timedelta(days=1)) == D
    assert c.spent(D + timedelta(days=1)) == DaySpend()
    # a void gives back only to its own day's counter
    assert c.remove(D, 500) == DayCounter(D, 0, 0)
    assert c.remove(D - timedelta(days=1), 500) == c
    assert c.remove(D, 9_999) == DayCounter(D, 0, 0)
