"""Jobs plumbing: enqueue after commit, a real RQ worker running a job in an app context, the scheduler list."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import create_engine, func, select, text

from agency import db, wiring
from agency.audit import AuditEvent, purge_audit_log
from agency.queue import JOBS, get_queue
from agency.schedule import build_scheduler


def test_enqueue_waits_for_commit_and_drops_on_rollback(app):
    queue = get_queue("default")
    queue.empty()
    with db.session.begin_nested():
        pass
    db.session.execute(text("select 1"))  # a transaction is open
    purge_audit_log.enqueue(400)
    assert queue.count == 0  # not before the commit
    db.session.commit()
    assert queue.count == 1
    job = queue.jobs[0]
    assert job.func_name.endswith("purge_audit_log") and job.args == (400,)

    db.session.execute(text("select 1"))
    purge_audit_log.enqueue(500)
    db.session.rollback()
    assert queue.count == 1  # the rolled-back request enqueued nothing


def test_jobs_take_plain_values_only(app, world):
    import pytest

    with pytest.raises(TypeError):
        purge_audit_log.enqueue(world.agency_a)


def test_real_worker_runs_job_inside_app_context(app, test_config):
    """A committed old audit event is purged by `agency worker --burst` in another process."""
    engine = create_engine(db.sqlalchemy_url(test_config.database_url))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE action = 'test.worker'"))
        conn.execute(text("INSERT INTO audit_events (actor_label, action, object_type, object_id, ip, details, "
                          "created_at) VALUES ('', 'test.worker', '', '', '', '{}', now() - interval '500 days')"))
        conn.execute(text("INSERT INTO audit_events (actor_label, action, object_type, object_id, ip, details) "
                          "VALUES ('', 'test.worker', '', '', '', '{}')"))
    queue = get_queue("default")
    queue.empty()
    queue.enqueue(purge_audit_log, 400, job_timeout=60)
    env = {**os.environ, "DATABASE_URL": test_config.database_url, "REDIS_URL": test_config.redis_url,
           "SECRET_KEY": test_config.secret_key, "AGENCY_ENCRYPTION_KEYS": ",".join(test_config.encryption_keys),
           "AGENCY_INSTANCE_DIR": str(test_config.instance_dir)}
    result = subprocess.run([sys.executable, "-m", "agency.cli", "worker", "default", "--burst"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    with engine.begin() as conn:
        remaining = conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'test.worker'")).scalar()
        conn.execute(text("DELETE FROM audit_events WHERE action = 'test.worker'"))
    engine.dispose()
    assert remaining == 1
    assert queue.count == 0 and len(queue.failed_job_registry) == 0


def test_purge_is_idempotent(app):
    db.session.add(AuditEvent(action="old", created_at=db.utcnow() - timedelta(days=800)))
    db.session.add(AuditEvent(action="new"))
    db.session.flush()
    from agency.audit import purge_before

    cutoff = db.utcnow() - timedelta(days=400)
    assert purge_before(cutoff) == 1
    assert purge_before(cutoff) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "new")) == 1


def test_periodic_jobs_are_registered_jobs_and_scheduled(app):
    from agency.queue import get_redis

    entries = wiring.of(app).periodic
    # Each package declares its own: the audit log's purge, the sync dispatcher, the SLA scan.
    assert {"purge_audit_log", "dispatch_due_syncs", "scan_sla"} <= {e.job.__name__ for e in entries}
    for entry in entries:
        assert JOBS[entry.job.__name__] is entry.job
    scheduler = build_scheduler(get_redis(), entries, name="test")
    registered = {job.func.__name__ for job in scheduler.get_jobs()}
    assert {e.job.__name__ for e in entries} <= registered


def test_run_job_command_runs_inline(app, test_config):
    env = {**os.environ, "DATABASE_URL": test_config.database_url, "REDIS_URL": test_config.redis_url,
           "SECRET_KEY": test_config.secret_key, "AGENCY_ENCRYPTION_KEYS": ",".join(test_config.encryption_keys)}
    ok = subprocess.run([sys.executable, "-m", "agency.cli", "run-job", "purge_audit_log", "400"], env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip().isdigit(), ok.stderr[-1000:]
    bad = subprocess.run([sys.executable, "-m", "agency.cli", "run-job", "no_such_job"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "no job named" in bad.stderr


def test_mail_catcher_keeps_messages(tmp_path):
    """The demo's mail catcher: a real SMTP conversation ends as an .eml file."""
    import smtplib
    import socket

    from aiosmtpd.controller import Controller

    from agency.mailcatcher import SaveToFolder

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(SaveToFolder(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], "Subject: SLA\r\n\r\nDue soon")
    finally:
        controller.stop()
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    content = files[0].read_bytes()
    assert b"Due soon" in content and b"X-Envelope-To: b@example.com" in content
