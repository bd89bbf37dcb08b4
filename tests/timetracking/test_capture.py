"""Time from the inbox: spans with an idle cut-off, overlapping threads merged, no double counting with a
timer, accept/discard in bulk — and the signals the thread view sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from agency import db
from agency.inbox.models import Interaction
from agency.timetracking import capture, services
from agency.timetracking.models import InboxSpan, TimeEntry
from agency.timetracking.settings import day_bounds, save_agency_settings, today
from tests.conftest import csrf_token, login
from tests.timetracking.conftest import activity_of

_ids = count(1)


def _interaction(workspace) -> Interaction:
    n = next(_ids)
    row = Interaction(agency_id=workspace.agency_id, workspace_id=workspace.id, platform="facebook_page",
                      external_id=f"tt-{n}", kind="comment", author_name=f"Fan {n}", text="Hallo",
                      platform_created_at=datetime.now(UTC))
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def morning(world):
    """09:00 yesterday in the agency's zone (a finished day: nothing is cut at 'now')."""
    start, _end = day_bounds(world.agency_a, today(world.agency_a) - timedelta(days=1))
    return start + timedelta(hours=9)


def _work(world, user, interaction, start, *, every: int, until: int):
    """Activity signals every ``every`` seconds from ``start`` for ``until`` seconds."""
    for second in range(0, until + 1, every):
        capture.record_activity(agency_id=world.agency_a.id, workspace_id=interaction.workspace_id,
                                interaction_id=interaction.id, user_id=user.id, action="active",
                                now=start + timedelta(seconds=second))


def _day(world):
    return today(world.agency_a) - timedelta(days=1)


def test_continuous_work_becomes_one_suggestion(world, morning):
    it = _interaction(world.ws_a)
    _work(world, world.cm_a, it, morning, every=10, until=600)  # ten minutes of heartbeats
    [suggestion] = capture.suggestions(world.cm_a, _day(world))
    assert suggestion.workspace_id == world.ws_a.id and suggestion.conversations == 1
    assert suggestion.minutes == 10  # 600 s plus the 20 s tail of the last signal, rounded
    assert db.session.scalar(select(func.count(InboxSpan.id))) == 1


def test_idle_gap_beyond_the_cut_off_is_not_counted(world, morning):
    save_agency_settings(world.owner_a, idle_cutoff_minutes=5, long_timer_hours=10)
    it = _interaction(world.ws_a)
    _work(world, world.cm_a, it, morning, every=30, until=300)  # 5 minutes
    _work(world, world.cm_a, it, morning + timedelta(minutes=45), every=30, until=300)  # after 40 idle minutes
    assert db.session.scalar(select(func.count(InboxSpan.id))) == 2
    [suggestion] = capture.suggestions(world.cm_a, _day(world))
    assert suggestion.minutes == 11  # 2 × (5 min + 20 s tail), not 50 minutes
    # A gap shorter than the cut-off stays one span.
    other = _interaction(world.ws_a)
    _work(world, world.cm_a, other, morning + timedelta(hours=2), every=240, until=480)
    assert db.session.scalar(select(func.count(InboxSpan.id)).where(InboxSpan.interaction_id == other.id)) == 1


def test_overlapping_threads_count_once(world, morning):
    first, second = _interaction(world.ws_a), _interaction(world.ws_a)
    _work(world, world.cm_a, first, morning, every=10, until=600)  # 09:00–09:10
    _work(world, world.cm_a, second, morning + timedelta(minutes=5), every=10, until=600)  # 09:05–09:15
    [suggestion] = capture.suggestions(world.cm_a, _day(world))
    assert suggestion.conversations == 2
    assert suggestion.minutes == 15  # the union 09:00–09:15 (+ tail), not 20


def test_overlap_across_workspaces_goes_to_the_thread_opened_last(world, morning):
    a, b = _interaction(world.ws_a), _interaction(world.ws_a2)
    world_owner = world.owner_a  # sees both workspaces
    _work(world, world_owner, a, morning, every=10, until=1200)  # 09:00–09:20
    _work(world, world_owner, b, morning + timedelta(minutes=10), every=10, until=300)  # 09:10–09:15
    found = {s.workspace_id: s.minutes for s in capture.suggestions(world_owner, _day(world))}
    assert found[world.ws_a2.id] == 5
    assert found[world.ws_a.id] == 15
    assert sum(found.values()) == 20


