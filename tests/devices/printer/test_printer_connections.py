"""Printer URIs, status queries against the test printer, file and simulated printers."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos_test_printer import EscPosTestPrinter

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.printer.connections import (
    CupsPrinter,
    FilePrinter,
    SerialPrinter,
    SimulatedPrinter,
    TcpPrinter,
    UsbPrinter,
    open_printer,
)
from tillcard.devices.printer.render import ReceiptSettings, render_receipt
from tillcard.devices.printer.status import answers_for, interpret
from tillcard.domain.receipt import SaleReceipt


@pytest.mark.parametrize(("uri", "kind", "shown"), [
    ("tcp://192.168.1.50:9100", TcpPrinter, "192.168.1.50:9100"),
    ("tcp://printer.local", TcpPrinter, "printer.local:9100"),
    ("usb://04b8:0202", UsbPrinter, "04b8:0202"),
    ("serial:///dev/ttyUSB0?baudrate=19200", SerialPrinter, "/dev/ttyUSB0@19200"),
    ("cups://Receipts", CupsPrinter, "Receipts"),
    ("file:///dev/usb/lp0", FilePrinter, "/dev/usb/lp0"),
    ("simulated", SimulatedPrinter, "memory"),
    ("simulated:///tmp/r.txt", SimulatedPrinter, "/tmp/r.txt"),
])
def test_good_uris(uri: str, kind: type, shown: str) -> None:
    conn = open_printer(uri)
    assert isinstance(conn, kind)
    assert shown in repr(conn)


def test_uri_options() -> None:
    tcp = open_printer("tcp://10.0.0.9:9101?status=0&timeout=3")
    assert isinstance(tcp, TcpPrinter)
    assert (tcp.port, tcp.query_status, tcp.timeout) == (9101, False, 3.0)
    ser = open_printer("serial:///dev/ttyS0?baudrate=115200&rtscts=1")
    assert isinstance(ser, SerialPrinter)
    assert (ser.baudrate, ser.rtscts) == (115200, True)


@pytest.mark.parametrize(("uri", "why"), [
    ("/dev/usb/lp0", "no scheme"),
    ("lpt://1", "unknown scheme 'lpt'"),
    ("tcp://:9100", "no host"),
    ("tcp://host:99999", "out of range"),
    ("tcp://host?speed=fast", "unknown option(s) speed"),
    ("tcp://host?status=maybe", "status must be 0 or 1"),
    ("usb://4b8:202", "4-digit hex"),
    ("usb://04b8:zzzz", "product id 'zzzz' is not a number"),
    ("serial://", "no device path"),
    ("serial:///dev/ttyS0?baudrate=fast", "baudrate 'fast' is not a number"),
    ("cups://", "no queue name"),
    ("file://relative/path", "three slashes"),
])
def test_bad_uris_say_what_is_wrong(uri: str, why: str) -> None:
    with pytest.raises(ValueError, match="bad printer URI") as err:
        open_printer(uri)
    assert why in str(err.value)
    assert "tcp://192.168.1.50:9100" in str(err.value)  # and show what a good one looks like


@pytest.mark.parametrize(("state", "expected"), [
    ("ok", PrinterStatus.OK),
    ("near_end", PrinterStatus.PAPER_NEAR_END),
    ("paper_out", PrinterStatus.PAPER_OUT),
    ("cover_open", PrinterStatus.COVER_OPEN),
    ("offline", PrinterStatus.OFFLINE),
    ("silent", PrinterStatus.OFFLINE),
    ("gone", PrinterStatus.UNREACHABLE),
])
def test_tcp_status_from_dle_eot(test_printer: EscPosTestPrinter, state: str,
                                 expected: PrinterStatus) -> None:
    test_printer.set_state(state)
    conn = open_printer(test_printer.uri, status_timeout=0.2)
    assert conn.status() is expected
    assert isinstance(conn, TcpPrinter)
    assert bool(conn.detail) == (state in ("silent", "gone"))


def test_status_queries_can_be_turned_off(test_printer: EscPosTestPrinter) -> None:
    test_printer.set_state("silent")
    assert open_printer(test_printer.uri + "?status=0").status() is PrinterStatus.OK
    assert test_printer.status_queries == 0


def test_sending_to_a_gone_printer_raises_oserror(test_printer: EscPosTestPrinter) -> None:
    test_printer.set_state("gone")
    with pytest.raises(OSError, match="refused"):
        open_printer(test_printer.uri).send(b"x\n")


def test_a_job_is_one_connection(test_printer: EscPosTestPrinter, sale: SaleReceipt) -> None:
    conn = open_printer(test_printer.uri)
    conn.send(render_receipt(sale, ReceiptSettings()))
    assert conn.status() is PrinterStatus.OK
    assert test_printer.wait_for_jobs(1)
    assert test_printer.connections == 2
    assert len(test_printer.jobs) == 1  # the status connection printed nothing


@pytest.mark.parametrize("status", list(PrinterStatus))
def test_answers_and_interpretation_agree(status: PrinterStatus) -> None:
    a = answers_for(status)
    expected = PrinterStatus.OFFLINE if status is PrinterStatus.UNREACHABLE else status
    assert interpret(a[1], a[2], a[4]) is expected


def test_file_printer(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    conn = open_printer(f"file://{target}")
    assert conn.status() is PrinterStatus.OK
    conn.send(b"one\n")
    conn.send(b"two\n")
    assert target.read_bytes() == b"one\ntwo\n"
    missing = open_printer(f"file://{tmp_path}/no/such/dir/lp0")
    assert missing.status() is PrinterStatus.UNREACHABLE


def test_simulated_printer_keeps_texts_and_appends_to_a_file(
        tmp_path: Path, sale: SaleReceipt) -> None:
    log = tmp_path / "receipts.txt"
    sim = open_printer(f"simulated://{log}")
    assert isinstance(sim, SimulatedPrinter)
    data = render_receipt(sale, ReceiptSettings(language="zh"))
    sim.send(data)
    sim.send(data)
    assert len(sim.texts) == 2
    assert "余额" in sim.texts[0]
    assert log.read_text(encoding="utf-8").count("消费小票") == 2


def test_simulated_printer_holds_jobs_until_paper_is_back(sale: SaleReceipt) -> None:
    sim = SimulatedPrinter(status=PrinterStatus.PAPER_OUT)
    sim.send(render_receipt(sale, ReceiptSettings()))
    assert sim.texts == []
    assert not sim.wait_for_jobs(1, timeout=0.01)
    sim.set_status(PrinterStatus.OK)
    assert sim.wait_for_jobs(1, timeout=0)
    sim.set_status(PrinterStatus.UNREACHABLE)
    with pytest.raises(OSError, match="unreachable"):
        sim.send(b"x\n")
    assert sim.status() is PrinterStatus.UNREACHABLE


def test_cups_without_lp_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    conn = open_printer("cups://Receipts")
    assert conn.status() is PrinterStatus.UNREACHABLE
    with pytest.raises(OSError, match="lp"):
        conn.send(b"x")
