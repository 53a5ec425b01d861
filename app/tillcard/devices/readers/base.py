"""What every card reader reports, and the two calls every reader answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CardPresented:
    """A card arrived; ``uid`` is upper-case hex (chip) or the number a reader gives."""

    reader: str
    uid: str
    kind: str = ""


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class ReaderState:
    """Health of the reader for the status bar; ``message`` says what is wrong."""

    ok: bool
    message: str


ReaderEvent = CardPresented | CardRemoved | ReaderState
ReaderSink = Callable[[ReaderEvent], None]


class CardReader(Protocol):
    """Started once with a sink; calls it from any thread; never raises into the sink."""

    def start(self, sink: ReaderSink) -> None: ...

    def stop(self) -> None: ...
