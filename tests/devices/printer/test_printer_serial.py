"""The serial printer link over a pseudo-terminal, with the test answering status queries."""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Iterator

import pytest

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.printer.connections import SerialPrinter, UsbPrinter, open_printer
from tillcard.devices.printer.decode import EscPosDecoder
from tillcard.devices.printer.render import ReceiptSettings, render_receipt
from tillcard.domain.receipt import SaleReceipt


class SerialTestPrinter:
    """The printer end of a pty: decodes, answers DLE EOT like the TCP test printer."""

    def __init__(self, answers: dict[int, int] | None) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.answers = answers
        self.decoder = EscPosDecoder()
        self.got_line = threading.Condition()
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            data = os.read(self.master, 4096)
            with self.got_line:
                events = self.decoder.feed(data)
                self.got_line.notify_all()
            for e in events:
                if e.kind == "status_query" and self.answers is not None:
                    os.write(self.master, bytes([self.answers[int(e.value)]]))

    def wait_lines(self, n: int) -> list[str]:
        with self.got_line:
            assert self.got_line.wait_for(lambda: len(self.decoder.result.lines) >= n, 5)
            return list(self.decoder.result.lines)

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(5)
        for fd in (self.master, self.slave, self._stop_r, self._stop_w):
            os.close(fd)


@pytest.fixture
def serial_printer() -> Iterator[SerialTestPrinter]:
    p = SerialTestPrinter({1: 0x12, 2: 0x12, 4: 0x12 | 0x0C})
    yield p
    p.close()


def test_serial_job_and_status(serial_printer: SerialTestPrinter, sale: SaleReceipt) -> None:
    conn = open_printer(f"serial://{serial_printer.path}?baudrate=19200", status_timeout=0.5)
    assert isinstance(conn, SerialPrinter)
    assert conn.status() is PrinterStatus.PAPER_NEAR_END
    conn.send(render_receipt(sale, ReceiptSettings()))
    lines = serial_printer.wait_lines(20)
    assert "SALE" in lines


def test_a_serial_printer_that_never_answers_is_offline() -> None:
    mute = SerialTestPrinter(None)
    try:
        conn = open_printer(f"serial://{mute.path}", status_timeout=0.1)
        assert conn.status() is PrinterStatus.OFFLINE
        assert open_printer(f"serial://{mute.path}?status=0").status() is PrinterStatus.OK
    finally:
        mute.close()


def test_a_missing_serial_port_is_unreachable() -> None:
    conn = open_printer("serial:///dev/no-such-tty")
    assert conn.status() is PrinterStatus.UNREACHABLE
    with pytest.raises(OSError, match="no-such-tty"):
        conn.send(b"x")


def test_usb_without_a_device_is_unreachable_not_a_crash() -> None:
    conn = open_printer("usb://04b8:0202")
    assert isinstance(conn, UsbPrinter)
    assert conn.status() is PrinterStatus.UNREACHABLE
    assert conn.detail
    with pytest.raises(OSError, match="pyusb|not found"):
        conn.send(b"x")
    conn.close()
