"""Customer displays without hardware: one that records what it shows, one that ignores it."""

from __future__ import annotations

import threading

from tillcard.devices.display.base import COLUMNS, fit


class SimulatedDisplay:
    """Keeps the lines as the customer would read them, for the demo and tests.

    Lines are stored fitted to 20 ASCII columns; ``history`` holds every pair shown.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._history: list[tuple[str, str]] = []
        self.closed = False

    def __repr__(self) -> str:
        return "SimulatedDisplay()"

    def show(self, upper: str, lower: str) -> None:
        with self._cond:
            self._history.append((fit(upper, COLUMNS), fit(lower, COLUMNS)))
            self._cond.notify_all()

    @property
    def lines(self) -> tuple[str, str]:
        """What is on the display now (blank before the first ``show``)."""
        with self._cond:
            return self._history[-1] if self._history else (" " * COLUMNS, " " * COLUMNS)

    @property
    def history(self) -> list[tuple[str, str]]:
        with self._cond:
            return list(self._history)

    def wait_for_lines(self, upper: str, lower: str, timeout: float = 5.0) -> bool:
        """Block until these two lines are showing; for tests."""
        want = (fit(upper, COLUMNS), fit(lower, COLUMNS))
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._history) and self._history[-1] == want,
                                       timeout)

    def close(self) -> None:
        self.closed = True


class NullDisplay:
    """For tills without a pole display: accepts everything, shows nothing."""

    def __repr__(self) -> str:
        return "NullDisplay()"

    def show(self, upper: str, lower: str) -> None:
        return None

    def close(self) -> None:
        return None
