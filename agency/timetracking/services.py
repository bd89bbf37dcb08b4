"""Writes of time entries: timers, manual entries, the week grid's cells, copying last week.

Every function takes the actor explicitly, validates the business rules (no overlapping timed entries,
nothing in the future, at most 24 hours a day, locked entries read-only) and flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select, text
from sqlalchemy.exc import IntegrityError

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.accounts.permissions import can
from agency.accounts.queries import visible_workspace_ids
from agency.errors import ValidationError
from agency.timetracking.models import (
    MAX_DAY_MINUTES,
    MAX_NOTE,
    Activity,
    MonthClose,
    Source,
    State,
    TimeEntry,
)
from agency.timetracking.settings import agency_settings, day_bounds, local_date, today

#: A clock may run a little ahead of the database's: end times this close to now are not "in the future".
CLOCK_SKEW = timedelta(minutes=1)


def clean_note(note: str | None) -> str:
    """A note as stored: NUL and other control characters removed (tabs and newlines kept), trimmed."""
    value = "".join(ch for ch in (note or "") if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise ValidationError(_("A note has at most %(n)d characters.", n=MAX_NOTE), "note")
    return value


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes of a span (half a minute and more counts as a minute)."""
    return int((end - start).total_seconds() // 60 + (1 if (end - start).total_seconds() % 60 >= 30 else 0))


def month_start(day: date) -> date:
    return day.replace(day=1)


# --- locks ---------------------------------------------------------------------------------------

def closed_months(workspace_id: int, days: Iterable[date]) -> set[date]:
    """Which of the months of ``days`` are closed for the workspace."""
    months = {month_start(d) for d in days}
    if not months:
        return set()
    return set(db.session.scalars(select(MonthClose.month).where(MonthClose.workspace_id == workspace_id,
                                                                 MonthClose.month.in_(months))))


def is_month_closed(workspace_id: int, day: date) -> bool:
    return bool(closed_months(workspace_id, [day]))


def lock_reason(actor: User, entry: TimeEntry, *, closed: set | None = None, visible: set | None = None) -> str | None:
    """Why ``actor`` may not change ``entry`` (None: they may). ``closed`` ((workspace id, month) pairs) and
    ``visible`` (workspace ids) may be given when many entries are checked at once."""
    if entry.state == State.INVOICED:
        return _("Invoiced entries cannot be changed.")
    month_closed = ((entry.workspace_id, month_start(entry.work_date)) in closed) if closed is not None \
        else is_month_closed(entry.workspace_id, entry.work_date)
    if month_closed:
        return _("This month is closed for the workspace; an owner or admin can re-open it.")
    if visible is None:
        visible = visible_workspace_ids(actor)
    approver = can(actor, "time.approve") and entry.workspace_id in visible
    if entry.state == State.APPROVED and not approver:
        return _("Approved entries are read-only.")
    if entry.user_id != actor.id and not approver:
        return _("You can only change your own entries.")
    return None


def _check_can_write(actor: User, entry: TimeEntry) -> None:
    reason = lock_reason(actor, entry)
    if reason:
        raise ValidationError(reason)


def _check_workspace(user: User, workspace: Workspace) -> None:
    if workspace.agency_id != user.agency_id or workspace.id not in visible_workspace_ids(user) \
            or workspace.is_archived:
        raise ValidationError(_("Choose a workspace this person works in."), "workspace")


def _check_activity(agency_id: int, activity: Activity, *, allow_archived: bool = False) -> None:
    if activity.agency_id != agency_id or (activity.archived and not allow_archived):
        raise ValidationError(_("Choose an activity from the list."), "activity")


def _audit_if_approved(actor: User, entry: TimeEntry, action: str, before: dict) -> None:
    """Every change after approval is in the audit log, with the values before and after."""
    if before.get("state") == State.APPROVED:
        audit.record(action, agency_id=entry.agency_id, actor=actor, obj=entry,
                     details={"before": before, "after": snapshot(entry)})


def snapshot(entry: TimeEntry) -> dict:
    return {"user_id": entry.user_id, "workspace_id": entry.workspace_id, "activity_id": entry.activity_id,
            "work_date": entry.work_date.isoformat(), "minutes": entry.minutes,
            "started_at": entry.started_at.isoformat() if entry.started_at else None,
            "ended_at": entry.ended_at.isoformat() if entry.ended_at else None, "note": entry.note[:200],
            "billable": entry.billable, "state": entry.state}


# --- rules of a day --------------------------------------------------------------------------------

def _day_total(user_id: int, day: date, *, now: datetime, exclude_id: int | None = None) -> int:
    """Minutes a person has on a day; a running timer counts with the time it has run."""
    elapsed = func.greatest(0, func.floor(func.extract("epoch", now - TimeEntry.started_at) / 60))
    running = (TimeEntry.started_at.is_not(None)) & (TimeEntry.ended_at.is_(None))
    value = case((running, elapsed), else_=TimeEntry.minutes)
    stmt = select(func.coalesce(func.sum(value), 0)).where(TimeEntry.user_id == user_id, TimeEntry.work_date == day)
    if exclude_id is not None:
        stmt = stmt.where(TimeEntry.id != exclude_id)
    return int(db.session.scalar(stmt) or 0)


def check_day_limit(user: User, day: date, *, now: datetime) -> None:
    """At most 24 hours on one day (after the change, flushed)."""
    total = _day_total(user.id, day, now=now)
    if total > MAX_DAY_MINUTES:
        raise ValidationError(_("At most 24 hours a day: %(day)s would have %(hours)s.", day=day.isoformat(),
                                hours=f"{total // 60}:{total % 60:02d}"), "minutes")


def check_overlap(user_id: int, start: datetime, end: datetime | None, *, now: datetime,
                  exclude_id: int | None = None) -> None:
    """No two timed entries of one person overlap (a running timer reaches until now)."""
    other_end = func.coalesce(TimeEntry.ended_at, now)
    stmt = select(TimeEntry.id).where(TimeEntry.user_id == user_id, TimeEntry.started_at.is_not(None),
                                      TimeEntry.started_at < (end or now), other_end > start).limit(1)
    if exclude_id is not None:
        stmt = stmt.where(TimeEntry.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("This overlaps another of your timed entries."), "started_at")


def _check_not_future(user: User, day: date, end: datetime | None, now: datetime) -> None:
    if day > today(user.agency, now) or (end is not None and end > now + CLOCK_SKEW):
        raise ValidationError(_("Time cannot be entered for the future."), "work_date")


# --- manual entries ----------------------------------------------------------------------------

@dataclass
class EntryInput:
    """What a form or the grid asks for: a duration on a day, or a start and an end."""

    workspace: Workspace
    activity: Activity
    work_date: date | None = None
    minutes: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    note: str = ""
    billable: bool | None = None


def _apply(entry: TimeEntry, user: User, data: EntryInput, now: datetime) -> None:
    _check_workspace(user, data.workspace)
    _check_activity(user.agency_id, data.activity, allow_archived=data.activity.id == entry.activity_id)
    if data.started_at is not None or data.ended_at is not None:
        if data.started_at is None or data.ended_at is None:
            raise ValidationError(_("Give both a start and an end, or only a duration."), "started_at")
        if data.ended_at <= data.started_at:
            raise ValidationError(_("The end must be after the start."), "ended_at")
        minutes = minutes_between(data.started_at, data.ended_at)
        if minutes > MAX_DAY_MINUTES:
            raise ValidationError(_("At most 24 hours a day."), "ended_at")
        day = local_date(user.agency, data.started_at)
        _check_not_future(user, day, data.ended_at, now)
        check_overlap(user.id, data.started_at, data.ended_at, now=now, exclude_id=entry.id)
    else:
        if data.work_date is None:
            raise ValidationError(_("Choose a day."), "work_date")
        if data.minutes is None or data.minutes <= 0:
            raise ValidationError(_("Give a duration of at least one minute."), "minutes")
        if data.minutes > MAX_DAY_MINUTES:
            raise ValidationError(_("At most 24 hours a day."), "minutes")
        minutes, day = data.minutes, data.work_date
        _check_not_future(user, day, None, now)
    if is_month_closed(data.workspace.id, day):
        raise ValidationError(_("This month is closed for the workspace; an owner or admin can re-open it."),
                              "work_date")
    entry.workspace_id, entry.activity_id, entry.work_date = data.workspace.id, data.activity.id, day
    entry.started_at, entry.ended_at, entry.minutes = data.started_at, data.ended_at, minutes
    entry.note = clean_note(data.note)
    entry.billable = data.activity.billable if data.billable is None else bool(data.billable)


def create_entry(actor: User, user: User, data: EntryInput, *, source: str = Source.MANUAL,
                 interaction_id: int | None = None, now: datetime | None = None) -> TimeEntry:
    """A finished entry for ``user`` (the actor, or someone an approver enters time for)."""
    now = now or db.utcnow()
    if user.id != actor.id and not can(actor, "time.approve"):
        raise ValidationError(_("You can only enter your own time."))
    entry = TimeEntry(agency_id=user.agency_id, user_id=user.id, source=source, state=State.OPEN,
                      interaction_id=interaction_id)
    _apply(entry, user, data, now)
    with db.session.begin_nested():  # a refused entry leaves nothing behind
        db.session.add(entry)
        db.session.flush()
        check_day_limit(user, entry.work_date, now=now)
    return entry


def update_entry(actor: User, entry: TimeEntry, data: EntryInput, *, now: datetime | None = None) -> TimeEntry:
    """Change an entry (not a running timer); changes after approval are audited."""
    now = now or db.utcnow()
    _check_can_write(actor, entry)
    if entry.is_running:
        raise ValidationError(_("Stop the timer before editing it."))
    before = snapshot(entry)
    user = db.session.get(User, entry.user_id)
    if data.started_at is None and data.ended_at is None and entry.is_timed and data.minutes == entry.minutes \
            and data.work_date == entry.work_date:
        data.started_at, data.ended_at = entry.started_at, entry.ended_at  # only note/activity changed
    with db.session.begin_nested():  # on any error the entry is as it was
        _apply(entry, user, data, now)
        if entry.source == Source.TIMER and before["minutes"] != entry.minutes:
            entry.source = Source.MANUAL  # edited by hand: no longer what the clock measured
        db.session.flush()
        check_day_limit(user, entry.work_date, now=now)
    _audit_if_approved(actor, entry, "time.entry_changed_after_approval", before)
    return entry


def delete_entry(actor: User, entry: TimeEntry) -> None:
    """Remove an entry (the running timer too); deleting an approved entry is audited."""
    _check_can_write(actor, entry)
    before = snapshot(entry)
    if entry.state == State.APPROVED:
        audit.record("time.entry_deleted_after_approval", agency_id=entry.agency_id, actor=actor, obj=entry,
                     details={"before": before})
    db.session.delete(entry)
    db.session.flush()


# --- timers --------------------------------------------------------------------------------------

def running_timer(user: User) -> TimeEntry | None:
    return db.session.scalar(select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.started_at.is_not(None),
                                                     TimeEntry.ended_at.is_(None)))


