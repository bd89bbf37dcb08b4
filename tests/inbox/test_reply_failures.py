"""Replies never stay "queued" for ever: spent retries fail them with a reason, a sweeper fails the ones no job
will send, and Retry then sends them — without ever posting twice."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from rq.job import Job
from sqlalchemy import select, update

from agency import db, wiring
from agency.inbox.models import Interaction, Reply
from agency.inbox.replies import queue_reply, send_reply, sweep_stuck_replies
from agency.queue import get_queue, get_redis
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parents[2]


def _customer_comment(channel_id: int) -> Interaction:
    return db.session.scalars(select(Interaction).where(
        Interaction.channel_id == channel_id, Interaction.kind == "comment", Interaction.is_own.is_(False),
        Interaction.is_deleted.is_(False), Interaction.is_spam.is_(False)).order_by(Interaction.id)).first()


def _posted(sandbox, account_id: str, text: str) -> int:
    return [r["text"] for r in sandbox.admin("GET", "replies", account_id=account_id)["replies"]].count(text)


@pytest.fixture
def committed_page(_app, _session_sandbox, test_config):
    """A committed agency with a synced sandbox Facebook Page: a worker process must see its rows."""
    from agency.accounts.models import Agency
    from agency.channels.services import connect_channel
    from agency.inbox.jobs import run_sync
    from tests.conftest import make_agency, make_user, make_workspace, unique_account

    sandbox = _session_sandbox
    original = _app.config["AGENCY"]
    _app.config["AGENCY"] = original.with_overrides(meta_graph_base=sandbox.graph_base)
    account = sandbox.add_account("facebook_page", unique_account("retry"), name="Retry Page", history_days=1,
                                  per_day=12)
    with _app.app_context(), db.system_scope("test: committed fixtures"):
        agency = make_agency("Retry Agentur")
        ws = make_workspace(agency, "Retry Kunde")
        cm = make_user(agency, "community_manager", workspaces=[ws])
        channel = connect_channel(cm, ws, platform="facebook_page", account_id=account["account_id"],
                                  token=account["token"], backfill_days=2)
        db.session.commit()
        run_sync(channel)
        db.session.commit()
        info = {"agency_id": agency.id, "slug": ws.slug, "cm_id": cm.id, "channel_id": channel.id,
                "account_id": account["account_id"]}
        db.session.remove()
    env = {**os.environ, "DATABASE_URL": test_config.database_url, "REDIS_URL": test_config.redis_url,
           "SECRET_KEY": test_config.secret_key, "AGENCY_ENCRYPTION_KEYS": ",".join(test_config.encryption_keys),
           "META_GRAPH_BASE": sandbox.graph_base}
    try:
        yield {**info, "run_worker": lambda: _run_worker(env)}
    finally:
        sandbox.admin("DELETE", "faults")
        _app.config["AGENCY"] = original
        with _app.app_context(), db.system_scope("test: committed fixtures"):
            db.session.delete(db.session.get(Agency, info["agency_id"]))
            db.session.commit()
            db.session.remove()


def _run_worker(env: dict) -> None:
    """A real RQ worker on the replies queue, until the queue is empty."""
    result = subprocess.run([sys.executable, "-m", "tests.inbox.reply_worker"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


@contextmanager
def _for_agency(app, agency_id: int):
    """An app context working for one agency, as a request or a job does; its session closed afterwards."""
    with app.app_context():
        try:
            with db.tenant(db.session(), agency_id):
                yield
        finally:
            db.session.remove()


def test_spent_retries_fail_the_reply_and_retry_posts_it_once(_app, _session_sandbox, committed_page):
    sandbox, page = _session_sandbox, committed_page
    from agency.accounts.models import User

    with _for_agency(_app, page["agency_id"]):
        get_queue("replies").empty()
        author = db.session.get(User, page["cm_id"])
        reply = queue_reply(author, _customer_comment(page["channel_id"]), "Genau einmal, trotz allem.")
        db.session.commit()  # queues the job "reply-<id>"
        reply_id = reply.id
        job = Job.fetch(f"reply-{reply_id}", connection=get_redis())
        assert job.retries_left == 4
        # One immediate retry instead of four over twenty minutes; everything else as configured.
        job.retries_left, job.retry_intervals = 1, [0]
        job.save()
    # The first attempt reaches the platform but its answer comes too late; the retry's check before
    # sending again meets server errors. Then no retry is left.
    sandbox.fault("timeout_after_write", page["account_id"], count=1, seconds=1.5)
    sandbox.fault("server_error", page["account_id"], count=5)
    page["run_worker"]()
    with _for_agency(_app, page["agency_id"]):
        failed = db.session.get(Reply, reply_id)
        assert failed.status == "failed" and failed.error and failed.attempts == 1
        assert failed.error != "The platform did not answer in time. We check whether it arrived and try again."
        author = db.session.get(User, page["cm_id"])
    assert _posted(sandbox, page["account_id"], "Genau einmal, trotz allem.") == 1
    sandbox.admin("DELETE", "faults")
    # Retry, as the user does it on the thread page: the job finds the reply on the platform, posts nothing.
    with _app.app_context():
        client = _app.test_client()
        login(client, author)
        assert post_form(client, f"/w/{page['slug']}/inbox/replies/{reply_id}/retry").status_code == 302
    with _for_agency(_app, page["agency_id"]):
        assert db.session.get(Reply, reply_id).status == "queued"
    page["run_worker"]()
    with _for_agency(_app, page["agency_id"]):
        sent = db.session.get(Reply, reply_id)
        assert sent.status == "sent" and sent.external_id and sent.error is None
    assert _posted(sandbox, page["account_id"], "Genau einmal, trotz allem.") == 1


def _age(reply_id: int, minutes: int) -> None:
    db.session.execute(update(Reply).where(Reply.id == reply_id)
                       .values(updated_at=db.utcnow() - timedelta(minutes=minutes)))


def test_sweeper_fails_replies_no_job_will_send(app, world, platform, synced_channel):
    """Stuck: queued or sending, unchanged for a while, no job naming it. Anything else is left alone."""
    from tests.inbox.test_replies import _customer_comment as customer_comment

    account = synced_channel.external_account_id
    target = customer_comment(synced_channel)
    get_queue("replies").empty()
    lost_queued = queue_reply(world.cm_a, target, "Verlorener Auftrag")
    lost_sending = queue_reply(world.cm_a, target, "Abgestürzt nach dem Senden")
    waiting = queue_reply(world.cm_a, target, "Wartet auf den Worker")
    fresh = queue_reply(world.cm_a, target, "Gerade eben")
    db.session.commit()  # queues one job per reply
    # The worker that sent this one died after the platform had it; Redis lost the jobs of both.
    from agency.channels import access
    from agency.inbox.replies import _target

    access.connector_for(synced_channel).reply(_target(target), "Abgestürzt nach dem Senden")
    lost_sending.status, lost_sending.attempts, lost_sending.first_attempt_at = "sending", 1, db.utcnow()
    db.session.flush()
    for reply in (lost_queued, lost_sending, waiting):
        _age(reply.id, 30)
    queue = get_queue("replies")
    for reply in (lost_queued, lost_sending, fresh):
        queue.remove(f"reply-{reply.id}")
    db.session.commit()

    assert sweep_stuck_replies.run_inline() == 2
    db.session.expire_all()
    states = {r.text: (r.status, bool(r.error)) for r in db.session.scalars(select(Reply))}
    assert states == {"Verlorener Auftrag": ("failed", True), "Abgestürzt nach dem Senden": ("failed", True),
                      "Wartet auf den Worker": ("queued", False), "Gerade eben": ("queued", False)}
    assert sweep_stuck_replies.run_inline() == 0  # running it again changes nothing

    # Retry works on both; the one the platform already has is found, not posted again.
    login_client = app.test_client()
    login(login_client, world.cm_a)
    for reply in (lost_queued, lost_sending):
        assert post_form(login_client, f"/w/{world.ws_a.slug}/inbox/replies/{reply.id}/retry").status_code == 302
        assert send_reply.__wrapped__(reply.agency_id, reply.id) == "sent"
    db.session.expire_all()
    assert db.session.get(Reply, lost_sending.id).status == "sent"
    texts = [r["text"] for r in platform.admin("GET", "replies", account_id=account)["replies"]]
    assert texts.count("Abgestürzt nach dem Senden") == 1 and texts.count("Verlorener Auftrag") == 1


def test_a_reply_waiting_for_a_rate_limit_has_a_live_job(app, world, platform, synced_channel):
    """A rate-limited reply waits in a scheduled job of its own, named after it: the sweeper leaves it alone."""
    from agency.inbox.replies import replies_with_live_jobs
    from tests.inbox.test_replies import _customer_comment as customer_comment

    target = customer_comment(synced_channel)
    get_queue("replies").empty()
    reply = queue_reply(world.cm_a, target, "Nach der Pause")
    db.session.commit()
    get_queue("replies").remove(f"reply-{reply.id}")
    platform.fault("rate_limit", synced_channel.external_account_id, count=1, seconds=600)
    assert send_reply.__wrapped__(reply.agency_id, reply.id) == "queued"
    assert reply.id in replies_with_live_jobs()
    _age(reply.id, 30)
    db.session.commit()
    assert sweep_stuck_replies.run_inline() == 0
    db.session.expire_all()
    assert db.session.get(Reply, reply.id).status == "queued"


def test_sweeper_is_a_periodic_job(app):
    assert sweep_stuck_replies in [entry.job for entry in wiring.of(app).periodic]
