"""people, shifts and meal windows: PINs and staff cards, lockouts, an audit trail, shifts

- ``users``: a PIN (argon2) and a staff card for signing in at a till; ``active`` is how a
  user is disabled (never deleted).
- ``sign_in_guard``: failed sign-ins and lockouts, kept where the sign-in happens and never
  replicated (a pull must not reset a lockout).
- ``audit``: where (till), before, after and why beside who, when and what; append-only
  like the journal (triggers refuse UPDATE, DELETE and TRUNCATE for everyone).
- ``meal_windows``: up to five named windows of the business day per card type, each with
  a count limit and an optional fixed price; ``card_types.refuse_outside_windows``.
- ``shifts``: a till's drawer sessions: float and count by denomination, the Z number
  (gap-free per till), the frozen Z; at most one open shift per till.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import tillcard.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"
UTC = tillcard.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("users") as b:
        b.add_column(sa.Column("pin_hash", sa.String(200), nullable=True))
        b.add_column(sa.Column("staff_uid", sa.String(32), nullable=True))
    op.create_index("uq_users_staff_uid", "users", ["staff_uid"], unique=True)
    op.create_table(
        "sign_in_guard",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", UTC, nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sign_in_guard")),
    )
    with op.batch_alter_table("audit") as b:
        b.add_column(sa.Column("till_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("before", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("after", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_subject", "audit", ["subject"])
    with op.batch_alter_table("card_types") as b:
        b.add_column(sa.Column("refuse_outside_windows", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
    op.create_table(
        "meal_windows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("card_type_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("end_min", sa.Integer(), nullable=False),
        sa.Column("count_limit", sa.Integer(), nullable=True),
        sa.Column("fixed_price", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("changed_xid", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("position BETWEEN 1 AND 5", name="ck_meal_windows_position"),
        sa.CheckConstraint("start_min >= 0 AND end_min <= 1440 AND start_min < end_min",
                           name="ck_meal_windows_span"),
        sa.ForeignKeyConstraint(["card_type_id"], ["card_types.id"],
                                name=op.f("fk_meal_windows_card_type_id_card_types")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meal_windows")),
        sa.UniqueConstraint("card_type_id", "position", name="uq_meal_windows_type_position"),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("till_id", sa.Integer(), nullable=False),
        sa.Column("z_no", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        # the till's own record before and after the shift (journal seq, or outbox n)
        sa.Column("open_mark", sa.BigInteger(), nullable=False),
        sa.Column("close_mark", sa.BigInteger(), nullable=True),
        sa.Column("float_counts", sa.Text(), nullable=False),
        sa.Column("float_total", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("counted_total", sa.BigInteger(), nullable=True),
        sa.Column("expected", sa.BigInteger(), nullable=True),
        sa.Column("difference", sa.BigInteger(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        sa.UniqueConstraint("till_id", "z_no", name="uq_shifts_till_z"),
    )
    # at most one open shift per till, whatever the code above it does
    op.create_index("uq_shifts_one_open", "shifts", ["till_id"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"),
                    postgresql_where=sa.text("closed_at IS NULL"))
    if pg:
        for sql in PG_UP:
            op.execute(sql)
    else:
        for sql in SQLITE_UP:
            op.execute(sql)


SQLITE_UP = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'audit is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
       BEGIN SELECT RAISE(ABORT, 'audit is append-only: DELETE refused'); END""",
    # a closed shift is frozen: its Z is what was printed
    """CREATE TRIGGER shifts_frozen BEFORE UPDATE ON shifts WHEN OLD.closed_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'a closed shift is frozen'); END""",
    """CREATE TRIGGER shifts_kept BEFORE DELETE ON shifts
       BEGIN SELECT RAISE(ABORT, 'a shift is never deleted'); END""",
]

PG_UP = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
       FOR EACH ROW EXECUTE FUNCTION tillcard_journal_immutable()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
       FOR EACH STATEMENT EXECUTE FUNCTION tillcard_journal_immutable()""",
    f"""CREATE OR REPLACE FUNCTION tillcard_shift_frozen() RETURNS trigger
        LANGUAGE plpgsql {PATH} AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR OLD.closed_at IS NOT NULL THEN
                RAISE EXCEPTION 'a shift is never deleted, and a closed one is frozen'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER shifts_frozen BEFORE UPDATE OR DELETE ON shifts
       FOR EACH ROW EXECUTE FUNCTION tillcard_shift_frozen()""",
    """CREATE TRIGGER meal_windows_changed BEFORE INSERT OR UPDATE ON meal_windows
       FOR EACH ROW EXECUTE FUNCTION tillcard_mark_changed()""",
    """CREATE TRIGGER meal_windows_notify AFTER INSERT OR UPDATE OR DELETE ON meal_windows
       FOR EACH STATEMENT EXECUTE FUNCTION tillcard_notify_change()""",
    # what a till may know of users: the new columns too, never the admins
    """CREATE OR REPLACE VIEW till_users WITH (security_barrier) AS
       SELECT * FROM users WHERE role IN ('cashier', 'manager')""",
]


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