def _lock_timers_of(user: User) -> None:
    # Serialises this person's starts and stops; the partial unique index is the last line behind it.
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('agency-timer:' || :uid, 0))"),
                       {"uid": str(user.id)})


def start_timer(user: User, workspace: Workspace, activity: Activity, *, note: str | None = None,
                now: datetime | None = None) -> TimeEntry:
    """Start ``user``'s timer on a workspace and activity; a timer already running is stopped first.

    At most one timer runs per person: concurrent starts are serialised, and the database's partial
    unique index refuses a second running timer whatever happens.
    """
    now = now or db.utcnow()
    _check_workspace(user, workspace)
    _check_activity(user.agency_id, activity)
    _check_not_future(user, local_date(user.agency, now), None, now)
    if is_month_closed(workspace.id, local_date(user.agency, now)):
        raise ValidationError(_("This month is closed for the workspace; an owner or admin can re-open it."))
    _lock_timers_of(user)
    stop_timer(user, now=now)
    check_overlap(user.id, now, None, now=now + timedelta(seconds=1))
    entry = TimeEntry(agency_id=user.agency_id, workspace_id=workspace.id, user_id=user.id, activity_id=activity.id,
                      work_date=local_date(user.agency, now), started_at=now, ended_at=None, minutes=0,
                      note=clean_note(note), billable=activity.billable, source=Source.TIMER, state=State.OPEN)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise ValidationError(_("A timer is already running. Stop it first.")) from None
    return entry


