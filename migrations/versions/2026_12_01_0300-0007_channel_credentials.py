"""Channel credentials: when the platform confirmed them, when the token expires; one workspace per account.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:00:00

Written by hand. Existing channels start unconfirmed (``credentials_verified_at`` NULL): they receive
no webhooks until their next sync has asked the platform. An account connected to two workspaces of
one agency stops the upgrade with a list of them: which one to keep is a person's decision.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    duplicates = op.get_bind().execute(sa.text(
        "SELECT agency_id, platform, external_account_id, string_agg(id::text, ', ' ORDER BY id) "
        "FROM channels GROUP BY agency_id, platform, external_account_id HAVING count(*) > 1")).all()
    if duplicates:
        listed = "; ".join(f"agency {a}, {p} {acc}: channels {ids}" for a, p, acc, ids in duplicates)
        raise RuntimeError("An account may now be connected to only one workspace per agency. Disconnect all "
                           f"but one of these channels, then upgrade again: {listed}")
    op.add_column('channels', sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('channels', sa.Column('credentials_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint('uq_channels_workspace_account', 'channels', type_='unique')
    op.create_unique_constraint('uq_channels_agency_account', 'channels',
                                ['agency_id', 'platform', 'external_account_id'])


def downgrade() -> None:
    op.drop_constraint('uq_channels_agency_account', 'channels', type_='unique')
    op.create_unique_constraint('uq_channels_workspace_account', 'channels',
                                ['workspace_id', 'platform', 'external_account_id'])
    op.drop_column('channels', 'credentials_verified_at')
    op.drop_column('channels', 'token_expires_at')
