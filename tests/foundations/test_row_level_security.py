"""Row-level security, tenancy's third line: PostgreSQL itself keeps each agency's rows apart."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

import agency.models  # noqa: F401  (every table)
from agency import db, rls
from agency.db import Base


def _tenant_tables() -> list[str]:
    return sorted(t.name for t in Base.metadata.sorted_tables if "agency_id" in t.columns)


def test_every_tenant_table_has_both_policies(app):
    tables = [*_tenant_tables(), "agencies"]
    assert len(tables) >= 15
    rows = db.session.execute(text(
        "SELECT c.relname, c.relrowsecurity, array_agg(p.policyname ORDER BY p.policyname) "
        "FROM pg_class c LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.schemaname = 'public' "
        "WHERE c.relname = ANY(:tables) AND c.relkind = 'r' GROUP BY c.relname, c.relrowsecurity"),
        {"tables": tables}).all()
    found = {name: (enabled, policies) for name, enabled, policies in rows}
    missing = [t for t in tables if t not in found or not found[t][0]
               or found[t][1] != ["system_access", "tenant_isolation"]]
    assert missing == [], f"add rls.enable_statements(...) to the migration of: {missing}"


def test_the_app_works_as_a_role_that_is_neither_owner_nor_superuser(app):
    user, superuser = db.session.execute(text(
        "SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")).one()
    owners = set(db.session.scalars(text(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")))
    db.set_tenant(db.session(), None)  # leave the test fixtures' cross-agency default
    assert db.session.execute(text("SELECT current_user")).scalar() == rls.APP_ROLE
    assert user in (rls.APP_ROLE, rls.SYSTEM_ROLE) and not superuser
    assert not owners & {rls.APP_ROLE, rls.SYSTEM_ROLE}


def _raw_rows(sql: str) -> list:
    """Through psycopg directly (as ingest and the SLA engine do): the ORM backstop never sees these."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(sql)
    rows = cursor.fetchall()
    cursor.close()
    return rows


def _comment(workspace, text_: str) -> None:
    from agency.inbox.models import Interaction

    db.session.add(Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id, platform="facebook_page",
                               external_id=f"rls-{workspace.id}", kind="comment", author_name="Fan", text=text_,
                               platform_created_at=db.utcnow()))
    db.session.flush()


def test_raw_select_without_where_sees_only_the_current_agency(app, world):
    _comment(world.ws_a, "A's comment")
    _comment(world.ws_b, "B's comment")
    session = db.session()
    every_table = _tenant_tables()
    db.set_tenant(session, world.agency_a.id)
    seen = {}
    for table in every_table:
        agencies = {row[0] for row in _raw_rows(f"SELECT agency_id FROM {table}")}
        assert agencies <= {world.agency_a.id}, table
        seen[table] = agencies
    assert {"users", "workspaces", "interactions", "memberships"} <= {t for t, a in seen.items() if a}
    assert _raw_rows("SELECT id FROM agencies") == [(world.agency_a.id,)]
    texts = [row[0] for row in _raw_rows("SELECT text FROM interactions")]
    assert texts == ["A's comment"]

    db.set_tenant(session, None)
    for table in [*every_table, "agencies"]:
        assert _raw_rows(f"SELECT 1 FROM {table}") == [], table


def test_no_agency_can_write_rows_of_another(app, world):
    session = db.session()
    db.set_tenant(session, world.agency_a.id)
    with pytest.raises(ProgrammingError, match="row-level security"), session.begin_nested():
        session.execute(text("INSERT INTO saved_views (agency_id, user_id, name, query, created_at) "
                             "VALUES (:b, :u, 'x', '{}', now())"), {"b": world.agency_b.id, "u": world.owner_b.id})
    # Updates and deletes of B's rows find nothing to change.
    assert session.execute(text("UPDATE workspaces SET name = 'taken' WHERE id = :w"),
                           {"w": world.ws_b.id}).rowcount == 0
    assert session.execute(text("DELETE FROM users WHERE id = :u"), {"u": world.owner_b.id}).rowcount == 0


def test_system_scope_is_named_and_ends_with_its_block(app, world):
    session = db.session()
    db.set_tenant(session, world.agency_a.id)
    with db.system_scope("test: every agency"):
        assert session.execute(text("SELECT current_user")).scalar() == rls.SYSTEM_ROLE
        both = set(session.scalars(text("SELECT id FROM agencies")))
        assert {world.agency_a.id, world.agency_b.id} <= both
    assert session.execute(text("SELECT current_user")).scalar() == rls.APP_ROLE
    assert set(session.scalars(text("SELECT id FROM agencies"))) == {world.agency_a.id}


def test_a_new_transaction_starts_in_the_sessions_scope(app, world):
    """SET LOCAL ends with each transaction; the next one is scoped again when it begins."""
    session = db.session()
    db.set_tenant(session, world.agency_b.id)
    session.commit()
    assert set(session.scalars(text("SELECT agency_id FROM workspaces"))) == {world.agency_b.id}


def test_a_request_runs_under_its_users_agency(app, client, world):
    """The web request itself: as B's owner, A's workspace is not even visible to raw SQL."""
    from tests.conftest import login

    login(client, world.owner_b)
    assert client.get(f"/w/{world.ws_a.slug}/inbox/").status_code == 404
    assert client.get(f"/w/{world.ws_b.slug}/inbox/").status_code == 200