def stop_timer(user: User, *, now: datetime | None = None) -> TimeEntry | None:
    """Stop ``user``'s running timer (None when none runs). A timer that ran no time at all is dropped;
    one that ran past 24 hours ends after 24 hours (nobody works longer; the person can correct it)."""
    now = now or db.utcnow()
    _lock_timers_of(user)
    entry = db.session.scalar(select(TimeEntry).where(
        TimeEntry.user_id == user.id, TimeEntry.started_at.is_not(None), TimeEntry.ended_at.is_(None))
        .with_for_update().execution_options(populate_existing=True))
    if entry is None:
        return None
    if now <= entry.started_at:
        db.session.delete(entry)
        db.session.flush()
        return None
    end = min(now, entry.started_at + timedelta(minutes=MAX_DAY_MINUTES))
    entry.ended_at = end
    entry.minutes = minutes_between(entry.started_at, end)
    db.session.flush()
    return entry


def needs_stop_confirmation(entry: TimeEntry | None, *, now: datetime | None = None) -> bool:
    """A timer running past the agency's limit asks "really?" before it is stopped."""
    if entry is None or not entry.is_running:
        return False
    limit = agency_settings(entry.agency_id).long_timer_hours
    return (now or db.utcnow()) - entry.started_at >= timedelta(hours=limit)


# --- the week grid -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CellChange:
    workspace: Workspace
    activity: Activity
    day: date
    minutes: int | None  # None or 0: empty the cell


