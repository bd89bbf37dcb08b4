"""Capacity planning: planned hours per person, client and week against tracked hours and each person's
capacity (weekly hours less public holidays of their Land and absences)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from agency import audit, db
from agency.accounts.models import Role, User, Workspace
from agency.accounts.queries import visible_workspace_ids
from agency.errors import ValidationError
from agency.timetracking.budgets import budget_statuses, working_days
from agency.timetracking.models import Absence, PlannedTime, StaffTimeSettings, TimeEntry
from agency.timetracking.settings import staff_settings_of

#: Booked above this share of capacity: over-booked; below the lower one: under-booked.
OVER = 1.0
UNDER = 0.8
#: A client is under-served when the week's plan or tracked time falls below this share of its retainer's week.
UNDER_SERVED = 0.8
WEEKS_PER_MONTH = 52 / 12
ABSENCE_KINDS = ("vacation", "sick", "other")
MAX_ABSENCE_DAYS = 366


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_capacity(settings: StaffTimeSettings, absences: list[Absence], week: date) -> tuple[int, list[date]]:
    """A person's capacity in minutes for the week of ``week`` and the working days it rests on.

    Weekly capacity spread over Monday–Friday; public holidays of their region and absence days give none.
    """
    week = monday(week)
    days = working_days(week, week + timedelta(days=4), settings.country or "DE", settings.subdivision)
    away = {d for a in absences for d in _days(a.starts_on, a.ends_on)}
    present = [d for d in days if d not in away]
    return round(settings.weekly_capacity_minutes * len(present) / 5), present


def _days(first: date, last: date):
    current = first
    while current <= last:
        yield current
        current += timedelta(days=1)


def set_planned(actor: User, user: User, workspace: Workspace, week: date, minutes: int | None) -> None:
    """Plan ``minutes`` for a person on a client in a week (None or 0 removes the plan)."""
    week = monday(week)
    if user.agency_id != actor.agency_id or not user.is_staff:
        raise ValidationError(_("Choose a staff member."), "user")
    if workspace.id not in visible_workspace_ids(user):
        raise ValidationError(_("%(name)s does not work for this client.", name=user.name), "workspace")
    if minutes is not None and not 0 <= minutes <= 6000:
        raise ValidationError(_("Plan between 0 and 100 hours a week."), "minutes")
    if not minutes:
        db.session.execute(delete(PlannedTime).where(
            PlannedTime.user_id == user.id, PlannedTime.workspace_id == workspace.id, PlannedTime.week == week))
        return
    stmt = insert(PlannedTime).values(agency_id=user.agency_id, workspace_id=workspace.id, user_id=user.id,
                                      week=week, minutes=minutes)
    db.session.execute(stmt.on_conflict_do_update(constraint="uq_time_planned_user_workspace_week",
                                                  set_={"minutes": minutes}))


def add_absence(actor: User, user: User, starts_on: date, ends_on: date, kind: str, note: str = "") -> Absence:
    if user.agency_id != actor.agency_id:
        raise ValidationError(_("Choose a staff member."), "user")
    if ends_on < starts_on:
        raise ValidationError(_("The last day must not be before the first."), "ends_on")
    if (ends_on - starts_on).days >= MAX_ABSENCE_DAYS:
        raise ValidationError(_("An absence lasts at most a year."), "ends_on")
    if kind not in ABSENCE_KINDS:
        raise ValidationError(_("Choose a kind of absence."), "kind")
    absence = Absence(agency_id=user.agency_id, user_id=user.id, starts_on=starts_on, ends_on=ends_on, kind=kind,
                      note=" ".join((note or "").replace("\x00", "").split())[:200])
    db.session.add(absence)
    db.session.flush()
    audit.record("time.absence_added", agency_id=user.agency_id, actor=actor, obj=user,
                 details={"from": starts_on.isoformat(), "to": ends_on.isoformat(), "kind": kind})
    return absence


def delete_absence(actor: User, absence: Absence) -> None:
    audit.record("time.absence_deleted", agency_id=absence.agency_id, actor=actor, object_type="absence",
                 object_id=absence.id, details={"user_id": absence.user_id, "from": absence.starts_on.isoformat()})
    db.session.delete(absence)
    db.session.flush()


@dataclass
class PersonRow:
    user: User
    capacity: int
    planned: int
    tracked: int
    working_days: int
    planned_by_workspace: dict[int, int] = field(default_factory=dict)
    tracked_by_workspace: dict[int, int] = field(default_factory=dict)

    @property
    def load(self) -> float:
        return self.planned / self.capacity if self.capacity else (float("inf") if self.planned else 0.0)

    @property
    def state(self) -> str:
        if self.planned > self.capacity * OVER:
            return "over"
        if self.capacity and self.planned < self.capacity * UNDER:
            return "under"
        return "ok"


@dataclass
class ClientRow:
    workspace: Workspace
    planned: int
    tracked: int
    retainer_week: int | None
    week_over: bool = False

    @property
    def under_served(self) -> bool:
        """Planned below the retainer's share of the week, or (once the week is over) tracked below the plan."""
        if self.retainer_week and self.planned < self.retainer_week * UNDER_SERVED:
            return True
        return self.week_over and self.planned > 0 and self.tracked < self.planned * UNDER_SERVED


