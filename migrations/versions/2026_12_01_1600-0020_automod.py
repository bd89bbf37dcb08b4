"""Auto-moderation: what each inbox rule did on the platforms (acted, suggested, accepted, dismissed, undone) —
under row-level security. The rules themselves keep their conditions and actions in inbox_rules' JSON.

Revision ID: 0020_automod
Revises: 0019_report_publishing
Create Date: 2026-12-01 14:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op

from agency import rls

revision = '0020_automod'
down_revision = '0019_report_publishing'
branch_labels = None
depends_on = None

NOW = sa.text('now()')
TABLE = 'moderation_rule_runs'


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('rule_id', sa.BigInteger(), nullable=True),
        sa.Column('rule_name', sa.String(length=120), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('mode', sa.String(length=8), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('moderation_action_id', sa.BigInteger(), nullable=True),
        sa.Column('decided_by_id', sa.BigInteger(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undo_action_id', sa.BigInteger(), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint("action in ('hide','delete')", name=op.f('ck_moderation_rule_runs_action_known')),
        sa.CheckConstraint("mode in ('act','suggest')", name=op.f('ck_moderation_rule_runs_mode_known')),
        sa.CheckConstraint("outcome in ('acted','suggested','accepted','dismissed')",
                           name=op.f('ck_moderation_rule_runs_outcome_known')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_moderation_rule_runs_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_moderation_rule_runs_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rule_id'], ['inbox_rules.id'],
                                name=op.f('fk_moderation_rule_runs_rule_id_inbox_rules'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_moderation_rule_runs_interaction_id_interactions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['moderation_action_id'], ['moderation_actions.id'],
                                name=op.f('fk_moderation_rule_runs_moderation_action_id_moderation_actions'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['undo_action_id'], ['moderation_actions.id'],
                                name=op.f('fk_moderation_rule_runs_undo_action_id_moderation_actions'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_moderation_rule_runs_decided_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'],
                                name=op.f('fk_moderation_rule_runs_undone_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_rule_runs')),
        sa.UniqueConstraint('rule_id', 'interaction_id', 'action',
                            name='uq_moderation_rule_runs_rule_id_interaction_id_action'),
    )
    op.create_index(op.f('ix_moderation_rule_runs_agency_id'), TABLE, ['agency_id'], unique=False)
    op.create_index(op.f('ix_moderation_rule_runs_workspace_id'), TABLE, ['workspace_id'], unique=False)
    op.create_index('ix_moderation_rule_runs_ws', TABLE, ['workspace_id', sa.text('id DESC')], unique=False)
    op.create_index('ix_moderation_rule_runs_suggested', TABLE, ['interaction_id'], unique=False,
                    postgresql_where=sa.text("outcome = 'suggested'"))
    for statement in rls.enable_statements(TABLE):
        op.execute(statement)


def downgrade() -> None:
    for statement in rls.disable_statements(TABLE):
        op.execute(statement)
    op.drop_table(TABLE)
