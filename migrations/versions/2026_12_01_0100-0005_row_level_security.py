"""Row-level security on every tenant table; the roles agency_app and agency_system.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 01:00:00

Written by hand (see agency/rls.py for the design). The roles are server-wide and stay after a
downgrade (other databases of the same server may use them); their rights in this database go.
"""

from alembic import op

from agency import rls

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TENANT_TABLES = (
    'users', 'workspaces', 'memberships', 'recovery_codes', 'notifications', 'audit_events',
    'channels', 'interactions', 'replies', 'notes', 'saved_views', 'inbox_rules',
    'sla_calendars', 'sla_policies', 'sla_targets', 'sla_pauses', 'sla_alerts',
)

# ANALYZE needs the table's owner; the sync job asks for it during a large first backfill.
ANALYZE_FUNCTION = """
CREATE FUNCTION analyze_interactions() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
AS 'ANALYZE public.interactions'
"""


def upgrade() -> None:
    op.execute(rls.CREATE_ROLES_SQL)
    for statement in rls.GRANT_SQL:
        op.execute(statement)
    for table in TENANT_TABLES:
        for statement in rls.enable_statements(table):
            op.execute(statement)
    # The agencies table is the tenant itself: an agency sees its own row.
    for statement in rls.enable_statements('agencies', column='id'):
        op.execute(statement)
    op.execute(ANALYZE_FUNCTION)
    op.execute('REVOKE ALL ON FUNCTION analyze_interactions() FROM PUBLIC')
    op.execute(f'GRANT EXECUTE ON FUNCTION analyze_interactions() TO {rls.APP_ROLE}, {rls.SYSTEM_ROLE}')


def downgrade() -> None:
    op.execute('DROP FUNCTION IF EXISTS analyze_interactions()')
    for table in ('agencies', *TENANT_TABLES):
        for statement in rls.disable_statements(table):
            op.execute(statement)
    for statement in rls.REVOKE_SQL:
        op.execute(statement)
