"""Inbox workflow: replies, notes, saved views, rules; SLA due times and states on interactions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:56:28.587351
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_rules',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('actions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_inbox_rules_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_inbox_rules_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_rules'))
    )
    op.create_index(op.f('ix_inbox_rules_agency_id'), 'inbox_rules', ['agency_id'], unique=False)
    op.create_index(op.f('ix_inbox_rules_workspace_id'), 'inbox_rules', ['workspace_id'], unique=False)
    op.create_table('saved_views',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_saved_views_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('user_id', 'name', name='uq_saved_views_user_name')
    )
    op.create_index(op.f('ix_saved_views_agency_id'), 'saved_views', ['agency_id'], unique=False)
    op.create_index(op.f('ix_saved_views_user_id'), 'saved_views', ['user_id'], unique=False)
    op.create_table('notes',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('interaction_id', sa.BigInteger(), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notes_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_notes_interaction_id_interactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_notes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    op.create_index(op.f('ix_notes_agency_id'), 'notes', ['agency_id'], unique=False)
    op.create_index('ix_notes_interaction', 'notes', ['interaction_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_notes_workspace_id'), 'notes', ['workspace_id'], unique=False)
    op.create_table('replies',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('interaction_id', sa.BigInteger(), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), server_default='queued', nullable=False),
    sa.Column('attempts', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('permalink', sa.String(length=1000), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('use_human_agent_tag', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('workspace_id', sa.BigInteger(), nullable=False),
    sa.Column('agency_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status in ('queued','sending','sent','failed')", name=op.f('ck_replies_status_known')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_replies_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_replies_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_replies_interaction_id_interactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_replies_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies'))
    )
    op.create_index(op.f('ix_replies_agency_id'), 'replies', ['agency_id'], unique=False)
    op.create_index('ix_replies_interaction', 'replies', ['interaction_id', 'created_at'], unique=False)
    op.create_index('ix_replies_pending', 'replies', ['status'], unique=False, postgresql_where=sa.text("status in ('queued','sending')"))
    op.create_index(op.f('ix_replies_workspace_id'), 'replies', ['workspace_id'], unique=False)
    op.add_column('interactions', sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('awaiting_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('last_reply_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('first_responded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('next_response_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('sla_state', sa.String(length=12), nullable=True))
    op.add_column('interactions', sa.Column('sla_paused_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('interactions', sa.Column('sla_pause_reason', sa.String(length=32), nullable=True))
    op.add_column('interactions', sa.Column(
        'search_vector', postgresql.TSVECTOR(),
        sa.Computed("setweight(to_tsvector((CASE language WHEN 'de' THEN 'german'::regconfig WHEN 'en' THEN "
                    "'english'::regconfig ELSE 'simple'::regconfig END), coalesce(text, '')), 'A') || "
                    "setweight(to_tsvector('simple'::regconfig, coalesce(author_name, '')), 'B')",
                    persisted=True), nullable=True))
    op.create_index('ix_interactions_search', 'interactions', ['search_vector'], unique=False,
                    postgresql_using='gin')
    op.create_index('ix_interactions_due_scan', 'interactions', ['sla_due_at'], unique=False, postgresql_where=sa.text("status in ('new','open','waiting') and sla_due_at is not null"))
    op.create_index('ix_interactions_ws_due', 'interactions', ['workspace_id', 'sla_due_at'], unique=False, postgresql_where=sa.text("status in ('new','open','waiting') and sla_due_at is not null"))


def downgrade() -> None:
    op.drop_index('ix_interactions_ws_due', table_name='interactions', postgresql_where=sa.text("status in ('new','open','waiting') and sla_due_at is not null"))
    op.drop_index('ix_interactions_due_scan', table_name='interactions', postgresql_where=sa.text("status in ('new','open','waiting') and sla_due_at is not null"))
    op.drop_index('ix_interactions_search', table_name='interactions', postgresql_using='gin')
    op.drop_column('interactions', 'search_vector')
    op.drop_column('interactions', 'sla_pause_reason')
    op.drop_column('interactions', 'sla_paused_since')
    op.drop_column('interactions', 'sla_state')
    op.drop_column('interactions', 'sla_due_at')
    op.drop_column('interactions', 'resolved_at')
    op.drop_column('interactions', 'resolution_due_at')
    op.drop_column('interactions', 'next_response_due_at')
    op.drop_column('interactions', 'first_responded_at')
    op.drop_column('interactions', 'first_response_due_at')
    op.drop_column('interactions', 'last_reply_at')
    op.drop_column('interactions', 'awaiting_since')
    op.drop_column('interactions', 'snoozed_until')
    op.drop_index(op.f('ix_replies_workspace_id'), table_name='replies')
    op.drop_index('ix_replies_pending', table_name='replies', postgresql_where=sa.text("status in ('queued','sending')"))
    op.drop_index('ix_replies_interaction', table_name='replies')
    op.drop_index(op.f('ix_replies_agency_id'), table_name='replies')
    op.drop_table('replies')
    op.drop_index(op.f('ix_notes_workspace_id'), table_name='notes')
    op.drop_index('ix_notes_interaction', table_name='notes')
    op.drop_index(op.f('ix_notes_agency_id'), table_name='notes')
    op.drop_table('notes')
    op.drop_index(op.f('ix_saved_views_user_id'), table_name='saved_views')
    op.drop_index(op.f('ix_saved_views_agency_id'), table_name='saved_views')
    op.drop_table('saved_views')
    op.drop_index(op.f('ix_inbox_rules_workspace_id'), table_name='inbox_rules')
    op.drop_index(op.f('ix_inbox_rules_agency_id'), table_name='inbox_rules')
    op.drop_table('inbox_rules')
