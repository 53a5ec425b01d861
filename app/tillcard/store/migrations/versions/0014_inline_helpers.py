"""the sale's helpers inline again: the hardening's cost was two SQL functions re-planned per call

Counted with ``tests/benchmarks/bench_sale_instructions.py`` (the backend's instructions
under callgrind): a quote + sale took 2.5 M instructions before the centre's functions
were hardened and 6.0 M after, half of it parsing and planning SQL-language functions on
every call. PostgreSQL inlines a SQL function into the query that calls it only when it is
one plain expression with no ``SET`` clause; otherwise ``fmgr_sql`` parses and plans its
body on each call. Two of the sale's helpers had stopped being inlinable:

- ``tillcard_business_day`` got ``SET search_path`` with the hardening (0007). It names
  only ``pg_catalog`` operators, it is no SECURITY DEFINER function, and it runs inside the
  callers' own pinned path; the setting is reset so it inlines.
- ``tillcard_entry_canonical`` with the allowance (0012) wrapped the older form in a
  ``FROM`` subquery. The same text as one expression: the older form's ``{`` replaced by
  ``{"allow":N,`` when the allowance moved, so earlier entries hash exactly as before.

PostgreSQL only (SQLite has no such functions). Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"

CANONICAL_ARGS = ("uuid, bigint, bigint, text, bigint, bigint, text, text, bigint, date, "
                  "bigint, bigint, bigint, uuid, bigint, timestamptz")

CANONICAL = """
CREATE OR REPLACE FUNCTION tillcard_entry_canonical(
    p_id uuid, p_till bigint, p_seq bigint, p_kind text, p_card bigint, p_cash bigint,
    p_bonus_json text, p_grant_id text, p_grant_amount bigint, p_grant_expires date,
    p_list bigint, p_discount bigint, p_tendered bigint, p_refers uuid, p_cashier bigint,
    p_at timestamptz, p_allow bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN p_allow = 0 THEN '{' ELSE '{"allow":' || p_allow || ',' END
    || substr(tillcard_entry_canonical(p_id, p_till, p_seq, p_kind, p_card, p_cash,
                                       p_bonus_json, p_grant_id, p_grant_amount,
                                       p_grant_expires, p_list, p_discount, p_tendered,
                                       p_refers, p_cashier, p_at), 2)
$$
"""

OLD_CANONICAL = """
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

BUSINESS_DAY = "tillcard_business_day(timestamptz, text, integer)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER FUNCTION {BUSINESS_DAY} RESET ALL")
    op.execute(CANONICAL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER FUNCTION {BUSINESS_DAY} {PATH}")
    op.execute(OLD_CANONICAL)
