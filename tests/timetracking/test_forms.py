"""Every form of time tracking answers garbage with a clear 4xx and writes nothing: NUL bytes, blank and huge
values, file parts where text is expected, ids beyond bigint, unknown choices."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agency import db
from agency.timetracking.models import (
    Absence,
    Activity,
    MonthClose,
    PlannedTime,
    StaffTimeSettings,
    TimeEntry,
    TimeSettings,
    WorkspaceTimeSettings,
)
from agency.timetracking.settings import today
from tests.conftest import csrf_token, login
from tests.timetracking.conftest import activity_of, make_entry

HUGE = "x" * 200_000
BIG_ID = "99999999999999999999999"


def _cases(world, entry, activity, day):
    ws, cell = world.ws_a, f"c-{world.ws_a.id}-{activity.id}-{day.isoformat()}"
    week = (day - timedelta(days=day.weekday())).isoformat()
    return {
        "timetracking.save_grid": (f"/time/grid?week={week}", [
            {cell: "abc"}, {cell: "25:00"}, {cell: "1:3\x00x"}, {cell: HUGE}, {f"c-{ws.id}-{BIG_ID}-{day}": "1"},
            {f"c-{world.ws_b.id}-{activity.id}-{day}": "1:00"}, {"c-garbage": "1"}]),
        "timetracking.timer_start": ("/time/timer/start", [
            {}, {"workspace": str(world.ws_b.id), "activity": str(activity.id)},
            {"workspace": BIG_ID, "activity": BIG_ID}, {"workspace": str(ws.id), "activity": "x"},
            {"workspace": str(ws.id), "activity": str(activity.id), "note": (io.BytesIO(b"file"), "note.txt")},
            {"workspace": str(ws.id), "activity": str(activity.id), "note": HUGE}]),
        "timetracking.timer_stop": ("/time/timer/stop", [{"csrf_token": ""}]),
        "timetracking.entry_new": ("/time/entries/new", [
            {}, {"workspace": str(ws.id), "activity": str(activity.id), "work_date": "yesterday", "duration": "1"},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat(), "duration": "abc"},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat()},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": "2999-01-01", "duration": "1"},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat(), "duration": "\x00"},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat(), "duration": "1",
             "note": (io.BytesIO(b"file"), "note.txt")},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat(),
             "start": "25:00", "end": "26:00"},
            {"workspace": HUGE, "activity": HUGE, "work_date": HUGE, "duration": HUGE, "note": HUGE}]),
        "timetracking.entry_edit": (f"/time/entries/{entry.id}", [
            {}, {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat(),
                 "duration": "-1"},
            {"workspace": str(ws.id), "activity": str(activity.id), "work_date": day.isoformat(), "duration": "1",
             "note": (io.BytesIO(b"file"), "note.txt")}]),
        "timetracking.suggestions": ("/time/suggestions", [{}, {"day": HUGE}]),
        "timetracking.workspace_approve": (f"/w/{ws.slug}/time/approve", [
            {}, {"first": "x", "last": "y"}, {"first": day.isoformat(), "last": day.isoformat(), "user": BIG_ID},
            {"first": HUGE, "last": HUGE}]),
        "timetracking.workspace_close": (f"/w/{ws.slug}/time/close", [{}, {"month": "2026-13"}, {"month": HUGE}]),
        "timetracking.workspace_reopen": (f"/w/{ws.slug}/time/reopen", [
            {}, {"month": day.strftime("%Y-%m"), "reason": "   "}, {"month": day.strftime("%Y-%m"), "reason": "\x00"},
            {"month": day.strftime("%Y-%m"), "reason": HUGE},
            {"month": day.strftime("%Y-%m"), "reason": "not closed"}]),
        "timetracking.workspace_settings": (f"/w/{ws.slug}/time/settings", [
            {}, {"budget": "lots", "rollover": "none", "thresholds": "80", "rounding": "0"},
            {"budget": "40", "rollover": "sometimes", "thresholds": "80", "rounding": "0"},
            {"budget": "40", "rollover": "none", "thresholds": "80, 999", "rounding": "0"},
            {"budget": "40", "rollover": "none", "thresholds": "80", "rounding": "7"},
            {"budget": "40", "rollover": "none", "thresholds": "80", "rounding": "0", f"ab-{activity.id}": "x"},
            {"budget": HUGE, "rollover": HUGE, "thresholds": HUGE, "rounding": HUGE, "starts": HUGE}]),
        "timetracking.capacity_plan": (f"/time/capacity/plan?week={week}", [
            {f"p-{world.cm_a.id}-{ws.id}": "lots"}, {f"p-{world.cm_unassigned.id}-{ws.id}": "5"},
            {f"p-{world.cm_a.id}-{ws.id}": "101"}, {f"p-{BIG_ID}-{ws.id}": "1"},
            {f"p-{world.cm_a.id}-{world.ws_b.id}": "1"}]),
        "timetracking.absence_add": ("/time/capacity/absences", [
            {}, {"user": str(world.cm_a.id), "starts_on": "2026-02-10", "ends_on": "2026-02-01", "kind": "vacation"},
            {"user": str(world.cm_a.id), "starts_on": "2026-02-10", "ends_on": "2026-02-11", "kind": "party"},
            {"user": str(world.owner_b.id), "starts_on": "2026-02-10", "ends_on": "2026-02-11", "kind": "vacation"},
            {"user": BIG_ID, "starts_on": HUGE, "ends_on": HUGE, "kind": HUGE, "note": HUGE}]),
        "timetracking.staff_settings": (f"/time/capacity/staff/{world.cm_a.id}", [
            {}, {"capacity": "many"}, {"capacity": "120"}, {"capacity": "40", "subdivision": "XX"},
            {"capacity": HUGE}]),
        "timetracking.setup": ("/time/settings", [
            {}, {"name": "   "}, {"name": "\x00"}, {"name": HUGE}, {"name": "Content"},
            {"part": "agency", "idle_cutoff_minutes": "0", "long_timer_hours": "10"},
            {"part": "agency", "idle_cutoff_minutes": "5", "long_timer_hours": BIG_ID},
            {"part": "agency", "idle_cutoff_minutes": "x"}]),
        "timetracking.activity_edit": (f"/time/activities/{activity.id}", [
            {}, {"name": "  "}, {"name": HUGE}, {"name": "Content"}, {"name": " \x00 "}]),
    }


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (
        TimeEntry, Activity, MonthClose, PlannedTime, Absence, StaffTimeSettings, TimeSettings,
        WorkspaceTimeSettings))


def test_forms_reject_bad_input(app, world):
    from tests.timetracking.forms_registry import FORMS

    day = today(world.agency_a) - timedelta(days=1)
    activity = activity_of(world.agency_a)
    entry = make_entry(world.am_a, world.ws_a, day=day, minutes=30)
    cases = _cases(world, entry, activity, day)
    assert set(cases) == set(FORMS)
    db.session.commit()
    client = app.test_client()
    login(client, world.owner_a)
    before = _counts()
    names_before = sorted(db.session.scalars(select(Activity.name)))
    for endpoint, (url, payloads) in cases.items():
        for payload in payloads:
            data = {"csrf_token": csrf_token(client, "/time"), **payload}
            response = client.post(url, data=data, content_type="multipart/form-data")
            assert 400 <= response.status_code < 500, (endpoint, list(payload), response.status_code)
            if response.status_code in (400, 409) and endpoint != "timetracking.save_grid":
                body = response.get_data(as_text=True)
                marks = ('class="error"', "alert-error", "Bad request", "form has expired")
                assert any(mark in body for mark in marks), (endpoint, list(payload))
    db.session.expire_all()
    assert _counts() == before
    assert sorted(db.session.scalars(select(Activity.name))) == names_before
    assert db.session.get(TimeEntry, entry.id).minutes == 30


@pytest.mark.parametrize("path", ["/time/copy-week", "/time/entries/{entry}/delete",
                                  "/time/capacity/absences/{absence}/delete"])
def test_actions_without_a_token_do_nothing(app, world, path):
    day = today(world.agency_a) - timedelta(days=1)
    entry = make_entry(world.am_a, world.ws_a, day=day, minutes=30)
    absence = Absence(agency_id=world.agency_a.id, user_id=world.cm_a.id, starts_on=day, ends_on=day)
    db.session.add(absence)
    db.session.commit()
    client = app.test_client()
    login(client, world.owner_a)
    before = _counts()
    response = client.post(path.format(entry=entry.id, absence=absence.id), data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert _counts() == before
