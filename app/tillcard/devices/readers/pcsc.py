"""Contactless cards through PC/SC (pcscd + pyscard): taps, removals and reader health."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from tillcard.devices.readers.base import (
    CardPresented,
    CardRemoved,
    CardUnreadable,
    ReaderCode,
    ReaderEvent,
    ReaderSink,
    ReaderState,
)
from tillcard.devices.readers.pcsc_apdu import CardProblem, ServiceTrouble, card_kind, read_uid
from tillcard.devices.readers.pcsc_service import (
    NOT_INSTALLED,
    SERVICE_DOWN,
    PcscUnavailable,
    card_monitor_alive,
    list_pcsc_readers,
    running_card_monitor,
    service_available,
    stop_card_monitor,
)

__all__ = ["NOT_INSTALLED", "SERVICE_DOWN", "PcscReader", "PcscUnavailable",
           "list_pcsc_readers", "stop_card_monitor"]

log = logging.getLogger(__name__)

# Messages carry the generation of the monitors that sent them: after monitors are
# recreated, whatever the old ones still had in flight is ignored.


@dataclass(frozen=True)
class _CardsChanged:
    generation: int
    added: tuple[tuple[str, bytes], ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class _ReadersChanged:
    generation: int
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class _ServiceLost:
    generation: int
    reason: str


_STOP = object()


class _Observer:
    """Given to pyscard; only copies events into our queue: a raise here kills its thread."""

    def __init__(self, post: Callable[[object], None], generation: int, cards: bool) -> None:
        self._post = post
        self._generation = generation
        self._cards = cards

    def update(self, observable: object, handlers: tuple[Sequence[Any], Sequence[Any]]) -> None:
        try:
            added, removed = handlers
            if self._cards:
                self._post(_CardsChanged(self._generation,
                                         tuple((str(c.reader), bytes(c.atr)) for c in added),
                                         tuple(str(c.reader) for c in removed)))
            else:
                self._post(_ReadersChanged(self._generation, tuple(map(str, added)),
                                           tuple(map(str, removed))))
        except Exception:
            log.exception("dropped a PC/SC monitor event")


class PcscReader:
    """Reports taps on the PC/SC readers whose name contains ``name_filter``.

    pyscard's CardMonitor and ReaderMonitor threads only post to a queue; one thread of
    ours ("pcsc-io") owns all state, reads UIDs, watches the monitors' health, recreates
    them with backoff after pcscd restarts, and is the only caller of the sink (a card
    is thus never reported removed before it was reported presented). pyscard's monitors
    are process-wide, so only one PcscReader may run at a time. pyscard's card-monitor
    thread is a singleton that outlives observers: ``stop`` removes ours (which ignore
    whatever still arrives) and ends that thread only if nobody else observes it.

    Reported states: ``reader ok: <names>``, ``no reader[ matching '<filter>']``,
    ``PC/SC service not running``, ``card not readable: <why>`` (until the next good
    read; a ``CardUnreadable`` event comes first). A card pulled away before its UID was
    read is not reported at all.
    """

    _active: ClassVar[PcscReader | None] = None
    _active_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        name_filter: str = "",
        *,
        reader_lister: Callable[[], list[str]] | None = None,
        health_period: float = 0.25,
        reader_poll: float = 0.5,
        retry_delays: Sequence[float] = (0.25, 0.5, 1.0, 2.0),
    ) -> None:
        """Sets up a reader; nothing talks to pcscd before ``start``.

        Args:
            name_filter: case-insensitive part of the reader name; empty = any reader.
            reader_lister: lists reader names; defaults to pyscard's. Tests wrap it to
                unplug a reader that pcscd cannot really lose.
            health_period: seconds between checks that pyscard's threads still live.
            reader_poll: seconds between reader-list polls (hot-plug latency).
            retry_delays: waits between attempts to reach a stopped pcscd; the last repeats.
        """
        self.name_filter = name_filter
        self._lister = reader_lister or list_pcsc_readers
        self._health_period = health_period
        self._reader_poll = reader_poll
        self._retry_delays = tuple(retry_delays) or (1.0,)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: ReaderSink | None = None
        # State below belongs to the pcsc-io thread.
        self._attached = False
        self._generation = 0
        self._lost = False
        self._service_up = True
        self._retries = 0
        self._card_observer: _Observer | None = None
        self._reader_observer: _Observer | None = None
        self._reader_monitor: Any = None
        self._reader_thread: Any = None
        self._last_listed: list[str] = []
        self._readers: set[str] = set()
        self._presented: dict[str, str] = {}
        self._card_problem: str | None = None
        self._published: ReaderState | None = None
        self._context: Any = None

    # -- public ---------------------------------------------------------------------------

    def start(self, sink: ReaderSink) -> None:
        if self._thread is not None:
            raise RuntimeError("PcscReader.start called twice")
        self._sink = sink
        try:
            import smartcard.CardMonitoring  # noqa: F401
        except ImportError:
            self._emit(ReaderState(False, NOT_INSTALLED, ReaderCode.NOT_INSTALLED))
            return
        with PcscReader._active_lock:
            if PcscReader._active is not None:
                raise RuntimeError("another PcscReader is running; pyscard's monitors are "
                                   "process-wide")
            PcscReader._active = self
        self._thread = threading.Thread(target=self._run, name="pcsc-io", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Returns once no sink call can happen any more (unless called from the sink)."""
        self._stopping.set()
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        if thread is not threading.current_thread():
            thread.join()
        with PcscReader._active_lock:
            if PcscReader._active is self:
                PcscReader._active = None

    # -- plumbing -------------------------------------------------------------------------

    def _post(self, message: object) -> None:
        if not self._stopping.is_set():
            self._queue.put(message)

    def _emit(self, event: ReaderEvent) -> None:
        sink = self._sink
        if sink is None or self._stopping.is_set():
            return
        try:
            sink(event)
        except Exception:
            log.exception("reader sink raised on %r", event)

    def _run(self) -> None:
        deadline = time.monotonic()
        try:
            while True:
                try:
                    message = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    message = None
                if message is _STOP:
                    return
                if message is not None:
                    self._guarded(self._handle, message)
                if self._lost or time.monotonic() >= deadline:
                    self._guarded(self._check_health)
                    delay = self._health_period if self._attached else self._retry_delay()
                    deadline = time.monotonic() + delay
        finally:
            self._guarded(self._detach)
            self._guarded(stop_card_monitor)
            self._release_context()

    def _guarded(self, step: Callable[..., None], *args: object) -> None:
        try:
            step(*args)
        except Exception:
            log.exception("PC/SC reader step %s failed", getattr(step, "__name__", step))

    def _retry_delay(self) -> float:
        delay = self._retry_delays[min(self._retries, len(self._retry_delays) - 1)]
        self._retries += 1
        return delay

    # -- monitors -------------------------------------------------------------------------

    def _check_health(self) -> None:
        reader_thread_dead = self._reader_thread is not None and not self._reader_thread.is_alive()
        if self._attached and (self._lost or reader_thread_dead or not card_monitor_alive()):
            log.warning("PC/SC monitors lost; recreating them")
            self._detach()
            self._forget_everything()
        self._lost = False
        if not self._attached:
            self._service_up = service_available() and self._try_attach()
            if self._service_up:
                self._retries = 0
        self._publish()

    def _try_attach(self) -> bool:
        try:
            self._attach()
        except Exception as exc:  # pcscd may vanish between the probe and the attach
            log.warning("could not watch PC/SC readers yet: %s", exc)
            self._detach()
            return False
        return True

    def _attach(self) -> None:
        from smartcard.ReaderMonitoring import ReaderMonitor

        self._generation += 1
        generation = self._generation
        self._last_listed = self._lister()
        self._readers = set(self._last_listed)
        self._reader_observer = _Observer(self._post, generation, cards=False)
        self._reader_monitor = ReaderMonitor(
            startOnDemand=False, period=self._reader_poll,
            readerProc=lambda: self._poll_readers(generation))
        self._reader_thread = self._reader_monitor.rmthread
        self._reader_monitor.addObserver(self._reader_observer)
        self._card_observer = _Observer(self._post, generation, cards=True)
        running_card_monitor().addObserver(self._card_observer)
        self._attached = True

    def _detach(self) -> None:
        """Drops our observers and stops the reader poller; never run on a pyscard thread."""
        from smartcard.CardMonitoring import CardMonitor

        if self._card_observer is not None:
            with contextlib.suppress(ValueError):
                CardMonitor().deleteObserver(self._card_observer)
            self._card_observer = None
        if self._reader_monitor is not None:
            with contextlib.suppress(ValueError):
                self._reader_monitor.deleteObserver(self._reader_observer)
            self._reader_thread.stop()
            self._reader_monitor = self._reader_thread = self._reader_observer = None
        self._attached = False

    def _poll_readers(self, generation: int) -> list[str]:
        """Runs on pyscard's reader thread: any exception escaping would kill it noisily."""
        try:
            self._last_listed = self._lister()
        except Exception as exc:
            self._post(_ServiceLost(generation, str(exc)))
        return list(self._last_listed)

    # -- events ---------------------------------------------------------------------------

    def _handle(self, message: object) -> None:
        if getattr(message, "generation", None) != self._generation or not self._attached:
            return
        if isinstance(message, _ServiceLost):
            log.info("PC/SC service lost: %s", message.reason)
            self._lost = True
        elif isinstance(message, _ReadersChanged):
            self._readers.difference_update(message.removed)
            self._readers.update(message.added)
            for reader in message.removed:
                self._card_gone(reader)
            if message.removed:
                self._card_problem = None
            self._publish()
        elif isinstance(message, _CardsChanged):
            for reader in message.removed:
                self._card_gone(reader)
            for reader, atr in message.added:
                if self._matches(reader):
                    self._card_arrived(reader, atr)

    def _matches(self, reader: str) -> bool:
        return self.name_filter.casefold() in reader.casefold()

    def _card_gone(self, reader: str) -> None:
        if self._presented.pop(reader, None) is not None:
            self._emit(CardRemoved(reader))

    def _forget_everything(self) -> None:
        for reader in list(self._presented):
            self._card_gone(reader)
        self._readers.clear()
        self._card_problem = None

    def _card_arrived(self, reader: str, atr: bytes) -> None:
        try:
            uid = self._read_uid(reader)
        except CardProblem as problem:
            log.warning("card in %s not readable: %s", reader, problem)
            self._card_gone(reader)
            self._emit(CardUnreadable(reader, str(problem)))
            self._card_problem = str(problem)
            self._publish()
            return
        if uid is None:
            return
        if self._presented.get(reader) == uid:
            return
        self._card_gone(reader)
        self._presented[reader] = uid
        self._card_problem = None
        self._publish()
        self._emit(CardPresented(reader, uid, card_kind(atr)))

    def _publish(self) -> None:
        state = self._health()
        if state != self._published:
            self._published = state
            self._emit(state)

    def _health(self) -> ReaderState:
        if not self._service_up:
            return ReaderState(False, SERVICE_DOWN, ReaderCode.SERVICE_DOWN)
        matching = sorted(r for r in self._readers if self._matches(r))
        if not matching:
            wanted = f" matching '{self.name_filter}'" if self.name_filter else ""
            return ReaderState(False, f"no reader{wanted}", ReaderCode.NO_READER,
                               self.name_filter or "")
        if self._card_problem:
            return ReaderState(False, f"card not readable: {self._card_problem}",
                               ReaderCode.CARD_UNREADABLE, self._card_problem)
        return ReaderState(True, "reader ok: " + ", ".join(matching), ReaderCode.OK,
                           ", ".join(matching))

    # -- APDU I/O (pcsc-io thread only) ---------------------------------------------------

    def _read_uid(self, reader: str) -> str | None:
        """UID in upper-case hex; None when the card left before it could be read."""
        for attempt in (1, 2):
            try:
                return read_uid(self._ensure_context(), reader)
            except ServiceTrouble:
                self._release_context()
                if attempt == 2:
                    self._lost = True
        return None

    def _ensure_context(self) -> Any:
        if self._context is None:
            from smartcard import scard

            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != 0:
                raise ServiceTrouble(f"no PC/SC context (0x{hresult & 0xFFFFFFFF:08X})")
            self._context = context
        return self._context

    def _release_context(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            from smartcard import scard

            scard.SCardReleaseContext(context)
