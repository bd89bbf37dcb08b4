"""Teams of staff per workspace (``teams``, ``team_members``, both under row-level security), auto-assignment
limited to one team (``assignment_settings.team_id``), and each user's choice of desktop notifications
(``users.desktop_notifications``, off by default).

Revision ID: 0023_teams
Revises: 0022_reply_edits
Create Date: 2026-12-01 23:00:00

Written by hand. Revisions after 0021 are written in parallel; the integrator re-chains down_revision.
"""

import sqlalchemy as sa
from alembic import op

from agency import rls

revision = '0023_teams'
down_revision = '0022_reply_edits'
branch_labels = None
depends_on = None

NOW = sa.text('now()')
TABLES = ('teams', 'team_members')


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
        'teams',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('teams'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    )
    op.create_index(op.f('ix_teams_agency_id'), 'teams', ['agency_id'], unique=False)
    op.create_index(op.f('ix_teams_workspace_id'), 'teams', ['workspace_id'], unique=False)
    op.create_index('uq_teams_workspace_name', 'teams', ['workspace_id', sa.text('lower(name)')], unique=True)

    op.create_table(
        'team_members',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('team_id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_tenant('team_members'),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_members')),
        sa.UniqueConstraint('team_id', 'user_id', name='uq_team_members_team_id_user_id'),
    )
    op.create_index(op.f('ix_team_members_agency_id'), 'team_members', ['agency_id'], unique=False)
    op.create_index(op.f('ix_team_members_workspace_id'), 'team_members', ['workspace_id'], unique=False)
    op.create_index('ix_team_members_user_id', 'team_members', ['user_id'], unique=False)

    for table in TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)

    op.add_column('assignment_settings', sa.Column('team_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f('fk_assignment_settings_team_id_teams'), 'assignment_settings', 'teams',
                          ['team_id'], ['id'], ondelete='SET NULL')
    op.add_column('users', sa.Column('desktop_notifications', sa.Boolean(), server_default=sa.text('false'),
                                     nullable=False))


def downgrade() -> None:
    op.drop_column('users', 'desktop_notifications')
    op.drop_constraint(op.f('fk_assignment_settings_team_id_teams'), 'assignment_settings', type_='foreignkey')
    op.drop_column('assignment_settings', 'team_id')
    for table in reversed(TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
        op.drop_table(table)
