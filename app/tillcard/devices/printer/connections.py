"""Printer URIs (tcp, usb, serial, cups, file, simulated) to PrinterConnection objects."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tillcard.devices.printer.base import PrinterConnection
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.devices.printer.transports import (
    CupsPrinter,
    FilePrinter,
    SerialPrinter,
    TcpPrinter,
    UsbPrinter,
)

__all__ = [
    "CupsPrinter",
    "FilePrinter",
    "SerialPrinter",
    "SimulatedPrinter",
    "TcpPrinter",
    "UsbPrinter",
    "URI_EXAMPLES",
    "open_printer",
]

URI_EXAMPLES = (
    "tcp://192.168.1.50:9100",
    "usb://04b8:0202",
    "serial:///dev/ttyUSB0?baudrate=19200",
    "cups://Receipts",
    "file:///dev/usb/lp0",
    "simulated",
    "simulated:///tmp/receipts.txt",
)


def _fail(uri: str, why: str) -> ValueError:
    return ValueError(f"bad printer URI {uri!r}: {why} (examples: {', '.join(URI_EXAMPLES)})")


def _options(uri: str, query: str, allowed: set[str]) -> dict[str, str]:
    opts = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    unknown = set(opts) - allowed
    if unknown:
        raise _fail(uri, f"unknown option(s) {', '.join(sorted(unknown))}; "
                         f"allowed: {', '.join(sorted(allowed)) or 'none'}")
    return opts


def _flag(uri: str, opts: dict[str, str], name: str, default: bool) -> bool:
    value = opts.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise _fail(uri, f"{name} must be 0 or 1, not {value!r}")


def _number(uri: str, text: str, what: str, base: int = 10) -> int:
    try:
        return int(text, base)
    except ValueError:
        raise _fail(uri, f"{what} {text!r} is not a number") from None


def _tcp(uri: str, query: str, timeout: float, status_timeout: float) -> TcpPrinter:
    opts = _options(uri, query, {"status", "timeout"})
    parts = urlsplit(uri)
    try:
        port = parts.port or 9100
    except ValueError as e:
        raise _fail(uri, str(e)) from None
    if not parts.hostname:
        raise _fail(uri, "no host")
    if "timeout" in opts:
        timeout = float(_number(uri, opts["timeout"], "timeout"))
    return TcpPrinter(parts.hostname, port, timeout=timeout, status_timeout=status_timeout,
                      query_status=_flag(uri, opts, "status", True))


def _usb(uri: str, netloc: str, query: str, profile: str | None) -> UsbPrinter:
    opts = _options(uri, query, {"in_ep", "out_ep"})
    vendor, sep, product = netloc.partition(":")
    if not sep or len(vendor) != 4 or len(product) != 4:
        raise _fail(uri, "expected usb://VVVV:PPPP with 4-digit hex vendor and product ids")
    return UsbPrinter(_number(uri, vendor, "vendor id", 16),
                      _number(uri, product, "product id", 16), profile=profile,
                      in_ep=_number(uri, opts.get("in_ep", "0x82"), "in_ep", 0),
                      out_ep=_number(uri, opts.get("out_ep", "0x01"), "out_ep", 0))


def _serial(uri: str, path: str, query: str, timeout: float,
            status_timeout: float) -> SerialPrinter:
    opts = _options(uri, query, {"baudrate", "rtscts", "status"})
    if not path:
        raise _fail(uri, "no device path, e.g. serial:///dev/ttyUSB0")
    baudrate = _number(uri, opts.get("baudrate", "9600"), "baudrate")
    return SerialPrinter(path, baudrate, timeout=timeout, status_timeout=status_timeout,
                         rtscts=_flag(uri, opts, "rtscts", False),
                         query_status=_flag(uri, opts, "status", True))


def open_printer(uri: str, *, profile: str | None = None, timeout: float = 5.0,
                 status_timeout: float = 1.0,
                 chinese_at_power_on: bool = True) -> PrinterConnection:
    """Build the connection a URI names; nothing is opened until the first job or status.

    Args:
        uri: see ``URI_EXAMPLES``; ``?status=0`` turns off status queries for printers
            that never answer them.
        profile: python-escpos profile (used by USB only; rendering has its own).
        timeout: seconds a job may take to go out.
        status_timeout: seconds to wait for each status answer; silence means offline.
        chinese_at_power_on: for ``simulated``: whether it decodes like a
            Chinese-market printer.

    Raises:
        ValueError: the URI is malformed, with examples of good ones.
    """
    text = uri.strip()
    if text in ("simulated", "simulated:", "simulated://"):
        return SimulatedPrinter(chinese_at_power_on=chinese_at_power_on)
    parts = urlsplit(text)
    scheme, netloc, path = parts.scheme.lower(), unquote(parts.netloc), unquote(parts.path)
    if scheme == "simulated":
        return SimulatedPrinter(Path(path) if path else None,
                                chinese_at_power_on=chinese_at_power_on)
    if scheme == "tcp":
        return _tcp(text, parts.query, timeout, status_timeout)
    if scheme == "usb":
        return _usb(text, netloc, parts.query, profile)
    if scheme == "serial":
        return _serial(text, path, parts.query, timeout, status_timeout)
    if scheme == "cups":
        _options(text, parts.query, set())
        if not netloc:
            raise _fail(text, "no queue name, e.g. cups://Receipts")
        return CupsPrinter(netloc, timeout=max(timeout, 10.0))
    if scheme == "file":
        _options(text, parts.query, set())
        if netloc or not path:
            raise _fail(text, "expected file:///absolute/path (three slashes)")
        return FilePrinter(Path(path))
    raise _fail(text, f"unknown scheme {scheme!r}" if scheme else "no scheme")
