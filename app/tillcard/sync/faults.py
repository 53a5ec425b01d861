"""Named crash points, so the crash tests can kill a till at an exact step of its work.

A real till never sets the variable; a test starts a till process with
``TILLCARD_CRASH_AT=<point>`` and the process dies with SIGKILL (no cleanup, no flush)
when it reaches that point, as it would on a power cut. In-process tests may instead make
something happen there (``at``): the till's disk filling up between two steps.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator

ENV = "TILLCARD_CRASH_AT"

AFTER_LOCAL_WRITE = "after_local_write"  # sale durable locally, centre not asked yet
AFTER_CENTRAL_COMMIT = "after_central_commit"  # centre applied the sale, till not marked
PUSH_AFTER_CENTRAL = "push_after_central"  # a back-fill batch committed, till not marked
DURING_PUSH = "during_push"  # one batch marked, the next not yet sent


_HOOKS: dict[str, Callable[[], None]] = {}


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    hook = _HOOKS.get(name)
    if hook is not None:
        hook()


@contextlib.contextmanager
def at(name: str, hook: Callable[[], None]) -> Iterator[None]:
    """In-process tests: run ``hook`` when this process reaches ``name`` (a disk fills)."""
    _HOOKS[name] = hook
    try:
        yield
    finally:
        _HOOKS.pop(name, None)
