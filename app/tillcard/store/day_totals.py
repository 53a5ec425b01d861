"""The centre's day totals: the reports' facts kept by PostgreSQL as entries are applied.

Migration 0016 keeps ``day_totals`` with a trigger on ``journal``, one upsert per entry in
the entry's own transaction (since 0019 at the end of the projection trigger itself: one
row trigger per entry costs less than two), so a report over a year adds some hundred
thousand facts, not ten million entries. The rules are ``domain.report_facts.key_of``'s,
in SQL; tests hold the table, its rebuild and ``store.report_facts.journal_facts`` (the
same rules in Python) to each other. SQLite keeps no such table: a standalone site's
facts come from its journal.

``rebuild_day_totals`` recomputes the table in one set-based statement: after a bulk load
that paused the trigger (``tillcard demo-data``), or as a repair.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
    select,
    text,
)

from tillcard.domain.report_facts import (
    KEY_NAMES,
    MEASURE_NAMES,
    NO_CASHIER,
    NO_MEAL,
    Fact,
    FactKey,
    Measures,
)
from tillcard.store.report_facts import journal_facts
from tillcard.store.schema import Base

# on ``journal``, the projection that also keeps the totals (migration 0019); a bulk load
# pauses it, then rebuilds
TRIGGER = "journal_apply"

BOOTH_SHARES = Table(
    "booth_shares", Base.metadata,
    Column("booth", Text, primary_key=True),
    Column("owner_bp", Integer, nullable=False),  # the booth owner's part; the site's rest
    CheckConstraint("owner_bp BETWEEN 0 AND 10000", name="owner_bp_range"),
)

# PostgreSQL only, so not in the metadata both engines share
DAY_TOTALS = Table(
    "day_totals", MetaData(),
    Column("day", Date, primary_key=True),
    Column("hour", SmallInteger, primary_key=True),
    Column("till_id", Integer, primary_key=True),
    Column("booth", Text, primary_key=True),
    Column("cashier_id", Integer, primary_key=True),
    Column("card_type_id", Integer, primary_key=True),
    Column("meal", SmallInteger, primary_key=True),
    Column("kind", Text, primary_key=True),
    *(Column(name, BigInteger, nullable=False) for name in MEASURE_NAMES),
)

_KEY = ", ".join(KEY_NAMES)
_AT_SITE = "{at} AT TIME ZONE si.time_zone"
_MINUTE = "(date_part('hour', m.at) * 60 + date_part('minute', m.at))::int"

# Entries are summed per local minute first, so the meal window is looked up once per
# minute and card type rather than once per entry; then per fact.
REBUILD = f"""
INSERT INTO day_totals ({_KEY}, {", ".join(MEASURE_NAMES)})
SELECT (m.at - make_interval(mins => si.day_cutoff_min))::date,
       date_part('hour', m.at)::smallint, m.till_id, ti.site, m.cashier_id,
       m.card_type_id, coalesce(w.position, 0), m.kind,
       {", ".join(f"sum(m.{x})::bigint" for x in MEASURE_NAMES)}
  FROM (SELECT date_trunc('minute', {_AT_SITE.format(at="j.created_at")}) AS at,
               j.till_id, coalesce(j.cashier_id, 0) AS cashier_id, cd.card_type_id, j.kind,
               count(*) AS n, {", ".join(f"sum(j.{x}) AS {x}" for x in MEASURE_NAMES[1:])}
          FROM journal j
          JOIN cards cd ON cd.id = j.card_id
         CROSS JOIN site si
         WHERE si.id = 1
         GROUP BY 1, 2, 3, 4, 5) m
 CROSS JOIN site si
  JOIN tills ti ON ti.id = m.till_id
  LEFT JOIN LATERAL (
      SELECT mw.position FROM meal_windows mw
       WHERE mw.card_type_id = m.card_type_id
         AND mw.start_min <= {_MINUTE} AND {_MINUTE} < mw.end_min
       ORDER BY mw.position LIMIT 1) w ON true
 WHERE si.id = 1
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


def rebuild_day_totals(conn: Connection) -> int:
    """Recompute ``day_totals`` from the whole journal (PostgreSQL); the rows written.

    Takes the journal in SHARE mode first: an entry applied meanwhile would otherwise be
    counted by its trigger and lost to the TRUNCATE, or counted twice.
    """
    conn.execute(text("LOCK TABLE journal IN SHARE MODE"))
    conn.execute(text("TRUNCATE day_totals"))
    return conn.execute(text(REBUILD)).rowcount


def summary_facts(conn: Connection, first: date, last: date,
                  keep: Sequence[str] | None = None) -> list[Fact]:
    """The facts of business days ``first``..``last`` read from ``day_totals``, in key order.

    With ``keep`` (key fields a report groups by, e.g. ``("hour",)``), the server adds up
    over the others and sends only those groups per kind: a year's summary is some dozen
    rows, not the year's few hundred thousand facts. The fields not kept hold ``blank``'s
    values (``first`` for the day), which no report that did not keep them reads.
    """
    t = DAY_TOTALS.c
    names = KEY_NAMES if keep is None else tuple(k for k in KEY_NAMES
                                                 if k in keep or k == "kind")
    unknown = set(keep or ()) - set(KEY_NAMES)
    if unknown:
        raise ValueError(f"not a fact key: {sorted(unknown)}")
    sums = [t[m] for m in MEASURE_NAMES] if keep is None else [
        func.sum(t[m]).label(m) for m in MEASURE_NAMES]
    query = select(*(t[k] for k in names), *sums).where(t.day >= first, t.day <= last)
    if keep is not None:
        query = query.group_by(*(t[k] for k in names))
    base = blank(first)
    facts = []
    for r in conn.execute(query):
        values = dict(zip(names, r[:len(names)], strict=True))
        key = FactKey(**{k: values.get(k, getattr(base, k)) for k in KEY_NAMES})
        facts.append(Fact(key, Measures(*(int(v) for v in r[len(names):]))))
    facts.sort(key=lambda f: f.key)  # Python's order: the server's collation may differ
    return facts


def blank(day: date) -> FactKey:
    """The key fields a grouped read leaves out: a day, no till, no booth, nobody."""
    return FactKey(day, 0, 0, "", NO_CASHIER, 0, NO_MEAL, "")


def facts(conn: Connection, first: date, last: date,
          keep: Sequence[str] | None = None) -> list[Fact]:
    """The facts of a range: the centre's table on PostgreSQL, the journal on SQLite."""
    if conn.dialect.name == "postgresql":
        return summary_facts(conn, first, last, keep)
    return journal_facts(conn, first, last)
