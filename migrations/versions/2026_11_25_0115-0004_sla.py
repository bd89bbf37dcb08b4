"""SLA engine: business calendars, policies and their targets, pauses, sent alerts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:30:00

Written by hand. Due times and states already live on ``interactions`` (revision 0003).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

METRICS = "'first_response', 'next_response', 'resolution'"


def _tenant_columns(*, workspace: bool = False) -> list:
    columns = [sa.Column('agency_id', sa.BigInteger(), nullable=False)]
    if workspace:
        columns.append(sa.Column('workspace_id', sa.BigInteger(), nullable=False))
    return columns


def _tenant_constraints(table: str, *, workspace: bool = False) -> list:
    constraints = [sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f(f'fk_{table}_agency_id_agencies'),
                                           ondelete='CASCADE')]
    if workspace:
        constraints.append(sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                                   name=op.f(f'fk_{table}_workspace_id_workspaces'), ondelete='CASCADE'))
    return constraints


def _tenant_indexes(table: str, *, workspace: bool = False) -> None:
    op.create_index(op.f(f'ix_{table}_agency_id'), table, ['agency_id'], unique=False)
    if workspace:
        op.create_index(op.f(f'ix_{table}_workspace_id'), table, ['workspace_id'], unique=False)


def upgrade() -> None:
    op.create_table(
        'sla_calendars',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        *_tenant_columns(),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        *_tenant_constraints('sla_calendars'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendars')),
        sa.UniqueConstraint('agency_id', 'name', name='uq_sla_calendars_agency_name'),
    )
    _tenant_indexes('sla_calendars')

    op.create_table(
        'sla_policies',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=True),
        sa.Column('calendar_mode', sa.String(length=8), nullable=True),
        sa.Column('calendar_id', sa.BigInteger(), nullable=True),
        sa.Column('warn_minutes', sa.Integer(), nullable=True),
        sa.Column('warn_percent', sa.SmallInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        *_tenant_columns(),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("calendar_mode is distinct from 'custom' or calendar_id is not null",
                           name=op.f('ck_sla_policies_custom_needs_calendar')),
        sa.CheckConstraint("calendar_mode is null or calendar_mode in ('default', 'custom')",
                           name=op.f('ck_sla_policies_calendar_mode_known')),
        sa.CheckConstraint('warn_minutes is null or warn_minutes between 0 and 1440',
                           name=op.f('ck_sla_policies_warn_minutes_range')),
        sa.CheckConstraint('warn_percent is null or warn_percent between 0 and 100',
                           name=op.f('ck_sla_policies_warn_percent_range')),
        *_tenant_constraints('sla_policies'),
        sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendars.id'],
                                name=op.f('fk_sla_policies_calendar_id_sla_calendars'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_sla_policies_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
        sa.UniqueConstraint('workspace_id', name='uq_sla_policies_workspace_id'),
    )
    _tenant_indexes('sla_policies')
    op.create_index(op.f('ix_sla_policies_calendar_id'), 'sla_policies', ['calendar_id'], unique=False)
    # One agency default per agency (the row without a workspace).
    op.create_index('uq_sla_policies_agency_default', 'sla_policies', ['agency_id'], unique=True,
                    postgresql_where=sa.text('workspace_id is null'))

    op.create_table(
        'sla_targets',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('policy_id', sa.BigInteger(), nullable=False),
        sa.Column('metric', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('priority', sa.String(length=8), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('business_hours', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        *_tenant_columns(),
        sa.CheckConstraint("kind in ('comment', 'reply', 'direct_message', 'review', 'mention')",
                           name=op.f('ck_sla_targets_kind_known')),
        sa.CheckConstraint(f"metric in ({METRICS})", name=op.f('ck_sla_targets_metric_known')),
        sa.CheckConstraint("priority in ('urgent', 'high', 'normal', 'low')", name=op.f('ck_sla_targets_priority_known')),
        sa.CheckConstraint('minutes between 0 and 129600', name=op.f('ck_sla_targets_minutes_range')),
        *_tenant_constraints('sla_targets'),
        sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_sla_targets_policy_id_sla_policies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_targets')),
        sa.UniqueConstraint('policy_id', 'metric', 'kind', 'priority', name='uq_sla_targets_cell'),
    )
    _tenant_indexes('sla_targets')
    op.create_index(op.f('ix_sla_targets_policy_id'), 'sla_targets', ['policy_id'], unique=False)

    op.create_table(
        'sla_alerts',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('target', sa.String(length=16), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        *_tenant_columns(workspace=True),
        sa.CheckConstraint("level in ('at_risk', 'breached')", name=op.f('ck_sla_alerts_level_known')),
        sa.CheckConstraint(f"target in ({METRICS})", name=op.f('ck_sla_alerts_target_known')),
        *_tenant_constraints('sla_alerts', workspace=True),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_sla_alerts_interaction_id_interactions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_alerts')),
        # Each alert once per interaction, target and level: the INSERT … ON CONFLICT DO NOTHING decides.
        sa.UniqueConstraint('interaction_id', 'target', 'level', name='uq_sla_alerts_once'),
    )
    _tenant_indexes('sla_alerts', workspace=True)

    op.create_table(
        'sla_pauses',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.BigInteger(), nullable=True),
        *_tenant_columns(workspace=True),
        sa.CheckConstraint("reason in ('snoozed', 'waiting_on_expert')", name=op.f('ck_sla_pauses_reason_known')),
        sa.CheckConstraint('ended_at is null or ended_at >= started_at', name=op.f('ck_sla_pauses_ends_after_start')),
        *_tenant_constraints('sla_pauses', workspace=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sla_pauses_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_sla_pauses_interaction_id_interactions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_pauses')),
    )
    _tenant_indexes('sla_pauses', workspace=True)
    op.create_index('ix_sla_pauses_interaction', 'sla_pauses', ['interaction_id', 'started_at'], unique=False)
    op.create_index('ix_sla_pauses_ended', 'sla_pauses', ['ended_at'], unique=False,
                    postgresql_where=sa.text('ended_at is not null'))
    op.create_index('uq_sla_pauses_running', 'sla_pauses', ['interaction_id', 'reason'], unique=True,
                    postgresql_where=sa.text('ended_at is null'))


def downgrade() -> None:
    op.drop_table('sla_pauses')
    op.drop_table('sla_alerts')
    op.drop_table('sla_targets')
    op.drop_table('sla_policies')
    op.drop_table('sla_calendars')
