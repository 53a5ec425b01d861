"""the sale path's server CPU: a quote + sale back under 1.10x the centre before hardening

Counted with ``tests/benchmarks/bench_sale_instructions.py`` (the backend's instructions
under callgrind, 400 cycles): 3,166,806 per quote + sale after 0017, 2,753,741 with this
migration; 2,511,100 before the hardening (f6f4cb1). No answer, hash, chain rule or
``INSERT INTO journal`` changes; each change, and what it saved:

- ``tillcard_sale`` and the projection trigger plan with ``enable_seqscan = off`` and
  ``jit = off`` (-296,313). The planner scanned and hashed ``cards`` and ``holders`` for the
  card's lock, scanned ``cards`` and ``tills`` in the entry's foreign-key checks (planned
  inside the sale, under its settings) and ``tills`` for the chain head. JIT goes off with
  it, always: a disabled scan costs 10^10, over every JIT threshold, and a sale then
  compiled its statements (45 G instructions for 40 cycles, measured).
- One row trigger instead of two (-44,864): the day totals' upsert (0016) runs at the end
  of ``tillcard_journal_apply``, its booth from the chain head's ``UPDATE tills ...
  RETURNING site`` (the same row, so no ``tills`` join). Trigger ``journal_day_totals``
  and ``tillcard_day_totals_add()`` are gone; pausing ``journal_apply`` pauses both.
- The refusal chain's meal-window test is computed before it, only for a card type that
  refuses sales outside its windows (-19,837): as an ``ELSIF`` with a sub-query it ran
  the executor on every sale.
- The owner's right to any chain: ``session_user = current_user`` first, the superuser
  look-up only when that is false (-20,563; a till login never takes this path).
- The card's lock joins the narrow tables first (``join_collapse_limit = 1``): every join
  level below the card type carries 20 columns, not 40 (-31,451).

Tried, no gain: the day totals' upsert and the chain head's update as one statement (a
data-modifying CTE: +9,321); no ``jit = off`` on the trigger (-2,198, kept as a guard).
The planner settings are SET clauses of ``tillcard_sale``, a SECURITY DEFINER function,
beside its pinned ``search_path``; kept there, they cost least. Measured instead: set in
the body with ``set_config`` (transaction-local, put back before each RETURN), +40,976;
the body moved to a plain ``tillcard_sale_run`` with the settings, called by a
``tillcard_sale`` that pins only the path, +22,074. Both miss the 10 % bar.

PostgreSQL only. Revision ID: 0019
Revises: 0018
"""

from alembic import op

from tillcard.store.migrations.earlier import migration as _migration

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"
PLANNER = "SET enable_seqscan = off SET jit = off"  # never the one without the other




def _swap(sql: str, old: str, new: str, count: int = 1) -> str:
    assert sql.count(old) == count, old
    return sql.replace(old, new, count)


def totals_insert() -> str:
    """0016's upsert, the booth taken from the chain head's update (its ``tills`` row)."""
    fn = str(_migration("0016").ADD_FN)
    body = fn[fn.index("    INSERT INTO day_totals"):fn.index("    RETURN NULL;")]
    body = _swap(body, "NEW.till_id, ti.site,", "NEW.till_id, v_booth,")
    return _swap(body, "      JOIN tills ti ON ti.id = NEW.till_id\n", "")


_WINDOW_TEST = ("    ELSIF c.refuse_outside_windows AND NOT EXISTS (\n"
                "            SELECT 1 FROM json_array_elements(coalesce(c.windows, '[]')) w\n"
                "             WHERE (w->>1)::int <= v_minute AND v_minute < (w->>2)::int) THEN\n")

_LOCK_FROM = ("      FROM purses p\n"
              "      JOIN cards cd ON cd.id = p.card_id\n"
              "      JOIN holders h ON h.id = cd.holder_id\n"
              "      JOIN card_types t ON t.id = cd.card_type_id\n"
              "      JOIN site si ON si.id = 1\n"
              "      LEFT JOIN till_logins lg ON lg.login = session_user::text\n")
# the same rows, joined in this order (join_collapse_limit = 1): the narrow tables first,
# so each join level carries fewer columns up to the widest, the card type, joined last
_NARROW_FROM = ("      FROM purses p\n"
                "      JOIN site si ON si.id = 1\n"
                "      LEFT JOIN till_logins lg ON lg.login = session_user::text\n"
                "      JOIN cards cd ON cd.id = p.card_id\n"
                "      JOIN holders h ON h.id = cd.holder_id\n"
                "      JOIN card_types t ON t.id = cd.card_type_id\n")
_OWNER_TEST = ("        v_owner := session_user = current_user\n"
               "                   OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user);\n")


