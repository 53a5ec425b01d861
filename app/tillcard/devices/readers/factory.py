"""Builds the configured card reader from its URI (``simulated``, ``pcsc://``, ``serial://``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tillcard.devices.readers.base import (
    CardPresented,
    CardReader,
    ReaderCode,
    ReaderSink,
    ReaderState,
)
from tillcard.devices.readers.pcsc import PcscReader
from tillcard.devices.readers.serial_reader import FORMATS, SerialReader
from tillcard.devices.readers.simulated import SimulatedReader

URI_FORMS = (
    "simulated",
    "wedge",
    "pcsc:// or pcsc://?name=<part of the reader name>",
    "serial:///dev/ttyUSB0?baudrate=9600&format=rdm6300|id12|line",
)


class WedgeReader:
    """A keyboard-wedge reader: the UI's key filter catches its bursts and calls ``typed``.

    The reader itself is just a keyboard, so it lives in the UI's event filter (it needs
    Qt); this object turns what the filter caught into taps on the same sink every other
    reader uses, so the window handles every reader alike.
    """

    name = "keyboard wedge"

    def __init__(self) -> None:
        self._sink: ReaderSink | None = None

    def start(self, sink: ReaderSink) -> None:
        self._sink = sink
        sink(ReaderState(True, "keyboard wedge", ReaderCode.WEDGE))

    def stop(self) -> None:
        self._sink = None

    def typed(self, number: str) -> None:
        """A number the reader typed; a wedge never says when the card left."""
        sink = self._sink
        if sink is not None and number:
            sink(CardPresented(self.name, number, "keyboard-wedge", reports_removal=False))


def open_reader(uri: str) -> CardReader:
    """The reader a URI names, not started yet.

    Raises:
        ValueError: the URI is not one of ``URI_FORMS``; the message lists them.
    """
    text = uri.strip()
    if text in ("simulated", "wedge"):
        return SimulatedReader() if text == "simulated" else WedgeReader()
    parts = urlsplit(text)
    query = _query(uri, parts.query)
    if parts.scheme == "pcsc":
        _allow(uri, query, {"name"})
        if parts.netloc or parts.path not in ("", "/"):
            raise _bad(uri, "a pcsc URI takes no host or path; add ?name=<part of the reader name>")
        return PcscReader(query.get("name", ""))
    if parts.scheme == "serial":
        _allow(uri, query, {"baudrate", "format"})
        port = _serial_port(parts.netloc, parts.path)
        if not port:
            raise _bad(uri, "no serial port given")
        fmt = query.get("format", "rdm6300")
        if fmt not in FORMATS:
            raise _bad(uri, f"format must be one of {', '.join(FORMATS)}")
        try:
            baudrate = int(query.get("baudrate", "9600"))
        except ValueError:
            raise _bad(uri, "baudrate must be a whole number") from None
        if baudrate <= 0:
            raise _bad(uri, "baudrate must be positive")
        return SerialReader(port, baudrate, fmt)
    raise _bad(uri, "unknown kind of reader")


def _serial_port(netloc: str, path: str) -> str:
    """``serial:///dev/ttyUSB0`` → ``/dev/ttyUSB0``; ``serial://COM3`` → ``COM3``."""
    if netloc:
        return netloc + path
    if path[1:4].upper() == "COM" and path[4:].isdigit():
        return path[1:]
    return path


def _query(uri: str, query: str) -> dict[str, str]:
    values = parse_qs(query, keep_blank_values=True, strict_parsing=False)
    for key, found in values.items():
        if len(found) != 1:
            raise _bad(uri, f"{key} given more than once")
    return {key: found[0] for key, found in values.items()}


def _allow(uri: str, query: dict[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise _bad(uri, f"unknown option {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")


def _bad(uri: str, why: str) -> ValueError:
    return ValueError(f"bad card reader URI {uri!r}: {why}. Use one of: {'; '.join(URI_FORMS)}")
