"""The counter's screen: kiosk mode that nothing leaves, the demo's panels docked inside."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from tillcard.cli import build_parser
from tillcard.config import load_settings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.launch import Counter
from tillcard.ui.demo_dock import dock_demo_panels
from tillcard.ui.demo_panel import DemoCardsPanel, ReceiptView
from tillcard.ui.kiosk import KioskGuard


def test_kiosk_is_full_screen_frameless_and_esc_does_not_leave_it(qtbot, counter: Counter):
    w = counter.window
    KioskGuard(w).show()
    qtbot.waitUntil(w.isFullScreen)
    assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
    qtbot.keyClicks(w, "12")
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.flow.keypad.is_empty  # Esc cleared the amount …
    assert w.isFullScreen()  # … and nothing else
    w.showNormal()  # whatever takes it out of full screen is undone
    qtbot.waitUntil(w.isFullScreen)


def test_kiosk_is_a_setting_and_a_flag(tmp_path, platformdirs_isolated):
    toml = tmp_path / "tillcard.toml"
    toml.write_text("[ui]\nkiosk = true\n", encoding="utf-8")
    assert load_settings(toml, env={}).ui.kiosk is True
    assert load_settings(None, env={}).ui.kiosk is False
    assert build_parser().parse_args(["--kiosk"]).kiosk is True
    assert build_parser().parse_args([]).kiosk is None  # None: the setting decides


def _inside(widget: QWidget, ancestor: QWidget) -> bool:
    while widget is not None:
        if widget is ancestor:
            return True
        widget = widget.parentWidget()
    return False


def _rect_in(window: QWidget, w: QWidget) -> QRect:
    return QRect(w.mapTo(window, w.rect().topLeft()), w.size())


def test_demo_panels_are_docked_and_never_take_the_amount_s_keys(qtbot, counter: Counter):
    w = counter.window
    assert counter.reader is not None
    conn = counter.till.printer_connection
    assert isinstance(conn, SimulatedPrinter)
    cards = DemoCardsPanel(counter.cards, counter.reader)
    receipts = ReceiptView(lambda: conn.texts)
    dock = dock_demo_panels(w, cards, receipts)
    w.resize(1366, 768)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    assert not cards.isWindow() and not receipts.isWindow()  # inside the window

    card = next(c for c in counter.cards if c.holder == "王芳")
    qtbot.mouseClick(cards.buttons[card.number], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.card_panel.holder.text() == "王芳", timeout=3000)
    qtbot.mouseClick(receipts.view.viewport(), Qt.MouseButton.LeftButton)
    focus = QApplication.focusWidget()
    assert focus is None or not _inside(focus, dock), focus
    qtbot.keyClicks(focus or w, "7")  # the next digit, wherever the keyboard is
    assert w.quote_panel.total.text() == "7.00"

    panel = _rect_in(w, dock)
    for part in (w.card_panel.holder, w.quote_panel.total, w.quote_panel.charge):
        assert not panel.intersects(_rect_in(w, part)), part.objectName()
