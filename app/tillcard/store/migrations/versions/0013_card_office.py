"""the card office: issue, recharge, freeze, replace, close, PINs, validity, corrections, allowance

- ``holders.phone``; ``card_types.deposit`` and ``card_fee``; ``cards.status_reason`` (why
  frozen or lost, for the cashier), ``cards.deposit_held`` (refunded on closing) and
  ``cards.replaced_by`` (a replaced card stays blocked for ever).
- ``allowance_batches``: one row per card type, period and kind (grant or reset), so a
  batch asked twice applies once.
- One correction per recharge: a partial unique index, like one void per sale (0006).
- PostgreSQL: the card office's SECURITY DEFINER functions (``sql_0013``), EXECUTE revoked
  from PUBLIC; ``tillcard db roles`` grants them to ``tillcard_admin`` only.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import tillcard.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    # plain ADD COLUMN on both engines: SQLite keeps the tables (and their triggers)
    op.add_column("holders", sa.Column("phone", sa.String(40), nullable=False,
                                       server_default=""))
    op.add_column("card_types", sa.Column("deposit", sa.BigInteger(), nullable=False,
                                          server_default="0"))
    op.add_column("card_types", sa.Column("card_fee", sa.BigInteger(), nullable=False,
                                          server_default="0"))
    op.add_column("cards", sa.Column("status_reason", sa.Text(), nullable=False,
                                     server_default=""))
    op.add_column("cards", sa.Column("deposit_held", sa.BigInteger(), nullable=False,
                                     server_default="0"))
    op.add_column("cards", sa.Column("replaced_by", sa.Integer(), nullable=True))
    op.create_table(
        "allowance_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("card_type_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("at", tillcard.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["card_type_id"], ["card_types.id"],
                                name=op.f("fk_allowance_batches_card_type_id_card_types")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_batches")),
        sa.UniqueConstraint("card_type_id", "period", "kind",
                            name="uq_allowance_batches_type_period_kind"),
    )
    op.create_index("uq_journal_correction_of", "journal", ["refers_to"], unique=True,
                    sqlite_where=sa.text("kind = 'correction'"),
                    postgresql_where=sa.text("kind = 'correction'"))
    if not pg:
        return
    from tillcard.store.migrations import sql_0013 as v13

    for sql in v13.FUNCTIONS:
        op.execute(sql)
    for fn in (*v13.INTERNAL, *v13.ADMIN):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
