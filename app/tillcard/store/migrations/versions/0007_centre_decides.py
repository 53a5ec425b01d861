"""the centre decides: one site clock, validated money functions, tills bound to their login

Until 0006 a till's role could INSERT journal rows and the journal trigger (SECURITY
DEFINER) applied whatever it got; ``tillcard_sale()`` took the date, the PIN-failure
maximum and the lock key from its caller. From here on:

- ``site`` holds the site clock (time zone, business-day cut-off) and the one maximum
  amount, on both engines; tills replicate it.
- Money moves at the centre only through SECURITY DEFINER functions that validate every
  argument, take time and date from the server (a till's clock only for back-filled
  offline sales, bounded), and write only the chain of the till the login is bound to
  (``till_logins``): ``tillcard_sale``, ``tillcard_void``, ``tillcard_backfill`` for
  tills; ``tillcard_recharge`` for the card office. Each pins ``search_path`` with
  ``pg_temp`` last. EXECUTE is revoked from PUBLIC here; ``tillcard db roles`` grants it.
- The journal trigger is no longer SECURITY DEFINER (only the owner and those functions
  insert); it bumps a per-purse ``version`` (grants carry the version of their last
  change) so a till never overwrites newer replica rows with older ones, and records each
  till's last entry time (``tills.last_at``), the lower bound of a back-filled entry.
- A void must name the sale it voids in ``void_of`` and ``refers_to`` alike (``refers_to``
  is hashed), so ``void_of`` cannot be left NULL to void a sale twice.
- A new card gets its empty purse from a trigger: nobody needs INSERT on purses.
- Exceptions are unique per entry and kind (a frozen card that also went negative records
  both).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import tillcard.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DEFAULT_MAX_AMOUNT = 100_000_000  # 1,000,000.00 in a two-decimal currency
PIN_MAX_FAILURES = 3  # tillcard.domain.rules.MAX_PIN_FAILURES
TILL_LOCK_KEY = 0x7111  # tillcard.store.ledger.TILL_LOCK_KEY
PATH = "SET search_path = pg_catalog, public, pg_temp"


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if not pg:  # it names ``exceptions``, which SQLite rebuilds below
        op.execute("DROP TRIGGER journal_apply")
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("day_cutoff_min", sa.Integer(), nullable=False),
        sa.Column("max_amount", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", tillcard.store.types.UtcDateTime(timezone=True),
                  nullable=False),
        sa.Column("changed_xid", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_site_one_row"),
        sa.CheckConstraint("day_cutoff_min >= 0 AND day_cutoff_min < 1440",
                           name="ck_site_cutoff"),
        sa.CheckConstraint("max_amount > 0", name="ck_site_max_amount"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
    )
    op.execute("INSERT INTO site (id, time_zone, day_cutoff_min, max_amount, updated_at) "
               f"VALUES (1, 'UTC', 0, {DEFAULT_MAX_AMOUNT}, CURRENT_TIMESTAMP)")
    with op.batch_alter_table("tills") as b:
        b.add_column(sa.Column("last_at", tillcard.store.types.UtcDateTime(timezone=True),
                               nullable=True))
    # beside ``tills``: a till's row is rewritten by every sale, this one almost never,
    # and every call of the functions reads it
    op.create_table(
        "till_logins",
        sa.Column("login", sa.String(63), nullable=False),
        sa.Column("till_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"],
                                name=op.f("fk_till_logins_till_id_tills")),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_till_logins")),
    )
    with op.batch_alter_table("purses") as b:
        b.add_column(sa.Column("version", sa.BigInteger(), nullable=False,
                               server_default="0"))
    with op.batch_alter_table("bonus_grants") as b:
        b.add_column(sa.Column("version", sa.BigInteger(), nullable=False,
                               server_default="0"))
    with op.batch_alter_table("outbox") as b:
        b.add_column(sa.Column("sold_offline", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
    op.execute("UPDATE outbox SET sold_offline = (sent_at IS NULL)")
    with op.batch_alter_table("exceptions", recreate="always" if not pg else "auto") as b:
        b.drop_constraint("uq_exceptions_entry_id", type_="unique")
        b.create_unique_constraint("uq_exceptions_entry_kind", ["entry_id", "kind"])
    if pg:
        _upgrade_pg()
    else:
        for sql in SQLITE_UP:
            op.execute(sql)


def _upgrade_pg() -> None:
    op.execute("ALTER TABLE journal ADD CONSTRAINT ck_journal_void_names_its_sale CHECK ("
               "(kind = 'void' AND void_of IS NOT NULL AND void_of = refers_to) "
               "OR (kind <> 'void' AND void_of IS NULL))")
    for sql in PG_UP:
        op.execute(sql)
    for fn in PG_FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    raise NotImplementedError("0007 removes privileges on purpose; restore a backup instead")


SQLITE_UP = [
    """CREATE TRIGGER journal_void_names_its_sale BEFORE INSERT ON journal
       WHEN NOT ((NEW.kind = 'void' AND NEW.void_of IS NOT NULL
                  AND NEW.void_of = NEW.refers_to)
                 OR (NEW.kind <> 'void' AND NEW.void_of IS NULL))
       BEGIN SELECT RAISE(ABORT, 'a void must name the sale it voids'); END""",
    """CREATE TRIGGER journal_apply AFTER INSERT ON journal BEGIN
         UPDATE tills SET last_seq = NEW.seq, last_hash = NEW.hash,
                last_at = CASE WHEN last_at IS NULL OR last_at < NEW.created_at
                               THEN NEW.created_at ELSE last_at END
          WHERE id = NEW.till_id;
         UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta,
                version = version + 1
          WHERE card_id = NEW.card_id;
         UPDATE bonus_grants SET remaining = remaining + (
             SELECT json_extract(p.value, '$[1]') FROM json_each(NEW.bonus_parts) p
              WHERE json_extract(p.value, '$[0]') = bonus_grants.id),
                version = (SELECT version FROM purses WHERE card_id = NEW.card_id)
          WHERE id IN (SELECT json_extract(p.value, '$[0]') FROM json_each(NEW.bonus_parts) p);
         INSERT INTO bonus_grants (id, card_id, remaining, expires_on, origin_entry, version)
         SELECT NEW.grant_id, NEW.card_id, NEW.grant_amount, NEW.grant_expires_on, NEW.id,
                (SELECT version FROM purses WHERE card_id = NEW.card_id)
          WHERE NEW.grant_id IS NOT NULL;
         UPDATE cards SET status = 'blocked', updated_at = datetime('now')
          WHERE id = NEW.card_id AND status = 'active' AND NEW.kind = 'sale'
            AND (SELECT cash FROM purses WHERE card_id = NEW.card_id) < 0;
         INSERT OR IGNORE INTO exceptions (entry_id, till_id, card_id, cashier_id, kind,
                                           amount, sold_at, recorded_at, note)
         SELECT NEW.id, NEW.till_id, NEW.card_id, NEW.cashier_id, 'negative_balance',
                p.cash, NEW.created_at, datetime('now'), ''
           FROM purses p WHERE p.card_id = NEW.card_id AND p.cash < 0 AND NEW.kind = 'sale';
       END""",
    """CREATE TRIGGER cards_purse AFTER INSERT ON cards BEGIN
         INSERT INTO purses (card_id, cash, bonus, day_amount, day_count, updated_at, version)
         VALUES (NEW.id, 0, 0, 0, 0, NEW.updated_at, 0);
       END""",
]

# Time: the server's, unless the session of a superuser or the owner asks for another
# instant (tests drive the centre's clock across cut-offs this way). A till's session
# that tries is refused loudly.
NOW_FN = f"""
CREATE OR REPLACE FUNCTION tillcard_now() RETURNS timestamptz
LANGUAGE plpgsql STABLE SECURITY DEFINER {PATH} AS $$
DECLARE fake text := current_setting('tillcard.fake_now', true);
BEGIN
    IF fake IS NULL OR fake = '' THEN
        RETURN now();
    END IF;
    IF session_user <> current_user
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RAISE EXCEPTION 'only the owner may set the centre''s clock'
            USING ERRCODE = 'TC403';
    END IF;
    RETURN fake::timestamptz;
