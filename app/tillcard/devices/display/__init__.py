"""Customer pole displays: the protocol, serial (Epson / CD5220) and simulated ones."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from tillcard.devices.display.base import (
    COLUMNS,
    CustomerDisplay,
    amount_lines,
    charge_lines,
    idle_lines,
    thank_you_lines,
)
from tillcard.devices.display.serial_display import SerialDisplay, StateCallback
from tillcard.devices.display.simulated import NullDisplay, SimulatedDisplay

__all__ = [
    "COLUMNS",
    "CustomerDisplay",
    "NullDisplay",
    "SerialDisplay",
    "SimulatedDisplay",
    "amount_lines",
    "charge_lines",
    "idle_lines",
    "open_display",
    "thank_you_lines",
]

URI_EXAMPLES = ("serial:///dev/ttyUSB1?baudrate=9600&protocol=epson",
                "serial:///dev/ttyS0?protocol=cd5220", "simulated", "none")


def _fail(uri: str, why: str) -> ValueError:
    return ValueError(f"bad display URI {uri!r}: {why} (examples: {', '.join(URI_EXAMPLES)})")


def open_display(uri: str, *, on_state: StateCallback | None = None,
                 write_timeout: float = 0.5, retry_interval: float = 2.0) -> CustomerDisplay:
    """The display a URI names; a serial one starts its worker but opens the port lazily.

    Raises:
        ValueError: the URI is malformed, with examples of good ones.
    """
    text = uri.strip()
    if text in ("", "none"):
        return NullDisplay()
    if text in ("simulated", "simulated:", "simulated://"):
        return SimulatedDisplay()
    parts = urlsplit(text)
    if parts.scheme != "serial":
        raise _fail(text, f"unknown scheme {parts.scheme!r}" if parts.scheme else "no scheme")
    path = unquote(parts.path)
    if parts.netloc or not path:
        raise _fail(text, "expected serial:///dev/ttyXXX (three slashes)")
    opts = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(opts) - {"baudrate", "protocol"}
    if unknown:
        raise _fail(text, f"unknown option(s) {', '.join(sorted(unknown))}")
    try:
        baudrate = int(opts.get("baudrate", "9600"))
    except ValueError:
        raise _fail(text, f"baudrate {opts['baudrate']!r} is not a number") from None
    protocol = opts.get("protocol", "epson")
    if protocol not in ("epson", "cd5220"):
        raise _fail(text, f"protocol must be epson or cd5220, not {protocol!r}")
    return SerialDisplay(path, baudrate, "epson" if protocol == "epson" else "cd5220",
                         write_timeout=write_timeout, retry_interval=retry_interval,
                         on_state=on_state)
