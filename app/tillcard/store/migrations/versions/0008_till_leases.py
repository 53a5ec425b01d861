"""till leases: one process per till id, and what a till last said it had not sent

Two processes claiming one till id would interleave sales in one chain and each enforce
its own offline cap. A till takes a lease on its id at the centre every time it connects
and renews it with every sync cycle (``tillcard_lease``): a second process, on this machine
or another, is refused while the lease runs, and told whose it is. The lease also carries
the till's count of unsent entries, so that if a till's local database is lost, the
centre knows how many offline sales went with it (``tillcard_reprovision`` records that
in the audit log when an admin lets the till start over from the centre's chain).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import tillcard.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"

# the caller's right to a till: its own login, or the owner / a superuser
_CALLER = """
    IF NOT EXISTS (SELECT 1 FROM tills WHERE id = p_till) THEN
        RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
    END IF;
    SELECT till_id INTO v_bound FROM till_logins WHERE login = session_user::text;
    IF v_bound IS DISTINCT FROM p_till AND session_user <> current_user
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RAISE EXCEPTION 'login % may not act for till %', session_user, p_till
            USING ERRCODE = 'TC403';
    END IF;
"""

LEASE = f"""
CREATE OR REPLACE FUNCTION tillcard_lease(p_till integer, p_holder text, p_host text,
                                          p_seconds integer, p_unsent integer) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    v_bound integer;
    t record;
BEGIN
    {_CALLER}
    IF p_holder IS NULL OR length(p_holder) NOT BETWEEN 8 AND 64 OR p_seconds IS NULL
       OR p_seconds NOT BETWEEN 0 AND 3600 OR p_unsent IS NULL OR p_unsent < 0 THEN
        RAISE EXCEPTION 'a lease needs a holder id, 0..3600 s and an unsent count'
            USING ERRCODE = 'TC422';
    END IF;
    INSERT INTO till_leases (till_id) VALUES (p_till) ON CONFLICT (till_id) DO NOTHING;
    SELECT l.*, tl.last_seq, tl.last_hash INTO t
      FROM till_leases l JOIN tills tl ON tl.id = l.till_id
     WHERE l.till_id = p_till FOR UPDATE OF l;
    IF t.holder IS NOT NULL AND t.holder <> p_holder AND t.until > clock_timestamp() THEN
        RETURN json_build_object('granted', false, 'holder_host', t.host, 'until', t.until,
                                 'head_seq', t.last_seq, 'head_hash', t.last_hash);
    END IF;
    IF p_seconds = 0 THEN  -- released by its holder on a clean stop
        UPDATE till_leases SET holder = NULL, until = NULL, reported_unsent = p_unsent,
                               reported_at = clock_timestamp()
         WHERE till_id = p_till;
    ELSE
        UPDATE till_leases SET holder = p_holder, host = left(p_host, 120),
                               until = clock_timestamp() + make_interval(secs => p_seconds),
                               reported_unsent = p_unsent, reported_at = clock_timestamp()
         WHERE till_id = p_till;
    END IF;
    RETURN json_build_object('granted', true, 'head_seq', t.last_seq,
                             'head_hash', t.last_hash);
END $$
"""

REPROVISION = f"""
CREATE OR REPLACE FUNCTION tillcard_reprovision(p_till integer, p_holds integer,
                                                p_note text) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    v_bound integer;
    t record;
BEGIN
    {_CALLER}
    SELECT tl.last_seq, tl.last_hash, l.reported_unsent, l.reported_at INTO t
      FROM tills tl LEFT JOIN till_leases l ON l.till_id = tl.id
     WHERE tl.id = p_till;
    INSERT INTO audit (at, user_id, action, subject, detail)
    VALUES (clock_timestamp(), NULL, 'till_reprovisioned', 'till ' || p_till,
            json_build_object('login', session_user, 'head_seq', t.last_seq,
                              'last_reported_unsent', t.reported_unsent,
                              'reported_at', t.reported_at, 'database_holds_unsent',
                              p_holds, 'known_lost',
                              greatest(0, coalesce(t.reported_unsent, 0) - p_holds),
                              'note', left(coalesce(p_note, ''), 500))::text);
    RETURN json_build_object('head_seq', t.last_seq, 'head_hash', t.last_hash,
                             'last_reported_unsent', t.reported_unsent,
                             'reported_at', t.reported_at);
END $$
"""

FUNCTIONS = ("tillcard_lease(integer, text, text, integer, integer)",
             "tillcard_reprovision(integer, integer, text)")


def upgrade() -> None:
    # beside ``tills``, not in it: a till's row is rewritten by every sale (its chain
    # head), and a wider row there costs every sale at every till
    op.create_table(
        "till_leases",
        sa.Column("till_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("host", sa.String(120), nullable=True),
        sa.Column("until", tillcard.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reported_unsent", sa.Integer(), nullable=True),
        sa.Column("reported_at", tillcard.store.types.UtcDateTime(timezone=True),
                  nullable=True),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"],
                                name=op.f("fk_till_leases_till_id_tills")),
        sa.PrimaryKeyConstraint("till_id", name=op.f("pk_till_leases")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LEASE)
    op.execute(REPROVISION)
    for fn in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
