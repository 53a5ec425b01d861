"""PostgreSQL roles with least privilege: tills ask, the centre's functions decide.

No role but the owner writes a money table. A till's login reads what it replicates and
calls the centre's functions for the chain it is bound to (``till_logins``); an admin's
login edits reference data and calls the card office's functions; a manager reads and
settles exceptions. Nobody gets TEMP (a SECURITY DEFINER function could otherwise be fed
temporary tables; the functions pin ``search_path`` with ``pg_temp`` last as well) and
nobody but admins reads password hashes — tills get ``till_users``, which holds the users
who may sign in at a till (cashiers and managers, never admins).
"""

from __future__ import annotations

import re
from typing import Any

from psycopg import sql
from sqlalchemy import Engine, text

from tillcard.store.migrations.sql_0013 import ADMIN as OFFICE_FUNCTIONS
from tillcard.store.reference import ReferenceStore

ROLES = ("tillcard_till", "tillcard_manager", "tillcard_admin")
TILL_FUNCTIONS = (
    "tillcard_sale(uuid, integer, bigint, bigint, integer, boolean, boolean)",
    "tillcard_void(uuid, integer, uuid, integer)",
    "tillcard_backfill(integer, json)",
    "tillcard_set_pin_failures(integer, bigint, integer)",
    "tillcard_lease(integer, text, text, integer, integer)",
    "tillcard_reprovision(integer, integer, text)",
    "tillcard_heartbeat(integer, json)",  # its own till's health (migration 0017)
    "tillcard_ensure_partitions()",  # the journal's coming months (migration 0020)
)
ADMIN_FUNCTIONS = (
    "tillcard_recharge(uuid, integer, bigint, bigint, integer)",
    *OFFICE_FUNCTIONS,  # the card office's (migration 0013)
)
_USER_COLUMNS = "id, login, name, role, active, updated_at, changed_xid"
LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

GRANTS = [
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tillcard_till, tillcard_manager, "
    "tillcard_admin",
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    "GRANT USAGE ON SCHEMA public TO tillcard_till, tillcard_manager, tillcard_admin",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO tillcard_till, tillcard_manager, "
    "tillcard_admin",
    # password hashes: admins only; tills see their own kind of users through a view
    "REVOKE SELECT ON users FROM tillcard_till, tillcard_manager",
    f"GRANT SELECT ({_USER_COLUMNS}) ON users TO tillcard_manager",
    "GRANT SELECT ON till_users TO tillcard_till",
    "REVOKE SELECT ON till_users FROM tillcard_manager",
    # managers settle exceptions
    "GRANT UPDATE (resolved_at, note) ON exceptions TO tillcard_manager, tillcard_admin",
    # admins: reference data only; money through the card office's functions
    "GRANT INSERT, UPDATE ON holders, cards, card_types, users TO tillcard_admin",
    "GRANT INSERT, UPDATE, DELETE ON meal_windows TO tillcard_admin",  # the types editor
    "GRANT INSERT, UPDATE, DELETE ON booth_shares TO tillcard_admin",  # revenue shares
    "GRANT INSERT, UPDATE (name, site) ON tills TO tillcard_admin",
    "GRANT INSERT, UPDATE, DELETE ON till_logins TO tillcard_admin",
    "GRANT UPDATE (time_zone, day_cutoff_min, max_amount, updated_at) ON site TO "
    "tillcard_admin",
    "GRANT INSERT ON audit TO tillcard_admin, tillcard_manager",
    # signing in to the back office counts wrong tries where the sign-in happens
    "GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_guard TO tillcard_admin, "
    "tillcard_manager",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM tillcard_till, tillcard_manager, "
    "tillcard_admin",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tillcard_admin",
    # the centre's functions: EXECUTE was revoked from PUBLIC when they were created
    *[f"GRANT EXECUTE ON FUNCTION {fn} TO tillcard_till" for fn in TILL_FUNCTIONS],
    *[f"GRANT EXECUTE ON FUNCTION {fn} TO tillcard_admin" for fn in ADMIN_FUNCTIONS],
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
        db = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f'REVOKE TEMPORARY ON DATABASE "{db}" FROM PUBLIC'))
        for sql in GRANTS:
            conn.execute(text(sql))
        done.append(f"applied {len(GRANTS) + 1} grants")
    return done


def create_till_login(engine: Engine, till_id: int, login: str,
                      password: str | None = None) -> None:
    """A database login for one till: in role ``tillcard_till``, bound to that till's chain.

    Without a password the login works only where ``pg_hba.conf`` trusts it (tests, a
    local socket); a real site passes one (the till reads it from its environment).
    """
    if not LOGIN.match(login):
        raise ValueError(f"a login is lower-case letters, digits and _, got {login!r}")
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                              {"r": login}).first()
        verb = "ALTER" if exists else "CREATE"
        ddl = sql.SQL(verb + " ROLE {} LOGIN").format(sql.Identifier(login))
        if password is not None:  # DDL takes no parameters: quoted by psycopg instead
            ddl = sql.SQL("{} PASSWORD {}").format(ddl, sql.Literal(password))
        raw: Any = conn.connection.driver_connection
        raw.execute(ddl)
        conn.execute(text(f"GRANT tillcard_till TO {login}"))
    ReferenceStore(engine).bind_login(till_id, login)
