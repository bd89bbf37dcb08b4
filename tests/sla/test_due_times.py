"""Due times stamped at ingest: business hours, weekends, holidays, DST, kinds, priorities, states."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from agency import db
from agency.sla import services
from agency.sla.policy import Target
from agency.sla.settings import save_policy
from tests.sla.conftest import berlin, fresh


def _set_default(world, cells, **settings):
    targets = {cell: Target(minutes, business) for cell, (minutes, business) in cells.items()}
    save_policy(world.owner_a, workspace=None, calendar_mode=settings.get("calendar_mode"),
                calendar_id=settings.get("calendar_id"), warn_minutes=settings.get("warn_minutes"),
                warn_percent=settings.get("warn_percent"), targets=targets)


def test_friday_afternoon_comment_is_due_monday_morning(world, ingest):
    _set_default(world, {("first_response", "comment", "normal"): (60, True)})
    it = ingest(berlin(2026, 11, 27, 16, 30))  # a Friday
    assert it.first_response_due_at == berlin(2026, 11, 30, 9, 30)
    assert it.sla_due_at == it.first_response_due_at
    assert it.next_response_due_at is None and it.resolution_due_at is None


def test_builtin_defaults_apply_before_the_agency_saves_any(world, ingest):
    it = ingest(berlin(2026, 11, 25, 10, 0))  # Wednesday, normal comment: 120 business minutes
    assert it.first_response_due_at == berlin(2026, 11, 25, 12, 0)


@pytest.mark.parametrize(("arrival", "due"), [
    # Epiphany (6 Jan) is a public holiday in Bavaria: Monday 5 Jan 16:30 + 60 min → Wednesday 09:30.
    (berlin(2026, 1, 5, 16, 30), berlin(2026, 1, 7, 9, 30)),
    # Saturday arrival waits for Monday's opening.
    (berlin(2026, 11, 28, 11, 0), berlin(2026, 11, 30, 10, 0)),
    # Before opening on a weekday.
    (berlin(2026, 11, 25, 6, 0), berlin(2026, 11, 25, 10, 0)),
    # Spring forward (29 March 2026): Friday 16:30 → Monday 09:30 local, 23 h Sunday in between.
    (berlin(2026, 3, 27, 16, 30), berlin(2026, 3, 30, 9, 30)),
    # Fall back (25 October 2026).
    (berlin(2026, 10, 23, 16, 30), berlin(2026, 10, 26, 9, 30)),
])
def test_business_hours_weekends_holidays_and_clock_changes(world, ingest, arrival, due):
    _set_default(world, {("first_response", "comment", "normal"): (60, True)})
    it = ingest(arrival)
    assert it.first_response_due_at == due
    assert it.first_response_due_at.astimezone(UTC).utcoffset() == timedelta(0)


def test_calendar_time_targets_ignore_business_hours(world, ingest):
    _set_default(world, {("first_response", "direct_message", "normal"): (60, False)})
    it = ingest(berlin(2026, 11, 28, 23, 30), kind="direct_message", thread="t-1")
    assert it.first_response_due_at == berlin(2026, 11, 29, 0, 30)


def test_priority_kind_and_resolution_targets(world, ingest):
    _set_default(world, {("first_response", "review", "normal"): (480, True),
                         ("resolution", "review", "normal"): (960, True)})
    review = ingest(berlin(2026, 11, 25, 9, 0), kind="review")
    assert review.first_response_due_at == berlin(2026, 11, 25, 17, 0)
    assert review.resolution_due_at == berlin(2026, 11, 26, 17, 0)
    comment = ingest(berlin(2026, 11, 25, 9, 0))
    assert comment.first_response_due_at is None and comment.sla_state is None  # no target for comments


def test_own_spam_and_history_have_no_sla(world, ingest, channel):
    from agency.inbox.ingest import ingest_items

    own = ingest(berlin(2026, 11, 25, 10, 0), is_own=True)
    assert own.sla_due_at is None and own.sla_state is None
    spam = ingest(berlin(2026, 11, 25, 10, 0), text="Gratis iPhone gewinnen!!! klick hier bit.ly/xyz jetzt $$$")
    if spam.status == "spam":
        assert spam.sla_state is None
    assert ingest_items  # ingest is the real pipeline


def test_states_on_track_at_risk_breached(world, ingest):
    _set_default(world, {("first_response", "comment", "normal"): (60, False)})
    now = db.utcnow()
    it = ingest(now - timedelta(minutes=10))
    assert it.sla_state == "on_track"
    # Due at now + 50 min; the window is max(15 min, 20 % of 60 min) = 15 minutes.
    services.recompute_interactions([it.id], now=now + timedelta(minutes=34))
    assert fresh(it).sla_state == "on_track"
    services.recompute_interactions([it.id], now=now + timedelta(minutes=35, seconds=1))
    assert fresh(it).sla_state == "at_risk"
    services.recompute_interactions([it.id], now=now + timedelta(minutes=50))
    assert fresh(it).sla_state == "breached"


def test_warning_window_is_configurable(world, ingest):
    _set_default(world, {("first_response", "comment", "normal"): (600, False)}, warn_minutes=5, warn_percent=50)
    now = db.utcnow()
    it = ingest(now)
    services.recompute_interactions([it.id], now=now + timedelta(minutes=299))
    assert fresh(it).sla_state == "on_track"
    services.recompute_interactions([it.id], now=now + timedelta(minutes=301))
    assert fresh(it).sla_state == "at_risk"


def test_reply_sent_meets_or_misses_and_notes_do_not_count(world, ingest):
    from agency.inbox.models import Note, Reply
    from agency.inbox.signals import reply_sent

    _set_default(world, {("first_response", "comment", "normal"): (60, False)})
    now = db.utcnow()
    fast, slow = ingest(now - timedelta(minutes=30)), ingest(now - timedelta(minutes=90))
    db.session.add(Note(agency_id=fast.agency_id, workspace_id=fast.workspace_id, interaction_id=fast.id, text="x"))
    db.session.flush()
    assert fresh(fast).first_responded_at is None
    for it in (fast, slow):
        reply = Reply(agency_id=it.agency_id, workspace_id=it.workspace_id, interaction_id=it.id, text="Hallo!",
                      status="sent", sent_at=now)
        db.session.add(reply)
        db.session.flush()
        reply_sent.send(it, reply=reply)
    assert fresh(fast).first_responded_at == now and fast.sla_state == "met" and fast.sla_due_at is None
    assert fresh(slow).sla_state == "missed"
    failed = Reply(agency_id=fast.agency_id, workspace_id=fast.workspace_id, interaction_id=fast.id, text="x",
                   status="failed")
    reply_sent.send(fast, reply=failed)  # not sent: ignored


def test_customer_writing_again_gets_a_next_response_target(world, ingest):
    from agency.inbox.models import Reply
    from agency.inbox.signals import reply_sent

    _set_default(world, {("first_response", "comment", "normal"): (60, True),
                         ("first_response", "reply", "normal"): (60, True),
                         ("next_response", "reply", "normal"): (30, True)})
    top = ingest(berlin(2026, 11, 25, 10, 0), external_id="c-1")
    burst = ingest(berlin(2026, 11, 25, 10, 5), kind="reply", parent="c-1")  # before our answer: a first response
    reply = Reply(agency_id=top.agency_id, workspace_id=top.workspace_id, interaction_id=top.id, text="Gern!",
                  status="sent", sent_at=berlin(2026, 11, 25, 10, 20).astimezone(UTC))
    db.session.add(reply)
    db.session.flush()
    reply_sent.send(top, reply=reply)
    assert fresh(burst).first_responded_at == reply.sent_at  # the answer covers the whole conversation
    again = ingest(berlin(2026, 11, 25, 16, 50), kind="reply", parent="c-1")
    assert again.first_response_due_at is None
    assert again.next_response_due_at == berlin(2026, 11, 26, 9, 20)


def test_dm_thread_follow_up(world, ingest):
    from agency.inbox.models import Reply
    from agency.inbox.signals import reply_sent

    _set_default(world, {("first_response", "direct_message", "normal"): (60, True),
                         ("next_response", "direct_message", "normal"): (15, True)})
    first = ingest(berlin(2026, 11, 25, 10, 0), kind="direct_message", thread="conv-1")
    reply = Reply(agency_id=first.agency_id, workspace_id=first.workspace_id, interaction_id=first.id, text="Hi",
                  status="sent", sent_at=berlin(2026, 11, 25, 10, 10).astimezone(UTC))
    db.session.add(reply)
    db.session.flush()
    reply_sent.send(first, reply=reply)
    other_thread = ingest(berlin(2026, 11, 25, 11, 0), kind="direct_message", thread="conv-2")
    follow = ingest(berlin(2026, 11, 25, 11, 0), kind="direct_message", thread="conv-1")
    assert other_thread.first_response_due_at == berlin(2026, 11, 25, 12, 0)
    assert follow.next_response_due_at == berlin(2026, 11, 25, 11, 15)
