"""journal: only voids are indexed on ``void_of`` (PostgreSQL)

``void_of`` is unique so a sale is voided at most once, but it is NULL on every entry that
is not a void: the unique B-tree held one NULL per sale, and because NULLs sort last every
sale at every till inserted into the same rightmost leaf page. A partial unique index
keeps the guarantee for voids (same name, same unique violation on a second void of a
sale) without an index entry, a WAL record and a contended page per sale.

SQLite keeps the plain constraint: changing a constraint there means rebuilding the table,
which would drop the journal's append-only and projection triggers.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("uq_journal_void_of", "journal", type_="unique")
    op.create_index("uq_journal_void_of", "journal", ["void_of"], unique=True,
                    postgresql_where="void_of IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("uq_journal_void_of", table_name="journal")
    op.create_unique_constraint("uq_journal_void_of", "journal", ["void_of"])
