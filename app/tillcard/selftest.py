"""``tillcard demo --selftest``: prove an installed bundle sells, without anyone at the screen.

It drives the real window as a cashier would (a tap on the simulated reader, keys, Enter)
and waits for the simulated printer's receipt, so a bundle that lacks a Qt plugin, a font,
the migrations or the translations fails here and not at the first customer.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from tillcard.devices.printer.simulated import SimulatedPrinter

if TYPE_CHECKING:
    from tillcard.launch import Counter

AMOUNT = "1.00"
HOLDER = "王芳"  # a standard card: no PIN, no discount, enough balance
TIMEOUT_S = 20.0


class SelftestFailed(Exception):
    pass


def _wait(app: QApplication, what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            raise SelftestFailed(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _key(widget: QWidget, key: Qt.Key, text: str = "") -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                 text))


def run_selftest(data_dir: Path | None, language: str = "en") -> int:
    """Sell one demo card; ``language``: the screen's, whose catalogues must all load."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from tillcard.launch import build_demo, demo_settings, qt_app
    from tillcard.ui.i18n import install_language

    folder = data_dir or Path(tempfile.mkdtemp(prefix="tillcard-selftest-"))
    folder.mkdir(parents=True, exist_ok=True)
    app = qt_app(demo_settings(folder))
    installed = install_language(app, language)
    if not installed.complete:
        print(f"selftest failed: no {language} translation: "
              f"{', '.join(installed.missing)} not found", file=sys.stderr)
        return 1
    counter = build_demo(folder)
    try:
        lines = _sell_one(app, counter)
        pdf = _summary_pdf(counter, folder)
    except SelftestFailed as exc:
        print(f"selftest failed: {exc} (data in {folder})", file=sys.stderr)
        return 1
    finally:
        counter.close()
    print(f"selftest: charged {AMOUNT} to {HOLDER}; the receipt printed ({lines} lines); "
          f"the day's summary PDF written in Chinese ({pdf} bytes); data in {folder}")
    return 0


def _sell_one(app: QApplication, counter: Counter) -> int:
    """Tap, key, Enter, as a cashier; the number of lines of the receipt that printed."""
    window = counter.window
    window.show()
    card = next((c for c in counter.cards if c.holder == HOLDER), None)
    printer = counter.till.printer_connection
    if card is None or counter.reader is None or not isinstance(printer, SimulatedPrinter):
        raise SelftestFailed(f"the demo lacks {HOLDER}'s card, its reader or its printer")
    shift = counter.shift
    _wait(app, "the shift to be open", lambda: shift is None or shift.is_open is True)
    counter.reader.tap(card.uid)
    _wait(app, "the card to show", lambda: window.card_panel.holder.text() == HOLDER)
    for ch in AMOUNT:
        _key(window, Qt.Key(ord(ch)), ch)
    _key(window, Qt.Key.Key_Return)
    _wait(app, "the charge", lambda: window.flow.phase.value == "paid")
    if not printer.wait_for_jobs(1, timeout=TIMEOUT_S):
        raise SelftestFailed("no receipt reached the simulated printer")
    receipt = printer.texts[-1]
    if AMOUNT not in receipt or HOLDER not in receipt:
        raise SelftestFailed(f"the receipt lacks the amount or the holder:\n{receipt}")
    return len(receipt.splitlines())


def _summary_pdf(counter: Counter, folder: Path) -> int:
    """Today's summary as a Chinese PDF: the report service and the bundled font work."""
    from datetime import UTC, datetime

    from tillcard.documents.pdf import write_pdf
    from tillcard.domain.permissions import Role
    from tillcard.domain.reports import ReportKind
    from tillcard.services.auth import Session
    from tillcard.services.reports import ReportService
    from tillcard.store.site import site_rules

    engine = counter.till.engine
    today = site_rules(engine).clock.business_day(datetime.now(UTC))
    report = ReportService(engine).run(Session(0, "selftest", "Selftest", Role.MANAGER),
                                       ReportKind.SUMMARY, today, today, "zh_CN")
    path = folder / "selftest-summary.pdf"
    try:
        write_pdf(report, path, language="zh_CN")
    except Exception as exc:  # a missing font, a reportlab without its parts
        raise SelftestFailed(f"the summary PDF could not be written: {exc}") from exc
    data = path.read_bytes()
    if not data.startswith(b"%PDF"):
        raise SelftestFailed(f"{path} is not a PDF")
    return len(data)
