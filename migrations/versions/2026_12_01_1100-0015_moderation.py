"""Moderation on the platforms (one row per action: hide, delete, like, ban, private reply) and reply approval
(each workspace's setting, the replies held for approval) — all under row-level security.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

NOW = sa.text('now()')
TABLE = 'moderation_actions'
TABLES = ('moderation_actions', 'approval_settings', 'reply_approvals', 'assignment_settings', 'auto_assignments')


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

    op.create_table(
        'approval_settings',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('mode', sa.String(length=8), server_default='off', nullable=False),
        sa.Column('approver', sa.String(length=8), server_default='staff', nullable=False),
        sa.Column('rule_negative_public', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('rule_tags', postgresql.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint("mode in ('off','always','crisis','rule')", name=op.f('ck_approval_settings_mode_known')),
        sa.CheckConstraint("approver in ('staff','client')", name=op.f('ck_approval_settings_approver_known')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_approval_settings_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_approval_settings_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_settings')),
        sa.UniqueConstraint('workspace_id', name='uq_approval_settings_workspace_id'),
    )
    op.create_index(op.f('ix_approval_settings_agency_id'), 'approval_settings', ['agency_id'], unique=False)
    op.create_index(op.f('ix_approval_settings_workspace_id'), 'approval_settings', ['workspace_id'], unique=False)

    op.create_table(
        'reply_approvals',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('author_id', sa.BigInteger(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('original_text', sa.Text(), nullable=True),
        sa.Column('reason', sa.String(length=80), nullable=False),
        sa.Column('approver', sa.String(length=8), server_default='staff', nullable=False),
        sa.Column('status', sa.String(length=8), server_default='waiting', nullable=False),
        sa.Column('decided_by_id', sa.BigInteger(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('reply_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status in ('waiting','approved','rejected')", name=op.f('ck_reply_approvals_status_known')),
        sa.CheckConstraint("approver in ('staff','client')", name=op.f('ck_reply_approvals_approver_known')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_reply_approvals_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_reply_approvals_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_reply_approvals_interaction_id_interactions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_reply_approvals_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_reply_approvals_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_approvals_reply_id_replies'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_approvals')),
    )
    op.create_index(op.f('ix_reply_approvals_agency_id'), 'reply_approvals', ['agency_id'], unique=False)
    op.create_index(op.f('ix_reply_approvals_workspace_id'), 'reply_approvals', ['workspace_id'], unique=False)
    op.create_index('ix_reply_approvals_waiting', 'reply_approvals', ['workspace_id', 'created_at'], unique=False,
                    postgresql_where=sa.text("status = 'waiting'"))
    op.create_index('ix_reply_approvals_interaction', 'reply_approvals', ['interaction_id', 'created_at'],
                    unique=False)

    op.create_table(
        'assignment_settings',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('mode', sa.String(length=12), server_default='off', nullable=False),
        sa.Column('cap', sa.SmallInteger(), server_default='20', nullable=False),
        sa.Column('last_user_id', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint("mode in ('off','round_robin','least_open')",
                           name=op.f('ck_assignment_settings_mode_known')),
        sa.CheckConstraint('cap between 1 and 1000', name=op.f('ck_assignment_settings_cap_range')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_assignment_settings_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_assignment_settings_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['last_user_id'], ['users.id'],
                                name=op.f('fk_assignment_settings_last_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_settings')),
        sa.UniqueConstraint('workspace_id', name='uq_assignment_settings_workspace_id'),
    )
    op.create_index(op.f('ix_assignment_settings_agency_id'), 'assignment_settings', ['agency_id'], unique=False)
    op.create_index(op.f('ix_assignment_settings_workspace_id'), 'assignment_settings', ['workspace_id'],
                    unique=False)

    op.create_table(
        'auto_assignments',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_auto_assignments_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_auto_assignments_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_auto_assignments_interaction_id_interactions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auto_assignments_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auto_assignments')),
        sa.UniqueConstraint('interaction_id', name='uq_auto_assignments_interaction_id'),
    )
    op.create_index(op.f('ix_auto_assignments_agency_id'), 'auto_assignments', ['agency_id'], unique=False)
    op.create_index(op.f('ix_auto_assignments_workspace_id'), 'auto_assignments', ['workspace_id'], unique=False)

    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
        op.drop_table(table)
