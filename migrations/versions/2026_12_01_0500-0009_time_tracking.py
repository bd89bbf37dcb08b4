"""Time per client: activities, time entries, settings, retainers, month closes, plans, inbox spans.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:10:00

Written by hand from the models of agency/timetracking; every table is under row-level security.
``time_entries.invoice_id`` has no foreign key: billing (a package above) owns invoices.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = (
    'time_activities',
    'time_settings',
    'time_absences',
    'time_activity_budgets',
    'time_budget_alerts',
    'time_month_closes',
    'time_planned',
    'time_staff_settings',
    'time_workspace_settings',
    'time_entries',
    'time_inbox_spans',
)


def upgrade() -> None:
    op.create_table('time_activities',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('billable', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('position', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('archived', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_activities_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_activities')),
    sa.UniqueConstraint('agency_id', 'name', name='uq_time_activities_agency_name')
    )
    op.create_index(op.f('ix_time_activities_agency_id'), 'time_activities', ['agency_id'], unique=False)
    op.create_table('time_settings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('idle_cutoff_minutes', sa.Integer(), server_default=sa.text('5'), nullable=False),
    sa.Column('long_timer_hours', sa.Integer(), server_default=sa.text('10'), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('idle_cutoff_minutes BETWEEN 1 AND 60', name=op.f('ck_time_settings_idle_cutoff_range')),
    sa.CheckConstraint('long_timer_hours BETWEEN 1 AND 24', name=op.f('ck_time_settings_long_timer_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_settings')),
    sa.UniqueConstraint('agency_id', name='uq_time_settings_agency')
    )
    op.create_index(op.f('ix_time_settings_agency_id'), 'time_settings', ['agency_id'], unique=False)
    op.create_table('time_absences',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('vacation','sick','other')", name=op.f('ck_time_absences_kind_known')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_time_absences_range_valid')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_absences_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_time_absences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_absences'))
    )
    op.create_index(op.f('ix_time_absences_agency_id'), 'time_absences', ['agency_id'], unique=False)
    op.create_index('ix_time_absences_user_start', 'time_absences', ['user_id', 'starts_on'], unique=False)
    op.create_table('time_activity_budgets',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('activity_id', sa.BigInteger(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('minutes BETWEEN 0 AND 1000000', name=op.f('ck_time_activity_budgets_minutes_range')),
    sa.ForeignKeyConstraint(['activity_id'], ['time_activities.id'], name=op.f('fk_time_activity_budgets_activity_id_time_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_activity_budgets_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_activity_budgets_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_activity_budgets')),
    sa.UniqueConstraint('workspace_id', 'activity_id', name='uq_time_activity_budgets_workspace_activity')
    )
    op.create_index(op.f('ix_time_activity_budgets_agency_id'), 'time_activity_budgets', ['agency_id'], unique=False)
    op.create_index(op.f('ix_time_activity_budgets_workspace_id'), 'time_activity_budgets', ['workspace_id'], unique=False)
    op.create_table('time_budget_alerts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('used_minutes', sa.Integer(), nullable=False),
    sa.Column('available_minutes', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_budget_alerts_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_budget_alerts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_budget_alerts')),
    sa.UniqueConstraint('workspace_id', 'month', 'threshold', name='uq_time_budget_alerts_once')
    )
    op.create_index(op.f('ix_time_budget_alerts_agency_id'), 'time_budget_alerts', ['agency_id'], unique=False)
    op.create_index(op.f('ix_time_budget_alerts_workspace_id'), 'time_budget_alerts', ['workspace_id'], unique=False)
    op.create_table('time_month_closes',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_by_id', sa.BigInteger(), nullable=True),
    sa.Column('budget_minutes', sa.Integer(), nullable=True),
    sa.Column('carry_in', sa.Integer(), nullable=False),
    sa.Column('used_minutes', sa.Integer(), nullable=False),
    sa.Column('carry_out', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_month_closes_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_time_month_closes_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_month_closes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_month_closes')),
    sa.UniqueConstraint('workspace_id', 'month', name='uq_time_month_closes_workspace_month')
    )
    op.create_index(op.f('ix_time_month_closes_agency_id'), 'time_month_closes', ['agency_id'], unique=False)
    op.create_index(op.f('ix_time_month_closes_workspace_id'), 'time_month_closes', ['workspace_id'], unique=False)
    op.create_table('time_planned',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('extract(isodow from week) = 1', name=op.f('ck_time_planned_week_is_monday')),
    sa.CheckConstraint('minutes BETWEEN 0 AND 6000', name=op.f('ck_time_planned_minutes_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_planned_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_time_planned_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_planned_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_planned')),
    sa.UniqueConstraint('user_id', 'workspace_id', 'week', name='uq_time_planned_user_workspace_week')
    )
    op.create_index(op.f('ix_time_planned_agency_id'), 'time_planned', ['agency_id'], unique=False)
    op.create_index('ix_time_planned_agency_week', 'time_planned', ['agency_id', 'week'], unique=False)
    op.create_index(op.f('ix_time_planned_user_id'), 'time_planned', ['user_id'], unique=False)
    op.create_index(op.f('ix_time_planned_workspace_id'), 'time_planned', ['workspace_id'], unique=False)
    op.create_table('time_staff_settings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('weekly_capacity_minutes', sa.Integer(), server_default=sa.text('2400'), nullable=False),
    sa.Column('country', sa.String(length=2), server_default='DE', nullable=False),
    sa.Column('subdivision', sa.String(length=8), nullable=True),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('weekly_capacity_minutes BETWEEN 0 AND 6000', name=op.f('ck_time_staff_settings_capacity_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_staff_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_time_staff_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_staff_settings')),
    sa.UniqueConstraint('user_id', name='uq_time_staff_settings_user')
    )
    op.create_index(op.f('ix_time_staff_settings_agency_id'), 'time_staff_settings', ['agency_id'], unique=False)
    op.create_table('time_workspace_settings',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('rounding_minutes', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('budget_minutes', sa.Integer(), nullable=True),
    sa.Column('rollover', sa.String(length=8), server_default='none', nullable=False),
    sa.Column('budget_starts_on', sa.Date(), nullable=True),
    sa.Column('thresholds', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("rollover in ('none','unused','both')", name=op.f('ck_time_workspace_settings_rollover_known')),
    sa.CheckConstraint('budget_minutes IS NULL OR budget_minutes BETWEEN 0 AND 1000000', name=op.f('ck_time_workspace_settings_budget_range')),
    sa.CheckConstraint('rounding_minutes in (0, 1, 5, 6, 10, 15)', name=op.f('ck_time_workspace_settings_rounding_known')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_workspace_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_workspace_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_workspace_settings')),
    sa.UniqueConstraint('workspace_id', name='uq_time_workspace_settings_workspace')
    )
    op.create_index(op.f('ix_time_workspace_settings_agency_id'), 'time_workspace_settings', ['agency_id'], unique=False)
    op.create_index(op.f('ix_time_workspace_settings_workspace_id'), 'time_workspace_settings', ['workspace_id'], unique=False)
    op.create_table('time_entries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('activity_id', sa.BigInteger(), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=2000), server_default='', nullable=False),
    sa.Column('billable', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('interaction_id', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.BigInteger(), nullable=True),
    sa.Column('long_notice_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("source in ('timer','manual','inbox')", name=op.f('ck_time_entries_source_known')),
    sa.CheckConstraint("state = 'open' OR ended_at IS NOT NULL OR started_at IS NULL", name=op.f('ck_time_entries_running_is_open')),
    sa.CheckConstraint("state in ('open','approved','invoiced')", name=op.f('ck_time_entries_state_known')),
    sa.CheckConstraint('ended_at IS NULL OR (started_at IS NOT NULL AND ended_at > started_at)', name=op.f('ck_time_entries_span_valid')),
    sa.CheckConstraint('minutes >= 0 AND minutes <= 1440', name=op.f('ck_time_entries_minutes_in_day')),
    sa.ForeignKeyConstraint(['activity_id'], ['time_activities.id'], name=op.f('fk_time_entries_activity_id_time_activities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_entries_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_time_entries_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_time_entries_interaction_id_interactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_time_entries_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_entries_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_entries'))
    )
    op.create_index(op.f('ix_time_entries_activity_id'), 'time_entries', ['activity_id'], unique=False)
    op.create_index('ix_time_entries_agency_date', 'time_entries', ['agency_id', 'work_date'], unique=False)
    op.create_index(op.f('ix_time_entries_agency_id'), 'time_entries', ['agency_id'], unique=False)
    op.create_index(op.f('ix_time_entries_invoice_id'), 'time_entries', ['invoice_id'], unique=False)
    op.create_index('ix_time_entries_user_date', 'time_entries', ['user_id', 'work_date'], unique=False)
    op.create_index('ix_time_entries_workspace_date', 'time_entries', ['workspace_id', 'work_date'], unique=False,
                    postgresql_include=['minutes', 'activity_id', 'billable'])
    op.create_index(op.f('ix_time_entries_workspace_id'), 'time_entries', ['workspace_id'], unique=False)
    op.create_index('uq_time_entries_one_running', 'time_entries', ['user_id'], unique=True, postgresql_where=sa.text('started_at IS NOT NULL AND ended_at IS NULL'))
    op.create_table('time_inbox_spans',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('interaction_id', sa.BigInteger(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('time_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('ended_at >= started_at', name=op.f('ck_time_inbox_spans_span_valid')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_inbox_spans_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_time_inbox_spans_interaction_id_interactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['time_entry_id'], ['time_entries.id'], name=op.f('fk_time_inbox_spans_time_entry_id_time_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_time_inbox_spans_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_time_inbox_spans_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_inbox_spans'))
    )
    op.create_index(op.f('ix_time_inbox_spans_agency_id'), 'time_inbox_spans', ['agency_id'], unique=False)
    op.create_index('ix_time_inbox_spans_open', 'time_inbox_spans', ['user_id', 'interaction_id', 'ended_at'], unique=False, postgresql_where=sa.text('resolved_at IS NULL'))
    op.create_index('ix_time_inbox_spans_user_start', 'time_inbox_spans', ['user_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_time_inbox_spans_workspace_id'), 'time_inbox_spans', ['workspace_id'], unique=False)
    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f('ix_time_inbox_spans_workspace_id'), table_name='time_inbox_spans')
    op.drop_index('ix_time_inbox_spans_user_start', table_name='time_inbox_spans')
    op.drop_index('ix_time_inbox_spans_open', table_name='time_inbox_spans', postgresql_where=sa.text('resolved_at IS NULL'))
    op.drop_index(op.f('ix_time_inbox_spans_agency_id'), table_name='time_inbox_spans')
    op.drop_table('time_inbox_spans')
    op.drop_index('uq_time_entries_one_running', table_name='time_entries', postgresql_where=sa.text('started_at IS NOT NULL AND ended_at IS NULL'))
    op.drop_index(op.f('ix_time_entries_workspace_id'), table_name='time_entries')
    op.drop_index('ix_time_entries_workspace_date', table_name='time_entries')
    op.drop_index('ix_time_entries_user_date', table_name='time_entries')
    op.drop_index(op.f('ix_time_entries_invoice_id'), table_name='time_entries')
    op.drop_index(op.f('ix_time_entries_agency_id'), table_name='time_entries')
    op.drop_index('ix_time_entries_agency_date', table_name='time_entries')
    op.drop_index(op.f('ix_time_entries_activity_id'), table_name='time_entries')
    op.drop_table('time_entries')
    op.drop_index(op.f('ix_time_workspace_settings_workspace_id'), table_name='time_workspace_settings')
    op.drop_index(op.f('ix_time_workspace_settings_agency_id'), table_name='time_workspace_settings')
    op.drop_table('time_workspace_settings')
    op.drop_index(op.f('ix_time_staff_settings_agency_id'), table_name='time_staff_settings')
    op.drop_table('time_staff_settings')
    op.drop_index(op.f('ix_time_planned_workspace_id'), table_name='time_planned')
    op.drop_index(op.f('ix_time_planned_user_id'), table_name='time_planned')
    op.drop_index('ix_time_planned_agency_week', table_name='time_planned')
    op.drop_index(op.f('ix_time_planned_agency_id'), table_name='time_planned')
    op.drop_table('time_planned')
    op.drop_index(op.f('ix_time_month_closes_workspace_id'), table_name='time_month_closes')
    op.drop_index(op.f('ix_time_month_closes_agency_id'), table_name='time_month_closes')
    op.drop_table('time_month_closes')
    op.drop_index(op.f('ix_time_budget_alerts_workspace_id'), table_name='time_budget_alerts')
    op.drop_index(op.f('ix_time_budget_alerts_agency_id'), table_name='time_budget_alerts')
    op.drop_table('time_budget_alerts')
    op.drop_index(op.f('ix_time_activity_budgets_workspace_id'), table_name='time_activity_budgets')
    op.drop_index(op.f('ix_time_activity_budgets_agency_id'), table_name='time_activity_budgets')
    op.drop_table('time_activity_budgets')
    op.drop_index('ix_time_absences_user_start', table_name='time_absences')
    op.drop_index(op.f('ix_time_absences_agency_id'), table_name='time_absences')
    op.drop_table('time_absences')
    op.drop_index(op.f('ix_time_settings_agency_id'), table_name='time_settings')
    op.drop_table('time_settings')
    op.drop_index(op.f('ix_time_activities_agency_id'), table_name='time_activities')
    op.drop_table('time_activities')
