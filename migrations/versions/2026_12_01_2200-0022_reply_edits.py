"""Editing our own reply on the platform: "edit" is a moderation action, and the action keeps the text it
replaced (the audit shows old and new, the thread offers "Undo edit"). No new table: moderation_actions is
under row-level security since 0015.

Revision ID: 0022_reply_edits
Revises: 0021_people
Create Date: 2026-12-01 22:00:00

Written by hand.
"""

import sqlalchemy as sa
from alembic import op

revision = '0022_reply_edits'
down_revision = '0021_people'
branch_labels = None
depends_on = None

TABLE = 'moderation_actions'
BEFORE = "action in ('hide','unhide','delete','like','unlike','ban','unban','private_reply')"
AFTER = "action in ('hide','unhide','delete','like','unlike','ban','unban','private_reply','edit')"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column('previous_text', sa.Text(), nullable=True))
    op.drop_constraint(op.f('ck_moderation_actions_action_known'), TABLE, type_='check')
    op.create_check_constraint(op.f('ck_moderation_actions_action_known'), TABLE, AFTER)


def downgrade() -> None:
    # Edits are history of what was done on the platform; without the column they cannot be kept.
    op.execute(f"DELETE FROM {TABLE} WHERE action = 'edit'")
    op.drop_constraint(op.f('ck_moderation_actions_action_known'), TABLE, type_='check')
    op.create_check_constraint(op.f('ck_moderation_actions_action_known'), TABLE, BEFORE)
    op.drop_column(TABLE, 'previous_text')