END $$
"""

# tillcard.domain.clock.SiteClock.business_day
BUSINESS_DAY_FN = f"""
CREATE OR REPLACE FUNCTION tillcard_business_day(p_at timestamptz, p_zone text,
                                                 p_cutoff integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE {PATH} AS $$
SELECT ((p_at AT TIME ZONE p_zone) - make_interval(mins => p_cutoff))::date
$$
"""

# Who may write a till's chain: the login bound to it (till_logins), or the owner /
# a superuser (migrations, the bench, tests). Returns the till's chain-time lower bound.
CALLER_FN = f"""
CREATE OR REPLACE FUNCTION tillcard_check_caller(p_till integer) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER {PATH} AS $$
DECLARE bound integer;
BEGIN
    SELECT till_id INTO bound FROM till_logins WHERE login = session_user::text;
    IF bound IS NOT DISTINCT FROM p_till OR session_user = current_user
       OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'login % may not write the chain of till %', session_user, p_till
        USING ERRCODE = 'TC403';
END $$
"""

# The projection. Inserts come only from the owner and the functions below, so it runs
# with their rights; it moves purses and grants, bumps the purse's version (grants carry
# the version of their last change), advances the till's head and last entry time, takes
# the spend of the day a function hands over (``tillcard.spend``: "<entry id> <day>
# <amount> <count>") in the same UPDATE, and blocks a card a sale left negative.
APPLY = f"""
CREATE OR REPLACE FUNCTION tillcard_journal_apply() RETURNS trigger
LANGUAGE plpgsql {PATH} AS $$
DECLARE part json; new_cash bigint; new_version bigint; spend text; cleared text;
BEGIN
    UPDATE tills SET last_seq = NEW.seq, last_hash = NEW.hash,
                     last_at = greatest(last_at, NEW.created_at)
     WHERE id = NEW.till_id AND last_seq = NEW.seq - 1 AND last_hash = NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'entry % does not continue the chain of till %', NEW.seq,
            NEW.till_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    spend := current_setting('tillcard.spend', true);
    IF spend <> '' AND split_part(spend, ' ', 1) = NEW.id::text THEN
        cleared := set_config('tillcard.spend', '', true);
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta,
                          day = split_part(spend, ' ', 2)::date,
                          day_amount = split_part(spend, ' ', 3)::bigint,
                          day_count = split_part(spend, ' ', 4)::integer,
                          version = version + 1, updated_at = now()
         WHERE card_id = NEW.card_id RETURNING cash, version INTO new_cash, new_version;
    ELSE
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta,
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
    RETURN NULL;
END $$
"""

CARD_PURSE = f"""
CREATE OR REPLACE FUNCTION tillcard_card_purse() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PATH} AS $$
BEGIN
    INSERT INTO purses (card_id, cash, bonus, day_amount, day_count, updated_at, version)
    VALUES (NEW.id, 0, 0, 0, 0, now(), 0);
    RETURN NULL;
