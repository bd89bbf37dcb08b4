"""Timer rules: one running timer per person (enforced by the database, also under two requests at once),
starting another stops the first, long timers ask before stopping and notify once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agency import db
from agency.accounts.notifications import Notification
from agency.errors import ValidationError
from agency.timetracking import jobs, services
from agency.timetracking.models import TimeEntry
from tests.conftest import TEST_PASSWORD, csrf_token, login
from tests.timetracking.conftest import activity_of


def _running(user_id):
    return list(db.session.scalars(select(TimeEntry).where(TimeEntry.user_id == user_id,
                                                           TimeEntry.started_at.is_not(None),
                                                           TimeEntry.ended_at.is_(None))))


def test_start_and_stop_records_minutes(world):
    now = db.utcnow()
    entry = services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), note="Moderation",
                                 now=now - timedelta(minutes=95))
    assert entry.is_running and entry.source == "timer" and entry.note == "Moderation"
    stopped = services.stop_timer(world.cm_a, now=now)
    assert stopped.id == entry.id and stopped.minutes == 95 and not stopped.is_running
    assert services.stop_timer(world.cm_a, now=now) is None  # nothing runs any more


def test_starting_another_stops_the_first(world):
    now = db.utcnow()
    first = services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=now - timedelta(minutes=30))
    world.cm_a.memberships  # noqa: B018 - loaded
    second = services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a, "content"), now=now)
    db.session.refresh(first)
    assert first.ended_at == now and first.minutes == 30
    assert [e.id for e in _running(world.cm_a.id)] == [second.id]


def test_the_database_refuses_a_second_running_timer(world):
    activity = activity_of(world.agency_a)
    services.start_timer(world.cm_a, world.ws_a, activity)
    rogue = TimeEntry(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, user_id=world.cm_a.id,
                      activity_id=activity.id, work_date=db.utcnow().date(), started_at=db.utcnow(), minutes=0)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(rogue)
        db.session.flush()


def test_timer_only_on_own_workspaces(world):
    with pytest.raises(ValidationError):
        services.start_timer(world.cm_a, world.ws_a2, activity_of(world.agency_a))
    assert _running(world.cm_a.id) == []


def test_two_concurrent_starts_leave_exactly_one(_app, committed):
    """Two requests at once (threads, own connections, a barrier): exactly one timer runs afterwards."""
    from agency.timetracking.settings import activities

    with _app.app_context(), db.tenant(db.session(), committed["agency"]):
        activity_ids = [a.id for a in activities(committed["agency"])][:2]
    db.session.remove()
    clients = [_app.test_client() for _ in range(2)]
    for client in clients:
        token = csrf_token(client, "/login")
        assert client.post("/login", data={"email": committed["cm_email"], "password": TEST_PASSWORD,
                                           "csrf_token": token}).status_code == 302
    tokens = [csrf_token(c, "/time") for c in clients]
    barrier = threading.Barrier(2)
    statuses = []

    def start(index):
        barrier.wait()
        response = clients[index].post("/time/timer/start", data={
            "csrf_token": tokens[index], "workspace": str(committed[f"ws{index + 1}"]),
            "activity": str(activity_ids[index])})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [302, 302]
    with _app.app_context(), db.system_scope("test: read back"):
        entries = list(db.session.scalars(select(TimeEntry).where(TimeEntry.user_id == committed["cm"])))
        running = [e for e in entries if e.is_running]
        assert len(running) == 1
        # The other start either stopped the winner's predecessor or was stopped by it: never two at once.
        assert len(entries) in (1, 2) and all(e.ended_at is not None for e in entries if e not in running)
    db.session.remove()


def test_long_timer_asks_before_stopping(app, world):
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a),
                         now=db.utcnow() - timedelta(hours=11))
    client = app.test_client()
    login(client, world.cm_a)
    token = csrf_token(client, "/time")
    response = client.post("/time/timer/stop", data={"csrf_token": token})
    assert response.status_code == 409 and "long time" in response.get_data(as_text=True)
    assert len(_running(world.cm_a.id)) == 1
    response = client.post("/time/timer/stop", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    assert _running(world.cm_a.id) == []


def test_short_timer_stops_without_asking(app, world):
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=db.utcnow() - timedelta(minutes=20))
    client = app.test_client()
    login(client, world.cm_a)
    response = client.post("/time/timer/stop", data={"csrf_token": csrf_token(client, "/time"), "next": "/inbox/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")
    assert _running(world.cm_a.id) == []


def test_timer_running_past_a_day_ends_after_24_hours(world):
    now = db.utcnow()
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=now - timedelta(hours=30))
    entry = services.stop_timer(world.cm_a, now=now)
    assert entry.minutes == 1440


def test_long_timer_notice_is_sent_once(world):
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=db.utcnow() - timedelta(hours=12))
    services.start_timer(world.am_a, world.ws_a, activity_of(world.agency_a), now=db.utcnow() - timedelta(hours=1))
    assert jobs.notify_long_timers() == 1
    assert jobs.notify_long_timers() == 0
    kinds = list(db.session.scalars(select(Notification.user_id).where(Notification.kind == "time.long_timer")))
    assert kinds == [world.cm_a.id]


def test_header_widget_shows_the_running_timer(app, world):
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=db.utcnow() - timedelta(minutes=5))
    client = app.test_client()
    login(client, world.cm_a)
    page = client.get("/").get_data(as_text=True)
    assert "data-started" in page and world.ws_a.name in page and "Stop timer" in page
    assert db.session.scalar(select(func.count(TimeEntry.id))) == 1