def test_time_a_timer_covers_is_not_suggested_again(world, morning):
    it = _interaction(world.ws_a)
    activity = activity_of(world.agency_a)
    services.start_timer(world.cm_a, world.ws_a, activity, now=morning + timedelta(minutes=10))
    services.stop_timer(world.cm_a, now=morning + timedelta(minutes=40))
    _work(world, world.cm_a, it, morning, every=10, until=3600)  # an hour in the inbox, 30 minutes on the timer
    [suggestion] = capture.suggestions(world.cm_a, _day(world))
    assert suggestion.minutes == 30


def test_a_running_timer_is_cut_out_too(world):
    it = _interaction(world.ws_a)
    now = db.utcnow()
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=now - timedelta(minutes=20))
    _work(world, world.cm_a, it, now - timedelta(minutes=20), every=10, until=1190)
    assert capture.suggestions(world.cm_a, today(world.agency_a), now=now) == []


def test_accept_and_discard_in_bulk_resolve_the_spans(world, morning):
    a, b = _interaction(world.ws_a), _interaction(world.ws_a2)
    owner = world.owner_a
    _work(world, owner, a, morning, every=10, until=900)
    _work(world, owner, b, morning + timedelta(hours=1), every=10, until=600)
    day = _day(world)
    activity = activity_of(world.agency_a)
    counts = capture.decide(owner, day, [
        capture.Decision(world.ws_a.id, accept=True, minutes=20, activity=activity),
        capture.Decision(world.ws_a2.id, accept=False)])
    assert counts == {"accepted": 1, "discarded": 1}
    entry = db.session.scalar(select(TimeEntry).where(TimeEntry.user_id == owner.id))
    assert (entry.minutes, entry.source, entry.work_date, entry.workspace_id) == (20, "inbox", day, world.ws_a.id)
    assert "1 conversations" in entry.note
    assert capture.suggestions(owner, day) == []  # nothing is suggested twice
    assert db.session.scalar(select(func.count(InboxSpan.id)).where(InboxSpan.resolved_at.is_(None))) == 0


def test_thread_view_and_heartbeats_send_the_signal(app, world):
    it = _interaction(world.ws_a)
    db.session.commit()
    client = app.test_client()
    login(client, world.cm_a)
    assert client.get(f"/w/{world.ws_a.slug}/inbox/{it.id}").status_code == 200
    url = f"/w/{world.ws_a.slug}/inbox/{it.id}/presence"
    token = csrf_token(client, "/profile")
    assert client.post(url, data={"csrf_token": token, "state": "viewing", "active": "1"}).status_code == 200
    spans = list(db.session.scalars(select(InboxSpan).where(InboxSpan.user_id == world.cm_a.id)))
    assert len(spans) == 1 and spans[0].events == 2
    # A page left open but unused sends no activity.
    client.post(url, data={"csrf_token": token, "state": "viewing", "active": "0"})
    db.session.expire_all()
    assert db.session.get(InboxSpan, spans[0].id).events == 2


def test_suggestions_page_accepts(app, world, morning):
    it = _interaction(world.ws_a)
    _work(world, world.cm_a, it, morning, every=10, until=1500)
    db.session.commit()
    client = app.test_client()
    login(client, world.cm_a)
    day = _day(world).isoformat()
    page = client.get(f"/time/suggestions?day={day}").get_data(as_text=True)
    assert world.ws_a.name in page and "0:25" in page
    activity = activity_of(world.agency_a)
    response = client.post(f"/time/suggestions?day={day}", data={
        "csrf_token": csrf_token(client, "/time"), f"decision-{world.ws_a.id}": "accept",
        f"minutes-{world.ws_a.id}": "0:25", f"activity-{world.ws_a.id}": str(activity.id)})
    assert response.status_code == 302
    assert db.session.scalar(select(TimeEntry.minutes).where(TimeEntry.source == "inbox")) == 25
