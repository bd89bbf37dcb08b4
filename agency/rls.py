"""PostgreSQL row-level security: the third line of tenant isolation (DESIGN.md §4).

Every tenant table carries two policies:

- ``tenant_isolation`` for the role ``agency_app``: a row is visible and writable only while the
  transaction's ``app.agency_id`` setting names its agency. Without the setting nothing is visible.
- ``system_access`` for the role ``agency_system``: every row, for the few named cross-agency tasks
  (logging in by e-mail, routing a webhook to its channel, the SLA scan listing agencies with work).

Web and worker processes log in as whatever ``DATABASE_URL`` says and immediately ``SET ROLE agency_app``
on every new connection, so even a superuser login loses its rights; per transaction the session sets
``app.agency_id`` (``db.tenant``) or switches to ``agency_system`` (``db.system_scope``, logged with its
reason). Migrations run with the login's own rights (the owner's). Both roles are created by the
migration that introduced this module; neither owns a table, so neither bypasses the policies.

A new tenant table's migration adds the same policies: ``for sql in rls.enable_statements("table"): op.execute(sql)``
(tests/foundations/test_row_level_security.py fails for a table with ``agency_id`` and no policy).
"""

from __future__ import annotations

APP_ROLE = "agency_app"
SYSTEM_ROLE = "agency_system"
#: The transaction setting that names the current agency ('' or unset: none).
AGENCY_SETTING = "app.agency_id"
CURRENT_AGENCY_SQL = f"nullif(current_setting('{AGENCY_SETTING}', true), '')::bigint"


def enable_statements(table: str, column: str = "agency_id") -> list[str]:
    """SQL that puts ``table`` under row-level security on ``column`` (for migrations)."""
    if not table.replace("_", "").isalnum() or not column.replace("_", "").isalnum():
        raise ValueError("table and column must be plain identifiers")
    match = f"{column} = {CURRENT_AGENCY_SQL}"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} USING ({match}) WITH CHECK ({match})",
        f"CREATE POLICY system_access ON {table} TO {SYSTEM_ROLE} USING (true) WITH CHECK (true)",
    ]


def disable_statements(table: str) -> list[str]:
    """The reverse of ``enable_statements`` (for downgrades)."""
    return [
        f"DROP POLICY IF EXISTS system_access ON {table}",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


#: Creates both roles once per server (concurrent first runs are fine) and lets the migrating login use them.
CREATE_ROLES_SQL = f"""
DO $roles$
BEGIN
  BEGIN
    CREATE ROLE {APP_ROLE} NOLOGIN NOINHERIT;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE {SYSTEM_ROLE} NOLOGIN NOINHERIT;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
  END IF;
  IF NOT pg_has_role(current_user, '{SYSTEM_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT {SYSTEM_ROLE} TO %I', current_user);
  END IF;
END
$roles$
"""

#: Table and sequence rights for both roles, now and for tables the migrating login creates later.
GRANT_SQL = [
    f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {SYSTEM_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}, {SYSTEM_ROLE}",
    f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}, {SYSTEM_ROLE}",
    f"REVOKE ALL ON alembic_version FROM {APP_ROLE}, {SYSTEM_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES "
    f"TO {APP_ROLE}, {SYSTEM_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}, {SYSTEM_ROLE}",
]

REVOKE_SQL = [
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES "  # noqa: S608 - constants
    f"FROM {APP_ROLE}, {SYSTEM_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES "
    f"FROM {APP_ROLE}, {SYSTEM_ROLE}",
    f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}, {SYSTEM_ROLE}",
    f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}, {SYSTEM_ROLE}",
    f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}, {SYSTEM_ROLE}",
]
