"""The one grain every figure of the reports adds up from: a fact.

A fact is the sum of the journal's entries that share a business day, a wall-clock hour,
a till, its booth, a cashier, a card type, a meal window and a kind. A busy site writes
~10 million entries a year but only some hundred thousand facts, so a year's summary adds
facts, never entries. The centre keeps them in ``day_totals`` as entries are applied (in
the same transaction, migration 0016); on SQLite, and to check the centre's table, they
are computed from the journal by the same rules (``store.report_facts``).

Every entry belongs to the fact of its own business day (``SiteClock.business_day`` of
its ``created_at``): a void of yesterday's sale counts today, a sale back-filled a day
late counts on the day it was sold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from tillcard.domain.clock import SiteClock

NO_CASHIER = 0  # an entry without a cashier (the card office's batch, a back-office job)
NO_MEAL = 0  # outside every meal window of the card's type


@dataclass(frozen=True, order=True)
class FactKey:
    day: date  # business day
    hour: int  # 0..23, the site's wall clock
    till_id: int
    booth: str  # the till's booth (``tills.site``) when the entry was applied
    cashier_id: int  # NO_CASHIER when none
    card_type_id: int  # the card's type when the entry was applied
    meal: int  # the meal window's position (1..5) for the card's type, or NO_MEAL
    kind: str  # EntryKind value


@dataclass(frozen=True)
class Measures:
    """Sums of the journal's columns over a fact's entries (signed as in the journal)."""

    n: int = 0
    list_amount: int = 0
    discount: int = 0
    cash_delta: int = 0
    bonus_delta: int = 0
    allowance_delta: int = 0
    grant_amount: int = 0
    tendered_cash: int = 0

    def __add__(self, other: Measures) -> Measures:
        return Measures(*(getattr(self, f.name) + getattr(other, f.name)
                          for f in fields(Measures)))

    @property
    def purse_delta(self) -> int:
        """What the entries did to holders' purses, all three together."""
        return self.cash_delta + self.bonus_delta + self.allowance_delta


MEASURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Measures))
KEY_NAMES: tuple[str, ...] = tuple(f.name for f in fields(FactKey))


@dataclass(frozen=True)
class Fact:
    key: FactKey
    m: Measures


@dataclass(frozen=True)
class MealWindowSpan:
    """A meal window as facts need it: which card type, its position, minutes [start, end)."""

    card_type_id: int
    position: int
    start_min: int
    end_min: int


def meal_of(card_type_id: int, minute: int, windows: Sequence[MealWindowSpan]) -> int:
    """The position of the card type's window holding the wall-clock minute, or NO_MEAL.

    The counter's reading (``domain.meals``): a window is [start, end) within one day.
    """
    for w in windows:
        if w.card_type_id == card_type_id and w.start_min <= minute < w.end_min:
            return w.position
    return NO_MEAL


def key_of(clock: SiteClock, created_at: datetime, till_id: int, booth: str,
           cashier_id: int | None, card_type_id: int, kind: str,
           windows: Sequence[MealWindowSpan]) -> FactKey:
    """The fact an entry adds to."""
    local = created_at.astimezone(clock.zone)
    minute = local.hour * 60 + local.minute
    return FactKey(clock.business_day(created_at), local.hour, till_id, booth,
                   NO_CASHIER if cashier_id is None else cashier_id, card_type_id,
                   meal_of(card_type_id, minute, windows), kind)


def add_up(pairs: Iterable[tuple[FactKey, Measures]]) -> list[Fact]:
    """Facts from (key, measures) pairs, equal keys summed, in key order."""
    acc: dict[FactKey, Measures] = {}
    for key, m in pairs:
        acc[key] = acc[key] + m if key in acc else m
    return [Fact(k, acc[k]) for k in sorted(acc)]


def rolled_up(facts: Iterable[Fact], *, keep: Sequence[str]) -> dict[tuple[object, ...],
                                                                      Measures]:
    """Facts summed over every key field not in ``keep`` (e.g. ``("day", "kind")``)."""
    out: dict[tuple[object, ...], Measures] = {}
    for f in facts:
        k = tuple(getattr(f.key, name) for name in keep)
        out[k] = out[k] + f.m if k in out else f.m
    return out


def with_booth(key: FactKey, booth: str) -> FactKey:
    return replace(key, booth=booth)
