"""Reads of time tracking: the week grid, budget status, reports and the rows of an export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, select

from agency import db
from agency.accounts.models import User, Workspace
from agency.timetracking.budgets import BudgetStatus, budget_statuses
from agency.timetracking.budgets import budget_status as budget_status  # the interface others rely on
from agency.timetracking.models import Activity, Source, State, TimeEntry, WorkspaceTimeSettings
from agency.timetracking.services import lock_reason

__all__ = ["BudgetStatus", "ReportFilter", "budget_status", "budget_statuses", "export_rows", "hours_report",
           "week_grid"]


# --- the week grid ---------------------------------------------------------------------------

@dataclass
class Cell:
    day: date
    minutes: int = 0
    entries: list[TimeEntry] = field(default_factory=list)
    editable: bool = True
    locked_reason: str | None = None
    running: bool = False


@dataclass
class GridRow:
    workspace: Workspace
    activity: Activity
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(c.minutes for c in self.cells)

    @property
    def key(self) -> str:
        return f"{self.workspace.id}-{self.activity.id}"


@dataclass
class WeekGrid:
    user: User
    week: date
    days: list[date]
    rows: list[GridRow]
    running: TimeEntry | None

    @property
    def day_totals(self) -> list[int]:
        return [sum(r.cells[i].minutes for r in self.rows) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(self.day_totals)


def _elapsed(entry: TimeEntry, now: datetime) -> int:
    return max(0, int((now - entry.started_at).total_seconds() // 60)) if entry.is_running else entry.minutes


def week_grid(actor: User, user: User, week: date, *, extra_rows: list[tuple[Workspace, Activity]] = (),
              now: datetime | None = None, activities: Mapping[int, Activity] | None = None) -> WeekGrid:
    """One person's week: a row per (workspace, activity) with time or asked for, a cell per day.

    A fixed number of statements whatever the number of rows: the week's entries and the person's running timer
    in one, the closed months of the week's workspaces in another. Workspaces come from the actor's visible
    ones (one query per request) and activities from ``activities`` when given (the page's own list); only
    those missing there (a workspace the actor no longer sees) are loaded.
    """
    from agency.accounts.queries import visible_workspace_ids, visible_workspaces
    from agency.timetracking.models import MonthClose

    now = now or db.utcnow()
    days = [week + timedelta(days=i) for i in range(7)]
    found = list(db.session.scalars(select(TimeEntry).where(
        TimeEntry.user_id == user.id,
        and_(TimeEntry.work_date >= days[0], TimeEntry.work_date <= days[-1])
        | and_(TimeEntry.started_at.is_not(None), TimeEntry.ended_at.is_(None)))
        .order_by(TimeEntry.id)))
    running = next((e for e in found if e.is_running), None)
    entries = [e for e in found if days[0] <= e.work_date <= days[-1]]
    workspace_ids = {e.workspace_id for e in entries} | {w.id for w, _a in extra_rows}
    activity_ids = {e.activity_id for e in entries} | {a.id for _w, a in extra_rows}
    workspaces = {w.id: w for w in visible_workspaces(actor, include_archived=True) if w.id in workspace_ids}
    workspaces.update((w.id, w) for w, _a in extra_rows)
    if workspace_ids - workspaces.keys():
        workspaces.update((w.id, w) for w in db.session.scalars(
            select(Workspace).where(Workspace.id.in_(workspace_ids - workspaces.keys()))))
    known_activities = {a_id: activities[a_id] for a_id in activity_ids if a_id in activities} if activities else {}
    known_activities.update((a.id, a) for _w, a in extra_rows)
    if activity_ids - known_activities.keys():
        known_activities.update((a.id, a) for a in db.session.scalars(
            select(Activity).where(Activity.id.in_(activity_ids - known_activities.keys()))))
    grouped: dict[tuple[int, int], dict[date, list[TimeEntry]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        grouped[(entry.workspace_id, entry.activity_id)][entry.work_date].append(entry)
    for ws, activity in extra_rows:
        grouped.setdefault((ws.id, activity.id), defaultdict(list))
    months = {d.replace(day=1) for d in days}
    closed = {(w, m) for w, m in db.session.execute(select(MonthClose.workspace_id, MonthClose.month).where(
        MonthClose.workspace_id.in_(workspace_ids), MonthClose.month.in_(months)))} if workspace_ids else set()
    visible = visible_workspace_ids(actor)
    known = {"closed": closed, "visible": visible}
    # Why an entry is read-only depends on its state, its month being closed, its workspace being visible to the
    # actor and whose it is (``lock_reason``): a week asks for a handful of distinct answers, translated once each.
    reasons: dict[tuple, str | None] = {}

    def reason_for(entry: TimeEntry) -> str | None:
        key = (entry.state, (entry.workspace_id, entry.work_date.replace(day=1)) in closed,
               entry.workspace_id in visible, entry.user_id == actor.id)
        if key not in reasons:
            reasons[key] = lock_reason(actor, entry, **known)
        return reasons[key]

    rows = []
    for (workspace_id, activity_id), by_day in grouped.items():
        cells = []
        for day in days:
            in_cell = by_day.get(day)
            if not in_cell:  # most cells of a week are empty: editable unless the month is closed
                cells.append(Cell(day=day, editable=(workspace_id, day.replace(day=1)) not in closed))
                continue
            cell = Cell(day=day, minutes=sum(_elapsed(e, now) for e in in_cell), entries=in_cell,
                        running=any(e.is_running for e in in_cell))
            reason = reason_for(in_cell[0])
            # What ``cell_is_editable`` decides: one duration-only entry that may be changed.
            cell.editable = len(in_cell) == 1 and not in_cell[0].is_timed and reason is None
            if not cell.editable:
                cell.locked_reason = reason
            if (workspace_id, day.replace(day=1)) in closed:
                cell.editable = False
            cells.append(cell)
        rows.append(GridRow(workspace=workspaces[workspace_id], activity=known_activities[activity_id], cells=cells))
    rows.sort(key=lambda r: (r.workspace.name.lower(), r.activity.position, r.activity.id))
    return WeekGrid(user=user, week=week, days=days, rows=rows, running=running)


# --- reports ----------------------------------------------------------------------------------

@dataclass
class ReportFilter:
    """The filters of the reports page and its exports (the same for both)."""

    agency_id: int
    first: date
    last: date
    workspace_ids: list[int]  # those the viewer may see (a chosen one narrows it)
    user_id: int | None = None
    activity_id: int | None = None
    billable: bool | None = None
    state: str | None = None

    def conditions(self) -> list:
        found = [TimeEntry.agency_id == self.agency_id, TimeEntry.work_date >= self.first,
                 TimeEntry.work_date <= self.last, TimeEntry.workspace_id.in_(self.workspace_ids)]
        if self.user_id is not None:
            found.append(TimeEntry.user_id == self.user_id)
        if self.activity_id is not None:
            found.append(TimeEntry.activity_id == self.activity_id)
        if self.billable is not None:
            found.append(TimeEntry.billable.is_(self.billable))
        if self.state:
            found.append(TimeEntry.state == self.state)
        return found


GROUPS = {
    "workspace": TimeEntry.workspace_id, "user": TimeEntry.user_id, "activity": TimeEntry.activity_id,
    "day": TimeEntry.work_date, "month": func.date_trunc("month", TimeEntry.work_date),
}


def _billed():
    rounding = func.coalesce(WorkspaceTimeSettings.rounding_minutes, 0)
    from sqlalchemy import Integer, Numeric, case, cast

    return case((rounding <= 1, TimeEntry.minutes),
                else_=cast(func.ceil(cast(TimeEntry.minutes, Numeric) / rounding), Integer) * rounding)


def hours_report(flt: ReportFilter, rows_by: str, columns_by: str | None = None) -> dict:
    """Minutes (raw and billed) grouped by one or two of workspace, user, activity, day, month."""
    keys = [GROUPS[rows_by]] + ([GROUPS[columns_by]] if columns_by else [])
    stmt: Select = (select(*keys, func.sum(TimeEntry.minutes), func.sum(_billed()), func.count(TimeEntry.id))
                    .outerjoin(WorkspaceTimeSettings, WorkspaceTimeSettings.workspace_id == TimeEntry.workspace_id)
                    .where(*flt.conditions()).group_by(*keys))
    cells: dict = defaultdict(dict)
    row_totals: dict = defaultdict(int)
    column_totals: dict = defaultdict(int)
    billed_totals: dict = defaultdict(int)
    total = billed = count = 0
    for record in db.session.execute(stmt):
        row_key = record[0]
        column_key = record[1] if columns_by else None
        minutes, billed_minutes, entries = int(record[-3]), int(record[-2]), int(record[-1])
        cells[row_key][column_key] = minutes
        row_totals[row_key] += minutes
        billed_totals[row_key] += billed_minutes
        column_totals[column_key] += minutes
        total += minutes
        billed += billed_minutes
        count += entries
    return {"cells": cells, "row_totals": dict(row_totals), "billed_totals": dict(billed_totals),
            "column_totals": dict(column_totals), "total": total, "billed": billed, "entries": count}


EXPORT_COLUMNS = ("date", "user", "email", "workspace", "activity", "start", "end", "minutes", "hours",
                  "billed_minutes", "billable", "source", "state", "note")


def export_rows(flt: ReportFilter, tz_name: str) -> Iterator[tuple]:
    """The entries of a report as plain tuples, streamed from the database (constant memory)."""
    from zoneinfo import ZoneInfo

    from agency.timetracking.settings import activity_label

    zone = ZoneInfo(tz_name)
    activities = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.agency_id == flt.agency_id))}
    labels = {a_id: activity_label(a) for a_id, a in activities.items()}
    stmt = (select(TimeEntry.work_date, User.name, User.email, Workspace.name, TimeEntry.activity_id,
                   TimeEntry.started_at, TimeEntry.ended_at, TimeEntry.minutes, _billed(), TimeEntry.billable,
                   TimeEntry.source, TimeEntry.state, TimeEntry.note)
            .join(User, User.id == TimeEntry.user_id).join(Workspace, Workspace.id == TimeEntry.workspace_id)
            .outerjoin(WorkspaceTimeSettings, WorkspaceTimeSettings.workspace_id == TimeEntry.workspace_id)
            .where(*flt.conditions(), TimeEntry.ended_at.is_not(None) | TimeEntry.started_at.is_(None))
            .order_by(TimeEntry.work_date, User.name, TimeEntry.id)
            .execution_options(yield_per=2000))
    for (day, name, email, workspace, activity_id, start, end, minutes, billed, billable, source, state,
         note) in db.session.execute(stmt):
        yield (day, name, email, workspace, labels.get(activity_id, ""),
               start.astimezone(zone).strftime("%H:%M") if start else "",
               end.astimezone(zone).strftime("%H:%M") if end else "",
               int(minutes), round(minutes / 60, 2), int(billed), bool(billable), source, state, note or "")


def entries_for_workspace(workspace: Workspace, first: date, last: date) -> list[TimeEntry]:
    return list(db.session.scalars(select(TimeEntry).where(
        TimeEntry.workspace_id == workspace.id, TimeEntry.work_date >= first, TimeEntry.work_date <= last)
        .order_by(TimeEntry.work_date, TimeEntry.user_id, TimeEntry.id)))


def state_counts(workspace: Workspace, first: date, last: date) -> dict[str, int]:
    rows = db.session.execute(select(TimeEntry.state, func.count(TimeEntry.id)).where(
        TimeEntry.workspace_id == workspace.id, TimeEntry.work_date >= first, TimeEntry.work_date <= last)
        .group_by(TimeEntry.state))
    return {state: int(count) for state, count in rows}


def minutes_by_user(workspace: Workspace, first: date, last: date) -> list[tuple[int, int, int]]:
    """(user id, minutes, open entries) per person of a workspace in a period."""
    rows = db.session.execute(select(TimeEntry.user_id, func.sum(TimeEntry.minutes),
                                     func.count(TimeEntry.id).filter(TimeEntry.state == State.OPEN))
                              .where(TimeEntry.workspace_id == workspace.id, TimeEntry.work_date >= first,
                                     TimeEntry.work_date <= last).group_by(TimeEntry.user_id))
    return [(int(u), int(m or 0), int(o or 0)) for u, m, o in rows]


def source_label_keys() -> tuple[str, ...]:
    return tuple(Source)
