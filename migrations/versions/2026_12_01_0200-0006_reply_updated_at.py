"""Replies remember when they last changed (the sweeper of stuck replies leaves fresh ones alone).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:00:00

Written by hand. Existing rows take the time of the upgrade: a reply stuck before it is found ten
minutes (STUCK_AFTER) after it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('replies', sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                                       nullable=False))


def downgrade() -> None:
    op.drop_column('replies', 'updated_at')