END $$
"""

# The functions a till's login is given; written in sql_0007.py beside these migrations.
from tillcard.store.migrations.sql_0007 import (  # noqa: E402
    BACKFILL,
    RECHARGE,
    SALE,
    SET_PIN_FAILURES,
    VOID,
)

PG_UP = [
    "DROP FUNCTION IF EXISTS tillcard_sale(uuid, integer, bigint, bigint, timestamptz, date,"
    " integer, boolean, boolean, integer, integer)",
    NOW_FN, BUSINESS_DAY_FN, CALLER_FN, APPLY, CARD_PURSE,
    """CREATE TRIGGER cards_purse AFTER INSERT ON cards
       FOR EACH ROW EXECUTE FUNCTION tillcard_card_purse()""",
    """CREATE TRIGGER site_changed BEFORE INSERT OR UPDATE ON site
       FOR EACH ROW EXECUTE FUNCTION tillcard_mark_changed()""",
    """CREATE TRIGGER site_notify AFTER INSERT OR UPDATE ON site
       FOR EACH STATEMENT EXECUTE FUNCTION tillcard_notify_change()""",
    "ALTER FUNCTION tillcard_mark_changed() " + PATH,
    "ALTER FUNCTION tillcard_notify_change() " + PATH,
    "ALTER FUNCTION tillcard_journal_immutable() " + PATH,
    # what a till may know of users: those who may sign in at a till, never admins
    """CREATE VIEW till_users WITH (security_barrier) AS
       SELECT * FROM users WHERE role IN ('cashier', 'manager')""",
    SALE, VOID, BACKFILL, RECHARGE, SET_PIN_FAILURES,
]

PG_FUNCTIONS = (
    "tillcard_now()",
    "tillcard_check_caller(integer)",
    "tillcard_card_purse()",
    "tillcard_sale(uuid, integer, bigint, bigint, integer, boolean, boolean)",
    "tillcard_void(uuid, integer, uuid, integer)",
    "tillcard_backfill(integer, json)",
    "tillcard_recharge(uuid, integer, bigint, bigint, integer)",
    "tillcard_set_pin_failures(integer, bigint, integer)",
)
