"""Printer status and the two device primitives every printer connection offers."""

from __future__ import annotations

import enum
from typing import Protocol

from tillcard.domain.receipt import Receipt


class PrinterStatus(enum.StrEnum):
    OK = "ok"
    PAPER_NEAR_END = "paper near end"
    PAPER_OUT = "paper out"
    COVER_OPEN = "cover open"
    OFFLINE = "offline"
    UNREACHABLE = "unreachable"

    @property
    def can_print(self) -> bool:
        return self in (PrinterStatus.OK, PrinterStatus.PAPER_NEAR_END)


class PrinterConnection(Protocol):
    """Raw ESC/POS bytes out, status in. Implementations may raise ``OSError``."""

    def send(self, data: bytes) -> None: ...

    def status(self) -> PrinterStatus: ...


class ReceiptSink(Protocol):
    """What services hand receipts to: must return at once (a queue, never the device)."""

    def submit(self, receipt: Receipt) -> None: ...

    def reprint_last(self) -> bool: ...

    def open_drawer(self) -> None: ...
