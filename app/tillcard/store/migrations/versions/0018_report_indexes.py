"""two small partial indexes for the liability and exceptions reports

- ``ix_bonus_grants_open`` (``expires_on`` where ``remaining > 0``): the liability report
  adds up bonus that lapsed but that no entry took out yet. Every recharge with a bonus
  leaves a grant behind, used up or not, so after a year a busy site holds hundreds of
  thousands of grants of which a few hundred still hold money: reading them all was most
  of a day's liability report (50 ms of 10 million entries' site). A sale that uses bonus
  now writes this index too (its update of ``remaining`` is no longer HOT); only such
  sales pay, and only when the grant still holds money afterwards.
- ``ix_cards_blocked`` (``number`` where ``status = 'blocked'``): the exceptions report
  lists blocked cards by number without reading every card. A card's status changes only
  at the card office.

Both engines: a standalone till runs the same reports.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

OPEN = sa.text("remaining > 0")
BLOCKED = sa.text("status = 'blocked'")


def upgrade() -> None:
    op.create_index("ix_bonus_grants_open", "bonus_grants", ["expires_on"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_cards_blocked", "cards", ["number"],
                    postgresql_where=BLOCKED, sqlite_where=BLOCKED)


def downgrade() -> None:
    op.drop_index("ix_cards_blocked", table_name="cards")
    op.drop_index("ix_bonus_grants_open", table_name="bonus_grants")
