"""The counter fits every till screen: nothing outside the window, no text cut.

The real demo counter (``build_demo``) in the application's theme, at 1024 × 768,
1366 × 768, 1920 × 1080 and in large type at 1024 × 768, in each of the states a cashier
sees most: waiting, a card with an amount keyed, the cash step of a split sale, and no
shift open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QPushButton,
    QStyle,
    QWidget,
)

from tillcard.launch import Counter, build_demo
from tillcard.ui.theme import apply_theme

SIZES = [(1024, 768, False), (1366, 768, False), (1920, 1080, False), (1024, 768, True)]


def describe(w: QWidget) -> str:
    text = w.text() if isinstance(w, (QLabel, QPushButton)) else ""
    return f"{type(w).__name__}#{w.objectName() or '?'} {text!r}"


def _clipped_by_design(w: QWidget) -> bool:
    """Inside a scroll area's viewport: meant to reach beyond what is shown."""
    parent = w.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def text_problem(w: QLabel | QPushButton) -> str | None:
    """Why ``w``'s text does not fit it, or None."""
    text = w.text()
    if not text:
        return None
    cr = w.contentsRect()
    fm = w.fontMetrics()
    if isinstance(w, QLabel) and w.wordWrap():
        need = w.heightForWidth(w.width())
        return f"needs {need} px high, has {w.height()}" if need > w.height() else None
    if isinstance(w, QLabel):
        room = cr.width() - 2 * w.margin() - max(0, w.indent())
    else:  # the bevel on either side is no room for text
        room = cr.width() - 2 * w.style().pixelMetric(QStyle.PixelMetric.PM_ButtonMargin,
                                                      None, w)
    widest = max(fm.horizontalAdvance(line) for line in text.splitlines())
    if widest > room:
        return f"text {widest} px wide, room {room}"
    if fm.height() > cr.height():
        return f"text {fm.height()} px high, room {cr.height()}"
    return None


def layout_problems(window: QWidget) -> list[str]:
    """Every visible widget of ``window`` outside it, or whose text does not fit."""
    QApplication.processEvents()
    bounds = window.rect()
    found = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or _clipped_by_design(w):
            continue
        rect = QRect(w.mapTo(window, QPoint(0, 0)), w.size())
        if not bounds.contains(rect):
            found.append(f"{describe(w)} at {rect.getRect()} outside {bounds.getRect()}")
        if isinstance(w, (QLabel, QPushButton)) and (why := text_problem(w)):
            found.append(f"{describe(w)}: {why}")
    return found


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[Callable[[bool], None]]:
    """The application's fonts and style sheet, as ``qt_app`` sets them; undone after."""
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    yield lambda large: apply_theme(qapp, large)
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


def open_counter(qtbot, tmp_path, hasher, width: int, height: int, large: bool) -> Counter:
    c = build_demo(tmp_path, hasher=hasher, large_type=large)
    qtbot.addWidget(c.window)
    c.window.resize(width, height)
    c.window.show()
    qtbot.waitExposed(c.window)
    qtbot.waitUntil(lambda: c.shift is not None and c.shift.is_open is True, timeout=5000)
    return c


def tap(qtbot, c: Counter, holder: str) -> None:
    assert c.reader is not None
    c.reader.tap(next(x for x in c.cards if x.holder == holder).uid)
    qtbot.waitUntil(lambda: c.window.card_panel.holder.text() == holder, timeout=3000)


def check(c: Counter, state: str, width: int, height: int, problems: list[str]) -> None:
    w = c.window
    if (w.width(), w.height()) != (width, height):  # grew beyond the screen to fit itself
        problems.append(f"{state}: window is {w.width()}×{w.height()}")
    problems.extend(f"{state}: {p}" for p in layout_problems(w))
    if not w.keypad.charge_button.isVisible():
        problems.append(f"{state}: CHARGE not visible")


@pytest.mark.parametrize(("width", "height", "large"), SIZES,
                         ids=[f"{w}x{h}{'-large' if lg else ''}" for w, h, lg in SIZES])
def test_the_counter_fits_the_screen_in_every_state(qtbot, tmp_path, hasher, themed,
                                                     width, height, large):
    themed(large)
    c = open_counter(qtbot, tmp_path, hasher, width, height, large)
    w = c.window
    problems: list[str] = []
    try:
        qtbot.waitUntil(lambda: w.band.text() == "Waiting for a card")
        check(c, "idle", width, height, problems)

        tap(qtbot, c, "张伟")
        qtbot.keyClicks(w, "12+8.5*2")
        qtbot.waitUntil(lambda: w.quote_panel.charge.text() == "CHARGE  26.10")
        check(c, "card and amount", width, height, problems)

        qtbot.keyClick(w, Qt.Key.Key_Escape)
        tap(qtbot, c, "刘洋")  # nearly empty: the rest in cash
        qtbot.keyClicks(w, "25")
        qtbot.keyClick(w, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: w.band.property("state") == "collect")
        check(c, "collect", width, height, problems)

        qtbot.keyClick(w, Qt.Key.Key_Escape)
        w.set_shift_open(False)
        assert w.band.text().startswith("No shift open")
        check(c, "no shift", width, height, problems)
    finally:
        c.close()
    assert not problems, "\n".join(problems)


def test_the_type_follows_the_window(qtbot, tmp_path, hasher, themed):
    """The amount, the keypad's digits, CHARGE, holder and balance grow with the screen."""
    themed(False)
    c = open_counter(qtbot, tmp_path, hasher, 1024, 768, False)
    w = c.window
    try:
        tap(qtbot, c, "张伟")
        qtbot.keyClicks(w, "12.5")
        parts = {"amount": w.quote_panel.charge, "digit": w.keypad.buttons["7"],
                 "CHARGE": w.keypad.charge_button, "holder": w.card_panel.holder,
                 "balance": w.card_panel.balance}
        small = {k: v.fontInfo().pixelSize() for k, v in parts.items()}
        w.resize(1920, 1080)
        qtbot.waitUntil(lambda: w.counter_view.sizes is not None
                        and w.counter_view.sizes.scale > 1.3)
        QApplication.processEvents()
        large = {k: v.fontInfo().pixelSize() for k, v in parts.items()}
    finally:
        c.close()
    assert all(large[k] >= small[k] * 1.3 for k in parts), (small, large)


def test_the_checker_sees_cut_text_and_widgets_outside(qtbot):
    """The check above can fail: a label too narrow for its text, a button off the edge."""
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(200, 100)
    cut = QLabel("a text far wider than fifty pixels", window)
    cut.setGeometry(0, 0, 50, 30)
    off = QPushButton("OK", window)
    off.setGeometry(180, 70, 60, 40)
    fine = QLabel("ok", window)
    fine.setGeometry(0, 40, 100, 30)
    window.show()
    qtbot.waitExposed(window)
    found = layout_problems(window)
    assert any("far wider" in p and "room 50" in p for p in found), found
    assert any("'OK' at (180, 70, 60, 40) outside" in p for p in found), found
    assert not any("'ok'" in p for p in found), found
