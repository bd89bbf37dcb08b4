"""One commit per request and per job, at the edge; every other commit is named, with its reason, in the README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from agency import audit, db
from agency.accounts.models import User
from agency.audit import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def _commit_sites() -> dict[str, list[int]]:
    """``path -> lines`` of every ``….commit()`` call in agency/ (the sandbox keeps no database)."""
    sites: dict[str, list[int]] = {}
    for path in sorted((ROOT / "agency").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("agency/sandbox/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "commit":
                sites.setdefault(rel, []).append(node.lineno)
    return sites


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Where the code commits\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, "README.md has no section 'Where the code commits'"
    return match.group(1)


def test_every_commit_is_named_in_the_readme():
    sites = _commit_sites()
    assert "agency/app.py" in sites and "agency/queue.py" in sites  # the scan sees the edges
    section = _readme_section()
    unnamed = {path: lines for path, lines in sites.items() if f"`{path}`" not in section}
    assert not unnamed, f"commits not named in README 'Where the code commits': {unnamed}"


def test_no_view_commits():
    views = {path: lines for path, lines in _commit_sites().items()
             if "/views/" in path or path.endswith("/views.py")}
    assert not views, f"views commit by themselves (use the request's edge or audit.record_always): {views}"


def test_record_always_outlives_the_rollback_of_its_request(app, world):
    db.session.commit()  # the world stays when the request below rolls back
    with app.test_request_context("/login", method="POST"):
        user = db.session.get(User, world.cm_a.id)
        user.name = "Half Written"
        db.session.flush()
        audit.record_always("auth.login_failed", agency_id=world.agency_a.id, object_type="user",
                            object_id=user.id, details={"email": user.email, "reason": "credentials"})
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
        db.session.rollback()  # what the edge does when the answer is 401
        assert audit.write_deferred() == 1
        assert audit.write_deferred() == 0  # written once
    db.session.expire_all()
    kept = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
    assert [e.object_id for e in kept] == [str(world.cm_a.id)]
    assert db.session.get(User, world.cm_a.id).name != "Half Written"


def test_record_always_belongs_to_a_request(app):
    with pytest.raises(RuntimeError):
        audit.record_always("auth.login_failed", agency_id=None)


def test_a_wrong_second_factor_is_kept_on_record(app, world):
    """The 2FA form answers 401 (and rolls back), yet the failure is in the audit log."""
    import time

    import pyotp

    from agency.accounts import services
    from tests.conftest import TEST_PASSWORD, csrf_token

    secret = pyotp.random_base32()
    services.enable_totp(world.owner_a, secret, pyotp.TOTP(secret).at(time.time()))
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": world.owner_a.email, "password": TEST_PASSWORD,
                                "csrf_token": csrf_token(client)})
    token = csrf_token(client, "/login/2fa")
    assert client.post("/login/2fa", data={"code": "000000", "csrf_token": token}).status_code == 401
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.2fa_failed")).all()
    assert [e.object_id for e in failed] == [str(world.owner_a.id)]
