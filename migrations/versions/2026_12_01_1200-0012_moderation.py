"""Moderation on the platforms: one row per action (hide, delete, like, ban, private reply), under row-level
security.

Revision ID: 0012_moderation
Revises: 0011
Create Date: 2026-12-01 12:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op

from agency import rls

revision = '0012_moderation'
down_revision = '0011'
branch_labels = None
depends_on = None

NOW = sa.text('now()')
TABLE = 'moderation_actions'


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('reply_id', sa.BigInteger(), nullable=True),
        sa.Column('channel_id', sa.BigInteger(), nullable=True),
        sa.Column('author_external_id', sa.String(length=255), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=8), server_default='queued', nullable=False),
        sa.Column('attempts', sa.SmallInteger(), server_default='0', nullable=False),
        sa.Column('actor_id', sa.BigInteger(), nullable=True),
        sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('external_id', sa.String(length=255), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint("action in ('hide','unhide','delete','like','unlike','ban','unban','private_reply')",
                           name=op.f('ck_moderation_actions_action_known')),
        sa.CheckConstraint("status in ('queued','sending','done','failed')",
                           name=op.f('ck_moderation_actions_status_known')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_moderation_actions_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_moderation_actions_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_moderation_actions_interaction_id_interactions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_moderation_actions_reply_id_replies'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'],
                                name=op.f('fk_moderation_actions_channel_id_channels'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_actions_actor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_actions')),
    )
    op.create_index(op.f('ix_moderation_actions_agency_id'), TABLE, ['agency_id'], unique=False)
    op.create_index(op.f('ix_moderation_actions_workspace_id'), TABLE, ['workspace_id'], unique=False)
    op.create_index('ix_moderation_actions_interaction', TABLE, ['interaction_id', sa.text('id DESC')], unique=False)
    op.create_index('ix_moderation_actions_author', TABLE, ['channel_id', 'author_external_id'], unique=False,
                    postgresql_where=sa.text("action in ('ban','unban')"))
    op.create_index('ix_moderation_actions_pending', TABLE, ['status'], unique=False,
                    postgresql_where=sa.text("status in ('queued','sending')"))
    op.create_index('ix_moderation_actions_ws_done', TABLE, ['workspace_id', 'done_at'], unique=False,
                    postgresql_where=sa.text("status = 'done'"))
    for statement in rls.enable_statements(TABLE):
        op.execute(statement)


def downgrade() -> None:
    for statement in rls.disable_statements(TABLE):
        op.execute(statement)
    op.drop_table(TABLE)
