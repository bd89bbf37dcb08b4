"""The minute scan: at-risk warnings and breach alerts, in-app and by e-mail, each exactly once."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select

from agency import db
from agency.accounts.notifications import Notification
from agency.queue import get_redis
from agency.sla import alerts
from agency.sla.jobs import scan_sla
from agency.sla.models import SlaAlert
from agency.sla.policy import Target
from agency.sla.settings import save_policy
from tests.conftest import make_user


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) collecting what it receives."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
            return "250 OK"

    handler = Collect()
    # A free port picked here: Controller.start() probes the port it was given, so port 0 cannot work.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    controller, handler = smtp_server
    original = app.config["AGENCY"]
    port = controller.port
    app.config["AGENCY"] = original.with_overrides(smtp_url=f"smtp://127.0.0.1:{port}",
                                                   mail_from="Agency <sla@agency.test>")
    try:
        yield handler
    finally:
        app.config["AGENCY"] = original


def _policy(world, minutes=60):
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(minutes, False)})


def _run_mail_jobs() -> int:
    """Run what the scan queued on the "mail" queue, as a worker would."""
    queue = Queue("mail", connection=get_redis())
    ran = 0
    for job in queue.jobs:
        job.func(*job.args, **job.kwargs)
        queue.remove(job)
        ran += 1
    return ran


def _alerts() -> list[tuple[int, str, str]]:
    return [tuple(r) for r in db.session.execute(select(SlaAlert.interaction_id, SlaAlert.target, SlaAlert.level))]


def test_at_risk_goes_to_the_assignee_and_breach_to_account_managers(world, ingest, smtp_app):
    _policy(world)
    now = db.utcnow()
    item = ingest(now - timedelta(minutes=50))  # due in 10 minutes: inside the 15-minute window
    item.assignee_id = world.cm_a.id
    db.session.commit()

    assert it_was_at_risk(item)
    assert scan_sla.run_inline() == {"pauses_ended": 0, "states": 0, "alerts": 1}
    assert _alerts() == [(item.id, "first_response", "at_risk")]
    notes = list(db.session.scalars(select(Notification).where(Notification.kind == "sla.at_risk")))
    assert [n.user_id for n in notes] == [world.cm_a.id]
    assert notes[0].link == f"/w/{world.ws_a.slug}/inbox/{item.id}"
    assert _run_mail_jobs() == 1
    sender, recipients, content = smtp_app.messages[0]
    assert recipients == [world.cm_a.email] and "sla@agency.test" in sender
    assert "Erika Muster" in content

    # Running again sends nothing more.
    assert scan_sla.run_inline()["alerts"] == 0
    assert _run_mail_jobs() == 0

    # Past due: the account manager of the workspace hears of the breach.
    assert alerts.scan(now=now + timedelta(minutes=11))["alerts"] == 1
    breach = db.session.scalars(select(Notification).where(Notification.kind == "sla.breached")).all()
    assert [n.user_id for n in breach] == [world.am_a.id]
    assert db.session.get(type(item), item.id).sla_state == "breached"
    db.session.commit()
    assert _run_mail_jobs() == 1
    assert smtp_app.messages[-1][1] == [world.am_a.email]
    assert alerts.scan(now=now + timedelta(minutes=30))["alerts"] == 0


def test_unassigned_at_risk_warns_the_workspace_team(world, ingest):
    _policy(world)
    item = ingest(db.utcnow() - timedelta(minutes=50))
    alerts.scan()
    users = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "sla.at_risk")))
    # Assigned staff of ws_a and the owner; not the community manager of another workspace, not the client.
    assert {world.cm_a.id, world.am_a.id, world.owner_a.id} == users
    assert item.id in {i for i, _t, _l in _alerts()}


def test_breach_without_account_manager_goes_to_owners_and_admins(world, channel, ingest):
    from agency.accounts.models import Membership

    db.session.execute(Membership.__table__.delete().where(Membership.user_id == world.am_a.id))
    admin = make_user(world.agency_a, "admin")
    _policy(world)
    ingest(db.utcnow() - timedelta(minutes=30))  # due in 30 minutes; nobody scans until it is overdue
    assert alerts.scan(now=db.utcnow() + timedelta(minutes=40))["alerts"] == 1  # straight to breached
    users = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "sla.breached")))
    assert users == {world.owner_a.id, admin.id}
    assert [level for _i, _t, level in _alerts()] == ["breached"]


def test_items_overdue_on_arrival_raise_no_alert_but_count_as_breached(world, ingest):
    """A new channel's backfill brings items that were overdue before we had them: nobody could act."""
    _policy(world)
    item = ingest(db.utcnow() - timedelta(minutes=90))  # a 60-minute target, 90 minutes old on arrival
    assert alerts.scan()["alerts"] == 0
    assert _alerts() == []
    assert db.session.get(type(item), item.id).sla_state == "breached"


def test_alerts_survive_a_restart_and_concurrent_scans(world, ingest, app):
    """A scan that died before its commit left nothing behind; the next one sends; a third sends nothing."""
    _policy(world)
    ingest(db.utcnow() - timedelta(minutes=50))
    db.session.commit()
    savepoint = db.session.begin_nested()
    assert alerts.scan()["alerts"] == 1
    savepoint.rollback()  # the worker was killed before its commit
    assert db.session.scalar(select(func.count(SlaAlert.id))) == 0
    assert scan_sla.run_inline()["alerts"] == 1
    assert scan_sla.run_inline()["alerts"] == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "sla.at_risk")) == 3


def test_paused_and_answered_items_raise_no_alerts(world, ingest):
    from agency.sla.services import record_response, start_pause

    _policy(world)
    now = db.utcnow()
    paused = ingest(now - timedelta(minutes=50))
    start_pause(paused, "waiting_on_expert")
    answered = ingest(now - timedelta(minutes=50))
    record_response(answered, now)
    assert alerts.scan()["alerts"] == 0


def test_send_mail_without_smtp_url_is_a_logged_no_op(app, caplog):
    from agency.mail import send_mail

    caplog.set_level("INFO")
    assert send_mail.run_inline("a@example.com", "Hi", "Body") is False
    assert "SMTP_URL not set" in caplog.text


def test_mail_through_smtp(app, smtp_app):
    from agency.mail import send_mail

    assert send_mail.run_inline(["x@example.com", "y@example.com"], "Betreff:\r\nBcc: evil@x", "Grüße") is True
    deadline = time.time() + 5
    while not smtp_app.messages and time.time() < deadline:
        time.sleep(0.05)
    _sender, recipients, content = smtp_app.messages[0]
    assert recipients == ["x@example.com", "y@example.com"]
    headers = content.split("\n\n", 1)[0].splitlines()
    assert not [h for h in headers if h.lower().startswith("bcc")]  # no header injected by the subject


def test_parse_smtp_url():
    from agency.mail import parse_smtp_url

    s = parse_smtp_url("smtp://us%40er:p%3Ass@mail.example.com:587?starttls=1")
    assert (s.host, s.port, s.username, s.password, s.starttls, s.implicit_tls) == (
        "mail.example.com", 587, "us@er", "p:ss", True, False)
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.com")


def it_was_at_risk(item) -> bool:
    return item.sla_state == "at_risk"  # stamped at ingest already: the scan only has to alert
