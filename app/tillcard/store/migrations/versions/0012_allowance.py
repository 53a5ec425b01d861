"""the allowance purse: an employer's meal subsidy, spent in the card type's order

- ``purses.allowance``; ``journal.allowance_delta`` (hashed as ``"allow"`` only when it is
  not zero, so every earlier entry hashes as before); the till's ``outbox`` likewise.
- ``card_types.spend_order`` (default ``bonus,allowance,cash``) and
  ``card_types.allowance_reset`` (``never`` or ``period``).
- The projection trigger moves the allowance purse; the sale, the void and the back-fill
  allocate over it as ``Wallet.allocate`` does: the purses in the card type's order, the
  excess on cash. ``tillcard_entry_canonical`` gains an overload with the allowance.

Built from the functions as 0010 and 0011 left them; each change is asserted against the
text it changes.

Revision ID: 0012
Revises: 0011
"""


import sqlalchemy as sa
from alembic import op

from tillcard.store.migrations.earlier import migration as _migration

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"




def _swap(sql: str, old: str, new: str, count: int = 1) -> str:
    assert sql.count(old) >= count, old
    return sql.replace(old, new, count)


CANONICAL = """
CREATE OR REPLACE FUNCTION tillcard_entry_canonical(
    p_id uuid, p_till bigint, p_seq bigint, p_kind text, p_card bigint, p_cash bigint,
    p_bonus_json text, p_grant_id text, p_grant_amount bigint, p_grant_expires date,
    p_list bigint, p_discount bigint, p_tendered bigint, p_refers uuid, p_cashier bigint,
    p_at timestamptz, p_allow bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN p_allow = 0 THEN c ELSE '{"allow":' || p_allow || ',' || substr(c, 2) END
  FROM (SELECT tillcard_entry_canonical(p_id, p_till, p_seq, p_kind, p_card, p_cash,
                 p_bonus_json, p_grant_id, p_grant_amount, p_grant_expires, p_list,
                 p_discount, p_tendered, p_refers, p_cashier, p_at) AS c) x
$$
"""

_COLUMNS = ("                             cashier_id, created_at, recorded_at, prev_hash, "
            "hash)")


def _with_allowance(insert_sql: str, value: str) -> str:
    """An INSERT of 0007's shape, writing and hashing ``value`` as the allowance."""
    sql = _swap(insert_sql, _COLUMNS, _COLUMNS[:-1] + ", allowance_delta)")
    # the value after ``hash`` in the SELECT list, and the canonical form's last argument
    head, _, tail = sql.partition("tillcard_chain_hash(")
    args_end = tail.index("))\n          FROM tills tl")
    tail = tail[:args_end] + f", {value}))" + f", {value}" + tail[args_end + 2:]
    return head + "tillcard_chain_hash(" + tail


def sale(base: str) -> str:
    sql = base
    sql = _swap(sql, "    SELECT p.card_id, p.cash,", "    SELECT p.card_id, p.cash, p.allowance,")
    sql = _swap(sql, "t.refuse_outside_windows,", "t.refuse_outside_windows, t.spend_order, "
                "t.allowance_reset,")
    sql = _swap(sql, "    v_minute integer;\n",
                "    v_minute integer;\n    v_purse text;\n    a_allow bigint := 0;\n"
                "    a_cash bigint := 0;\n")
    sql = _swap(sql, "    q_balance := c.cash + v_live;\n",
                "    q_balance := c.cash + v_live + c.allowance;\n")
    old_alloc = """    v_rest := v_part;
    FOR i IN 1 .. k LOOP
        EXIT WHEN v_rest = 0;
        IF w_rem[i] > 0 AND w_exp[i] >= v_today THEN
            v_take := least(w_rem[i], v_rest);
            a_ids := a_ids || w_ids[i];
            a_amounts := a_amounts || v_take;
            v_rest := v_rest - v_take;
        END IF;
    END LOOP;
"""
    new_alloc = """    -- Wallet.allocate: the purses in the card type's order, the excess on cash
    v_rest := v_part;
    FOREACH v_purse IN ARRAY string_to_array(c.spend_order, ',') LOOP
        EXIT WHEN v_rest = 0;
        IF v_purse = 'bonus' THEN
            FOR i IN 1 .. k LOOP
                EXIT WHEN v_rest = 0;
                IF w_rem[i] > 0 AND w_exp[i] >= v_today THEN
                    v_take := least(w_rem[i], v_rest);
                    a_ids := a_ids || w_ids[i];
                    a_amounts := a_amounts || v_take;
                    v_rest := v_rest - v_take;
                END IF;
            END LOOP;
        ELSIF v_purse = 'allowance' THEN
            a_allow := least(greatest(c.allowance, 0), v_rest);
            v_rest := v_rest - a_allow;
        ELSE
            a_cash := least(greatest(c.cash, 0), v_rest);
            v_rest := v_rest - a_cash;
        END IF;
    END LOOP;
    a_cash := a_cash + v_rest;
"""
    sql = _swap(sql, old_alloc, new_alloc)
    # the sale's INSERT: cash and bonus from the allocation, the allowance beside them
    start = sql.index("        INSERT INTO journal", sql.index("IF r_code IS NULL THEN"))
    end = sql.index("RETURNING seq, prev_hash, hash INTO e_seq, e_prev, e_hash;", start)
    insert = sql[start:end]
    new_insert = _with_allowance(insert, "-a_allow")
    new_insert = _swap(new_insert, "'sale', p_card, -v_rest, v_rest - v_part, v_parts,",
                       "'sale', p_card, -a_cash, a_cash + a_allow - v_part, v_parts,")
    new_insert = _swap(new_insert, "'sale', p_card, -v_rest, v_parts,",
                       "'sale', p_card, -a_cash, v_parts,")
    sql = sql[:start] + new_insert + sql[end:]
    return _swap(sql, "'alloc_cash', v_rest,", "'alloc_cash', a_cash, 'alloc_allowance', a_allow,")


