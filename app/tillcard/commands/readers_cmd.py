"""``tillcard devices readers`` and ``tillcard devices read``: check a card reader by hand."""

from __future__ import annotations

import argparse
import queue
import sys
import time

from tillcard.commands.argtypes import positive_float
from tillcard.devices.readers.base import CardPresented, ReaderEvent, ReaderState
from tillcard.devices.readers.factory import URI_FORMS, WedgeReader, open_reader
from tillcard.devices.readers.pcsc import PcscUnavailable, list_pcsc_readers


def add_reader_commands(devices_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``readers`` and ``read`` under ``tillcard devices``."""
    readers = devices_sub.add_parser(
        "readers", help="list PC/SC card readers (and say if pcscd is down)",
        description="List the PC/SC readers pcscd knows. Exit 1 when pcscd is not running "
                    "or PC/SC support is not installed.")
    readers.set_defaults(func=run_readers)

    read = devices_sub.add_parser(
        "read", help="wait for one card and print its number",
        description="Wait for one card on a reader and print its UID (upper-case hex) or "
                    "the number a serial reader gives. Exit 1 when no card comes in time.")
    read.add_argument("--reader", default="pcsc://", metavar="URI",
                      help="reader URI: " + "; ".join(URI_FORMS) + " (default: %(default)s)")
    read.add_argument("--timeout", type=positive_float, default=30.0, metavar="S",
                      help="seconds to wait for a card (default: %(default)s)")
    read.set_defaults(func=run_read)


def run_readers(args: argparse.Namespace) -> int:
    """Prints one reader name per line; a down pcscd is an error, no reader is not."""
    try:
        names = list_pcsc_readers()
    except PcscUnavailable as exc:
        print(f"tillcard: {exc}", file=sys.stderr)
        return 1
    if not names:
        print("no PC/SC readers (pcscd is running)")
    for name in names:
        print(name)
    return 0


def run_read(args: argparse.Namespace) -> int:
    """Starts the reader, prints the first card's number, reports reader trouble on stderr."""
    try:
        reader = open_reader(args.reader)
    except ValueError as exc:
        print(f"tillcard: {exc}", file=sys.stderr)
        return 2
    if isinstance(reader, WedgeReader):
        print("tillcard: a keyboard-wedge reader types into the focused window; "
              "test it in any text field", file=sys.stderr)
        return 2
    events: queue.SimpleQueue[ReaderEvent] = queue.SimpleQueue()
    reader.start(events.put)
    try:
        card = _first_card(events, args.timeout)
    finally:
        reader.stop()
    if card is None:
        print(f"tillcard: no card presented within {args.timeout:g} s", file=sys.stderr)
        return 1
    print(card.uid)
    return 0


def _first_card(events: queue.SimpleQueue[ReaderEvent], timeout: float) -> CardPresented | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            return None
        if isinstance(event, CardPresented):
            return event
        if isinstance(event, ReaderState):
            print(event.message, file=sys.stderr)
    return None
