"""open_reader: every URI form the configuration may hold, and clear errors for the rest."""

from __future__ import annotations

import pytest

from tillcard.devices.readers.base import CardPresented, ReaderEvent, ReaderState
from tillcard.devices.readers.factory import WedgeReader, open_reader
from tillcard.devices.readers.pcsc import PcscReader
from tillcard.devices.readers.serial_reader import SerialReader
from tillcard.devices.readers.simulated import SimulatedReader


def test_simulated() -> None:
    assert isinstance(open_reader("simulated"), SimulatedReader)


@pytest.mark.parametrize(("uri", "name_filter"), [
    ("pcsc://", ""),
    ("pcsc:///", ""),
    ("pcsc://?name=ACR", "ACR"),
    ("pcsc://?name=Virtual+PCD%2000", "Virtual PCD 00"),
])
def test_pcsc(uri: str, name_filter: str) -> None:
    reader = open_reader(uri)
    assert isinstance(reader, PcscReader)
    assert reader.name_filter == name_filter


@pytest.mark.parametrize(("uri", "port", "baudrate"), [
    ("serial:///dev/ttyUSB0?baudrate=9600&format=rdm6300", "/dev/ttyUSB0", 9600),
    ("serial:///dev/ttyS1?format=id12&baudrate=19200", "/dev/ttyS1", 19200),
    ("serial://COM3", "COM3", 9600),
    ("serial:///COM4?format=line", "COM4", 9600),
])
def test_serial(uri: str, port: str, baudrate: int) -> None:
    reader = open_reader(uri)
    assert isinstance(reader, SerialReader)
    assert (reader.port_url, reader.baudrate) == (port, baudrate)


def test_wedge_turns_typed_numbers_into_taps_without_removal() -> None:
    reader = open_reader(" wedge ")
    assert isinstance(reader, WedgeReader)
    seen: list[ReaderEvent] = []
    reader.typed("0011259375")  # before start: nowhere to go
    reader.start(seen.append)
    reader.typed("0011259375")
    reader.typed("")
    reader.stop()
    reader.typed("0004567890")  # after stop: dropped
    assert seen == [ReaderState(True, "keyboard wedge"),
                    CardPresented("keyboard wedge", "0011259375", "keyboard-wedge",
                                  reports_removal=False)]


@pytest.mark.parametrize(("uri", "why"), [
    ("", "unknown kind of reader"),
    ("nfc://reader", "unknown kind of reader"),
    ("pcsc://host", "takes no host or path"),
    ("pcsc://?reader=ACR", "unknown option reader"),
    ("pcsc://?name=a&name=b", "name given more than once"),
    ("serial://", "no serial port"),
    ("serial:///dev/ttyUSB0?format=wiegand", "format must be one of"),
    ("serial:///dev/ttyUSB0?baudrate=fast", "baudrate must be a whole number"),
    ("serial:///dev/ttyUSB0?baudrate=0", "baudrate must be positive"),
    ("serial:///dev/ttyUSB0?baud=9600", "unknown option baud"),
])
def test_bad_uris_say_why_and_what_works(uri: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as error:
        open_reader(uri)
    assert "pcsc://?name=" in str(error.value)
