"""Activities and the agency's, workspaces' and staff members' time settings (read with defaults, written by
managers). Every writer takes the actor explicitly and flushes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from agency import audit, db
from agency.accounts.models import Agency, User, Workspace
from agency.errors import ValidationError
from agency.timetracking.models import (
    DEFAULT_THRESHOLDS,
    ROUNDING_CHOICES,
    Activity,
    ActivityBudget,
    Rollover,
    StaffTimeSettings,
    TimeSettings,
    WorkspaceTimeSettings,
)

#: The agency's starting list: (key, billable by default).
DEFAULT_ACTIVITIES = [
    ("community_management", True), ("content", True), ("strategy", True), ("reporting", True),
    ("training", False), ("meetings", True), ("other", True),
]
ACTIVITY_LABELS = {
    "community_management": _l("Community management"), "content": _l("Content"), "strategy": _l("Strategy"),
    "reporting": _l("Reporting"), "training": _l("Training"), "meetings": _l("Meetings"), "other": _l("Other"),
}
_DEFAULT_NAMES = {
    "community_management": "Community management", "content": "Content", "strategy": "Strategy",
    "reporting": "Reporting", "training": "Training", "meetings": "Meetings", "other": "Other",
}
MAX_ACTIVITIES = 100


def activity_label(activity: Activity) -> str:
    """The name to show: a default activity in the reader's language unless it was renamed."""
    if activity.key and activity.name == _DEFAULT_NAMES.get(activity.key):
        return str(ACTIVITY_LABELS[activity.key])
    return activity.name


# --- time zones and dates ------------------------------------------------------------------

def agency_zone(agency: Agency) -> ZoneInfo:
    return ZoneInfo(agency.timezone or "Europe/Berlin")


def local_date(agency: Agency, moment: datetime) -> date:
    """The agency's calendar day of a UTC moment (work days are counted in the agency's zone)."""
    return moment.astimezone(agency_zone(agency)).date()


def today(agency: Agency, now: datetime | None = None) -> date:
    return local_date(agency, now or db.utcnow())


