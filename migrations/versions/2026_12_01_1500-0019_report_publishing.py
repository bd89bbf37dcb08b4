"""Reports: a ``publishing`` state while the publication job renders and stores the final PDF.

Revision ID: 0019_report_publishing
Revises: 0018_erasures
Create Date: 2026-12-01 15:00:00

Written by hand.
"""

from alembic import op

revision = '0019_report_publishing'
down_revision = '0018_erasures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f('ck_reports_status_known'), 'reports', type_='check')
    op.create_check_constraint(op.f('ck_reports_status_known'), 'reports',
                               "status in ('generating','draft','publishing','published','failed')")


def downgrade() -> None:
    # A publication under way is given up: the report is a draft again (its job finds nothing to do).
    op.execute("UPDATE reports SET status = 'draft', progress = 100 WHERE status = 'publishing'")
    op.drop_constraint(op.f('ck_reports_status_known'), 'reports', type_='check')
    op.create_check_constraint(op.f('ck_reports_status_known'), 'reports',
                               "status in ('generating','draft','published','failed')")
