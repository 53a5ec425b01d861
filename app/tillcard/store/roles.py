"""PostgreSQL roles with least privilege for tills, managers and admins.

A till adds journal entries and reads reference data; the journal trigger (a SECURITY
DEFINER function owned by the schema owner) moves balances, so the till role has no
UPDATE on money columns at all. ``SELECT … FOR UPDATE`` needs UPDATE on some column,
hence the till's UPDATE on the purse's spend-of-the-day counters only.

The online sale function (``tillcard_sale``, migration 0004) runs with the caller's
rights, so it lets a till do nothing its role could not do statement by statement; only
tills and admins may call it (functions are executable by PUBLIC unless revoked).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

ROLES = ("tillcard_till", "tillcard_manager", "tillcard_admin")
SALE_FUNCTION = ("tillcard_sale(uuid, integer, bigint, bigint, timestamptz, date, integer, "
                 "boolean, boolean, integer, integer)")

GRANTS = [
    "GRANT USAGE ON SCHEMA public TO tillcard_till, tillcard_manager, tillcard_admin",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO tillcard_till, tillcard_manager, "
    "tillcard_admin",
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM "
    "tillcard_till, tillcard_manager",
    # till: add entries; spend-of-day counters (and the row lock they allow); PIN failures
    "GRANT INSERT ON journal TO tillcard_till",
    "GRANT UPDATE (day, day_amount, day_count, updated_at) ON purses TO tillcard_till",
    "GRANT UPDATE (pin_failures, updated_at) ON cards TO tillcard_till",
    "GRANT INSERT ON audit TO tillcard_till, tillcard_manager, tillcard_admin",
    # a till reports an offline sale to a card frozen meanwhile; managers settle exceptions
    "GRANT INSERT ON exceptions TO tillcard_till",
    "GRANT UPDATE (resolved_at, note) ON exceptions TO tillcard_manager, tillcard_admin",
    # admin: cards, holders, types, users; recharges go through the journal like sales
    "GRANT INSERT, UPDATE ON holders, cards, card_types, users, tills TO tillcard_admin",
    "GRANT INSERT ON purses, journal TO tillcard_admin",
    "GRANT UPDATE (day, day_amount, day_count, updated_at) ON purses TO tillcard_admin",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tillcard_admin, tillcard_till,"
    " tillcard_manager",
    "REVOKE UPDATE, DELETE, TRUNCATE ON journal FROM tillcard_till, tillcard_manager, "
    "tillcard_admin",
    # the one-round-trip sale, where the schema has it (0004 and later)
    f"""DO $$ BEGIN
        IF to_regprocedure('{SALE_FUNCTION}') IS NOT NULL THEN
            REVOKE ALL ON FUNCTION {SALE_FUNCTION} FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION {SALE_FUNCTION} TO tillcard_till, tillcard_admin;
        END IF;
    END $$""",
]


def create_roles(engine: Engine) -> list[str]:
    """Create the group roles if missing and (re)apply their grants; idempotent."""
    done: list[str] = []
    with engine.begin() as conn:
        for role in ROLES:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                  {"r": role}).first()
            if exists is None:
                conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
                done.append(f"created role {role}")
        for sql in GRANTS:
            conn.execute(text(sql))
        done.append(f"applied {len(GRANTS)} grants")
    return done
