"""Demo data of time tracking: 60 days of plausible entries for every staff member (timers, manual entries,
accepted inbox suggestions), a retainer per workspace (one near 80 %, one over), planned hours, capacities,
and today's inbox time waiting to be accepted."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from agency import db
from agency.accounts.models import Agency, Role, User, Workspace
from agency.timetracking import capacity
from agency.timetracking.budgets import working_days
from agency.timetracking.models import (
    InboxSpan,
    Rollover,
    Source,
    StaffTimeSettings,
    TimeEntry,
    WorkspaceTimeSettings,
)
from agency.timetracking.settings import activities, agency_zone, today

DAYS = 60
# (monthly budget in hours, rollover, share of the budget used so far this month by the demo's pace)
RETAINERS = [(40, Rollover.UNUSED, 0.78), (20, Rollover.BOTH, 1.15), (30, Rollover.NONE, 0.45)]
NOTES = ["Kommentare moderiert", "Antworten abgestimmt", "Redaktionsplan", "Monatsreport vorbereitet",
         "Abstimmung mit Kundin", "Story-Ideen", "Bewertungen beantwortet", "Community-Fragen gesammelt"]


def seed(agency: Agency, users: list[User] | None, workspaces: list[Workspace], *,
         now: datetime | None = None) -> int:
    """Seed time tracking for the demo agency (``users`` None: all of its users); returns the number of entries.
    Runs once per agency."""
    if db.session.scalar(select(TimeEntry.id).where(TimeEntry.agency_id == agency.id).limit(1)) is not None:
        return 0
    if users is None:
        users = list(db.session.scalars(select(User).where(User.agency_id == agency.id)))
    now = now or db.utcnow()
    rng = random.Random(4711)
    zone = agency_zone(agency)
    kinds = {a.key: a for a in activities(agency.id)}
    current = today(agency, now)
    month = current.replace(day=1)
    staff = [u for u in users if u.role != Role.CLIENT]
    lands = ["BE", "BY", "NW", "HH"]
    for index, user in enumerate(staff):
        db.session.add(StaffTimeSettings(agency_id=agency.id, user_id=user.id, country="DE",
                                         subdivision=lands[index % len(lands)],
                                         weekly_capacity_minutes=2400 if user.role != Role.OWNER else 1200))
    for ws, (hours, rollover, _share) in zip(workspaces, RETAINERS, strict=False):
        db.session.add(WorkspaceTimeSettings(agency_id=agency.id, workspace_id=ws.id, budget_minutes=hours * 60,
                                             rollover=rollover, rounding_minutes=6 if rollover == Rollover.BOTH else 0,
                                             thresholds=[80, 100], budget_starts_on=(month - timedelta(days=70))
                                             .replace(day=1)))
    db.session.flush()
    assigned = {u.id: [w for w in workspaces if u.role in (Role.OWNER, Role.ADMIN) or
                       any(m.workspace_id == w.id for m in u.memberships)] for u in staff}
    count = 0
    first = current - timedelta(days=DAYS)
    for user in staff:
        mine = assigned[user.id]
        if not mine:
            continue
        for day in working_days(first, current - timedelta(days=1), "DE", None):
            clock = datetime.combine(day, time(8, 30 + rng.randint(0, 25)), tzinfo=zone)
            for _block in range(rng.randint(2, 4)):
                ws = rng.choice(mine)
                activity = kinds["community_management"] if rng.random() < 0.6 else rng.choice(list(kinds.values()))
                minutes = rng.choice([25, 40, 55, 70, 90, 105])
                source = rng.choice([Source.TIMER, Source.TIMER, Source.MANUAL, Source.INBOX])
                entry = TimeEntry(agency_id=agency.id, workspace_id=ws.id, user_id=user.id, activity_id=activity.id,
                                  work_date=day, minutes=minutes, billable=activity.billable, source=source,
                                  note=rng.choice(NOTES) if source != Source.INBOX else
                                  f"Inbox: {rng.randint(6, 30)} Unterhaltungen")
                if source == Source.TIMER:
                    entry.started_at = clock.astimezone(UTC)
                    entry.ended_at = entry.started_at + timedelta(minutes=minutes)
                clock += timedelta(minutes=minutes + rng.randint(5, 30))
                db.session.add(entry)
                count += 1
    db.session.flush()
    count += _shape_this_month(agency, staff, workspaces, kinds["community_management"], current, month)
    _plans(agency, staff, assigned, current)
    _inbox_today(agency, staff, workspaces, now)
    db.session.flush()
    return count


def _shape_this_month(agency, staff, workspaces, activity, current, month) -> int:
    """Top up this month so the first retainer is near 80 % and the second is over budget."""
    from agency.timetracking.budgets import budget_statuses

    added = 0
    statuses = budget_statuses(workspaces, month)
    worker = next((u for u in staff if u.role == Role.COMMUNITY_MANAGER), staff[0])
    for ws, (hours, _rollover, share) in zip(workspaces, RETAINERS, strict=False):
        target = round(hours * 60 * share) + max(0, statuses[ws.id].carried_over_minutes if share > 1 else 0)
        missing = target - statuses[ws.id].used_minutes
        day = month
        while missing > 0 and day < current:
            chunk = min(missing, 120)
            if day.weekday() < 5:
                db.session.add(TimeEntry(agency_id=agency.id, workspace_id=ws.id, user_id=worker.id,
                                         activity_id=activity.id, work_date=day, minutes=chunk, billable=True,
                                         source=Source.MANUAL, note="Kampagnenbetreuung"))
                missing -= chunk
                added += 1
            day += timedelta(days=1)
    return added


def _plans(agency, staff, assigned, current) -> None:
    week = capacity.monday(current)
    for offset in (-7, 0, 7):
        for user in staff:
            for index, ws in enumerate(assigned[user.id]):
                minutes = [900, 600, 300][index % 3] if user.role == Role.COMMUNITY_MANAGER else 240
                db.session.add(capacity.PlannedTime(agency_id=agency.id, workspace_id=ws.id, user_id=user.id,
                                                    week=week + timedelta(days=offset), minutes=minutes))


def _inbox_today(agency, staff, workspaces, now) -> None:
    """This morning's inbox work of the community manager, waiting in "today from the inbox"."""
    from agency.inbox.models import Interaction

    worker = next((u for u in staff if u.role == Role.COMMUNITY_MANAGER), None)
    if worker is None:
        return
    ws = workspaces[0]
    items = list(db.session.scalars(select(Interaction.id).where(Interaction.workspace_id == ws.id)
                                    .order_by(Interaction.id.desc()).limit(23)))
    if not items:
        return
    start, _end = _day_start(agency, now)
    moment = max(start + timedelta(hours=8), now - timedelta(hours=3))
    for interaction_id in items:
        length = timedelta(minutes=4, seconds=(interaction_id * 37) % 240)
        if moment + length > now:
            break
        db.session.add(InboxSpan(agency_id=agency.id, workspace_id=ws.id, user_id=worker.id,
                                 interaction_id=interaction_id, started_at=moment, ended_at=moment + length,
                                 events=12))
        moment += length + timedelta(seconds=30)


def _day_start(agency, now):
    from agency.timetracking.settings import day_bounds

    return day_bounds(agency, today(agency, now))
