"""Channels (encrypted tokens, sync state), interactions (with workflow fields), notifications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:32:58.377908
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channels',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_account_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('access_token', sa.LargeBinary(), nullable=False),
    sa.Column('refresh_token', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('backoff_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_interval_seconds', sa.Integer(), server_default='120', nullable=False),
    sa.Column('sync_cursor', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('backfill_days', sa.Integer(), server_default='60', nullable=False),
    sa.Column('backfill_progress', sa.Float(), nullable=True),
    sa.Column('backfill_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('items_synced', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("platform in ('facebook_page','instagram_business','google_business_profile','youtube_channel')", name=op.f('ck_channels_platform_known')),
    sa.CheckConstraint("status in ('active','paused','needs_reauth','error')", name=op.f('ck_channels_status_known')),
    sa.CheckConstraint('sync_interval_seconds between 30 and 86400', name=op.f('ck_channels_sync_interval_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_channels_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_channels_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channels')),
    sa.UniqueConstraint('workspace_id', 'platform', 'external_account_id', name='uq_channels_workspace_account')
    )
    op.create_index(op.f('ix_channels_agency_id'), 'channels', ['agency_id'], unique=False)
    op.create_index('ix_channels_due', 'channels', ['next_sync_at'], unique=False, postgresql_where=sa.text("status in ('active','error')"))
    op.create_index('ix_channels_platform_account', 'channels', ['platform', 'external_account_id'], unique=False)
    op.create_index(op.f('ix_channels_workspace_id'), 'channels', ['workspace_id'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notifications_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_notifications_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index(op.f('ix_notifications_agency_id'), 'notifications', ['agency_id'], unique=False)
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at', 'created_at'], unique=False)
    op.create_index(op.f('ix_notifications_workspace_id'), 'notifications', ['workspace_id'], unique=False)
    op.create_index('uq_notifications_user_dedupe', 'notifications', ['user_id', 'dedupe_key'], unique=True)
    op.create_table('interactions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_external_id', sa.String(length=255), nullable=True),
    sa.Column('thread_external_id', sa.String(length=255), nullable=True),
    sa.Column('context_text', sa.Text(), nullable=True),
    sa.Column('context_url', sa.String(length=1000), nullable=True),
    sa.Column('author_name', sa.String(length=300), nullable=False),
    sa.Column('author_external_id', sa.String(length=255), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('permalink', sa.String(length=1000), nullable=True),
    sa.Column('platform_created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('platform_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_own', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='new', nullable=False),
    sa.Column('assignee_id', sa.BigInteger(), nullable=True),
    sa.Column('priority', sa.String(length=8), server_default='normal', nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('sentiment_score', sa.Float(), nullable=True),
    sa.Column('sentiment_label', sa.String(length=8), nullable=True),
    sa.Column('is_question', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_spam', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_opportunity', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind in ('comment','reply','direct_message','review','mention')", name=op.f('ck_interactions_kind_known')),
    sa.CheckConstraint("priority in ('low','normal','high','urgent')", name=op.f('ck_interactions_priority_known')),
    sa.CheckConstraint("status in ('new','open','waiting','replied','closed','ignored','spam')", name=op.f('ck_interactions_status_known')),
    sa.CheckConstraint('rating is null or rating between 1 and 5', name=op.f('ck_interactions_rating_range')),
    sa.CheckConstraint('sentiment_score is null or sentiment_score between -1 and 1', name=op.f('ck_interactions_sentiment_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_interactions_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_interactions_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_interactions_channel_id_channels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_interactions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions')),
    sa.UniqueConstraint('channel_id', 'external_id', name='uq_interactions_channel_external')
    )
    op.create_index(op.f('ix_interactions_agency_id'), 'interactions', ['agency_id'], unique=False)
    op.create_index(op.f('ix_interactions_assignee_id'), 'interactions', ['assignee_id'], unique=False)
    op.create_index('ix_interactions_author', 'interactions', ['workspace_id', 'author_external_id'], unique=False)
    op.create_index(op.f('ix_interactions_channel_id'), 'interactions', ['channel_id'], unique=False)
    op.create_index('ix_interactions_children', 'interactions', ['channel_id', 'parent_external_id'], unique=False, postgresql_where=sa.text('parent_external_id is not null'))
    op.create_index('ix_interactions_thread', 'interactions', ['channel_id', 'thread_external_id'], unique=False)
    op.create_index(op.f('ix_interactions_workspace_id'), 'interactions', ['workspace_id'], unique=False)
    op.create_index('ix_interactions_ws_open', 'interactions', ['workspace_id', 'status', sa.literal_column('platform_created_at DESC')], unique=False, postgresql_where=sa.text("status in ('new','open','waiting')"))
    op.create_index('ix_interactions_ws_time', 'interactions', ['workspace_id', sa.literal_column('platform_created_at DESC'), sa.literal_column('id DESC')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_interactions_ws_time', table_name='interactions')
    op.drop_index('ix_interactions_ws_open', table_name='interactions', postgresql_where=sa.text("status in ('new','open','waiting')"))
    op.drop_index(op.f('ix_interactions_workspace_id'), table_name='interactions')
    op.drop_index('ix_interactions_thread', table_name='interactions')
    op.drop_index('ix_interactions_children', table_name='interactions', postgresql_where=sa.text('parent_external_id is not null'))
    op.drop_index(op.f('ix_interactions_channel_id'), table_name='interactions')
    op.drop_index('ix_interactions_author', table_name='interactions')
    op.drop_index(op.f('ix_interactions_assignee_id'), table_name='interactions')
    op.drop_index(op.f('ix_interactions_agency_id'), table_name='interactions')
    op.drop_table('interactions')
    op.drop_index('uq_notifications_user_dedupe', table_name='notifications')
    op.drop_index(op.f('ix_notifications_workspace_id'), table_name='notifications')
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.drop_index(op.f('ix_notifications_agency_id'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_channels_workspace_id'), table_name='channels')
    op.drop_index('ix_channels_platform_account', table_name='channels')
    op.drop_index('ix_channels_due', table_name='channels', postgresql_where=sa.text("status in ('active','error')"))
    op.drop_index(op.f('ix_channels_agency_id'), table_name='channels')
    op.drop_table('channels')
