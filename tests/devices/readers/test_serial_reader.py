"""SerialReader over a socat pseudo-terminal pair, plus its decoder and presence logic."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import reduce

import pytest
from reader_support import EventLog, SocatPair

from tillcard.devices.readers.base import CardPresented, CardRemoved, ReaderState
from tillcard.devices.readers.serial_reader import (
    FrameDecoder,
    PresenceTracker,
    SerialReader,
    em4100_number,
)


def rdm6300(tag: str, corrupt: bool = False) -> bytes:
    """A frame for a 10-hex-digit tag (version + 32-bit number)."""
    checksum = reduce(lambda a, b: a ^ b, bytes.fromhex(tag)) ^ (1 if corrupt else 0)
    return b"\x02" + f"{tag}{checksum:02X}".encode() + b"\x03"


def id12(tag: str) -> bytes:
    checksum = reduce(lambda a, b: a ^ b, bytes.fromhex(tag))
    return b"\x02" + f"{tag}{checksum:02X}".encode() + b"\r\n\x03"


TAG_A, NUMBER_A = "1A00ABCDEF", f"{0x00ABCDEF:010d}"
TAG_B, NUMBER_B = "0F12345678", f"{0x12345678:010d}"


class FrozenClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def start_reader(socat: SocatPair) -> Iterator[Callable[..., SerialReader]]:
    started: list[SerialReader] = []

    def start(sink: EventLog, fmt: str = "rdm6300", **kw: object) -> SerialReader:
        reader = SerialReader(socat.port, 9600, fmt, retry_delays=(0.05, 0.1, 0.2),
                              **kw)  # type: ignore[arg-type]
        reader.start(sink)
        started.append(reader)
        return reader

    yield start
    for reader in started:
        reader.stop()


# -- decoder and presence logic, no port ------------------------------------------------


def test_em4100_number_is_the_printed_number() -> None:
    assert em4100_number(bytes.fromhex(TAG_A)) == "0011259375"


@pytest.mark.parametrize("frame", [rdm6300(TAG_A), id12(TAG_A)])
def test_decoder_reassembles_split_frames(frame: bytes) -> None:
    decoder = FrameDecoder("rdm6300")
    found = [n for byte in b"noise" + frame for n in decoder.feed(bytes([byte]))]
    assert found == [NUMBER_A]


def test_decoder_drops_bad_checksum_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    decoder = FrameDecoder("id12")
    with caplog.at_level(logging.WARNING):
        assert decoder.feed(rdm6300(TAG_A, corrupt=True) + rdm6300(TAG_B)) == [NUMBER_B]
    assert "bad checksum" in caplog.text


def test_decoder_recovers_from_a_frame_without_end() -> None:
    decoder = FrameDecoder("rdm6300")
    assert decoder.feed(rdm6300(TAG_A)[:7] + rdm6300(TAG_B)) == [NUMBER_B]


def test_line_decoder() -> None:
    decoder = FrameDecoder("line")
    assert decoder.feed(b"0012345678\r\n04a1") == ["0012345678"]
    assert decoder.feed(b"b2\nhello world\n") == ["04A1B2"]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown serial reader format"):
        FrameDecoder("wiegand")


def test_presence_tracker_collapses_repeats_and_notices_silence() -> None:
    tracker = PresenceTracker("r", "em4100", window=0.25)
    assert tracker.seen("1", 0.0) == [CardPresented("r", "1", "em4100")]
    assert tracker.seen("1", 0.2) == []
    assert tracker.seen("1", 0.4) == []
    assert tracker.tick(0.6) == []
    assert tracker.tick(0.7) == [CardRemoved("r")]
    assert tracker.seen("1", 0.8) == [CardPresented("r", "1", "em4100")]
    assert tracker.seen("2", 0.9) == [CardRemoved("r"), CardPresented("r", "2", "em4100")]


# -- through a real pseudo-terminal -----------------------------------------------------


def test_good_frame_is_a_tap(socat: SocatPair, start_reader: Callable[..., SerialReader],
                             events: EventLog) -> None:
    start_reader(events)
    assert events.wait_state(True) == ReaderState(True, f"serial reader ok: {socat.port}")
    socat.write(rdm6300(TAG_A))
    assert events.wait_for(CardPresented) == CardPresented(socat.port, NUMBER_A, "em4100")
    assert events.wait_for(CardRemoved) == CardRemoved(socat.port)


@pytest.mark.parametrize(("fmt", "data", "number", "kind"), [
    ("id12", id12(TAG_B), NUMBER_B, "em4100"),
    ("line", b"0004567890\r\n", "0004567890", "serial"),
])
def test_other_formats(socat: SocatPair, start_reader: Callable[..., SerialReader],
                       events: EventLog, fmt: str, data: bytes, number: str, kind: str) -> None:
    start_reader(events, fmt)
    events.wait_state(True)
    socat.write(data)
    assert events.wait_for(CardPresented) == CardPresented(socat.port, number, kind)


def test_bad_checksum_is_dropped(socat: SocatPair, start_reader: Callable[..., SerialReader],
                                 events: EventLog, caplog: pytest.LogCaptureFixture) -> None:
    start_reader(events)
    events.wait_state(True)
    with caplog.at_level(logging.WARNING):
        socat.write(rdm6300(TAG_A, corrupt=True))
        socat.write(rdm6300(TAG_B))
        assert events.wait_card().uid == NUMBER_B
    assert "bad checksum" in caplog.text


def test_split_frames(socat: SocatPair, start_reader: Callable[..., SerialReader],
                      events: EventLog) -> None:
    start_reader(events)
    events.wait_state(True)
    frame = rdm6300(TAG_A)
    for piece in (frame[:3], frame[3:9], frame[9:]):
        socat.write(piece)
    assert events.wait_card().uid == NUMBER_A


def test_repeats_are_one_tap(socat: SocatPair, start_reader: Callable[..., SerialReader],
                             events: EventLog) -> None:
    clock = FrozenClock()  # however slowly the frames travel, they are 0 s apart
    start_reader(events, clock=clock)
    events.wait_state(True)
    for _ in range(3):
        socat.write(rdm6300(TAG_A))
    socat.write(rdm6300(TAG_B))
    assert events.wait_card().uid == NUMBER_A
    assert events.wait_card().uid == NUMBER_B
    assert events.skipped == [CardRemoved(socat.port)]
    clock.now += 1.0
    assert events.wait_for(CardRemoved) == CardRemoved(socat.port)
    assert events.skipped == []


def test_device_gone_and_back(socat: SocatPair, start_reader: Callable[..., SerialReader],
                              events: EventLog) -> None:
    start_reader(events, repeat_window=60.0)
    events.wait_state(True)
    socat.write(rdm6300(TAG_A))
    events.wait_for(CardPresented)
    socat.kill()
    assert events.wait_for(CardRemoved) == CardRemoved(socat.port)
    gone = events.wait_state(False)
    assert gone.message.startswith(f"serial reader {socat.port} gone")
    socat.start()
    assert events.wait_state(True) == ReaderState(True, f"serial reader ok: {socat.port}")
    socat.write(rdm6300(TAG_B))
    assert events.wait_card().uid == NUMBER_B


def test_missing_port_reports_and_retries(events: EventLog) -> None:
    reader = SerialReader("/nonexistent/ttyUSB9", retry_delays=(0.05,))
    reader.start(events)
    state = events.wait_state(False)
    assert state.message.startswith("serial reader /nonexistent/ttyUSB9 unavailable")
    reader.stop()
