"""Monthly reports: stored files (with checksums), reports and share links — under row-level security.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 12:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('stored_files', 'reports', 'report_share_links')
NOW = sa.text('now()')


def _tenant(table: str) -> list:
    return [
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f(f'fk_{table}_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f(f'fk_{table}_workspace_id_workspaces'), ondelete='CASCADE'),
    ]


def _tenant_indexes(table: str) -> None:
    op.create_index(op.f(f'ix_{table}_agency_id'), table, ['agency_id'], unique=False)
    op.create_index(op.f(f'ix_{table}_workspace_id'), table, ['workspace_id'], unique=False)


def upgrade() -> None:
    op.create_table(
        'stored_files',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        *_tenant('stored_files'),
        sa.CheckConstraint('size >= 0', name=op.f('ck_stored_files_size_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
        sa.UniqueConstraint('key', name=op.f('uq_stored_files_key')),
    )
    _tenant_indexes('stored_files')

    op.create_table(
        'reports',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), server_default='generating', nullable=False),
        sa.Column('progress', sa.SmallInteger(), server_default='0', nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('figures', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column('commentary', sa.Text(), server_default='', nullable=False),
        sa.Column('next_steps', sa.Text(), server_default='', nullable=False),
        sa.Column('generated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('generation', sa.Integer(), server_default='0', nullable=False),
        sa.Column('file_id', sa.BigInteger(), nullable=True),
        sa.Column('checksum', sa.String(length=64), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_by_id', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('reports'),
        sa.CheckConstraint("status in ('generating','draft','published','failed')",
                           name=op.f('ck_reports_status_known')),
        sa.CheckConstraint('progress between 0 and 100', name=op.f('ck_reports_progress_range')),
        sa.CheckConstraint('extract(day from month) = 1', name=op.f('ck_reports_month_first_day')),
        sa.CheckConstraint("status <> 'published' OR (file_id IS NOT NULL AND checksum IS NOT NULL)",
                           name=op.f('ck_reports_published_has_file')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_reports_file_id_stored_files')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_reports_published_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
        sa.UniqueConstraint('workspace_id', 'month', name='uq_reports_workspace_month'),
    )
    _tenant_indexes('reports')

    op.create_table(
        'report_share_links',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('report_id', sa.BigInteger(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=120), server_default='', nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.BigInteger(), nullable=True),
        sa.Column('opened_count', sa.Integer(), server_default='0', nullable=False),
        *_tenant('report_share_links'),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_share_links_report_id_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_report_share_links_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_share_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_report_share_links_token_hash')),
    )
    _tenant_indexes('report_share_links')
    op.create_index(op.f('ix_report_share_links_report_id'), 'report_share_links', ['report_id'], unique=False)

    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
        op.drop_table(table)
