"""argparse ``type`` functions shared by the commands: a bad number is one line, exit 2."""

from __future__ import annotations

import argparse
import math
from datetime import date


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < minimum:
        words = "at least 1" if minimum == 1 else f"{minimum} or more"
        raise argparse.ArgumentTypeError(f"must be {words}, got {value}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (tills, cards, entries)."""
    return _whole(text, 1)


def non_negative_int(text: str) -> int:
    """A whole number of at least 0 (hot cards: none is a choice)."""
    return _whole(text, 0)


def positive_float(text: str) -> float:
    """A finite number above 0 (seconds)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def iso_day(text: str) -> date:
    """A day typed as YYYY-MM-DD (reports, demo data): one line when it is not."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
