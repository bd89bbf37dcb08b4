"""The DSGVO tools' record of erased platform identities (keyed hashes of items and authors), read by ingest
so that a later sync or webhook does not store an erased person again — under row-level security.

Revision ID: 0018_erasures
Revises: 0017
Create Date: 2026-12-01 14:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op

from agency import rls

revision = '0018_erasures'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLE = 'privacy_erasures'


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('agency_id', sa.BigInteger(), nullable=False),
        sa.Column('workspace_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_privacy_erasures_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_privacy_erasures_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_erasures')),
        sa.UniqueConstraint('workspace_id', 'digest', name='uq_privacy_erasures_workspace_id_digest'),
    )
    op.create_index(op.f('ix_privacy_erasures_agency_id'), TABLE, ['agency_id'], unique=False)
    op.create_index(op.f('ix_privacy_erasures_workspace_id'), TABLE, ['workspace_id'], unique=False)
    for statement in rls.enable_statements(TABLE):
        op.execute(statement)


def downgrade() -> None:
    for statement in rls.disable_statements(TABLE):
        op.execute(statement)
    op.drop_table(TABLE)
