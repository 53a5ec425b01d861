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
    SELECT login INTO v_login FROM tills WHERE id = p_till;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
    END IF;
    IF v_login IS DISTINCT FROM session_user::text AND session_user <> current_user
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
    v_login text;
    t record;
BEGIN
    {_CALLER}
    IF p_holder IS NULL OR length(p_holder) NOT BETWEEN 8 AND 64 OR p_seconds IS NULL
       OR p_seconds NOT BETWEEN 0 AND 3600 OR p_unsent IS NULL OR p_unsent < 0 THEN
        RAISE EXCEPTION 'a lease needs a holder id, 0..3600 s and an unsent count'
            USING ERRCODE = 'TC422';
    END IF;
    SELECT * INTO t FROM tills WHERE id = p_till FOR UPDATE;
    IF t.lease_holder IS NOT NULL AND t.lease_holder <> p_holder
       AND t.lease_until > clock_timestamp() THEN
        RETURN json_build_object('granted', false, 'holder_host', t.lease_host,
                                 'until', t.lease_until, 'head_seq', t.last_seq,
                                 'head_hash', t.last_hash);
    END IF;
    IF p_seconds = 0 THEN  -- released by its holder on a clean stop
        UPDATE tills SET lease_holder = NULL, lease_until = NULL, reported_unsent = p_unsent,
                         reported_at = clock_timestamp()
         WHERE id = p_till;
    ELSE
        UPDATE tills SET lease_holder = p_holder, lease_host = left(p_host, 120),
                         lease_until = clock_timestamp() + make_interval(secs => p_seconds),
                         reported_unsent = p_unsent, reported_at = clock_timestamp()
         WHERE id = p_till;
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
    v_login text;
    t record;
BEGIN
    {_CALLER}
    SELECT * INTO t FROM tills WHERE id = p_till FOR UPDATE;
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
    with op.batch_alter_table("tills") as b:
        b.add_column(sa.Column("lease_holder", sa.String(64), nullable=True))
        b.add_column(sa.Column("lease_host", sa.String(120), nullable=True))
        b.add_column(sa.Column("lease_until", tillcard.store.types.UtcDateTime(timezone=True),
                               nullable=True))
        b.add_column(sa.Column("reported_unsent", sa.Integer(), nullable=True))
        b.add_column(sa.Column("reported_at", tillcard.store.types.UtcDateTime(timezone=True),
                               nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LEASE)
    op.execute(REPROVISION)
    for fn in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
