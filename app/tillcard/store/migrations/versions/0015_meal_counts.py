"""meal counts: a window's count limit (meals per card and business day) is enforced

- ``purses.meal_day``, ``meal_minute``, ``meal_count``: the card's last counted meal window
  (``domain.meals.MealCounter``): its business day, the wall-clock minute of its first
  sale there (which names the window), and its sales in it. Beside the day counters, so
  the count is read and written under the purse's lock, replicated to tills with the
  purse, and costs a card type without count limits nothing.
- ``tillcard_sale`` refuses ``over_meal_count`` right after ``outside_meal_window`` (as
  ``domain.quote.sale_refusal``) and counts the sale; ``tillcard_void`` gives the meal
  back when the counter is still on the sale's day and window; ``tillcard_backfill``
  counts an offline sale even over the limit (the meal is eaten; the next online sale in
  that window is refused). Every answer of these and of ``tillcard_recharge`` carries
  the counter, as the SQLite ledger's outcomes do.

Built from the functions as 0012 left them (0013 and 0014 did not change these four);
each change is asserted against the text it changes.

Revision ID: 0015
Revises: 0014
"""


import sqlalchemy as sa
from alembic import op

from tillcard.store.migrations.earlier import migration as _migration

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_MINUTE = ("date_part('hour', {at} AT TIME ZONE {zone})::int * 60\n"
           "                    + date_part('minute', {at} AT TIME ZONE {zone})::int")
_LOCK_COLS = "    SELECT p.card_id, p.cash, p.allowance, p.day, p.day_amount, p.day_count,"




def _swap(sql: str, old: str, new: str, count: int = 1) -> str:
    assert sql.count(old) == count, old
    return sql.replace(old, new, count)


def _later(minute: str, other: str, cutoff: str) -> str:
    """``domain.meals._after``: ``minute`` comes later in the business day than ``other``."""
    return (f"({minute} - {cutoff} + 1440) % 1440 > ({other} - {cutoff} + 1440) % 1440")


def sale(base: str) -> str:
    sql = _swap(base, _LOCK_COLS,
                _LOCK_COLS + " p.meal_day, p.meal_minute, p.meal_count,")
    sql = _swap(sql, "    v_minute integer;\n",
                "    v_minute integer;\n    m_name text;\n    m_start integer;\n"
                "    m_end integer;\n    m_limit integer;\n    m_minute integer;\n"
                "    m_count integer := 0;\n    m_write boolean := false;\n"
                "    r_window text;\n")
    sql = _swap(sql, "    IF c.refuse_outside_windows THEN  -- the wall-clock minute",
                "    IF c.refuse_outside_windows OR c.windows IS NOT NULL THEN  -- the minute")
    sql = _swap(sql, "        s_count := c.day_count;\n    END IF;\n",
                "        s_count := c.day_count;\n    END IF;\n"
                "    -- MealCounter: the last counted window of the decision's day; the\n"
                "    -- window of this minute, where it has a count limit\n"
                "    IF c.meal_day = v_day THEN\n"
                "        m_minute := c.meal_minute;\n"
                "        m_count := c.meal_count;\n"
                "    END IF;\n"
                "    IF c.windows IS NOT NULL THEN\n"
                "        SELECT w->>0, (w->>1)::int, (w->>2)::int, (w->>3)::int\n"
                "          INTO m_name, m_start, m_end, m_limit\n"
                "          FROM json_array_elements(c.windows) w\n"
                "         WHERE (w->>1)::int <= v_minute AND v_minute < (w->>2)::int\n"
                "           AND (w->>3)::int > 0;\n"
                "    END IF;\n")
    sql = _swap(sql, "            'today', v_day, 'version', c.version);",
                "            'today', v_day, 'version', c.version, 'meal_minute', m_minute,\n"
                "            'meal_count', m_count);")
    sql = _swap(sql, "        r_code := 'outside_meal_window';\n",
                "        r_code := 'outside_meal_window';\n"
                "    ELSIF m_limit IS NOT NULL AND (CASE WHEN m_minute >= m_start\n"
                "                                        AND m_minute < m_end THEN m_count\n"
                "                                   ELSE 0 END) + 1 > m_limit THEN\n"
                "        r_code := 'over_meal_count';\n"
                "        r_numbers := json_build_object('limit_count', m_limit);\n"
                "        r_window := m_name;\n")
    later = _later("v_minute", "c.meal_minute", "c.day_cutoff_min")
    sql = _swap(sql, "        s_count := s_count + 1;\n",
                "        s_count := s_count + 1;\n"
                "        IF m_limit IS NOT NULL THEN  -- MealCounter.add\n"
                "            IF m_minute >= m_start AND m_minute < m_end THEN\n"
                "                m_count := m_count + 1;\n"
                "                m_write := true;\n"
                "            ELSIF c.meal_day IS NULL OR c.meal_minute IS NULL\n"
                "                  OR c.meal_day < v_day\n"
                f"                  OR (c.meal_day = v_day AND {later}) THEN\n"
                "                m_minute := v_minute;\n"
                "                m_count := 1;\n"
                "                m_write := true;\n"
                "            END IF;\n"
                "            IF m_write THEN\n"
                "                UPDATE purses SET meal_day = v_day, meal_minute = m_minute,\n"
                "                                  meal_count = m_count\n"
                "                 WHERE card_id = p_card;\n"
                "            END IF;\n"
                "        END IF;\n")
    return _swap(sql, "        'today', CASE WHEN v_day <> v_today THEN v_day END);",
                 "        'today', CASE WHEN v_day <> v_today THEN v_day END,\n"
                 "        'meal_minute', m_minute, 'meal_count', m_count, 'window', r_window);")


