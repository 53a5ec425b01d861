"""till heartbeats, and the live console's wake-up: no trigger on the journal

- ``till_heartbeats``: what each till last said about itself (``tillcard_heartbeat``):
  when (the server's clock), its version, its link and since when, its unsent entries,
  printer and reader, its open shift and its last closed one. Beside ``tills``, not in
  it: a till's row there is rewritten by every sale.
- ``tillcard_heartbeat(p_till, p_doc)`` (PostgreSQL): SECURITY DEFINER; a till login may
  report only for its own till (0008's check of ``till_logins``); every field of the
  document is validated; instants come from the server's clock (the document carries
  durations, "in this state for N s", never the till's own clock). It also sends
  ``pg_notify('tillcard_feed', <till id>)``: the console's feed reads that till's new
  entries (``store.live_feed``), so a sale whose own ping was lost shows within one
  heartbeat.

Deliberately no NOTIFY trigger on ``journal``. A notifying transaction takes a
database-wide lock from its pre-commit until after its WAL flush (PostgreSQL's async.c,
``PreCommit_Notify``), so sales that notify commit one at a time and lose group commit:
``tillcard bench`` fell by about half with one. A till pings ``tillcard_feed`` after its
sale has committed, in a transaction of its own (``sync.feed_ping``); the notification
carries no entry, only a till to look at, and the console reads entries by a cursor.

SQLite (a standalone till, the demo) gets the table only: nothing sends heartbeats there.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import tillcard.store.types
from tillcard.store.migrations.earlier import migration

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"
CHANNEL = "tillcard_feed"  # store.live_feed.FEED_CHANNEL; the payload: a till id

# the caller's right to a till: its own login, or the owner (migration 0008's check)
_CALLER = migration("0008")._CALLER

# an optional whole number 0..999999999 in the document (JSON number, no sign, no point)
_NUM = "(json_typeof(p_doc->'{k}') IS NULL OR json_typeof(p_doc->'{k}') = 'null' " \
       "OR (json_typeof(p_doc->'{k}') = 'number' AND (p_doc->>'{k}') ~ '^[0-9]{{1,9}}$'))"
_TEXT = "(json_typeof(p_doc->'{k}') IS NULL OR json_typeof(p_doc->'{k}') = 'null' " \
        "OR (json_typeof(p_doc->'{k}') = 'string' AND length(p_doc->>'{k}') <= {n}))"


def _checks() -> str:
    nums = [_NUM.format(k=k) for k in ("link_for_s", "unsent", "printer_pending",
                                       "cashier", "closed_for_s", "z_no")]
    texts = [_TEXT.format(k=k, n=n) for k, n in (("version", 40), ("printer", 40),
                                                 ("reader", 200), ("shift", 36))]
    return "\n       AND ".join(nums + texts)


HEARTBEAT = f"""
CREATE OR REPLACE FUNCTION tillcard_heartbeat(p_till integer, p_doc json) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    v_bound integer;
    v_now timestamptz := clock_timestamp();
    v_diff text;
BEGIN
    {_CALLER}
    IF p_doc IS NULL OR json_typeof(p_doc) <> 'object' THEN
        RAISE EXCEPTION 'a heartbeat is a JSON object' USING ERRCODE = 'TC422';
    END IF;
    v_diff := p_doc->>'difference';
    IF coalesce(p_doc->>'link', '') NOT IN ('online', 'offline', 'recovering', 'halted',
                                            'disk')
       OR json_typeof(p_doc->'link_for_s') IS DISTINCT FROM 'number'
       OR json_typeof(p_doc->'unsent') IS DISTINCT FROM 'number'
       OR json_typeof(p_doc->'reader_ok') NOT IN ('boolean', 'null')
       OR NOT ({_checks()})
       OR (p_doc->>'shift' IS NOT NULL AND p_doc->>'shift' !~
           '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$')
       OR (v_diff IS NOT NULL AND (json_typeof(p_doc->'difference') <> 'number'
                                   OR v_diff !~ '^-?[0-9]{{1,15}}$')) THEN
        RAISE EXCEPTION 'a heartbeat needs link (a state), link_for_s and unsent (whole '
            'numbers); optional fields have their types and lengths' USING ERRCODE = 'TC422';
    END IF;
    INSERT INTO till_heartbeats AS h (till_id, seen_at, app_version, link_state,
            link_since, unsent, printer, printer_pending, reader_ok, reader, shift_id,
            shift_cashier, last_z_no, last_closed_at, last_difference, beats)
    VALUES (p_till, v_now, coalesce(p_doc->>'version', ''), p_doc->>'link',
            v_now - make_interval(secs => (p_doc->>'link_for_s')::integer),
            (p_doc->>'unsent')::integer, coalesce(p_doc->>'printer', ''),
            coalesce((p_doc->>'printer_pending')::integer, 0),
            (p_doc->>'reader_ok')::boolean, coalesce(p_doc->>'reader', ''),
            (p_doc->>'shift')::uuid, (p_doc->>'cashier')::integer,
            (p_doc->>'z_no')::integer,
            v_now - make_interval(secs => (p_doc->>'closed_for_s')::integer),
            v_diff::bigint, 1)
    ON CONFLICT (till_id) DO UPDATE SET
        seen_at = EXCLUDED.seen_at, app_version = EXCLUDED.app_version,
        link_state = EXCLUDED.link_state,
        -- the state's start stays put while it lasts (a till's durations jitter)
        link_since = CASE WHEN h.link_state = EXCLUDED.link_state THEN h.link_since
                          ELSE EXCLUDED.link_since END,
        unsent = EXCLUDED.unsent, printer = EXCLUDED.printer,
        printer_pending = EXCLUDED.printer_pending, reader_ok = EXCLUDED.reader_ok,
        reader = EXCLUDED.reader, shift_id = EXCLUDED.shift_id,
        shift_cashier = EXCLUDED.shift_cashier, last_z_no = EXCLUDED.last_z_no,
        last_closed_at = CASE WHEN h.last_z_no IS NOT DISTINCT FROM EXCLUDED.last_z_no
                              THEN coalesce(h.last_closed_at, EXCLUDED.last_closed_at)
                              ELSE EXCLUDED.last_closed_at END,
        last_difference = EXCLUDED.last_difference, beats = h.beats + 1;
    -- a wake-up for the console, sent as this (rare) transaction commits
    PERFORM pg_notify('{CHANNEL}', p_till::text);
    RETURN json_build_object('seen_at', v_now);
END $$
"""

FUNCTION = "tillcard_heartbeat(integer, json)"


def upgrade() -> None:
    utc = tillcard.store.types.UtcDateTime(timezone=True)
    op.create_table(
        "till_heartbeats",
        sa.Column("till_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", utc, nullable=False),  # the server's clock
        sa.Column("app_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("link_state", sa.String(16), nullable=False),
        sa.Column("link_since", utc, nullable=False),
        sa.Column("unsent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("printer", sa.String(40), nullable=False, server_default=""),
        sa.Column("printer_pending", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reader_ok", sa.Boolean(), nullable=True),
        sa.Column("reader", sa.String(200), nullable=False, server_default=""),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("shift_cashier", sa.Integer(), nullable=True),
        sa.Column("last_z_no", sa.Integer(), nullable=True),
        sa.Column("last_closed_at", utc, nullable=True),
        sa.Column("last_difference", sa.BigInteger(), nullable=True),
        sa.Column("beats", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"],
                                name=op.f("fk_till_heartbeats_till_id_tills")),
        sa.PrimaryKeyConstraint("till_id", name=op.f("pk_till_heartbeats")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(HEARTBEAT)
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
