"""A report as every output reads it: the screen, the PDF, CSV and XLSX, the receipt printer.

A report is a titled table over a range of business days: columns that each carry a
one-line definition (shown on screen and printed in the PDF: a manager must know what a
figure counts), rows of plain values (money in minor units, counts, text), an optional
totals row and an optional chart of one column. Outputs format; they never compute.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date


class ReportKind(enum.StrEnum):
    SUMMARY = "summary"
    HOURLY = "hourly"
    DAILY = "daily"
    MONTHLY = "monthly"
    TILLS = "tills"
    BOOTHS = "booths"
    CASHIERS = "cashiers"
    CARD_TYPES = "card-types"
    MEALS = "meals"
    TOP_CARDS = "top-cards"
    CARD_OFFICE = "card-office"
    ALLOWANCE = "allowance"
    LIABILITY = "liability"
    EXCEPTIONS = "exceptions"
    SHIFT = "shift"


class ValueType(enum.StrEnum):
    TEXT = "text"
    MONEY = "money"  # int, minor units
    COUNT = "count"  # int
    PERCENT = "percent"  # int, basis points (1 % = 100)


Cell = str | int | None


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    definition: str  # one line: what the figure counts
    type: ValueType = ValueType.MONEY


@dataclass(frozen=True)
class Chart:
    """A bar chart of one column against the first (label) column."""

    title: str
    label_column: str
    value_column: str


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    title: str
    first_day: date
    last_day: date
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    chart: Chart | None = None
    notes: tuple[str, ...] = field(default=())  # lines under the table (e.g. breakage)
    currency: str = "CNY"  # ISO code; outputs format money with it

    def __post_init__(self) -> None:
        width = len(self.columns)
        if any(len(r) != width for r in self.rows) or (
                self.totals is not None and len(self.totals) != width):
            raise ValueError(f"{self.kind}: every row needs {width} cells")

    def column(self, key: str) -> int:
        """Index of a column by key (KeyError when the report has none)."""
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)

    def values(self, key: str) -> list[Cell]:
        i = self.column(key)
        return [r[i] for r in self.rows]


def ratio_bp(part: int, whole: int) -> int:
    """``part / whole`` in basis points, rounded half up; 0 for an empty whole."""
    if whole == 0:
        return 0
    q, r = divmod(part * 10_000 * 2 + whole, 2 * whole)
    return q


def percent_text(bp: int, sep: str = "") -> str:
    """Basis points as a percentage with two decimals: 1234 → "12.34%" (``sep``: " %")."""
    sign = "-" if bp < 0 else ""
    return f"{sign}{abs(bp) // 100}.{abs(bp) % 100:02d}{sep}%"


def column_titles(columns: Sequence[Column]) -> list[str]:
    return [c.title for c in columns]
