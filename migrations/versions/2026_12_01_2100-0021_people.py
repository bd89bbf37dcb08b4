"""People: one profile per fan of a workspace (name, labels, note) and the platform identities that are theirs
(unique per workspace, platform and author id) — both under row-level security.

Revision ID: 0021_people
Revises: 0020_automod
Create Date: 2026-12-01 21:00:00

Written by hand. Revisions 0018-0020 are written in parallel; the integrator re-chains down_revision.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from agency import rls

revision = '0021_people'
down_revision = '0020_automod'
branch_labels = None
depends_on = None

NOW = sa.text('now()')
TABLES = ('people', 'person_identities')


def _tenant(table: str) -> list:
    return [
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f(f'fk_{table}_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f(f'fk_{table}_workspace_id_workspaces'), ondelete='CASCADE'),
    ]


def upgrade() -> None:
    op.create_table(
        'people',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('display_name', sa.String(length=300), nullable=False),
        sa.Column('labels', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('interaction_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('people'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    )
    op.create_index(op.f('ix_people_agency_id'), 'people', ['agency_id'], unique=False)
    op.create_index(op.f('ix_people_workspace_id'), 'people', ['workspace_id'], unique=False)

    op.create_table(
        'person_identities',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('person_id', sa.BigInteger(), nullable=False),
        sa.Column('platform', sa.String(length=32), nullable=False),
        sa.Column('author_external_id', sa.String(length=255), nullable=False),
        sa.Column('author_name', sa.String(length=300), server_default='', nullable=False),
        sa.Column('channel_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('person_identities'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_identities_person_id_people'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'],
                                name=op.f('fk_person_identities_channel_id_channels'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_identities')),
        sa.UniqueConstraint('workspace_id', 'platform', 'author_external_id',
                            name='uq_person_identities_workspace_platform_author'),
    )
    op.create_index(op.f('ix_person_identities_agency_id'), 'person_identities', ['agency_id'], unique=False)
    op.create_index(op.f('ix_person_identities_workspace_id'), 'person_identities', ['workspace_id'], unique=False)
    op.create_index(op.f('ix_person_identities_person_id'), 'person_identities', ['person_id'], unique=False)

    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
        op.drop_table(table)
