"""The cashier window with its devices: pole display, and a real ESC/POS printer on TCP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tests.devices.printer.escpos_test_printer import EscPosTestPrinter
from tillcard.devices.display.simulated import SimulatedDisplay
from tillcard.launch import Counter, build_demo


def _tap(qtbot, c: Counter, name: str) -> None:
    assert c.reader is not None
    c.reader.tap(next(x for x in c.cards if x.holder == name).uid)
    qtbot.waitUntil(lambda: c.window.card_panel.holder.text() == name, timeout=3000)


def _keys(qtbot, c: Counter, text: str) -> None:
    for ch in text:
        qtbot.keyClick(c.window, ch)


@pytest.fixture
def tcp_printer() -> Iterator[EscPosTestPrinter]:
    p = EscPosTestPrinter()
    yield p
    p.close()


def test_pole_display_follows_the_sale(qtbot, tmp_path, hasher):
    c = build_demo(tmp_path, hasher=hasher)
    qtbot.addWidget(c.window)
    try:
        display = c.till.display
        assert isinstance(display, SimulatedDisplay)
        assert display.lines[0].strip() == "Welcome"
        _tap(qtbot, c, "王芳")
        _keys(qtbot, c, "12.5")
        upper, lower = display.lines
        assert upper.startswith("Charge") and upper.endswith("12.50")
        assert lower.startswith("Balance") and lower.endswith("37.50")
        assert len(upper) == len(lower) == 20
        qtbot.keyClick(c.window, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: display.lines[0].strip() == "Thank you!", timeout=3000)
        assert display.lines[1].endswith("37.50")
    finally:
        c.close()


def test_paper_out_never_blocks_the_sale_and_prints_once_when_fixed(qtbot, tmp_path, hasher,
                                                                     tcp_printer):
    tcp_printer.set_state("paper_out")
    c = build_demo(tmp_path, hasher=hasher, printer=tcp_printer.uri)
    qtbot.addWidget(c.window)
    try:
        w = c.window
        _tap(qtbot, c, "黄磊")
        _keys(qtbot, c, "8")
        qtbot.keyClick(w, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.flow.phase.value == "paid", timeout=3000)
        assert w.card_panel.balance.text() == "72.00"  # the sale completed
        # the status poll may report paper out before the job is queued: wait for both
        qtbot.waitUntil(lambda: w.printer_label.text() == "printer paper out (1 waiting)",
                        timeout=10_000)
        assert tcp_printer.texts == []
        tcp_printer.set_state("ok")
        assert tcp_printer.wait_for_jobs(1, timeout=15)
        qtbot.waitUntil(lambda: w.printer_label.text() == "printer ok", timeout=15_000)
        receipt = tcp_printer.texts[0]
        assert "8.00" in receipt and "72.00" in receipt
        c.till.printer.wait_idle(5)
        assert len(tcp_printer.texts) == 1  # exactly once
    finally:
        c.close()
