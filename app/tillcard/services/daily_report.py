"""Each business day's summary PDF, written into a folder once the day is over.

A manager opens yesterday's figures in the morning without asking for them. The day is
over at the site's cut-off (``SiteClock``), so "yesterday" is the business day before
today's, whatever the wall clock says. The folder is the record: a day whose file is
there is done; a missing one (the office was closed at the cut-off, the disk was full)
is written at the next tick, up to ``CATCH_UP_DAYS`` back. A file appears whole or not
at all (written beside, then renamed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from tillcard.domain.clock import SiteClock

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 7


def file_name(day: date) -> str:
    return f"tillcard-summary-{day.isoformat()}.pdf"


def days_due(folder: Path, clock: SiteClock, now: datetime,
             catch_up: int = CATCH_UP_DAYS) -> list[date]:
    """Finished business days of the last ``catch_up`` whose PDF is not in the folder yet."""
    today = clock.business_day(now)
    days = [today - timedelta(days=n) for n in range(catch_up, 0, -1)]
    return [d for d in days if not (folder / file_name(d)).exists()]


@dataclass
class DailyReports:
    """Writes the due days' summaries with ``write(day, path)`` (the report's PDF).

    ``write`` runs the report and renders it; it may be slow (database, disk), so callers
    run ``tick`` on a worker, never on the UI thread.
    """

    folder: Path
    clock: Callable[[], SiteClock]
    write: Callable[[date, Path], None]
    now: Callable[[], datetime]
    catch_up: int = CATCH_UP_DAYS
    failures: list[tuple[date, str]] = field(default_factory=list)  # the last tick's

    def tick(self) -> list[Path]:
        """Write every due day; the paths written. A failing day is logged and retried."""
        self.folder.mkdir(parents=True, exist_ok=True)
        written = []
        self.failures = []
        for day in days_due(self.folder, self.clock(), self.now(), self.catch_up):
            path = self.folder / file_name(day)
            part = path.with_name(path.name + ".part")
            try:
                self.write(day, part)
                os.replace(part, path)
            except Exception as exc:
                log.exception("daily report for %s not written", day)
                self.failures.append((day, str(exc) or type(exc).__name__))
                part.unlink(missing_ok=True)
                continue
            written.append(path)
        return written