def _with_order(sql: str) -> str:
    """A card as the sale reads it: the type's spending order and allowance rule too."""
    return _swap(sql, "t.refuse_outside_windows,", "t.refuse_outside_windows, t.spend_order, "
                 "t.allowance_reset,")


def void(base: str) -> str:
    sql = _with_order(base)
    sql = _swap(sql, "    SELECT p.card_id, p.cash,", "    SELECT p.card_id, p.cash, p.allowance,")
    start = sql.index("        INSERT INTO journal")
    end = sql.index("RETURNING seq, prev_hash, hash INTO e_seq, e_prev, e_hash;", start)
    sql = sql[:start] + _with_allowance(sql[start:end], "-sale.allowance_delta") + sql[end:]
    sql = _swap(sql, "    v_part := -(sale.cash_delta + sale.bonus_delta);",
                "    v_part := -(sale.cash_delta + sale.bonus_delta + sale.allowance_delta);")
    return _swap(sql, "'tendered', sale.tendered_cash);",
                "'tendered', sale.tendered_cash, 'allowance_delta', -sale.allowance_delta,\n"
                "        'allowance', (SELECT p.allowance FROM purses p "
                "WHERE p.card_id = sale.card_id));")


def recharge(base: str) -> str:
    sql = _with_order(base)
    sql = _swap(sql, "    SELECT p.card_id, p.cash,", "    SELECT p.card_id, p.cash, p.allowance,")
    return _swap(sql, "        SELECT p.cash + coalesce(", "        SELECT p.cash + p.allowance "
                 "+ coalesce(")