def sale() -> str:
    """0015's ``tillcard_sale``, each change asserted against the text it changes."""
    m11, m12, m15 = _migration("0011"), _migration("0012"), _migration("0015")
    sql = m15.sale(m12.sale(m11.sale()))
    sql = _swap(sql, "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$",
                f"SECURITY DEFINER {PATH}\n{PLANNER} SET join_collapse_limit = 1 AS $$")
    sql = _swap(sql, "    v_minute integer;\n", "    v_minute integer;\n"
                "    v_outside boolean := false;\n")
    sql = _swap(sql, "    -- sale_refusal: the first reason",
                "    IF c.refuse_outside_windows THEN  -- no window holds the minute\n"
                "        v_outside := NOT EXISTS (\n"
                "            SELECT 1 FROM json_array_elements(coalesce(c.windows, '[]')) w\n"
                "             WHERE (w->>1)::int <= v_minute AND v_minute < (w->>2)::int);\n"
                "    END IF;\n\n"
                "    -- sale_refusal: the first reason")
    sql = _swap(sql, _LOCK_FROM, _NARROW_FROM)
    sql = _swap(sql, _WINDOW_TEST, "    ELSIF v_outside THEN\n")
    return _swap(sql, _OWNER_TEST,
                 "        v_owner := session_user = current_user;\n"
                 "        IF NOT v_owner THEN  -- a superuser, when not the owner itself\n"
                 "            v_owner := (SELECT rolsuper FROM pg_roles\n"
                 "                         WHERE rolname = session_user);\n"
                 "        END IF;\n")


APPLY = f"""
CREATE OR REPLACE FUNCTION tillcard_journal_apply() RETURNS trigger
LANGUAGE plpgsql {PATH} {PLANNER} AS $$
DECLARE part json; new_cash bigint; new_version bigint; spend text; cleared text;
        v_booth text;
BEGIN
    UPDATE tills SET last_seq = NEW.seq, last_hash = NEW.hash,
                     last_at = greatest(last_at, NEW.created_at)
     WHERE id = NEW.till_id AND last_seq = NEW.seq - 1 AND last_hash = NEW.prev_hash
    RETURNING site INTO v_booth;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'entry % does not continue the chain of till %', NEW.seq,
            NEW.till_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    spend := current_setting('tillcard.spend', true);
    IF spend <> '' AND split_part(spend, ' ', 1) = NEW.id::text THEN
        cleared := set_config('tillcard.spend', '', true);
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta,
                          allowance = allowance + NEW.allowance_delta,
                          day = split_part(spend, ' ', 2)::date,
                          day_amount = split_part(spend, ' ', 3)::bigint,
                          day_count = split_part(spend, ' ', 4)::integer,
                          version = version + 1, updated_at = now()
         WHERE card_id = NEW.card_id RETURNING cash, version INTO new_cash, new_version;
    ELSIF NEW.kind <> 'cash_sale' THEN
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta,
                          allowance = allowance + NEW.allowance_delta,
                          version = version + 1, updated_at = now()
         WHERE card_id = NEW.card_id RETURNING cash, version INTO new_cash, new_version;
    END IF;
    IF NEW.bonus_parts <> '[]' THEN
        FOR part IN SELECT * FROM json_array_elements(NEW.bonus_parts::json) LOOP
            UPDATE bonus_grants SET remaining = remaining + (part->>1)::bigint,
                                    version = new_version
             WHERE id = part->>0;
        END LOOP;
    END IF;
    IF NEW.grant_id IS NOT NULL THEN
        INSERT INTO bonus_grants (id, card_id, remaining, expires_on, origin_entry, version)
        VALUES (NEW.grant_id, NEW.card_id, NEW.grant_amount, NEW.grant_expires_on, NEW.id,
                new_version);
    END IF;
    IF new_cash < 0 AND NEW.kind = 'sale' THEN
        UPDATE cards SET status = 'blocked', updated_at = now()
         WHERE id = NEW.card_id AND status = 'active';
        INSERT INTO exceptions (entry_id, till_id, card_id, cashier_id, kind, amount,
                                sold_at, recorded_at, note)
        VALUES (NEW.id, NEW.till_id, NEW.card_id, NEW.cashier_id, 'negative_balance',
                new_cash, NEW.created_at, now(), '')
        ON CONFLICT (entry_id, kind) DO NOTHING;
    END IF;
    IF NEW.kind <> 'sale' THEN  -- recharges, voids, transfers: tills pull at once
        PERFORM pg_notify('tillcard_changes', 'purses');
    END IF;
{{totals}}    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the trigger goes first: its lock keeps every entry out until the new projection,
    # which keeps the day totals itself, is in place (no entry counted twice or never)
    op.execute("DROP TRIGGER journal_day_totals ON journal")
    op.execute("DROP FUNCTION tillcard_day_totals_add()")
    op.execute(APPLY.replace("{totals}", totals_insert()))
    op.execute(sale())


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
