"""A reader the demo and fast tests drive by hand: ``tap`` a card, ``remove`` it."""

from __future__ import annotations

from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    ReaderCode,
    ReaderSink,
    ReaderState,
)


class SimulatedReader:
    """Forwards taps synchronously to the sink, as a real reader's thread would."""

    name = "Simulated reader"

    def __init__(self) -> None:
        self._sink: ReaderSink | None = None
        self.present: str | None = None

    def start(self, sink: ReaderSink) -> None:
        self._sink = sink
        sink(ReaderState(True, "simulated reader ready", ReaderCode.SIMULATED))

    def stop(self) -> None:
        self._sink = None

    def tap(self, uid: str) -> None:
        if self.present is not None:
            self.remove()
        self.present = uid
        if self._sink:
            self._sink(CardPresented(self.name, uid, "simulated"))

    def remove(self) -> None:
        self.present = None
        if self._sink:
            self._sink(CardRemoved(self.name))
