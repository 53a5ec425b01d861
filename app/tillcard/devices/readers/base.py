"""What every card reader reports, and the two calls every reader answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ReaderState:
    """Health of the reader for the status bar; ``message`` says what is wrong."""

    ok: bool
    message: str


ReaderEvent = CardPresented | CardRemoved | CardUnreadable | ReaderState
ReaderSink = Callable[[ReaderEvent], None]


class CardReader(Protocol):
    """Started once with a sink; calls it from any thread; never raises into the sink."""

    def start(self, sink: ReaderSink) -> None: ...

    def stop(self) -> None: ...
