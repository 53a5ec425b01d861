"""Real-time status (``DLE EOT`` 1, 2, 4): the queries, and their answers as a PrinterStatus."""

from __future__ import annotations

from tillcard.devices.printer.base import PrinterStatus

QUERY_PRINTER = b"\x10\x04\x01"  # n=1: printer status (bit 0x08 offline)
QUERY_OFFLINE_CAUSE = b"\x10\x04\x02"  # n=2: 0x04 cover open, 0x20 paper end stop
QUERY_PAPER = b"\x10\x04\x04"  # n=4: roll sensor, 0x0C near end, 0x60 paper out
STATUS_QUERIES = (QUERY_PRINTER, QUERY_OFFLINE_CAUSE, QUERY_PAPER)

# Bits 1 and 4 are always set, so a healthy idle printer answers 0x12 to every query.
IDLE = 0x12
OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
PAPER_END_BIT = 0x20
NEAR_END_BITS = 0x0C
PAPER_OUT_BITS = 0x60


def interpret(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """One status from the three answers, the most serious first."""
    if paper & PAPER_OUT_BITS or offline_cause & PAPER_END_BIT:
        return PrinterStatus.PAPER_OUT
    if offline_cause & COVER_OPEN_BIT:
        return PrinterStatus.COVER_OPEN
    if printer & OFFLINE_BIT:
        return PrinterStatus.OFFLINE
    if paper & NEAR_END_BITS:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.OK


def answers_for(status: PrinterStatus) -> dict[int, int]:
    """The byte a printer in ``status`` answers to each query (for simulators and tests)."""
    printer, cause, paper = IDLE, IDLE, IDLE
    if status is PrinterStatus.PAPER_NEAR_END:
        paper |= NEAR_END_BITS
    elif status is PrinterStatus.PAPER_OUT:
        printer |= OFFLINE_BIT
        cause |= PAPER_END_BIT
        paper |= PAPER_OUT_BITS
    elif status is PrinterStatus.COVER_OPEN:
        printer |= OFFLINE_BIT
        cause |= COVER_OPEN_BIT
    elif status in (PrinterStatus.OFFLINE, PrinterStatus.UNREACHABLE):
        printer |= OFFLINE_BIT
    return {1: printer, 2: cause, 4: paper}
