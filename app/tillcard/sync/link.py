"""The till's view of its link to the centre: online, offline or recovering.

- online: sales are authorised at the centre (one call each, bounded by the watchdog).
- offline: sales are decided and recorded locally under the offline rules; the sync
  worker probes the centre on a short timer while it is out of reach, and backs off
  exponentially only while it answers but the sync keeps failing (``Backoff``).
- recovering: the centre answers again; the outbox is being back-filled. Sales stay
  local until it is empty, so the centre receives the till's entries in the till's order.
- halted: no sale at all, online or offline — another process holds this till id, or the
  centre's copy of the till's chain disagrees with this till's database (the message says
  what to do). The worker checks again now and then.
- disk: the till cannot write its own database (full, failing); nothing is charged until
  it can, and the link's state says so instead of blaming the centre.

Listeners are called on whichever thread changed the state; the UI hands them over to
its own thread.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class LinkState(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    RECOVERING = "recovering"
    HALTED = "halted"  # may not sell at all: a twin on the till id, a chain that disagrees
    DISK = "disk"  # this till cannot write its own database (full, unreadable)


@dataclass(frozen=True)
class LinkStatus:
    state: LinkState
    unsent: int  # entries the centre has not confirmed (offline + authorizing)
    message: str = ""


Listener = Callable[[LinkStatus], None]


class Backoff:
    """Delays between attempts on a centre that answers but fails: doubling up to ``cap``.

    Only ``Link.up`` resets it: a centre that lets the till in but fails every back-fill
    (a server error, a refused login) is tried less and less often until it works again.
    """

    def __init__(self, first: float = 0.5, cap: float = 15.0) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self.cap, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self.first


class Link:
    def __init__(self, unsent: Callable[[], int], backoff: Backoff | None = None) -> None:
        self._lock = threading.Lock()
        self._state = LinkState.OFFLINE
        self._message = "connecting…"
        self._unsent = unsent
        self._listeners: list[Listener] = []
        self.backoff = backoff or Backoff()
        self.changed_at = time.monotonic()

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def online(self) -> bool:
        return self._state is LinkState.ONLINE

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)
        listener(self.status())

    def status(self) -> LinkStatus:
        return LinkStatus(self._state, self._unsent(), self._message)

    def halt(self, reason: str) -> None:
        """Stop selling, online and offline, until the reason is gone (see TillSync)."""
        self._set(LinkState.HALTED, reason)

    def disk(self, reason: str) -> None:
        """The till's own database fails: sales stop until it can write again."""
        self._set(LinkState.DISK, reason)

    def down(self, reason: str) -> None:
        self._set(LinkState.OFFLINE, reason)

    def recovering(self) -> None:
        self._set(LinkState.RECOVERING, "sending what was sold offline")

    def up(self) -> None:
        self.backoff.reset()
        self._set(LinkState.ONLINE, "")

    def publish(self) -> None:
        """Tell listeners again (the unsent count changed)."""
        st = self.status()
        for listener in list(self._listeners):
            listener(st)

    def _set(self, state: LinkState, message: str) -> None:
        with self._lock:
            changed = state is not self._state or message != self._message
            self._state, self._message = state, message
            if changed:
                self.changed_at = time.monotonic()
        self.publish()
