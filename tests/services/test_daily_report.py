"""The daily summary PDF: written for each finished business day, once, whole or not at all."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tillcard.domain.clock import SiteClock
from tillcard.services.daily_report import DailyReports, days_due, file_name

CLOCK = SiteClock("Asia/Shanghai", 4 * 60)
SH = ZoneInfo("Asia/Shanghai")


def test_the_day_is_due_at_the_cutoff_not_at_midnight(tmp_path: Path) -> None:
    before = datetime(2026, 12, 3, 3, 59, tzinfo=SH)
    after = datetime(2026, 12, 3, 4, 0, tzinfo=SH)
    assert days_due(tmp_path, CLOCK, before, catch_up=1) == [date(2026, 12, 1)]
    assert days_due(tmp_path, CLOCK, after, catch_up=1) == [date(2026, 12, 2)]


def test_written_days_are_not_written_again(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=SH)
    calls: list[date] = []

    def write(day: date, path: Path) -> None:
        calls.append(day)
        path.write_bytes(b"%PDF-1.4 " + day.isoformat().encode())

    daily = DailyReports(tmp_path, lambda: CLOCK, write, lambda: now, catch_up=3)
    written = daily.tick()
    assert [p.name for p in written] == [file_name(d) for d in calls]
    assert [p.read_bytes() for p in written][-1] == b"%PDF-1.4 2026-12-02"
    assert calls == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]
    assert daily.tick() == []
    assert len(calls) == 3


def test_a_failed_write_leaves_no_file_and_is_retried(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=SH)
    fail = [True]

    def write(day: date, path: Path) -> None:
        path.write_bytes(b"half")
        if fail[0]:
            raise OSError("disk full")
        path.write_bytes(b"%PDF-1.4 whole")

    daily = DailyReports(tmp_path, lambda: CLOCK, write, lambda: now, catch_up=1)
    assert daily.tick() == []
    assert list(tmp_path.iterdir()) == []
    fail[0] = False
    [path] = daily.tick()
    assert path.name == "tillcard-summary-2026-12-02.pdf"
    assert path.read_bytes() == b"%PDF-1.4 whole"
