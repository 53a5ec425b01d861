"""Dates and numbers on screen in the screen's language (Babel), not in the code's.

"05 Dec" means nothing to a cashier reading Chinese; "12月5日" does. The language is the
one ``install_language`` installed (``ui.language``), so screen, receipts and reports
agree. Money keeps its own formatting (``domain.money``: the currency's locale).
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_skeleton

_BABEL = {"en": "en", "zh_CN": "zh_CN"}
_current = ["en"]


def set_language(language: str) -> None:
    _current[0] = _BABEL.get(language, "en")


def language() -> str:
    return _current[0]


def short_date(day: date) -> str:
    """Day and month: "Dec 5", "12月5日"."""
    return format_skeleton("MMMd", day, locale=_current[0])


def day_and_time(at: datetime) -> str:
    """A local date with hours and minutes: "Dec 5, 14:05", "12月5日 14:05"."""
    local = at.astimezone()
    return f"{short_date(local.date())} {local:%H:%M}"
