"""Start threads together and wait for them: the races the PostgreSQL tests set up."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_together(target: Callable[..., object], args: Iterable[tuple[Any, ...]],
                 timeout: float) -> None:
    """One thread per argument tuple, all started before any is joined.

    Each join waits at most ``timeout``; the caller asserts on what the threads recorded.
    """
    threads = [threading.Thread(target=target, args=a) for a in args]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
