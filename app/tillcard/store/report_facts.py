"""Facts (``domain.report_facts``) read from a database: the centre's table, or the journal.

On PostgreSQL the centre keeps ``day_totals`` as entries are applied (``store.day_totals``);
on SQLite (a standalone site, the demo) the facts of a range are added up here from the
journal, by the same rules. Tests hold the two to each other on the real server.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, select

from tillcard.domain.report_facts import Fact, FactKey, MealWindowSpan, Measures, add_up, key_of
from tillcard.store.schema import CardRow, JournalRow, MealWindowRow, TillRow
from tillcard.store.site import load_rules


def meal_windows(conn: Connection) -> list[MealWindowSpan]:
    rows = conn.execute(select(MealWindowRow.card_type_id, MealWindowRow.position,
                               MealWindowRow.start_min, MealWindowRow.end_min)
                        .order_by(MealWindowRow.card_type_id, MealWindowRow.position))
    return [MealWindowSpan(*r) for r in rows]


def journal_facts(conn: Connection, first: date, last: date,
                  keep: Sequence[str] | None = None) -> list[Fact]:
    """The facts of business days ``first``..``last``, added up from the journal itself.

    ``keep`` is accepted for the reports' facts source and ignored: every fact is whole.

    Booth and card type are today's (the journal does not record them); the centre's table
    keeps those of the moment each entry was applied. They differ only for a till moved to
    another booth or a card whose type was changed since.
    """
    clock = load_rules(conn).clock
    start, _ = clock.day_bounds(first)
    _, end = clock.day_bounds(last)
    booths = {r[0]: r[1] for r in conn.execute(select(TillRow.id, TillRow.site))}
    windows = meal_windows(conn)
    j = JournalRow
    rows = conn.execute(
        select(j.created_at, j.till_id, j.cashier_id, CardRow.card_type_id, j.kind,
               j.list_amount, j.discount, j.cash_delta, j.bonus_delta, j.allowance_delta,
               j.grant_amount, j.tendered_cash)
        .join(CardRow, CardRow.id == j.card_id)
        .where(j.created_at >= start, j.created_at < end))

    def pairs() -> list[tuple[FactKey, Measures]]:
        out = []
        for r in rows:
            key = key_of(clock, r.created_at, r.till_id, booths.get(r.till_id, ""),
                         r.cashier_id, r.card_type_id, r.kind, windows)
            out.append((key, Measures(1, r.list_amount, r.discount, r.cash_delta,
                                      r.bonus_delta, r.allowance_delta, r.grant_amount,
                                      r.tendered_cash)))
        return out

    return [f for f in add_up(pairs()) if first <= f.key.day <= last]
