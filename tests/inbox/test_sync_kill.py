"""A worker killed with SIGKILL mid-sync loses nothing and duplicates nothing on the next run.

This test commits for real (a child process must see the channel), so it makes its own
agency and deletes it afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import create_engine, text

from agency import db


def test_sigkill_mid_sync_then_resume(_app, test_config, _session_sandbox):
    from agency.accounts.models import Agency
    from agency.channels.connectors import get_connector
    from agency.channels.models import Channel
    from tests.conftest import make_agency, make_user, make_workspace, unique_youtube_channel

    sandbox = _session_sandbox
    account_id = unique_youtube_channel()
    created = sandbox.add_account("youtube_channel", account_id, name="Kill Test", history_days=20, per_day=300)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Kill Agentur")
        make_user(agency, "owner")
        ws = make_workspace(agency)
        channel = Channel(agency_id=agency.id, workspace_id=ws.id, platform="youtube_channel",
                          external_account_id=account_id, name="Kill", access_token=created["token"],
                          backfill_days=21, credentials_verified_at=db.utcnow())
        db.session.add(channel)
        db.session.commit()
        agency_id, channel_id = agency.id, channel.id
        db.session.remove()
    # What the platform holds, fetched independently of our pipeline.
    connector = get_connector("youtube_channel", sandbox.youtube_base, account_id, created["token"])
    expected = {item.external_id for page in connector.iter_pages(None, db.utcnow() - timedelta(days=21))
                for item in page.items}
    assert len(expected) > 2000

    env = {**os.environ, "DATABASE_URL": test_config.database_url, "REDIS_URL": test_config.redis_url,
           "SECRET_KEY": test_config.secret_key, "AGENCY_ENCRYPTION_KEYS": ",".join(test_config.encryption_keys),
           "YOUTUBE_API_BASE": sandbox.youtube_base}
    engine = create_engine(db.sqlalchemy_url(test_config.database_url))
    count = text("SELECT count(*), count(DISTINCT external_id) FROM interactions WHERE channel_id = :c")
    try:
        sandbox.fault("slow", account_id, count=1000, seconds=0.05)  # a slow platform: the sync takes a while
        child = subprocess.Popen([sys.executable, "-m", "agency.cli", "sync", str(channel_id)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 240  # generous: a busy machine starts the child slowly
        stored = 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                stored = conn.execute(count, {"c": channel_id}).one()[0]
            if stored >= 300:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert 0 < stored < len(expected), "the kill should land mid-sync"
        sandbox.admin("DELETE", "faults")
        # The lock of the killed worker expires by itself; release it now rather than wait for its TTL.
        from agency.queue import get_redis

        get_redis().delete(f"agency:sync-lock:{channel_id}")
        result = subprocess.run([sys.executable, "-m", "agency.cli", "sync", str(channel_id)], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        with engine.connect() as conn:
            total, distinct = conn.execute(count, {"c": channel_id}).one()
            ids = set(conn.execute(text("SELECT external_id FROM interactions WHERE channel_id = :c"),
                                   {"c": channel_id}).scalars())
        assert total == distinct  # nothing twice
        assert ids == expected  # nothing lost
    finally:
        engine.dispose()
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            db.session.delete(db.session.get(Agency, agency_id))
            db.session.commit()
            db.session.remove()
