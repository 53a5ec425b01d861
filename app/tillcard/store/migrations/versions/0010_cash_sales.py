"""cash sales: sales without a card, in the same journal, counted in shifts and booths

An amusement park's till also sells for cash, coins or tokens. Such a sale is a journal
entry (kind ``cash_sale``) on the site's walk-in card (number ``CASH``): it moves no purse
(nothing is owed to anyone), its ``tendered_cash`` is what went into the drawer, and the
till's chain, the shift and the reports count it like any other entry.

- the walk-in card, its holder and card type, on both engines;
- the journal trigger leaves the walk-in card's purse alone (a cash sale moves no money):
  every till's cash sales would otherwise queue on that one row;
- PostgreSQL: ``tillcard_backfill`` takes cash sales beside card sales. A till records a
  cash sale in its outbox at once (the cash is in the drawer; no card to decide on) and
  sends it like an offline sale, within a second when the centre answers.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from tillcard.store.migrations import sql_0007 as v7
from tillcard.store.migrations.sql_0007 import _insert

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CASH_CARD = "CASH"

SEED = [
    """INSERT INTO card_types (code, name, discount_bp, bonus_bp, bonus_tiers,
                                bonus_expiry_days, updated_at, refuse_outside_windows)
        SELECT 'walk_in', 'Cash customer', 0, 0, '[]', 0, CURRENT_TIMESTAMP, false
         WHERE NOT EXISTS (SELECT 1 FROM card_types WHERE code = 'walk_in')""",
    """INSERT INTO holders (name, staff_no, updated_at)
        SELECT 'Cash customer', '', CURRENT_TIMESTAMP
         WHERE NOT EXISTS (SELECT 1 FROM cards WHERE number = 'CASH')""",
    f"""INSERT INTO cards (number, uid, holder_id, card_type_id, status, pin_failures,
                           updated_at)
        SELECT '{CASH_CARD}', NULL, (SELECT max(id) FROM holders WHERE name = 'Cash customer'),
               (SELECT id FROM card_types WHERE code = 'walk_in'), 'active', 0,
               CURRENT_TIMESTAMP
         WHERE NOT EXISTS (SELECT 1 FROM cards WHERE number = '{CASH_CARD}')""",
]

def _backfill() -> str:
    """0007's back-fill, taking cash sales too (on the walk-in card, no purse locked)."""
    sql = v7.BACKFILL
    sql = sql.replace(
        "    SELECT array_agg(DISTINCT (x->>'card')::bigint) INTO v_cards\n"
        "      FROM json_array_elements(p_batch) x;",
        "    SELECT array_agg(DISTINCT (x->>'card')::bigint) INTO v_cards\n"
        "      FROM json_array_elements(p_batch) x\n"
        "     WHERE coalesce(x->>'kind', 'sale') = 'sale';\n"
        f"    SELECT id INTO v_cash_card FROM cards WHERE number = '{CASH_CARD}';")
    sql = sql.replace("    results json[] := '{}';", "    results json[] := '{}';\n"
                      "    v_cash_card bigint;\n    v_kind text;")
    sql = sql.replace(
        "        v_claim_bonus := coalesce((e->>'bonus')::bigint, 0);",
        "        v_claim_bonus := coalesce((e->>'bonus')::bigint, 0);\n"
        "        v_kind := coalesce(e->>'kind', 'sale');\n"
        "        IF v_kind NOT IN ('sale', 'cash_sale') THEN\n"
        "            RAISE EXCEPTION 'only sales are made offline, not %', v_kind\n"
        "                USING ERRCODE = 'TC422';\n"
        "        END IF;\n"
        "        IF v_kind = 'cash_sale' THEN\n"
        "            v_card := v_cash_card;\n"
        "        END IF;")
    sql = sql.replace(
        "'status', CASE WHEN old.card_id = v_card AND old.kind = 'sale'",
        "'status', CASE WHEN old.card_id = v_card AND old.kind = v_kind")
    cash = _insert(id="v_id", kind="'cash_sale'", card="v_card", cash="0", bonus="0",
                   parts="'[]'", list="v_list", tendered="v_list", cashier="v_cashier",
                   at="v_when", into="e_seq, e_prev, e_hash", conflict="")
    sql = sql.replace(
        "        v_day := ((v_when AT TIME ZONE s.time_zone)",
        "        IF v_kind = 'cash_sale' THEN  -- no card: nothing allocated, nothing locked\n"
        "            IF v_list <= 0 OR v_disc <> 0 OR v_tend <> v_list THEN\n"
        "                RAISE EXCEPTION 'cash sale %: amounts out of range', v_id\n"
        "                    USING ERRCODE = 'TC422';\n"
        "            END IF;\n"
        f"            {cash}\n"
        "            v_last_at := greatest(v_last_at, v_when);\n"
        "            results := results || json_build_object(\n"
        "                'id', v_id, 'status', 'applied', 'seq', e_seq, 'prev_hash', e_prev,\n"
        "                'hash', e_hash, 'at', v_when, 'cash', 0, 'parts', '[]',\n"
        "                'card', v_card, 'exceptions', '{}'::text[]);\n"
        "            CONTINUE;\n"
        "        END IF;\n"
        "        v_day := ((v_when AT TIME ZONE s.time_zone)", 1)
    for needle in ("v_cash_card", "IF v_kind = 'cash_sale' THEN  -- no card",
                   "old.kind = v_kind", "WHERE coalesce(x->>'kind', 'sale') = 'sale'"):
        assert needle in sql, needle
    return sql




def upgrade() -> None:
    for sql in SEED:
        op.execute(sql)
    if op.get_bind().dialect.name != "postgresql":
        _upgrade_sqlite()
        return
    op.execute(_trigger_pg())
    op.execute(_backfill())


def _trigger_pg() -> str:
    """0007's projection trigger, leaving the purse alone for a cash sale."""
    from alembic import context

    rev = context.script.get_revision("0007")
    assert rev is not None
    apply_sql = str(rev.module.APPLY)
    old = ("    ELSE\n        UPDATE purses SET cash = cash + NEW.cash_delta, "
           "bonus = bonus + NEW.bonus_delta,\n")
    assert old in apply_sql
    return apply_sql.replace(
        old, "    ELSIF NEW.kind <> 'cash_sale' THEN\n"
             "        UPDATE purses SET cash = cash + NEW.cash_delta, "
             "bonus = bonus + NEW.bonus_delta,\n")


def _upgrade_sqlite() -> None:
    from alembic import context

    rev = context.script.get_revision("0007")
    assert rev is not None
    [apply_sql] = [s for s in rev.module.SQLITE_UP if "TRIGGER journal_apply" in s]
    old = "          WHERE card_id = NEW.card_id;\n         UPDATE bonus_grants"
    assert old in apply_sql
    apply_sql = apply_sql.replace(
        old, "          WHERE card_id = NEW.card_id AND NEW.kind <> 'cash_sale';\n"
             "         UPDATE bonus_grants")
    op.execute("DROP TRIGGER journal_apply")
    op.execute(apply_sql)


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
