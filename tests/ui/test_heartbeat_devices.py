"""The counter's printer and reader states reach the heartbeat the console reads."""

from __future__ import annotations

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.readers.base import ReaderState
from tillcard.launch import feed_devices
from tillcard.sync.heartbeat import DeviceStates
from tillcard.ui.bridges import PrinterBridge, ReaderBridge


def test_paper_out_and_a_lost_reader_reach_the_heartbeat(qtbot) -> None:
    devices, printer, reader = DeviceStates(), PrinterBridge(), ReaderBridge()
    printer.on_status(PrinterStatus.OK, 0, "")  # known before the counter is built
    qtbot.waitUntil(lambda: printer.last is not None, timeout=2000)
    feed_devices(devices, printer, reader)
    assert devices.snapshot()["printer"] == PrinterStatus.OK.value
    printer.on_status(PrinterStatus.PAPER_OUT, 2, "paper out")
    reader.sink(ReaderState(False, "reader unplugged"))
    qtbot.waitUntil(lambda: devices.snapshot()["reader_ok"] is False, timeout=2000)
    qtbot.waitUntil(lambda: devices.snapshot()["printer"] == PrinterStatus.PAPER_OUT.value,
                    timeout=2000)
    snap = devices.snapshot()
    assert (snap["printer_pending"], snap["reader"]) == (2, "reader unplugged")
