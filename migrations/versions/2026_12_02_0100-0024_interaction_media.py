"""Media of an interaction: the pictures it carries and the picture of the post it was written on.

Revision ID: 0024_interaction_media
Revises: 0023_teams
Create Date: 2026-12-02 01:00:00

Written by hand. One nullable JSONB column, ``{"images": [url, ...], "context_image": url}``: addresses on the
platforms' image hosts, fetched and served by our server's image proxy like authors' avatars (never loaded by the
browser from a platform). Nothing to backfill: the next sync brings them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0024_interaction_media'
down_revision = '0023_teams'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('interactions', sa.Column('media', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade() -> None:
    op.drop_column('interactions', 'media')
