"""Dates on screen follow the screen's language (Babel), set once with the translators."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QApplication

from tillcard.ui import formats
from tillcard.ui.i18n import install_language


def test_short_dates_follow_the_installed_language(qapp: QApplication) -> None:
    try:
        install_language(qapp, "zh_CN")
        assert formats.short_date(date(2026, 12, 5)) == "12月5日"
        install_language(qapp, "en")
        assert formats.short_date(date(2026, 12, 5)) == "Dec 5"
    finally:
        install_language(qapp, "en")
