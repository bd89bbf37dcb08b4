"""`agency db upgrade` from empty matches the models; downgrade to base empties the database."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import agency.models  # noqa: F401
from agency.cli import alembic_config
from agency.db import Base
from tests.conftest import drop_database, fresh_database


def test_upgrade_matches_models_and_downgrade_empties():
    import os

    url = fresh_database(f"agency_test_migrations_{os.getpid()}")
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        tables = set(inspect(engine).get_table_names())
        assert {"agencies", "users", "workspaces", "memberships", "audit_events"} <= tables
        command.downgrade(cfg, "base")
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")  # and back up again: the downgrade left nothing behind
    finally:
        engine.dispose()
        drop_database(url.rsplit("/", 1)[-1])


def test_revision_files_are_dated():
    import re
    from pathlib import Path

    files = sorted(Path(__file__).resolve().parents[2].joinpath("migrations", "versions").glob("*.py"))
    assert files
    for path in files:
        assert re.match(r"^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-z]+_[a-z0-9_]+\.py$", path.name), path.name
