"""The public API (personal access tokens, webhook subscriptions and deliveries) and the DSGVO tools (the record
of data-subject requests, retention per workspace) — all under row-level security.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 12:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = ('api_tokens', 'webhook_subscriptions', 'webhook_deliveries', 'privacy_requests', 'privacy_retention')
NOW = sa.text('now()')


def _agency(table: str) -> list:
    return [
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f(f'fk_{table}_agency_id_agencies'),
                                ondelete='CASCADE'),
    ]


def upgrade() -> None:
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('scopes', postgresql.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_ip', sa.String(length=45), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_agency('api_tokens'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    op.create_index(op.f('ix_api_tokens_agency_id'), 'api_tokens', ['agency_id'], unique=False)
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)

    op.create_table(
        'webhook_subscriptions',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=True),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('description', sa.String(length=200), server_default='', nullable=False),
        sa.Column('events', postgresql.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('secret', sa.LargeBinary(), nullable=False),
        sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_by_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_agency('webhook_subscriptions'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_webhook_subscriptions_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_webhook_subscriptions_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions')),
    )
    op.create_index(op.f('ix_webhook_subscriptions_agency_id'), 'webhook_subscriptions', ['agency_id'], unique=False)
    op.create_index(op.f('ix_webhook_subscriptions_workspace_id'), 'webhook_subscriptions', ['workspace_id'],
                    unique=False)

    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('subscription_id', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('event_type', sa.String(length=32), nullable=False),
        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('state', sa.String(length=10), server_default='pending', nullable=False),
        sa.Column('attempts', sa.SmallInteger(), server_default='0', nullable=False),
        sa.Column('last_status', sa.SmallInteger(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_agency('webhook_deliveries'),
        sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'],
                                name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    )
    op.create_index(op.f('ix_webhook_deliveries_agency_id'), 'webhook_deliveries', ['agency_id'], unique=False)
    op.create_index('ix_webhook_deliveries_subscription', 'webhook_deliveries', ['subscription_id', 'id'],
                    unique=False)

    op.create_table(
        'privacy_requests',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subject', sa.String(length=80), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('handled_by_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_agency('privacy_requests'),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_privacy_requests_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_privacy_requests_handled_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests')),
    )
    op.create_index(op.f('ix_privacy_requests_agency_id'), 'privacy_requests', ['agency_id'], unique=False)
    op.create_index(op.f('ix_privacy_requests_workspace_id'), 'privacy_requests', ['workspace_id'], unique=False)

    op.create_table(
        'privacy_retention',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('months', sa.Integer(), server_default=sa.text('24'), nullable=False),
        sa.Column('action', sa.String(length=10), server_default='anonymise', nullable=False),
        sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_run_count', sa.Integer(), nullable=True),
        *_agency('privacy_retention'),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_privacy_retention_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_retention')),
        sa.UniqueConstraint('workspace_id', name='uq_privacy_retention_workspace_id'),
    )
    op.create_index(op.f('ix_privacy_retention_agency_id'), 'privacy_retention', ['agency_id'], unique=False)
    op.create_index(op.f('ix_privacy_retention_workspace_id'), 'privacy_retention', ['workspace_id'], unique=False)

    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
        op.drop_table(table)
