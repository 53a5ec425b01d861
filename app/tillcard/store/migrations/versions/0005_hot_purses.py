"""purses and bonus grants: no index on changed_xid, so sale updates stay HOT

Every sale rewrites its card's purse (and grants); with ``changed_xid`` indexed, each of
those updates had to add index entries (no heap-only tuple update). A pull reads the few
thousand purse rows by a scan instead, far less often than sales write them. On
PostgreSQL purse pages keep 30 % free, so the new row version fits beside the old one.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_purses_changed_xid", table_name="purses")
    op.drop_index("ix_bonus_grants_changed_xid", table_name="bonus_grants")
    if op.get_bind().dialect.name == "postgresql":
        # room on each page for the next version of a row: HOT needs the same page
        op.execute("ALTER TABLE purses SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE purses RESET (fillfactor)")
    op.create_index("ix_purses_changed_xid", "purses", ["changed_xid"])
    op.create_index("ix_bonus_grants_changed_xid", "bonus_grants", ["changed_xid"])
