"""day totals: the reports' facts kept by the centre as entries are applied

A busy site writes ~10 million journal entries a year; a year's report must not add them
up. ``day_totals`` holds the facts of ``domain.report_facts`` — one row per business day ×
wall-clock hour × till × booth × cashier × card type × meal window × kind, with the sums of
the journal's amount columns — some hundred thousand rows a year.

- ``day_totals`` (PostgreSQL): kept by an AFTER INSERT trigger on ``journal`` in the
  entry's own transaction, one ``INSERT … ON CONFLICT DO UPDATE`` per entry. Keyed per
  till, like the chain heads, so two tills never queue on one row. The business day, hour
  and minute are the entry's ``created_at`` in the site's zone and cut-off (``site``),
  the booth is the till's ``site``, the card type the card's, the meal window the first
  of the type's windows holding the minute (``domain.report_facts.key_of``). Nobody but
  the owner writes it (``tillcard db roles`` grants SELECT only); filled from the
  existing journal here.
- ``booth_shares`` (both engines): the booth owner's part of a booth's revenue, in basis
  points (the site keeps the rest).
- ``ix_journal_voids_corrections`` (both engines): the range's voids and corrections for
  the exceptions report, without reading every sale of the range.

Frozen with the migration: ``store.day_totals`` holds today's rebuild. Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"
KEY = "day, hour, till_id, booth, cashier_id, card_type_id, meal, kind"
MEASURES = ("n", "list_amount", "discount", "cash_delta", "bonus_delta", "allowance_delta",
            "grant_amount", "tendered_cash")

CREATE = f"""
CREATE TABLE day_totals (
    day date NOT NULL,
    hour smallint NOT NULL,
    till_id integer NOT NULL,
    booth text NOT NULL,
    cashier_id integer NOT NULL,
    card_type_id integer NOT NULL,
    meal smallint NOT NULL,
    kind text NOT NULL,
    {", ".join(f"{m} bigint NOT NULL" for m in MEASURES)},
    CONSTRAINT pk_day_totals PRIMARY KEY ({KEY})
) WITH (fillfactor = 70)
"""  # room on each page: a sale's update stays HOT (no measure is indexed)

# The wall clock of an instant at the site: local timestamp and minute of the day.
_MEAL = """
      LEFT JOIN LATERAL (
          SELECT mw.position FROM meal_windows mw
           WHERE mw.card_type_id = {card_type} AND mw.start_min <= {minute}
             AND {minute} < mw.end_min
           ORDER BY mw.position LIMIT 1) w ON true"""
_MINUTE = "(date_part('hour', {at}) * 60 + date_part('minute', {at}))::int"
_DAY = "({at} - make_interval(mins => si.day_cutoff_min))::date"
_HOUR = "date_part('hour', {at})::smallint"

# Measured with ``tests/benchmarks/bench_totals_upkeep.py --instructions``: planned for
# tables of a few rows, the statement scanned ``tills`` (rewritten by every sale: a page
# of dead versions) and ``site`` sequentially; index scans take a third less. No CHECK on
# ``day_totals``: its expression is read from the catalog at every statement's start.
ADD_FN = f"""
CREATE OR REPLACE FUNCTION tillcard_day_totals_add() RETURNS trigger
LANGUAGE plpgsql {PATH} SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO day_totals AS d ({KEY}, {", ".join(MEASURES)})
    SELECT {_DAY.format(at="l.at")}, {_HOUR.format(at="l.at")}, NEW.till_id, ti.site,
           coalesce(NEW.cashier_id, 0), cd.card_type_id, coalesce(w.position, 0),
           NEW.kind, 1, NEW.list_amount, NEW.discount, NEW.cash_delta, NEW.bonus_delta,
           NEW.allowance_delta, NEW.grant_amount, NEW.tendered_cash
      FROM site si
     CROSS JOIN LATERAL (SELECT NEW.created_at AT TIME ZONE si.time_zone AS at) l
      JOIN tills ti ON ti.id = NEW.till_id
      JOIN cards cd ON cd.id = NEW.card_id{_MEAL.format(card_type="cd.card_type_id",
                                                       minute=_MINUTE.format(at="l.at"))}
     WHERE si.id = 1
    ON CONFLICT ({KEY}) DO UPDATE SET
       {", ".join(f"{m} = d.{m} + EXCLUDED.{m}" for m in MEASURES)};
    RETURN NULL;
END $$
"""

TRIGGER = """CREATE TRIGGER journal_day_totals AFTER INSERT ON journal
    FOR EACH ROW EXECUTE FUNCTION tillcard_day_totals_add()"""

# The same rules over the whole journal: entries summed per local minute first (the meal
# window is looked up once per minute, not per entry), then per fact.
REBUILD = f"""
INSERT INTO day_totals ({KEY}, {", ".join(MEASURES)})
SELECT {_DAY.format(at="m.at")}, {_HOUR.format(at="m.at")}, m.till_id, ti.site,
       m.cashier_id, m.card_type_id, coalesce(w.position, 0), m.kind,
       {", ".join(f"sum(m.{x})::bigint" for x in MEASURES)}
  FROM (SELECT date_trunc('minute', j.created_at AT TIME ZONE si.time_zone) AS at,
               j.till_id, coalesce(j.cashier_id, 0) AS cashier_id, cd.card_type_id, j.kind,
               count(*) AS n,
               {", ".join(f"sum(j.{x}) AS {x}" for x in MEASURES[1:])}
          FROM journal j
          JOIN cards cd ON cd.id = j.card_id
         CROSS JOIN site si
         WHERE si.id = 1
         GROUP BY 1, 2, 3, 4, 5) m
 CROSS JOIN site si
  JOIN tills ti ON ti.id = m.till_id{_MEAL.format(card_type="m.card_type_id",
                                                  minute=_MINUTE.format(at="m.at"))}
 WHERE si.id = 1
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


def upgrade() -> None:
    op.create_table(
        "booth_shares",
        sa.Column("booth", sa.Text(), nullable=False),
        sa.Column("owner_bp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("booth", name="pk_booth_shares"),
        sa.CheckConstraint("owner_bp BETWEEN 0 AND 10000",
                           name="ck_booth_shares_owner_bp_range"),
    )
    # the exceptions report lists a range's voids and corrections: rare among the
    # sales, so a partial index finds them without reading the range's every entry
    # (a sale's insert only tests the predicate)
    rare = sa.text("kind IN ('void', 'correction')")
    op.create_index("ix_journal_voids_corrections", "journal", ["created_at"],
                    postgresql_where=rare, sqlite_where=rare)
    if op.get_bind().dialect.name != "postgresql":
        return  # a standalone site adds its facts up from the journal
    op.execute(CREATE)
    op.execute("REVOKE ALL ON day_totals FROM PUBLIC")
    op.execute(ADD_FN)
    op.execute("REVOKE ALL ON FUNCTION tillcard_day_totals_add() FROM PUBLIC")
    op.execute("LOCK TABLE journal IN SHARE MODE")  # no entry between the fill and trigger
    op.execute(TRIGGER)
    op.execute(REBUILD)


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
