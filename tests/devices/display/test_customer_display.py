"""Customer displays: exact bytes of both command sets over a pty pair, and a pulled cable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pty_pair import PtyPair

from tillcard.devices.display import (
    NullDisplay,
    SerialDisplay,
    SimulatedDisplay,
    amount_lines,
    charge_lines,
    idle_lines,
    open_display,
    thank_you_lines,
)
from tillcard.devices.display.serial_display import cd5220_frame, epson_frame
from tillcard.domain.money import Currency

EPSON_INIT = b"\x1b\x40\x1f\x01\x1f\x43\x00\x0c"
CD5220_INIT = b"\x1b\x40\x0c"


class StateLog:
    def __init__(self) -> None:
        self.calls: list[tuple[bool, str]] = []
        self.cond = threading.Condition()

    def __call__(self, ok: bool, message: str) -> None:
        with self.cond:
            self.calls.append((ok, message))
            self.cond.notify_all()

    def wait(self, ok: bool, nth: int = 1) -> str:
        with self.cond:
            assert self.cond.wait_for(
                lambda: sum(1 for c in self.calls if c[0] is ok) >= nth, 5), self.calls
            return [m for o, m in self.calls if o is ok][nth - 1]


@pytest.fixture
def displays() -> Iterator[list[SerialDisplay]]:
    made: list[SerialDisplay] = []
    yield made
    for d in made:
        d.close()


def test_epson_bytes(pty_pair: PtyPair, displays: list[SerialDisplay]) -> None:
    d = open_display(f"serial://{pty_pair.a}?baudrate=9600&protocol=epson")
    assert isinstance(d, SerialDisplay)
    displays.append(d)
    expected = (EPSON_INIT
                + b"\x1f\x24\x01\x01" + b"Welcome".ljust(20)
                + b"\x1f\x24\x01\x02" + b"Total".ljust(15) + b"12.50")
    with pty_pair.reader() as far:
        d.show("Welcome", "Total          12.50")
        assert far.read(len(expected)) == expected
        d.show("Charge 1.00", "")
        frame = b"\x1f\x24\x01\x01" + b"Charge 1.00".ljust(20) + b"\x1f\x24\x01\x02" + b" " * 20
        assert far.read(len(frame)) == frame  # initialised once, not per frame


def test_cd5220_bytes(pty_pair: PtyPair, displays: list[SerialDisplay]) -> None:
    d = open_display(f"serial://{pty_pair.a}?protocol=cd5220")
    assert isinstance(d, SerialDisplay)
    displays.append(d)
    upper, lower = charge_lines(1250, 8750)
    expected = (CD5220_INIT
                + b"\x1b\x51\x41" + b"Charge         12.50" + b"\x0d"
                + b"\x1b\x51\x42" + b"Balance        87.50" + b"\x0d")
    with pty_pair.reader() as far:
        d.show(upper, lower)
        assert far.read(len(expected)) == expected


def test_only_the_newest_lines_matter(pty_pair: PtyPair,
                                      displays: list[SerialDisplay]) -> None:
    d = SerialDisplay(str(pty_pair.a), protocol="cd5220")
    displays.append(d)
    with pty_pair.reader() as far:
        for n in range(200):
            d.show("Total", f"{n}.00")
        last = cd5220_frame("Total", "199.00")
        got = far.read_until(last)
        assert got.endswith(last)


def test_show_never_blocks_on_a_missing_device(displays: list[SerialDisplay]) -> None:
    log = StateLog()
    d = open_display("serial:///dev/no-such-tty?protocol=epson", on_state=log,
                     retry_interval=0.05)
    assert isinstance(d, SerialDisplay)
    displays.append(d)
    start = time.perf_counter()
    for _ in range(50):
        d.show("Welcome", "")
    assert time.perf_counter() - start < 0.05
    assert "no-such-tty" in log.wait(False)
    assert d.last_error


def test_cable_pulled_then_plugged_back(pty_pair: PtyPair,
                                       displays: list[SerialDisplay]) -> None:
    log = StateLog()
    d = SerialDisplay(str(pty_pair.a), protocol="epson", retry_interval=0.05, on_state=log)
    displays.append(d)
    with pty_pair.reader() as far:
        d.show(*idle_lines())
        assert far.read(len(EPSON_INIT) + 48) == EPSON_INIT + epson_frame(*idle_lines())
    log.wait(True)

    pty_pair.stop()  # the USB-serial adapter is gone
    start = time.perf_counter()
    d.show(*amount_lines(300))
    d.show(*amount_lines(350))
    assert time.perf_counter() - start < 0.05
    log.wait(False)

    pty_pair.start()  # plugged back in: same device name, new port
    with pty_pair.reader() as far:
        log.wait(True, nth=2)
        expected = EPSON_INIT + epson_frame(*amount_lines(350))
        assert far.read(len(expected)) == expected


def test_close_stops_the_worker(pty_pair: PtyPair) -> None:
    d = SerialDisplay(str(pty_pair.a))
    d.show("a", "b")
    assert d.wait_written(1, 5)
    d.close()
    assert not d._thread.is_alive()


def test_simulated_and_null_displays() -> None:
    sim = open_display("simulated")
    assert isinstance(sim, SimulatedDisplay)
    assert sim.lines == (" " * 20, " " * 20)
    sim.show("Total", "12.50 and a lot more text")
    assert sim.lines == ("Total".ljust(20), "12.50 and a lot more")
    assert sim.wait_for_lines("Total", "12.50 and a lot more", timeout=0)
    assert len(sim.history) == 1
    assert isinstance(open_display("none"), NullDisplay)
    open_display("").show("x", "y")


@pytest.mark.parametrize(("uri", "why"), [
    ("com1", "no scheme"),
    ("tcp://host:1", "unknown scheme 'tcp'"),
    ("serial://dev/ttyS0", "three slashes"),
    ("serial:///dev/ttyS0?protocol=vfd", "protocol must be epson or cd5220"),
    ("serial:///dev/ttyS0?baudrate=fast", "not a number"),
    ("serial:///dev/ttyS0?parity=E", "unknown option(s) parity"),
])
def test_bad_display_uris(uri: str, why: str) -> None:
    with pytest.raises(ValueError, match="bad display URI") as err:
        open_display(uri)
    assert why in str(err.value)


def test_line_helpers_right_align_money() -> None:
    assert idle_lines("Welcome", "Tillcard") == ("Welcome".center(20), "Tillcard".center(20))
    assert amount_lines(123456) == ("Total".ljust(20), "1234.56".rjust(20))
    assert charge_lines(2520, 7980) == ("Charge         25.20", "Balance        79.80")
    assert thank_you_lines(7980) == ("Thank you!".center(20), "Balance        79.80")
    assert thank_you_lines() == ("Thank you!".center(20), " " * 20)
    assert charge_lines(150, 0, Currency("JPY", "ja_JP")) == (
        "Charge           150", "Balance            0")
    # The amount wins when space is short; non-ASCII cannot be shown on a pole display.
    assert charge_lines(1, 99_999_999_99, charge_label="Très long libellé ici") == (
        "Tr?s long libel 0.01", "Balance  99999999.99")
    assert all(len(line) == 20 for line in amount_lines(5, label="合计"))
