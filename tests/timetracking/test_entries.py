"""Entries and the week grid: validation (overlaps, future, 24 hours, locks), approval, month close, re-open,
the audit trail of changes after approval, and what billing relies on."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from agency import db
from agency.audit import AuditEvent
from agency.errors import ValidationError
from agency.timetracking import approval, services
from agency.timetracking.models import MonthClose, State, TimeEntry
from agency.timetracking.services import CellChange, EntryInput, GridError
from agency.timetracking.settings import agency_zone, today
from tests.conftest import csrf_token, login
from tests.timetracking.conftest import activity_of, make_entry


def _yesterday(world):
    return today(world.agency_a) - timedelta(days=1)


def _local(world, day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=agency_zone(world.agency_a))


def test_manual_entry_with_duration_and_with_start_and_end(world):
    day = _yesterday(world)
    activity = activity_of(world.agency_a)
    first = services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity, work_date=day, minutes=45))
    assert (first.minutes, first.source, first.state, first.billable) == (45, "manual", "open", True)
    timed = services.create_entry(world.cm_a, world.cm_a, EntryInput(
        world.ws_a, activity, started_at=_local(world, day, 9), ended_at=_local(world, day, 10, 30)))
    assert timed.minutes == 90 and timed.work_date == day


def test_overlapping_timed_entries_are_refused(world):
    day = _yesterday(world)
    activity = activity_of(world.agency_a)
    services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity, started_at=_local(world, day, 9),
                                                             ended_at=_local(world, day, 11)))
    with pytest.raises(ValidationError, match="overlaps"):
        services.create_entry(world.cm_a, world.cm_a, EntryInput(
            world.ws_a, activity, started_at=_local(world, day, 10, 30), ended_at=_local(world, day, 12)))
    # Touching is fine.
    services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity, started_at=_local(world, day, 11),
                                                             ended_at=_local(world, day, 12)))


def test_overlap_with_a_running_timer_is_refused(world):
    activity = activity_of(world.agency_a)
    now = db.utcnow()
    services.start_timer(world.cm_a, world.ws_a, activity, now=now - timedelta(hours=1))
    with pytest.raises(ValidationError, match="overlaps"):
        services.create_entry(world.cm_a, world.cm_a, EntryInput(
            world.ws_a, activity, started_at=now - timedelta(minutes=30), ended_at=now - timedelta(minutes=10)),
            now=now)


def test_nothing_in_the_future(world):
    tomorrow = today(world.agency_a) + timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity_of(world.agency_a),
                                                                 work_date=tomorrow, minutes=30))


def test_at_most_24_hours_a_day(world):
    day = _yesterday(world)
    activity = activity_of(world.agency_a)
    services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity, work_date=day, minutes=1200))
    with pytest.raises(ValidationError, match="24 hours"):
        services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity, work_date=day, minutes=241))
    services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity, work_date=day, minutes=240))


def test_notes_lose_control_characters(world):
    entry = services.create_entry(world.cm_a, world.cm_a, EntryInput(
        world.ws_a, activity_of(world.agency_a), work_date=_yesterday(world), minutes=5, note="a\x00b\u202e c \n"))
    assert entry.note == "ab\u202e c"  # NUL gone; the bidi override stays text (escaped when shown)


def test_grid_cells_create_update_and_delete_all_or_nothing(world):
    week_day = _yesterday(world)
    activity = activity_of(world.agency_a)
    services.save_cells(world.cm_a, world.cm_a, [CellChange(world.ws_a, activity, week_day, 90)])
    [entry] = services.cell_entries(world.cm_a.id, world.ws_a.id, activity.id, week_day)
    assert entry.minutes == 90
    services.save_cells(world.cm_a, world.cm_a, [CellChange(world.ws_a, activity, week_day, 120)])
    assert db.session.get(TimeEntry, entry.id).minutes == 120
    # One bad cell (over 24 h with the other) keeps the good one from being saved too.
    other = activity_of(world.agency_a, "content")
    with pytest.raises(GridError) as caught:
        services.save_cells(world.cm_a, world.cm_a, [CellChange(world.ws_a, other, week_day, 60),
                                                     CellChange(world.ws_a, activity, week_day, 1400)])
    assert caught.value.errors
    assert services.cell_entries(world.cm_a.id, world.ws_a.id, other.id, week_day) == []
    assert db.session.get(TimeEntry, entry.id).minutes == 120
    services.save_cells(world.cm_a, world.cm_a, [CellChange(world.ws_a, activity, week_day, None)])
    assert services.cell_entries(world.cm_a.id, world.ws_a.id, activity.id, week_day) == []


def test_copy_last_week_fills_empty_cells_up_to_today(world):
    this_monday = today(world.agency_a) - timedelta(days=today(world.agency_a).weekday())
    last_monday = this_monday - timedelta(days=7)
    for offset in range(7):
        make_entry(world.cm_a, world.ws_a, day=last_monday + timedelta(days=offset), minutes=60)
    copied = services.copy_last_week(world.cm_a, world.cm_a, this_monday)
    days = sorted(db.session.scalars(select(TimeEntry.work_date).where(
        TimeEntry.user_id == world.cm_a.id, TimeEntry.work_date >= this_monday)))
    assert copied == len(days) == today(world.agency_a).weekday() + 1
    assert services.copy_last_week(world.cm_a, world.cm_a, this_monday) == 0  # cells are filled now


def test_approved_entries_are_read_only_for_staff_and_changes_by_managers_are_audited(world):
    day = _yesterday(world)
    entry = make_entry(world.cm_a, world.ws_a, day=day, minutes=30)
    assert approval.approve_period(world.am_a, world.ws_a, day, day) == 1
    db.session.refresh(entry)
    assert entry.state == State.APPROVED and entry.approved_by_id == world.am_a.id
    assert services.lock_reason(world.cm_a, entry) == "Approved entries are read-only."
    with pytest.raises(ValidationError):
        services.update_entry(world.cm_a, entry, EntryInput(world.ws_a, activity_of(world.agency_a), work_date=day,
                                                            minutes=40))
    services.update_entry(world.am_a, entry, EntryInput(world.ws_a, activity_of(world.agency_a), work_date=day,
                                                        minutes=40))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "time.entry_changed_after_approval"))
    assert event.details["before"]["minutes"] == 30 and event.details["after"]["minutes"] == 40
    services.delete_entry(world.am_a, entry)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "time.entry_deleted_after_approval"))


def test_approval_per_user(world):
    day = _yesterday(world)
    mine = make_entry(world.cm_a, world.ws_a, day=day, minutes=30)
    other = make_entry(world.am_a, world.ws_a, day=day, minutes=30)
    assert approval.approve_period(world.am_a, world.ws_a, day, day, user_id=world.cm_a.id) == 1
    assert db.session.get(TimeEntry, mine.id).state == "approved"
    assert db.session.get(TimeEntry, other.id).state == "open"
    with pytest.raises(ValidationError):
        approval.approve_period(world.cm_a, world.ws_a, day, day)  # staff do not approve


def test_closed_month_is_locked_and_reopen_needs_owner_and_reason(world):
    last_month = (today(world.agency_a).replace(day=1) - timedelta(days=1)).replace(day=1)
    entry = make_entry(world.cm_a, world.ws_a, day=last_month + timedelta(days=3), minutes=60)
    approval.close_month(world.am_a, world.ws_a, last_month)
    db.session.refresh(entry)
    assert entry.state == "approved"
    for actor in (world.cm_a, world.am_a, world.owner_a):
        assert "closed" in services.lock_reason(actor, entry)
    with pytest.raises(ValidationError, match="closed"):
        services.create_entry(world.cm_a, world.cm_a, EntryInput(world.ws_a, activity_of(world.agency_a),
                                                                 work_date=last_month, minutes=10))
    with pytest.raises(ValidationError):
        approval.close_month(world.am_a, world.ws_a, last_month)  # closed already
    with pytest.raises(ValidationError):
        approval.reopen_month(world.am_a, world.ws_a, last_month, "typo")  # account managers cannot
    with pytest.raises(ValidationError, match="why"):
        approval.reopen_month(world.owner_a, world.ws_a, last_month, "   ")
    assert approval.reopen_month(world.owner_a, world.ws_a, last_month, "Client disputed two hours") == 1
    db.session.refresh(entry)
    assert entry.state == "open" and services.lock_reason(world.cm_a, entry) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "time.month_reopened"))
    assert event.details["reason"] == "Client disputed two hours" and event.actor_id == world.owner_a.id
    assert db.session.scalar(select(MonthClose.id)) is None


def test_month_close_waits_for_running_timers(world):
    services.start_timer(world.cm_a, world.ws_a, activity_of(world.agency_a), now=db.utcnow() - timedelta(minutes=5))
    with pytest.raises(ValidationError, match="running"):
        approval.close_month(world.am_a, world.ws_a, today(world.agency_a))


def test_invoiced_entries_are_never_editable_and_billing_marks_atomically(world):
    day = _yesterday(world)
    a = make_entry(world.cm_a, world.ws_a, day=day, minutes=20)
    b = make_entry(world.cm_a, world.ws_a, day=day, minutes=25)
    unbillable = make_entry(world.cm_a, world.ws_a, day=day, minutes=25, billable=False)
    approval.approve_period(world.am_a, world.ws_a, day, day)
    assert [e.id for e in approval.billable_entries(world.ws_a, day, day)] == [a.id, b.id]
    with pytest.raises(ValidationError):
        approval.mark_invoiced(world.ws_a, [a.id, unbillable.id], 77)  # all or none
    assert db.session.get(TimeEntry, a.id).invoice_id is None
    assert approval.mark_invoiced(world.ws_a, [a.id, b.id], 77) == 2
    entry = db.session.get(TimeEntry, a.id)
    assert (entry.state, entry.invoice_id) == ("invoiced", 77)
    assert services.lock_reason(world.owner_a, entry) == "Invoiced entries cannot be changed."
    assert approval.billable_entries(world.ws_a, day, day) == []
    with pytest.raises(ValidationError):
        approval.mark_invoiced(world.ws_a, [a.id], 78)  # already on an invoice


def test_grid_page_saves_cells_and_shows_errors(app, world):
    day = _yesterday(world)
    monday = day - timedelta(days=day.weekday())
    activity = activity_of(world.agency_a)
    client = app.test_client()
    login(client, world.cm_a)
    token = csrf_token(client, "/time")
    name = f"c-{world.ws_a.id}-{activity.id}-{day.isoformat()}"
    response = client.post(f"/time/grid?week={monday.isoformat()}", data={"csrf_token": token, name: "1,5"})
    assert response.status_code == 302
    assert db.session.scalar(select(TimeEntry.minutes).where(TimeEntry.user_id == world.cm_a.id)) == 90
    response = client.post(f"/time/grid?week={monday.isoformat()}", data={"csrf_token": token, name: "banana"})
    assert response.status_code == 400 and "1:30, 1,5 or 90m" in response.get_data(as_text=True)
    page = client.get(f"/time?week={monday.isoformat()}").get_data(as_text=True)
    assert 'value="1:30"' in page and world.ws_a.name in page