def void(base: str) -> str:
    sql = _swap(base, _LOCK_COLS,
                _LOCK_COLS + " p.meal_day, p.meal_minute, p.meal_count,")
    sql = _swap(sql, "    v_sale_day date;\n", "    v_sale_day date;\n    v_sale_min integer;\n")
    minute = _MINUTE.format(at="sale.created_at", zone="s.time_zone")
    sql = _swap(sql, "    v_part := -(sale.cash_delta + sale.bonus_delta + sale.allowance_delta);\n",
                "    v_part := -(sale.cash_delta + sale.bonus_delta + sale.allowance_delta);\n"
                "    -- MealCounter.remove: the meal goes back to its window, on its day only\n"
                "    IF c.windows IS NOT NULL AND c.meal_day = v_sale_day THEN\n"
                f"        v_sale_min := {minute};\n"
                "        IF EXISTS (SELECT 1 FROM json_array_elements(c.windows) w\n"
                "                    WHERE (w->>1)::int <= v_sale_min\n"
                "                      AND v_sale_min < (w->>2)::int AND (w->>3)::int > 0\n"
                "                      AND (w->>1)::int <= c.meal_minute\n"
                "                      AND c.meal_minute < (w->>2)::int) THEN\n"
                "            UPDATE purses SET meal_count = greatest(0, meal_count - 1)\n"
                "             WHERE card_id = sale.card_id;\n"
                "        END IF;\n"
                "    END IF;\n")
    return _with_meal_answer(sql, "sale.card_id", 2)


def _with_meal_answer(sql: str, card: str, count: int) -> str:
    """The purse's meal counter in each answer, beside its day counter."""
    day_count = f"        'day_count', (SELECT p.day_count FROM purses p WHERE p.card_id = {card}),\n"
    meal = "".join(f"        'meal_{col}', (SELECT p.meal_{col} FROM purses p "
                   f"WHERE p.card_id = {card}),\n" for col in ("day", "minute", "count"))
    return _swap(sql, day_count, day_count + meal, count)


def recharge(base: str) -> str:
    """Its answers carry the meal counter too (a card's spend reads alike everywhere)."""
    return _with_meal_answer(base, "p_card", 3)


def backfill(base: str) -> str:
    sql = _swap(base, "    v_claim_allow bigint;\n",
                "    v_claim_allow bigint;\n    v_min integer;\n    m_start integer;\n"
                "    m_end integer;\n")
    sql = _swap(sql, "        SELECT p.day, p.day_amount, p.day_count, cd.status INTO c\n",
                "        SELECT p.day, p.day_amount, p.day_count, cd.status, p.meal_day,\n"
                "               p.meal_minute, p.meal_count,\n"
                "               (SELECT json_agg(json_build_array(w.start_min, w.end_min,\n"
                "                                                 w.count_limit))\n"
                "                  FROM meal_windows w WHERE w.card_type_id = cd.card_type_id\n"
                "                   AND w.count_limit > 0) AS windows INTO c\n")
    minute = _MINUTE.format(at="v_when", zone="s.time_zone")
    later = _later("v_min", "c.meal_minute", "s.day_cutoff_min")
    return _swap(sql, "        v_last_at := greatest(v_last_at, v_when);\n"
                 "        SELECT cash INTO v_cash",
                 "        IF c.windows IS NOT NULL THEN  -- MealCounter.add, even over the limit\n"
                 f"            v_min := {minute};\n"
                 "            SELECT (w->>0)::int, (w->>1)::int INTO m_start, m_end\n"
                 "              FROM json_array_elements(c.windows) w\n"
                 "             WHERE (w->>0)::int <= v_min AND v_min < (w->>1)::int;\n"
                 "            IF NOT FOUND THEN\n"
                 "                NULL;  -- outside every counted window\n"
                 "            ELSIF c.meal_day = v_day AND c.meal_minute >= m_start\n"
                 "                  AND c.meal_minute < m_end THEN\n"
                 "                UPDATE purses SET meal_count = meal_count + 1\n"
                 "                 WHERE card_id = v_card;\n"
                 "            ELSIF c.meal_day IS NULL OR c.meal_minute IS NULL\n"
                 "                  OR c.meal_day < v_day\n"
                 f"                  OR (c.meal_day = v_day AND {later}) THEN\n"
                 "                UPDATE purses SET meal_day = v_day, meal_minute = v_min,\n"
                 "                                  meal_count = 1\n"
                 "                 WHERE card_id = v_card;\n"
                 "            END IF;\n"
                 "        END IF;\n"
                 "        v_last_at := greatest(v_last_at, v_when);\n"
                 "        SELECT cash INTO v_cash")


def _backfill_purses(sql: str) -> str:
    old = ("            SELECT card_id, cash, bonus, allowance, day, day_amount, day_count,"
           " version")
    return _swap(sql, old, old + ", meal_day, meal_minute,\n                   meal_count")


def functions() -> list[str]:
    """The four functions as this migration makes them."""
    from tillcard.store.migrations import sql_0007 as v7

    m10, m11, m12 = _migration("0010"), _migration("0011"), _migration("0012")
    return [sale(m12.sale(m11.sale())),
            void(m12.void(m11.with_windows(v7.VOID))),
            recharge(m12.recharge(m11.with_windows(v7.RECHARGE))),
            _backfill_purses(backfill(m12.backfill(m10._backfill())))]


def upgrade() -> None:
    # plain ADD COLUMN on both engines: SQLite keeps the purses table and its triggers
    op.add_column("purses", sa.Column("meal_day", sa.Date(), nullable=True))
    op.add_column("purses", sa.Column("meal_minute", sa.Integer(), nullable=True))
    op.add_column("purses", sa.Column("meal_count", sa.Integer(), nullable=False,
                                      server_default="0"))
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in functions():
        op.execute(sql)


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
