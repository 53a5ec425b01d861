"""What every card reader reports, and the two calls every reader answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class CardPresented:
    """A card arrived; ``uid`` is upper-case hex (chip) or the number a reader gives.

    ``reports_removal`` is False for readers that never say the card left (keyboard
    wedge): the window then forgets the card after its sale rather than wait for a
    removal that never comes, so the next amount cannot go on the last customer's card.
    """

    reader: str
    uid: str
    kind: str = ""
    reports_removal: bool = True


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class CardUnreadable:
    """A card is on the reader but gave no identity (``reason`` for support staff).

    Distinct from a reader fault: the window must drop whatever card it still shows, or
    the cashier would charge the previous customer.
    """

    reader: str
    reason: str


class ReaderCode(StrEnum):
    """What a reader's state says, for a screen to word in its own language.

    ``ReaderState.message`` stays the English sentence for logs and the heartbeat; the
    screen words the code (``ui.texts.reader_state_text``), with ``detail`` in it.
    """

    OK = "ok"  # detail: the readers in use
    SIMULATED = "simulated"
    WEDGE = "wedge"
    NO_READER = "no_reader"  # detail: the name filter, if any
    CARD_UNREADABLE = "card_unreadable"  # detail: why
    NOT_INSTALLED = "not_installed"
    SERVICE_DOWN = "service_down"
    SERIAL_OK = "serial_ok"  # detail: the port
    SERIAL_UNAVAILABLE = "serial_unavailable"  # detail: the port and the error
    SERIAL_GONE = "serial_gone"  # detail: the port and the error
    OTHER = "other"


@dataclass(frozen=True)
class ReaderState:
    """Health of the reader for the status bar; ``message`` says what is wrong."""

    ok: bool
    message: str
    # how to word it; the message says the same in English, so states compare by it
    code: ReaderCode = field(default=ReaderCode.OTHER, compare=False)
    detail: str = field(default="", compare=False)


ReaderEvent = CardPresented | CardRemoved | CardUnreadable | ReaderState
ReaderSink = Callable[[ReaderEvent], None]


class CardReader(Protocol):
    """Started once with a sink; calls it from any thread; never raises into the sink."""

    def start(self, sink: ReaderSink) -> None: ...

    def stop(self) -> None: ...
