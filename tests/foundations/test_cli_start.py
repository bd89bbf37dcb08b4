"""Commands that need no database start without PostgreSQL and Redis (no embedded servers booted for them)."""

from __future__ import annotations

import pytest

from agency.cli import needs_services


@pytest.mark.parametrize("argv", [
    ["agency"], ["agency", "--help"], ["agency", "-h"], ["agency", "db", "upgrade", "--help"],
    ["agency", "sandbox"], ["agency", "sandbox", "--port", "8100"], ["agency", "stripe-double"],
    ["agency", "demo", "--port", "8100"],
])
def test_help_and_stand_in_servers_need_no_services(argv):
    assert needs_services(argv) is False


@pytest.mark.parametrize("argv", [
    ["agency", "db", "upgrade"], ["agency", "worker"], ["agency", "seed-demo"], ["agency", "sync", "3"],
    ["agency", "run-job", "purge_audit_log", "400"],
])
def test_commands_that_use_the_database_need_services(argv):
    assert needs_services(argv) is True


def test_help_without_configured_services_boots_nothing(tmp_path):
    """``agency --help`` lists every command (the app's too) and leaves no database or Redis behind."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(AGENCY_INSTANCE_DIR=str(tmp_path), PYTHONPATH=str(root))
    result = subprocess.run([sys.executable, "-c", "from agency.cli import main; main()", "--help"], env=env,
                            capture_output=True, text=True, timeout=300, cwd=root)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sandbox" in result.stdout and "worker" in result.stdout
    assert not (tmp_path / "pgdata").exists() and not list(tmp_path.glob("*redis*"))
