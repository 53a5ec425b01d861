"""meal windows in the sale: a card type that buys only at meal times is refused outside them

The centre decides it as the domain does (``domain.rules.window_refusal``): on the sale's
wall-clock minute in the site's time zone, right after the card's own state and before
the balance. The card in every answer (sale, void, recharge, quote) carries the type's
windows.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

from tillcard.store.migrations import sql_0007 as v7

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WINDOWS = ("(SELECT json_agg(json_build_array(w.name, w.start_min, w.end_min, w.count_limit,"
           " w.fixed_price) ORDER BY w.position) FROM meal_windows w"
           " WHERE w.card_type_id = t.id) AS windows")


def sale() -> str:
    sql = v7.SALE
    old_cols = ("           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days,\n"
                "           si.time_zone")
    assert old_cols in sql
    sql = sql.replace(old_cols, (
        "           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days,\n"
        f"           t.refuse_outside_windows, {WINDOWS},\n"
        "           si.time_zone"))
    old_rule = ("    ELSIF c.pin_failures >= 3 THEN\n        r_code := 'pin_locked';\n")
    assert old_rule in sql
    sql = sql.replace(old_rule, old_rule + (
        "    ELSIF c.refuse_outside_windows AND NOT EXISTS (\n"
        "            SELECT 1 FROM json_array_elements(coalesce(c.windows, '[]')) w\n"
        "             WHERE (w->>1)::int <= v_minute AND v_minute < (w->>2)::int) THEN\n"
        "        r_code := 'outside_meal_window';\n"))
    old_var = "    v_day date;\n"
    sql = sql.replace(old_var, old_var + "    v_minute integer;\n", 1)
    old_today = ("    v_today := ((v_at AT TIME ZONE c.time_zone)\n"
                 "                - make_interval(mins => c.day_cutoff_min))::date;\n")
    assert old_today in sql
    return sql.replace(old_today, old_today + (
        "    IF c.refuse_outside_windows THEN  -- the wall-clock minute, in the site's zone\n"
        "        v_minute := date_part('hour', v_at AT TIME ZONE c.time_zone)::int * 60\n"
        "                    + date_part('minute', v_at AT TIME ZONE c.time_zone)::int;\n"
        "    END IF;\n"))


def with_windows(sql: str) -> str:
    """A void's or a recharge's card, as the sale's now reads it (the answers build the same
    card type)."""
    old = ("           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days\n"
           "      INTO c")
    assert old in sql
    return sql.replace(old, (
        "           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days,\n"
        f"           t.refuse_outside_windows, {WINDOWS}\n      INTO c"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sale())
        op.execute(with_windows(v7.VOID))
        op.execute(with_windows(v7.RECHARGE))


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
