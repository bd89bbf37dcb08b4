"""Time entries (CRUD), the timer and retainer budgets."""

from __future__ import annotations

from datetime import date, timedelta

from flask_login import current_user
from sqlalchemy import select

from agency import db
from agency.accounts.models import Workspace
from agency.accounts.permissions import can
from agency.accounts.tenancy import get_scoped_or_404, visible_workspace_ids
from agency.api import schemas as s
from agency.api.framework import ApiError, operation
from agency.api.views import bp, require
from agency.timetracking import budgets, services
from agency.timetracking.models import Activity, TimeEntry
from agency.timetracking.settings import today

MAX_RANGE_DAYS = 366


def entry_out(e: TimeEntry) -> s.TimeEntry:
    return s.TimeEntry(id=e.id, workspace_id=e.workspace_id, user_id=e.user_id, activity_id=e.activity_id,
                       work_date=e.work_date, minutes=e.minutes, started_at=e.started_at, ended_at=e.ended_at,
                       note=e.note, billable=e.billable, source=e.source, state=e.state, running=e.is_running)


def _entry(entry_id: int) -> TimeEntry:
    require("time.track")
    entry = get_scoped_or_404(TimeEntry, entry_id)
    if entry.user_id != current_user.id and not can(current_user, "time.approve"):
        raise ApiError(404, "not_found", "No such time entry.")
    return entry


def _input(body: s.TimeEntryIn) -> services.EntryInput:
    workspace = db.get_in_agency(Workspace, body.workspace_id, current_user.agency_id)
    if workspace is None or workspace.id not in visible_workspace_ids():
        raise ApiError(422, "invalid", "Choose a workspace you work in.", {"workspace_id": "unknown workspace"})
    activity = db.get_in_agency(Activity, body.activity_id, current_user.agency_id)
    if activity is None:
        raise ApiError(422, "invalid", "Choose an activity of your agency.", {"activity_id": "unknown activity"})
    return services.EntryInput(workspace=workspace, activity=activity, work_date=body.work_date, minutes=body.minutes,
                               started_at=body.started_at, ended_at=body.ended_at, note=body.note,
                               billable=body.billable)


@operation(bp, "/time-entries", "GET", area="time", access="read", tag="Time",
           summary="Time entries (yours, or a person's for approvers) in a date range", query=s.TimeEntryQuery,
           response=s.TimeEntryList)
def list_time_entries(query: s.TimeEntryQuery):
    require("time.track")
    end = query.end or today(current_user.agency)
    start = query.start or end - timedelta(days=31)
    if start > end or (end - start).days > MAX_RANGE_DAYS:
        raise ApiError(422, "invalid", f"Give a range of at most {MAX_RANGE_DAYS} days, start before end.",
                       {"start": "range"})
    user_id = query.user or current_user.id
    if user_id != current_user.id and not can(current_user, "time.approve"):
        raise ApiError(403, "forbidden", "Only approvers see other people's time.")
    stmt = select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.work_date.between(start, end),
                                   TimeEntry.workspace_id.in_(visible_workspace_ids() or {-1}))
    if query.workspace:
        stmt = stmt.where(TimeEntry.workspace_id == query.workspace)
    rows = db.session.scalars(stmt.order_by(TimeEntry.work_date, TimeEntry.id).limit(5000))
    return s.TimeEntryList(items=[entry_out(e) for e in rows])


@operation(bp, "/time-entries", "POST", area="time", access="write", tag="Time", summary="Enter time",
           body=s.TimeEntryIn, response=s.TimeEntry, status=201)
def create_time_entry(body: s.TimeEntryIn):
    require("time.track")
    return entry_out(services.create_entry(current_user, current_user, _input(body)))


@operation(bp, "/time-entries/<int:entry_id>", "GET", area="time", access="read", tag="Time",
           summary="One time entry", response=s.TimeEntry)
def get_time_entry(entry_id: int):
    return entry_out(_entry(entry_id))


@operation(bp, "/time-entries/<int:entry_id>", "PUT", area="time", access="write", tag="Time",
           summary="Change a time entry", body=s.TimeEntryIn, response=s.TimeEntry)
def update_time_entry(entry_id: int, body: s.TimeEntryIn):
    entry = _entry(entry_id)
    return entry_out(services.update_entry(current_user, entry, _input(body)))


@operation(bp, "/time-entries/<int:entry_id>", "DELETE", area="time", access="write", tag="Time",
           summary="Delete a time entry", status=204)
def delete_time_entry(entry_id: int):
    services.delete_entry(current_user, _entry(entry_id))
    return None


@operation(bp, "/timer", "GET", area="time", access="read", tag="Time", summary="Your running timer",
           response=s.Timer)
def get_timer():
    require("time.track")
    running = services.running_timer(current_user)
    return s.Timer(running=entry_out(running) if running else None)


@operation(bp, "/timer/start", "POST", area="time", access="write", tag="Time",
           summary="Start your timer (a running one stops first)", body=s.TimerStart, response=s.Timer)
def start_timer(body: s.TimerStart):
    require("time.track")
    workspace = db.get_in_agency(Workspace, body.workspace_id, current_user.agency_id)
    activity = db.get_in_agency(Activity, body.activity_id, current_user.agency_id)
    if workspace is None or workspace.id not in visible_workspace_ids():
        raise ApiError(422, "invalid", "Choose a workspace you work in.", {"workspace_id": "unknown workspace"})
    if activity is None:
        raise ApiError(422, "invalid", "Choose an activity of your agency.", {"activity_id": "unknown activity"})
    return s.Timer(running=entry_out(services.start_timer(current_user, workspace, activity, note=body.note)))


@operation(bp, "/timer/stop", "POST", area="time", access="write", tag="Time", summary="Stop your timer",
           response=s.Timer)
def stop_timer():
    require("time.track")
    services.stop_timer(current_user)
    return s.Timer(running=None)


@operation(bp, "/workspaces/<int:workspace_id>/budget", "GET", area="time", access="read", tag="Time",
           summary="A workspace's retainer in a month", query=s.BudgetQuery, response=s.Budget)
def get_budget(workspace_id: int, query: s.BudgetQuery):
    require("time.track")
    workspace = get_scoped_or_404(Workspace, workspace_id)
    month = date.fromisoformat(query.month + "-01") if query.month else today(current_user.agency).replace(day=1)
    status = budgets.budget_status(workspace, month.year, month.month)
    return s.Budget(workspace_id=workspace.id, month=status.month, budget_minutes=status.budget_minutes,
                    carried_over_minutes=status.carried_over_minutes, used_minutes=status.used_minutes,
                    remaining_minutes=status.remaining_minutes, forecast_minutes=status.forecast_minutes,
                    percent_used=status.percent_used, rollover=status.rollover)


