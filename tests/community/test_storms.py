"""Shitstorm detection against the database, with traffic from the platform sandbox over HTTP: eight
normal weeks with the daily wave after the client's posts raise nothing; an injected storm opens one
incident, alerts the team and the account manager (in the app and by e-mail) and puts a banner on the
workspace's inbox; warnings, snoozes and cooldowns are recorded with the reason they stayed quiet."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from agency import db
from agency.accounts.notifications import Notification
from agency.channels.services import connect_channel
from agency.community import detection
from agency.community.models import CrisisIncident, IncidentEvent, StormSignal
from agency.community.services import settings as settings_services
from agency.community.services import storms
from agency.inbox.jobs import run_sync
from agency.queue import get_queue
from tests.conftest import login, unique_account

DAY = 86400


def _channel(platform, world, *, days: int, per_day: float, waves: bool):
    account_id = unique_account("storm")
    created = platform.add_account("facebook_page", account_id, name="Sturm Bäckerei", history_days=days,
                                   per_day=per_day)
    if waves:
        # The client posts every day (the sandbox's posts go up at midnight UTC); each post draws a wave of
        # ordinary comments — bigger on some days than others.
        rng = random.Random(5)
        today = time.time() // DAY * DAY
        for day in range(days, 0, -1):
            size = max(1, round(30 * rng.gammavariate(4, 1 / 4)))
            platform.admin("POST", "storm", account_id=account_id, count=size, minutes=360, mood="mixed",
                           wave=True, start=today - day * DAY + 120, seed=f"wave-{day}")
    channel = connect_channel(world.owner_a, world.ws_a, platform="facebook_page", account_id=account_id,
                              token=created["token"], name="Sturm Bäckerei", backfill_days=days + 1)
    db.session.commit()
    run_sync(channel)
    return channel, account_id


def test_eight_normal_sandbox_weeks_raise_no_alarm(platform, world):
    _channel(platform, world, days=70, per_day=30, waves=True)
    ws = world.ws_a
    now = datetime.now(UTC)
    end = detection.bucket_of(now.timestamp())
    until = datetime.fromtimestamp(end * detection.BUCKET_SECONDS, tz=UTC)
    series = storms.load_series(ws.id, settings_services.DEFAULT_CRISIS_KEYWORDS, until - timedelta(days=71), until)
    assert series.posts, "the sandbox's posts and their waves are recognised"
    results = detection.replay(series, end - 8 * detection.WEEK, end)
    assert len(results) == 8 * 7 * 24 * 4
    assert [(a.end, a.level, a.negative, a.expected_negative) for a in results if a.level != "none"] == []


@pytest.fixture
def stormy(platform, world):
    """Three weeks of ordinary traffic, then 80 negative comments in the last 40 minutes."""
    channel, account_id = _channel(platform, world, days=21, per_day=30, waves=False)
    platform.admin("POST", "storm", account_id=account_id, count=80, minutes=40, mood="negative",
                   start=time.time() - 45 * 60)
    run_sync(channel)
    return channel


def test_injected_storm_opens_one_incident_and_alerts(app, client, world, stormy):
    ws = world.ws_a
    assessment, signal = storms.detect(ws)
    assert assessment.level == "alarm" and signal is not None and signal.incident_id is not None
    assert assessment.negative >= 40 and assessment.ratio >= 10  # the classifier, not the sandbox, says negative
    incident = db.session.get(CrisisIncident, signal.incident_id)
    assert incident.status == "open" and incident.opened_by_id is None
    assert "negative in the last hour" in incident.explanation or "negativ" in incident.explanation
    # The workspace team (owner, its account manager and community manager) heard of it in the app …
    notified = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "community.incident")))
    assert {world.owner_a.id, world.am_a.id, world.cm_a.id} <= notified
    assert world.cm_unassigned.id not in notified and world.owner_b.id not in notified
    # … and by e-mail (queued after the commit), and the timeline says so.
    db.session.commit()
    mails = [job.args for job in get_queue("mail").jobs]
    assert {args[0] for args in mails} >= {world.owner_a.email, world.am_a.email, world.cm_a.email}
    kinds = [e.kind for e in db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id))]
    assert kinds == ["opened", "notification"]
    # Running again (the job twice, or the next five minutes) opens nothing new.
    again, second = storms.detect(ws)
    assert again.level == "alarm"
    assert db.session.scalar(select(func.count()).select_from(CrisisIncident)) == 1
    if second is not None:
        assert second.suppressed == "open"
    # The banner across the workspace's inbox, and the incident page.
    login(client, world.cm_a)
    inbox = client.get(f"/w/{ws.slug}/inbox/").get_data(as_text=True)
    assert "data-crisis-banner" in inbox and incident.title in inbox
    page = client.get(f"/w/{ws.slug}/incidents/{incident.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and ("Never buying" in body or "Nie wieder" in body or "Boykott" in body)
    other = client.get(f"/w/{world.ws_a2.slug}/inbox/")
    assert other.status_code == 404  # the community manager does not work in ws_a2


def test_snoozed_detection_records_but_tells_nobody(app, world, stormy):
    ws = world.ws_a
    settings_services.save_detection_settings(world.owner_a, ws, enabled=True, keywords=["boykott"],
                                              snoozed_until=db.utcnow() + timedelta(hours=3),
                                              snooze_reason="Produktlaunch")
    assessment, signal = storms.detect(ws)
    assert assessment.level == "alarm" and signal.suppressed == "snoozed" and signal.incident_id is None
    assert db.session.scalar(select(func.count()).select_from(CrisisIncident)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_cooldown_after_a_closed_incident(app, world, stormy):
    from agency.community.services import crisis

    ws = world.ws_a
    _assessment, signal = storms.detect(ws)
    incident = db.session.get(CrisisIncident, signal.incident_id)
    crisis.close_incident(world.owner_a, incident, "Falscher Alarm? Nein: Lieferengpass, Statement gepostet.")
    later = db.utcnow() + timedelta(minutes=5)
    _assessment, next_signal = storms.detect(ws, now=later)
    assert next_signal.suppressed == "cooldown"
    assert db.session.scalar(select(func.count()).select_from(CrisisIncident)) == 1


def test_quiet_and_new_workspaces(platform, world):
    _channel(platform, world, days=21, per_day=30, waves=False)
    assessment, signal = storms.detect(world.ws_a)
    assert assessment.level == "none" and signal is None
    stored = settings_services.settings_of(world.ws_a.id)
    assert stored.detection_last["level"] == "none" and stored.detection_checked_at is not None
    fresh, _ = storms.detect(world.ws_a2)  # no interactions at all: still warming up
    assert fresh.level == "warming_up"
    assert db.session.scalar(select(func.count()).select_from(StormSignal)) == 0


def test_warning_notifies_the_team_once(app, world, make_interaction):
    """A warning (not an alarm) tells the workspace team in the app, then rests for two hours."""
    from agency.community.detection import Assessment

    ws = world.ws_a
    settings = settings_services.ensure(ws)
    now = db.utcnow()
    warning = Assessment(end=detection.bucket_of(now.timestamp()), level="warning", negative=30,
                         expected_negative=8.0, total=60, expected_total=50.0, p_value=1e-7, weeks=4)
    first = storms._record(ws, settings, warning, now, now, "30 negative")
    later = now + timedelta(minutes=5)
    second = storms._record(ws, settings, Assessment(**{**warning.__dict__, "end": warning.end + 1}), later, later,
                            "31 negative")
    assert first.suppressed == "" and second.suppressed == "cooldown"
    rows = db.session.scalars(select(Notification).where(Notification.kind == "community.storm_warning")).all()
    recipients = {n.user_id for n in rows}
    assert recipients >= {world.owner_a.id, world.cm_a.id} and len(rows) == len(recipients)
    assert "30 negative in der letzten Stunde" in rows[0].body  # in the recipients' (the workspace's) German
    duplicate = storms._record(ws, settings, warning, now, now, "30 negative")
    assert duplicate is None  # the same hour is judged once


def test_detection_job_works_agency_by_agency(app, world, stormy):
    from agency.community.jobs import detect_storms

    db.session.commit()
    counts = detect_storms.run_inline()
    assert counts["workspaces"] >= 1 and counts["alarms"] == 1 and counts["failed"] == 0


def test_the_sandbox_storm_endpoint(platform):
    account_id = unique_account("endpoint")
    platform.add_account("facebook_page", account_id, name="Sturm", history_days=1, per_day=1)
    url = f"{platform.url}/_sandbox/storm"
    for bad in ({"account_id": account_id, "count": 0}, {"account_id": account_id, "count": 10, "mood": "angry"},
                {"account_id": account_id, "count": "x"}, {"account_id": account_id, "minutes": 99999}):
        assert platform.http.post(url, json=bad, timeout=10).status_code == 400, bad
    assert platform.http.post(url, json={"account_id": "nobody"}, timeout=10).status_code == 404
    posted = platform.admin("POST", "storm", account_id=account_id, count=30, minutes=60,
                            start=time.time() + 3600)  # an hour ahead: nothing visible yet
    assert posted["posted"] == 30 and posted["first"] > time.time()
    records = platform.state.records(platform.state.accounts[account_id])
    assert len(records) == 30 and all(r["kind"] == "comment" and r["ts"] > time.time() for r in records)


def test_the_explanation_in_english_and_german(app):
    from flask_babel import force_locale

    stats = {"negative": 87, "expected_negative": 8.97, "ratio": 9.7, "total": 100, "keyword": 31, "fresh_posts": 2,
             "expected_from_posts": 3.4, "reasons": ["persisted", "negative_share", "keywords"]}
    with force_locale("en"):
        text = str(storms.Explanation(stats, ["boykott"]))
    assert text.startswith("87 negative in the last hour, usually 9 at this hour → 9.7×.")
    assert "(2 new posts of the client usually draw 3.4 of them.)" in text
    assert "It has lasted two hours." in text and "87%" in text and "“boykott”" in text
    with force_locale("de"):
        assert "9,7×" in str(storms.Explanation(stats))  # numbers in the reader's format