def cell_entries(user_id: int, workspace_id: int, activity_id: int, day: date) -> list[TimeEntry]:
    return list(db.session.scalars(select(TimeEntry).where(
        TimeEntry.user_id == user_id, TimeEntry.workspace_id == workspace_id, TimeEntry.activity_id == activity_id,
        TimeEntry.work_date == day).order_by(TimeEntry.id)))


def cell_is_editable(actor: User, entries: list[TimeEntry], **known) -> bool:
    """A grid cell is typed into when it is empty or holds one editable duration-only entry."""
    if not entries:
        return True
    return len(entries) == 1 and not entries[0].is_timed and lock_reason(actor, entries[0], **known) is None


def save_cells(actor: User, user: User, changes: list[CellChange], *, now: datetime | None = None) -> int:
    """Set grid cells to the typed totals, all or nothing; returns how many cells changed.

    Raises ``GridError`` with a message per cell (key ``(workspace_id, activity_id, day)``).
    """
    now = now or db.utcnow()
    errors: dict[tuple[int, int, date], str] = {}
    changed = 0
    with db.session.begin_nested():  # all or nothing: an error leaves every cell as it was
        for change in changes:
            key = (change.workspace.id, change.activity.id, change.day)
            try:
                changed += _save_cell(actor, user, change, now)
            except ValidationError as err:
                errors[key] = err.message
        if not errors:
            for day in sorted({c.day for c in changes}):
                try:
                    check_day_limit(user, day, now=now)
                except ValidationError as err:
                    for c in changes:
                        if c.day == day:
                            errors.setdefault((c.workspace.id, c.activity.id, c.day), err.message)
        if errors:
            raise GridError(errors)
    return changed


class GridError(ValidationError):
    def __init__(self, errors: dict):
        super().__init__(_("Some cells could not be saved."))
        self.errors = errors


def _save_cell(actor: User, user: User, change: CellChange, now: datetime) -> int:
    entries = cell_entries(user.id, change.workspace.id, change.activity.id, change.day)
    target = change.minutes or 0
    if sum(e.minutes for e in entries) == target and not any(e.is_running for e in entries):
        return 0
    if not cell_is_editable(actor, entries):
        if entries and lock_reason(actor, entries[0]):
            raise ValidationError(lock_reason(actor, entries[0]))
        raise ValidationError(_("This cell holds several or timed entries: change them in the day's list."))
    if not entries:
        if target == 0:
            return 0
        create_entry(actor, user, EntryInput(workspace=change.workspace, activity=change.activity,
                                             work_date=change.day, minutes=target), now=now)
        return 1
    entry = entries[0]
    if target == 0:
        delete_entry(actor, entry)
        return 1
    update_entry(actor, entry, EntryInput(workspace=change.workspace, activity=change.activity, work_date=change.day,
                                          minutes=target, note=entry.note, billable=entry.billable), now=now)
    return 1


def copy_last_week(actor: User, user: User, week_start: date, *, now: datetime | None = None) -> int:
    """Copy the previous week's duration totals per (workspace, activity, weekday) into empty cells of this
    week; days in the future, closed months and cells that hold time already are skipped. Returns the count."""
    now = now or db.utcnow()
    previous = week_start - timedelta(days=7)
    rows = db.session.execute(select(TimeEntry.workspace_id, TimeEntry.activity_id, TimeEntry.work_date,
                                     func.sum(TimeEntry.minutes)).where(
        TimeEntry.user_id == user.id, TimeEntry.work_date >= previous, TimeEntry.work_date < week_start,
        TimeEntry.ended_at.is_not(None) | TimeEntry.started_at.is_(None))
        .group_by(TimeEntry.workspace_id, TimeEntry.activity_id, TimeEntry.work_date)).all()
    last_day = today(user.agency, now)
    visible = visible_workspace_ids(user)
    copied = 0
    for workspace_id, activity_id, day, minutes in rows:
        target_day = day + timedelta(days=7)
        if target_day > last_day or workspace_id not in visible or not minutes:
            continue
        if cell_entries(user.id, workspace_id, activity_id, target_day) or is_month_closed(workspace_id, target_day):
            continue
        workspace, activity = db.session.get(Workspace, workspace_id), db.session.get(Activity, activity_id)
        if workspace.is_archived or activity.archived:
            continue
        if _day_total(user.id, target_day, now=now) + minutes > MAX_DAY_MINUTES:
            continue
        create_entry(actor, user, EntryInput(workspace=workspace, activity=activity, work_date=target_day,
                                             minutes=int(minutes)), now=now)
        copied += 1
    return copied


def entries_of_day(user: User, day: date) -> list[TimeEntry]:
    return list(db.session.scalars(select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.work_date == day)
                                   .order_by(TimeEntry.started_at.nulls_last(), TimeEntry.id)))


def day_window(user: User, day: date) -> tuple[datetime, datetime]:
    return day_bounds(user.agency, day)