def day_bounds(agency: Agency, day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a local day (23 or 25 hours long on clock-change days)."""
    zone = agency_zone(agency)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = date.fromordinal(day.toordinal() + 1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- activities ------------------------------------------------------------------------------

def ensure_activities(agency_id: int) -> None:
    """Give an agency the default activities the first time it tracks time (concurrent callers are fine)."""
    if db.session.scalar(select(Activity.id).where(Activity.agency_id == agency_id).limit(1)) is not None:
        return
    rows = [{"agency_id": agency_id, "key": key, "name": _DEFAULT_NAMES[key], "billable": billable,
             "position": index} for index, (key, billable) in enumerate(DEFAULT_ACTIVITIES)]
    db.session.execute(insert(Activity).values(rows).on_conflict_do_nothing())


def activities(agency_id: int, *, include_archived: bool = False) -> list[Activity]:
    """The agency's activities in their order (the defaults are created on first use: one statement after)."""
    stmt = select(Activity).where(Activity.agency_id == agency_id).order_by(Activity.position, Activity.id)
    found = list(db.session.scalars(stmt))
    if not found:
        ensure_activities(agency_id)
        found = list(db.session.scalars(stmt))
    return found if include_archived else [a for a in found if not a.archived]


def save_activity(actor: User, *, name: str, billable: bool, activity: Activity | None = None,
                  archived: bool = False) -> Activity:
    """Add or rename an activity, set its billable default or archive it (archived ones stay on old entries)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(str(_l("Give the activity a name.")), "name")
    clash = db.session.scalar(select(Activity.id).where(Activity.agency_id == actor.agency_id,
                                                        func.lower(Activity.name) == name.lower()))
    if clash is not None and (activity is None or clash != activity.id):
        raise ValidationError(str(_l("An activity with this name exists already.")), "name")
    if activity is None:
        count = db.session.scalar(select(func.count(Activity.id)).where(Activity.agency_id == actor.agency_id))
        if count >= MAX_ACTIVITIES:
            raise ValidationError(str(_l("An agency can have at most 100 activities.")), "name")
        position = db.session.scalar(select(func.coalesce(func.max(Activity.position), 0) + 1).where(
            Activity.agency_id == actor.agency_id))
        activity = Activity(agency_id=actor.agency_id, name=name, billable=billable, position=position)
        db.session.add(activity)
    else:
        activity.name, activity.billable, activity.archived = name, billable, archived
    db.session.flush()
    audit.record("time.activity_saved", agency_id=actor.agency_id, actor=actor, obj=activity,
                 details={"name": name, "billable": billable, "archived": archived})
    return activity


# --- agency settings -------------------------------------------------------------------------

def agency_settings(agency_id: int) -> TimeSettings:
    """The agency's time rules (defaults until someone saves them)."""
    found = db.session.scalar(select(TimeSettings).where(TimeSettings.agency_id == agency_id))
    return found or TimeSettings(agency_id=agency_id, idle_cutoff_minutes=5, long_timer_hours=10)


def save_agency_settings(actor: User, *, idle_cutoff_minutes: int, long_timer_hours: int) -> TimeSettings:
    if not 1 <= idle_cutoff_minutes <= 60:
        raise ValidationError(str(_l("The idle cut-off is between 1 and 60 minutes.")), "idle_cutoff_minutes")
    if not 1 <= long_timer_hours <= 24:
        raise ValidationError(str(_l("Between 1 and 24 hours.")), "long_timer_hours")
    stmt = insert(TimeSettings).values(agency_id=actor.agency_id, idle_cutoff_minutes=idle_cutoff_minutes,
                                       long_timer_hours=long_timer_hours)
    db.session.execute(stmt.on_conflict_do_update(
        constraint="uq_time_settings_agency",
        set_={"idle_cutoff_minutes": idle_cutoff_minutes, "long_timer_hours": long_timer_hours}))
    audit.record("time.settings_saved", agency_id=actor.agency_id, actor=actor,
                 details={"idle_cutoff_minutes": idle_cutoff_minutes, "long_timer_hours": long_timer_hours})
    return db.session.scalar(select(TimeSettings).where(TimeSettings.agency_id == actor.agency_id)
                             .execution_options(populate_existing=True))


# --- workspace settings (the retainer) -------------------------------------------------------

def workspace_settings(workspace: Workspace) -> WorkspaceTimeSettings:
    found = db.session.scalar(select(WorkspaceTimeSettings).where(WorkspaceTimeSettings.workspace_id == workspace.id))
    return found or WorkspaceTimeSettings(agency_id=workspace.agency_id, workspace_id=workspace.id,
                                          rounding_minutes=0, budget_minutes=None, rollover=Rollover.NONE,
                                          thresholds=list(DEFAULT_THRESHOLDS))


def settings_of_workspaces(workspace_ids: list[int]) -> dict[int, WorkspaceTimeSettings]:
    if not workspace_ids:
        return {}
    rows = db.session.scalars(select(WorkspaceTimeSettings).where(
        WorkspaceTimeSettings.workspace_id.in_(workspace_ids)))
    return {row.workspace_id: row for row in rows}


def save_workspace_settings(actor: User, workspace: Workspace, *, rounding_minutes: int, budget_minutes: int | None,
                            rollover: str, thresholds: list[int], budget_starts_on: date | None,
                            activity_budgets: dict[int, int] | None = None) -> WorkspaceTimeSettings:
    """Save a client's retainer: budget, rollover, alert thresholds, rounding and budgets per activity."""
    if rounding_minutes not in ROUNDING_CHOICES:
        raise ValidationError(str(_l("Choose one of the rounding steps.")), "rounding_minutes")
    if rollover not in set(Rollover):
        raise ValidationError(str(_l("Choose a rollover policy.")), "rollover")
    if budget_minutes is not None and not 0 <= budget_minutes <= 1_000_000:
        raise ValidationError(str(_l("The budget is between 0 and 16,666 hours.")), "budget")
    clean = sorted({int(t) for t in thresholds})
    if not clean or len(clean) > 5 or any(not 1 <= t <= 200 for t in clean):
        raise ValidationError(str(_l("Give one to five thresholds between 1 and 200 percent.")), "thresholds")
    db.advisory_lock("time.workspace_settings", workspace.id)  # a double submit waits, then updates
    row = db.session.scalar(select(WorkspaceTimeSettings).where(WorkspaceTimeSettings.workspace_id == workspace.id)
                            .with_for_update().execution_options(populate_existing=True))
    before = None
    if row is None:
        row = WorkspaceTimeSettings(agency_id=workspace.agency_id, workspace_id=workspace.id)
        db.session.add(row)
    else:
        before = {"budget_minutes": row.budget_minutes, "rollover": row.rollover, "rounding": row.rounding_minutes}
    row.rounding_minutes, row.budget_minutes, row.rollover = rounding_minutes, budget_minutes, rollover
    row.thresholds = clean
    if budget_starts_on is None and budget_minutes is not None:
        # A retainer starts this month unless it says otherwise (or already started earlier).
        budget_starts_on = row.budget_starts_on or today(db.session.get(Agency, workspace.agency_id))
    row.budget_starts_on = budget_starts_on.replace(day=1) if budget_starts_on else None
    if activity_budgets is not None:
        known = {a.id for a in activities(workspace.agency_id, include_archived=True)}
        existing = {b.activity_id: b for b in db.session.scalars(
            select(ActivityBudget).where(ActivityBudget.workspace_id == workspace.id))}
        for activity_id, minutes in activity_budgets.items():
            if activity_id not in known:
                raise ValidationError(str(_l("Unknown activity.")), "activity_budgets")
            if minutes is not None and not 0 <= minutes <= 1_000_000:
                raise ValidationError(str(_l("The budget is between 0 and 16,666 hours.")), "activity_budgets")
            current = existing.get(activity_id)
            if minutes is None:
                if current is not None:
                    db.session.delete(current)
            elif current is None:
                db.session.add(ActivityBudget(agency_id=workspace.agency_id, workspace_id=workspace.id,
                                              activity_id=activity_id, minutes=minutes))
            else:
                current.minutes = minutes
    db.session.flush()
    audit.record("time.retainer_saved", agency_id=workspace.agency_id, actor=actor, obj=workspace,
                 details={"before": before, "budget_minutes": budget_minutes, "rollover": rollover,
                          "rounding": rounding_minutes, "thresholds": clean})
    return row


def activity_budgets(workspace_id: int) -> dict[int, int]:
    return {b.activity_id: b.minutes for b in db.session.scalars(
        select(ActivityBudget).where(ActivityBudget.workspace_id == workspace_id))}


# --- staff settings ---------------------------------------------------------------------------

def staff_settings(user: User) -> StaffTimeSettings:
    found = db.session.scalar(select(StaffTimeSettings).where(StaffTimeSettings.user_id == user.id))
    return found or StaffTimeSettings(agency_id=user.agency_id, user_id=user.id, weekly_capacity_minutes=2400,
                                      country="DE", subdivision=None)


def staff_settings_of(user_ids: list[int]) -> dict[int, StaffTimeSettings]:
    if not user_ids:
        return {}
    return {s.user_id: s for s in db.session.scalars(
        select(StaffTimeSettings).where(StaffTimeSettings.user_id.in_(user_ids)))}


def save_staff_settings(actor: User, user: User, *, weekly_capacity_minutes: int, country: str,
                        subdivision: str | None) -> StaffTimeSettings:
    """A staff member's weekly capacity and holiday region (checked against the holidays package)."""
    import holidays as holidays_lib

    if not 0 <= weekly_capacity_minutes <= 6000:
        raise ValidationError(str(_l("The weekly capacity is between 0 and 100 hours.")), "capacity")
    try:
        holidays_lib.country_holidays(country, subdiv=subdivision or None, years=2026)
    except (NotImplementedError, KeyError, ValueError):
        raise ValidationError(str(_l("No public holidays are known for this region.")), "subdivision") from None
    stmt = insert(StaffTimeSettings).values(agency_id=user.agency_id, user_id=user.id,
                                            weekly_capacity_minutes=weekly_capacity_minutes, country=country,
                                            subdivision=subdivision or None)
    db.session.execute(stmt.on_conflict_do_update(
        constraint="uq_time_staff_settings_user",
        set_={"weekly_capacity_minutes": weekly_capacity_minutes, "country": country,
              "subdivision": subdivision or None}))
    audit.record("time.capacity_saved", agency_id=user.agency_id, actor=actor, obj=user,
                 details={"weekly_capacity_minutes": weekly_capacity_minutes, "subdivision": subdivision})
    return db.session.scalar(select(StaffTimeSettings).where(StaffTimeSettings.user_id == user.id)
                             .execution_options(populate_existing=True))