def backfill(base: str) -> str:
    sql = base
    sql = _swap(sql, "    v_cash bigint;\n",
                "    v_cash bigint;\n    v_purse text;\n    a_allow bigint;\n"
                "    a_cash bigint;\n    v_claim_allow bigint;\n    v_wallet record;\n")
    sql = _swap(sql, "        v_claim_bonus := coalesce((e->>'bonus')::bigint, 0);\n",
                "        v_claim_bonus := coalesce((e->>'bonus')::bigint, 0);\n"
                "        v_claim_allow := coalesce((e->>'allowance')::bigint, 0);\n")
    old_alloc = sql[sql.index("        -- Wallet.allocate on the sale's day"):
                    sql.index("        v_parts := '[' || v_parts || ']';\n")]
    new_alloc = """        -- Wallet.allocate on the sale's day: the card type's order, the excess on cash
        SELECT pu.cash, pu.allowance, t.spend_order INTO v_wallet
          FROM purses pu JOIN cards cd ON cd.id = pu.card_id
          JOIN card_types t ON t.id = cd.card_type_id WHERE pu.card_id = v_card;
        v_rest := v_part;
        v_bonus := 0;
        v_parts := '';
        a_allow := 0;
        a_cash := 0;
        FOREACH v_purse IN ARRAY string_to_array(v_wallet.spend_order, ',') LOOP
            EXIT WHEN v_rest = 0;
            IF v_purse = 'bonus' THEN
                FOR g IN SELECT b.id, b.remaining FROM bonus_grants b
                          WHERE b.card_id = v_card AND b.remaining > 0
                            AND b.expires_on >= v_day
                          ORDER BY b.expires_on, b.id COLLATE "C" LOOP
                    EXIT WHEN v_rest = 0;
                    v_take := least(g.remaining, v_rest);
                    v_parts := v_parts || CASE WHEN v_parts = '' THEN '[' ELSE ',[' END
                        || tillcard_json_str(g.id) || ',' || (-v_take) || ']';
                    v_rest := v_rest - v_take;
                    v_bonus := v_bonus + v_take;
                END LOOP;
            ELSIF v_purse = 'allowance' THEN
                a_allow := least(greatest(v_wallet.allowance, 0), v_rest);
                v_rest := v_rest - a_allow;
            ELSE
                a_cash := least(greatest(v_wallet.cash, 0), v_rest);
                v_rest := v_rest - a_cash;
            END IF;
        END LOOP;
        v_rest := a_cash + v_rest;
"""
    sql = _swap(sql, old_alloc, new_alloc)
    # the card sale's INSERT (the last one in the loop; the cash sale's comes first)
    start = sql.rindex("        INSERT INTO journal")
    end = sql.index("RETURNING seq, prev_hash, hash INTO e_seq, e_prev, e_hash;", start)
    sql = sql[:start] + _with_allowance(sql[start:end], "-a_allow") + sql[end:]
    sql = _swap(sql, "        IF v_claim_bonus > v_bonus THEN",
                "        IF v_claim_allow > a_allow THEN  -- reset or spent elsewhere meanwhile\n"
                "            INSERT INTO exceptions (entry_id, till_id, card_id, cashier_id, "
                "kind, amount,\n"
                "                                    sold_at, recorded_at, note)\n"
                "            VALUES (v_id, p_till, v_card, v_cashier, "
                "'allowance_moved_to_cash',\n"
                "                    v_claim_allow - a_allow, v_when, now(),\n"
                "                    'allowance the till used offline was no longer there; "
                "paid from cash')\n"
                "            ON CONFLICT (entry_id, kind) DO NOTHING;\n"
                "            v_exc := v_exc || 'allowance_moved_to_cash'::text;\n"
                "        END IF;\n"
                "        IF v_claim_bonus > v_bonus THEN")
    sql = _swap(sql, "'hash', e_hash, 'at', v_when, 'cash', -v_rest, 'parts', v_parts,",
                "'hash', e_hash, 'at', v_when, 'cash', -v_rest, 'parts', v_parts,\n"
                "            'allowance', -a_allow,")
    return _swap(sql, "            SELECT card_id, cash, bonus, day, day_amount, day_count, version",
                "            SELECT card_id, cash, bonus, allowance, day, day_amount, day_count,"
                " version")


def apply_pg(base: str) -> str:
    return _swap(base, "UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + "
                "NEW.bonus_delta,",
                "UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + "
                "NEW.bonus_delta,\n                          allowance = allowance + "
                "NEW.allowance_delta,", 2)


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if not pg:  # it names purses' columns; rebuilt below
        op.execute("DROP TRIGGER journal_apply")
    with op.batch_alter_table("purses") as b:
        b.add_column(sa.Column("allowance", sa.BigInteger(), nullable=False,
                               server_default="0"))
    with op.batch_alter_table("journal") as b:
        b.add_column(sa.Column("allowance_delta", sa.BigInteger(), nullable=False,
                               server_default="0"))
    with op.batch_alter_table("outbox") as b:
        b.add_column(sa.Column("allowance_delta", sa.BigInteger(), nullable=False,
                               server_default="0"))
    with op.batch_alter_table("card_types") as b:
        b.add_column(sa.Column("spend_order", sa.String(40), nullable=False,
                               server_default="bonus,allowance,cash"))
        b.add_column(sa.Column("allowance_reset", sa.String(10), nullable=False,
                               server_default="never"))
    m7, m10, m11 = _migration("0007"), _migration("0010"), _migration("0011")
    if not pg:
        [apply_sql] = [s for s in m7.SQLITE_UP if "TRIGGER journal_apply" in s]
        apply_sql = _swap(apply_sql, "          WHERE card_id = NEW.card_id;\n",
                          "          WHERE card_id = NEW.card_id AND NEW.kind <> 'cash_sale';"
                          "\n")
        apply_sql = _swap(apply_sql, "bonus = bonus + NEW.bonus_delta,",
                          "bonus = bonus + NEW.bonus_delta,\n"
                          "                allowance = allowance + NEW.allowance_delta,")
        op.execute(apply_sql)
        return
    from tillcard.store.migrations import sql_0007 as v7

    op.execute(apply_pg(m10._trigger_pg()))
    op.execute(CANONICAL)
    op.execute(sale(m11.sale()))
    op.execute(void(m11.with_windows(v7.VOID)))
    op.execute(recharge(m11.with_windows(v7.RECHARGE)))
    op.execute(backfill(m10._backfill()))


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
