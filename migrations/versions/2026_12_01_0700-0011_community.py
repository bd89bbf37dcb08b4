"""Community management: tone guides, settings, saved replies, experts and escalations, crisis plans,
incidents and their timeline, shitstorm signals, proactive replies — all under row-level security.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 07:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('tone_guides', 'community_settings', 'saved_replies', 'experts', 'escalations', 'crisis_plans',
          'crisis_incidents', 'incident_events', 'storm_signals', 'proactive_replies', 'reply_checks')
JSONB = postgresql.JSONB(astext_type=sa.Text())
NOW = sa.text('now()')


def _tenant(table: str, *, workspace: bool = True) -> list:
    items = [
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f(f'fk_{table}_agency_id_agencies'),
                                ondelete='CASCADE'),
    ]
    if workspace:
        items += [
            sa.Column('workspace_id', sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                    name=op.f(f'fk_{table}_workspace_id_workspaces'), ondelete='CASCADE'),
        ]
    return items


def _tenant_indexes(table: str, *, workspace: bool = True) -> None:
    op.create_index(op.f(f'ix_{table}_agency_id'), table, ['agency_id'], unique=False)
    if workspace:
        op.create_index(op.f(f'ix_{table}_workspace_id'), table, ['workspace_id'], unique=False)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['users.id'], name=op.f(f'fk_{table}_{column}_users'),
                                   ondelete='SET NULL')


def upgrade() -> None:
    op.create_table(
        'tone_guides',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('persona_name', sa.String(length=80), server_default='', nullable=False),
        sa.Column('persona_role', sa.String(length=120), server_default='', nullable=False),
        sa.Column('signature_template', sa.String(length=200), server_default='', nullable=False),
        sa.Column('preferred_words', postgresql.ARRAY(sa.String(length=80)), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column('banned', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('brands', postgresql.ARRAY(sa.String(length=80)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('emoji_policy', sa.String(length=10), server_default='sparingly', nullable=False),
        sa.Column('typical_length', sa.Integer(), nullable=True),
        sa.Column('guide_markdown', sa.Text(), server_default='', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('tone_guides'),
        sa.CheckConstraint("emoji_policy in ('none', 'sparingly', 'free')", name=op.f('ck_tone_guides_emoji_policy_known')),
        sa.CheckConstraint('typical_length is null or typical_length between 10 and 10000',
                           name=op.f('ck_tone_guides_typical_length_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tone_guides')),
        sa.UniqueConstraint('workspace_id', name='uq_tone_guides_workspace_id'),
    )
    _tenant_indexes('tone_guides')

    op.create_table(
        'community_settings',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('escalation_pauses_sla', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('reminder_hours', sa.SmallInteger(), server_default='4', nullable=False),
        sa.Column('link_days', sa.SmallInteger(), server_default='7', nullable=False),
        sa.Column('detection_enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('detection_snoozed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('detection_snooze_reason', sa.String(length=200), server_default='', nullable=False),
        sa.Column('crisis_keywords', postgresql.ARRAY(sa.String(length=60)), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column('detection_last', JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column('detection_checked_at', sa.DateTime(timezone=True), nullable=True),
        *_tenant('community_settings'),
        sa.CheckConstraint('reminder_hours between 1 and 200', name=op.f('ck_community_settings_reminder_hours_range')),
        sa.CheckConstraint('link_days between 1 and 60', name=op.f('ck_community_settings_link_days_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_community_settings')),
        sa.UniqueConstraint('workspace_id', name='uq_community_settings_workspace_id'),
    )
    _tenant_indexes('community_settings')

    op.create_table(
        'saved_replies',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=True),
        sa.Column('kind', sa.String(length=8), server_default='reply', nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('language', sa.String(length=2), server_default='de', nullable=False),
        sa.Column('tags', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('text_formal', sa.Text(), server_default='', nullable=False),
        sa.Column('text_informal', sa.Text(), server_default='', nullable=False),
        sa.Column('usage_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('saved_replies', workspace=False),
        sa.CheckConstraint("kind in ('reply', 'holding')", name=op.f('ck_saved_replies_kind_known')),
        sa.CheckConstraint("language in ('de', 'en')", name=op.f('ck_saved_replies_language_known')),
        sa.CheckConstraint("text_formal <> '' or text_informal <> ''", name=op.f('ck_saved_replies_has_text')),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_saved_replies_workspace_id_workspaces'),
                                ondelete='CASCADE'),
        _user_fk('saved_replies', 'created_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_replies')),
    )
    _tenant_indexes('saved_replies', workspace=False)
    op.create_index(op.f('ix_saved_replies_workspace_id'), 'saved_replies', ['workspace_id'], unique=False)
    op.create_index('uq_saved_replies_title', 'saved_replies',
                    ['agency_id', sa.text('coalesce(workspace_id, 0)'), sa.text('lower(title)')], unique=True)

    op.create_table(
        'experts',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('phone', sa.String(length=40), server_default='', nullable=False),
        sa.Column('topics', postgresql.ARRAY(sa.String(length=60)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('availability', sa.String(length=300), server_default='', nullable=False),
        sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('experts'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_experts')),
    )
    _tenant_indexes('experts')
    op.create_index('uq_experts_email', 'experts', ['workspace_id', sa.text('lower(email)')], unique=True)

    op.create_table(
        'escalations',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('expert_id', sa.BigInteger(), nullable=False),
        sa.Column('asked_by_id', sa.BigInteger(), nullable=True),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), server_default='waiting', nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('paused_sla', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('reminder_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('escalations'),
        sa.CheckConstraint("status in ('waiting', 'answered', 'cancelled')", name=op.f('ck_escalations_status_known')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_escalations_interaction_id_interactions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_escalations_expert_id_experts'),
                                ondelete='CASCADE'),
        _user_fk('escalations', 'asked_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    )
    _tenant_indexes('escalations')
    op.create_index(op.f('ix_escalations_expert_id'), 'escalations', ['expert_id'], unique=False)
    op.create_index('ix_escalations_interaction', 'escalations', ['interaction_id'], unique=False)
    op.create_index('ix_escalations_waiting', 'escalations', ['status', 'created_at'], unique=False,
                    postgresql_where=sa.text("status = 'waiting'"))
    op.create_index('uq_escalations_waiting', 'escalations', ['interaction_id', 'expert_id'], unique=True,
                    postgresql_where=sa.text("status = 'waiting'"))

    op.create_table(
        'crisis_plans',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('severity_levels', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('checklist', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('contacts', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('approval_chain', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('crisis_plans'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_plans')),
        sa.UniqueConstraint('workspace_id', name='uq_crisis_plans_workspace_id'),
    )
    _tenant_indexes('crisis_plans')

    op.create_table(
        'crisis_incidents',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=8), server_default='open', nullable=False),
        sa.Column('severity', sa.String(length=80), server_default='', nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('opened_by_id', sa.BigInteger(), nullable=True),
        sa.Column('trigger', JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column('explanation', sa.Text(), server_default='', nullable=False),
        sa.Column('checklist', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.BigInteger(), nullable=True),
        sa.Column('summary', sa.Text(), server_default='', nullable=False),
        *_tenant('crisis_incidents'),
        sa.CheckConstraint("status in ('open', 'closed')", name=op.f('ck_crisis_incidents_status_known')),
        sa.CheckConstraint("status = 'open' or closed_at is not null", name=op.f('ck_crisis_incidents_closed_has_time')),
        _user_fk('crisis_incidents', 'opened_by_id'),
        _user_fk('crisis_incidents', 'closed_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_incidents')),
    )
    _tenant_indexes('crisis_incidents')
    op.create_index('uq_crisis_incidents_open', 'crisis_incidents', ['workspace_id'], unique=True,
                    postgresql_where=sa.text("status = 'open'"))
    op.create_index('ix_crisis_incidents_opened', 'crisis_incidents', ['workspace_id', 'opened_at'], unique=False)

    op.create_table(
        'incident_events',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), server_default='', nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('data', JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('incident_events'),
        sa.CheckConstraint(
            "kind in ('opened', 'signal', 'note', 'checklist', 'notification', 'closed', 'reopened')",
            name=op.f('ck_incident_events_kind_known')),
        sa.ForeignKeyConstraint(['incident_id'], ['crisis_incidents.id'],
                                name=op.f('fk_incident_events_incident_id_crisis_incidents'), ondelete='CASCADE'),
        _user_fk('incident_events', 'user_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events')),
    )
    _tenant_indexes('incident_events')
    op.create_index('ix_incident_events_incident', 'incident_events', ['incident_id', 'created_at'], unique=False)

    op.create_table(
        'storm_signals',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('stats', JSONB, nullable=False),
        sa.Column('explanation', sa.Text(), server_default='', nullable=False),
        sa.Column('suppressed', sa.String(length=16), server_default='', nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('storm_signals'),
        sa.CheckConstraint("level in ('warning', 'alarm')", name=op.f('ck_storm_signals_level_known')),
        sa.ForeignKeyConstraint(['incident_id'], ['crisis_incidents.id'],
                                name=op.f('fk_storm_signals_incident_id_crisis_incidents'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_storm_signals')),
        sa.UniqueConstraint('workspace_id', 'window_end', name='uq_storm_signals_window'),
    )
    _tenant_indexes('storm_signals')
    op.create_index('ix_storm_signals_recent', 'storm_signals', ['workspace_id', 'created_at'], unique=False)

    op.create_table(
        'proactive_replies',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger(), nullable=False),
        sa.Column('reply_id', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        *_tenant('proactive_replies'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_proactive_replies_interaction_id_interactions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_proactive_replies_reply_id_replies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proactive_replies')),
        sa.UniqueConstraint('reply_id', name='uq_proactive_replies_reply_id'),
    )
    _tenant_indexes('proactive_replies')
    op.create_index('ix_proactive_replies_month', 'proactive_replies', ['workspace_id', 'sent_at'], unique=False)

    op.create_table(
        'reply_checks',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('reply_id', sa.BigInteger(), nullable=False),
        sa.Column('remarks', sa.SmallInteger(), server_default='0', nullable=False),
        sa.Column('findings', JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        *_tenant('reply_checks'),
        sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_checks_reply_id_replies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_checks')),
        sa.UniqueConstraint('reply_id', name='uq_reply_checks_reply_id'),
    )
    _tenant_indexes('reply_checks')
    op.create_index('ix_reply_checks_month', 'reply_checks', ['workspace_id', 'checked_at'], unique=False)

    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
        op.drop_table(table)
