"""Audit events of logouts and 2FA changes name their object "user" (they were stored as "localproxy")

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 04:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The events recorded the type of flask_login's proxy instead of the user behind it.
    op.execute("UPDATE audit_events SET object_type = 'user' WHERE object_type = 'localproxy'")


def downgrade() -> None:
    # The wrong name is not worth restoring: the rows stay readable as they are.
    pass
