"""Replies remember when they last changed (the sweeper of stuck replies leaves fresh ones alone).

Revision ID: 0005_inbox_ux
Revises: 0004
Create Date: 2026-11-26 09:00:00

Written by hand. Existing rows take the time of the upgrade: a reply stuck before it is found one
sweep interval later.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_inbox_ux'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('replies', sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                                       nullable=False))


def downgrade() -> None:
    op.drop_column('replies', 'updated_at')
