"""Ingest in the platform's order: versions of an interaction's copy and removal; authors' avatars.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 06:00:00

Written by hand. Existing rows get the version of what they show (the edit time, else the creation
time), so that a late re-delivery of something older does not revert them; rows already deleted get
a removal dated now — only a sync after this upgrade that still finds them on the platform brings
them back. The author index gains the creation time, so an author's newest items are an index scan.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None



def upgrade() -> None:
    op.add_column('interactions', sa.Column('author_avatar_url', sa.String(length=1000), nullable=True))
    op.add_column('interactions', sa.Column('platform_version', sa.BigInteger(), server_default='0',
                                            nullable=False))
    op.add_column('interactions', sa.Column('removed_version', sa.BigInteger(), nullable=True))
    # Microseconds since the epoch, times four, plus the rank (0 copy, 1 edit, 2 removal): agency.inbox.ingest.
    op.execute("UPDATE interactions SET platform_version = "
               "floor(extract(epoch FROM coalesce(platform_updated_at, platform_created_at)) * 1000000)::bigint * 4 "
               "+ CASE WHEN platform_updated_at IS NULL THEN 0 ELSE 1 END")
    op.execute("UPDATE interactions SET removed_version = floor(extract(epoch FROM now()) * 1000000)::bigint * 4 + 2 "
               "WHERE is_deleted")
    op.drop_index('ix_interactions_author', table_name='interactions')
    op.create_index('ix_interactions_author', 'interactions',
                    ['workspace_id', 'author_external_id', sa.text('platform_created_at DESC')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_interactions_author', table_name='interactions')
    op.create_index('ix_interactions_author', 'interactions', ['workspace_id', 'author_external_id'], unique=False)
    op.drop_column('interactions', 'removed_version')
    op.drop_column('interactions', 'platform_version')
    op.drop_column('interactions', 'author_avatar_url')