@dataclass
class Board:
    week: date
    people: list[PersonRow]
    clients: list[ClientRow]
    week_over: bool  # the week lies in the past: tracked time is complete


def staff_of(agency_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.agency_id == agency_id, User.role != Role.CLIENT, User.is_active_user.is_(True)).order_by(User.name)))


def board(agency_id: int, workspaces: list[Workspace], week: date, *, today: date) -> Board:
    """The capacity board of one week: people (capacity, planned, tracked) and clients (planned, tracked,
    the retainer's share of the week)."""
    week = monday(week)
    end = week + timedelta(days=6)
    people = staff_of(agency_id)
    ids = [u.id for u in people]
    ws_ids = [w.id for w in workspaces]
    settings = staff_settings_of(ids)
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in db.session.scalars(select(Absence).where(Absence.user_id.in_(ids), Absence.starts_on <= end,
                                                            Absence.ends_on >= week)):
        absences[absence.user_id].append(absence)
    planned: dict[tuple[int, int], int] = {
        (p.user_id, p.workspace_id): p.minutes for p in db.session.scalars(
            select(PlannedTime).where(PlannedTime.agency_id == agency_id, PlannedTime.week == week))}
    tracked: dict[tuple[int, int], int] = {
        (u, w): int(m) for u, w, m in db.session.execute(
            select(TimeEntry.user_id, TimeEntry.workspace_id, func.sum(TimeEntry.minutes)).where(
                TimeEntry.agency_id == agency_id, TimeEntry.work_date >= week, TimeEntry.work_date <= end)
            .group_by(TimeEntry.user_id, TimeEntry.workspace_id))}
    rows = []
    for user in people:
        own = settings.get(user.id) or StaffTimeSettings(weekly_capacity_minutes=2400, country="DE", subdivision=None)
        capacity, days = week_capacity(own, absences[user.id], week)
        by_ws_planned = {w: m for (u, w), m in planned.items() if u == user.id and w in ws_ids}
        by_ws_tracked = {w: m for (u, w), m in tracked.items() if u == user.id and w in ws_ids}
        rows.append(PersonRow(user=user, capacity=capacity, planned=sum(by_ws_planned.values()),
                              tracked=sum(by_ws_tracked.values()), working_days=len(days),
                              planned_by_workspace=by_ws_planned, tracked_by_workspace=by_ws_tracked))
    statuses = budget_statuses(workspaces, week.replace(day=1))
    clients = []
    for ws in workspaces:
        status = statuses.get(ws.id)
        retainer_week = round(status.budget_minutes / WEEKS_PER_MONTH) if status and status.has_budget else None
        clients.append(ClientRow(workspace=ws, planned=sum(m for (u, w), m in planned.items() if w == ws.id),
                                 tracked=sum(m for (u, w), m in tracked.items() if w == ws.id),
                                 retainer_week=retainer_week, week_over=end < today))
    return Board(week=week, people=rows, clients=clients, week_over=end < today)


def absent_user_ids(user_ids, day: date) -> set[int]:
    """Of ``user_ids``, those with an absence covering ``day`` (read by auto-assignment through a provider)."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Absence.user_id).where(
        Absence.user_id.in_(ids), Absence.starts_on <= day, Absence.ends_on >= day)))
