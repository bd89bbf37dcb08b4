"""Auto-assignment: a workspace's open, unassigned items go to its community managers on shift, by round robin
or to whoever has the fewest open items, never above the workspace's cap.

On shift means the workspace's SLA business calendar is open now and the person has no absence today (read
through the ``absent_user_ids`` provider of time tracking; without it nobody counts as absent). A minute job
(``assign_open_items``) does the work, so items from every ingest path (sync, webhooks, demo) are covered.
A manual assignment always wins: auto-assignment only ever moves an item whose assignee is still the person
it gave the item to (``AutoAssignment``); an item a person assigned or unassigned (heard through the inbox's
``interaction_changed`` signal) is left alone for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from agency import audit, db, wiring
from agency.accounts.models import Membership, Role, User, Workspace
from agency.errors import ValidationError
from agency.inbox.models import OPEN_STATUSES, Interaction
from agency.inbox.signals import interaction_changed
from agency.moderation.models import ASSIGNMENT_MODES, AssignmentSettings, AutoAssignment, Team, TeamMember
from agency.sla.policy import effective_policy

#: Items handed out per workspace and run (the rest wait a minute).
BATCH = 200


def settings_of(workspace: Workspace) -> AssignmentSettings | None:
    return db.session.scalar(select(AssignmentSettings).where(AssignmentSettings.workspace_id == workspace.id))


def save_settings(actor: User, workspace: Workspace, *, mode: str, cap: int, team_id: int | None = None,
                  ip: str = "") -> AssignmentSettings:
    """Store the workspace's auto-assignment mode, cap and team (None: among all its community managers;
    validated; audited)."""
    if mode not in ASSIGNMENT_MODES:
        raise ValidationError(_("Choose how items are assigned."), "mode")
    if not isinstance(cap, int) or not 1 <= cap <= 1000:
        raise ValidationError(_("The cap must be a whole number from 1 to 1000."), "cap")
    team_name = None
    if team_id is not None:
        valid = isinstance(team_id, int) and 0 < team_id < 2**63
        team = db.session.scalar(select(Team).where(Team.id == team_id, Team.workspace_id == workspace.id)) \
            if valid else None
        if team is None:
            raise ValidationError(_("Choose one of this workspace's teams."), "team")
        team_name = team.name
    row = settings_of(workspace)
    if row is None:
        row = AssignmentSettings(agency_id=workspace.agency_id, workspace_id=workspace.id)
        db.session.add(row)
    row.mode, row.cap, row.team_id = mode, cap, team_id
    db.session.flush()
    audit.record("moderation.assignment_settings_saved", agency_id=workspace.agency_id, actor=actor, obj=row,
                 ip=ip, details={"mode": mode, "cap": cap, "team": team_name})
    return row


def candidates(workspace: Workspace, team_id: int | None = None) -> list[User]:
    """Active community managers with a membership in the workspace — only the team's when auto-assignment is
    limited to a team — by id (the round robin's order)."""
    stmt = select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.workspace_id == workspace.id, User.agency_id == workspace.agency_id,
        User.is_active_user.is_(True), User.role == Role.COMMUNITY_MANAGER)
    if team_id is not None:
        stmt = stmt.where(User.id.in_(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))
    return list(db.session.scalars(stmt.order_by(User.id)))


def on_shift(workspace: Workspace, now: datetime, team_id: int | None = None) -> list[User]:
    """The workspace's community managers (of the team, when given) who are working now (calendar open, not
    absent today)."""
    calendar = effective_policy(workspace).calendar
    if not calendar.is_open(now):
        return []
    people = candidates(workspace, team_id)
    absent = wiring.provided("absent_user_ids")
    if absent is not None and people:
        away = absent([u.id for u in people], now.astimezone(ZoneInfo(calendar.tz)).date())
        people = [u for u in people if u.id not in away]
    return people


def open_counts(workspace_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(Interaction.assignee_id, func.count()).where(
        Interaction.workspace_id == workspace_id, Interaction.assignee_id.is_not(None),
        Interaction.status.in_(OPEN_STATUSES), Interaction.is_deleted.is_(False))
        .group_by(Interaction.assignee_id)).all())


@dataclass
class _Picker:
    settings: AssignmentSettings
    people: list[User]
    counts: dict[int, int]

    def pick(self) -> User | None:
        free = [u for u in self.people if self.counts.get(u.id, 0) < self.settings.cap]
        if not free:
            return None
        if self.settings.mode == "least_open":
            # Fewest open items; ties go round the circle after the last one chosen, so they stay fair too.
            fewest = min(self.counts.get(u.id, 0) for u in free)
            free = [u for u in free if self.counts.get(u.id, 0) == fewest]
        last = self.settings.last_user_id or 0
        chosen = next((u for u in free if u.id > last), free[0])
        self.settings.last_user_id = chosen.id
        self.counts[chosen.id] = self.counts.get(chosen.id, 0) + 1
        return chosen


def _give(interaction: Interaction, user: User, record: AutoAssignment | None) -> None:
    interaction.assignee_id = user.id
    if record is None:
        db.session.add(AutoAssignment(agency_id=interaction.agency_id, workspace_id=interaction.workspace_id,
                                      interaction_id=interaction.id, user_id=user.id))
    else:
        record.user_id = user.id
    db.session.flush()
    interaction.__dict__["_auto_assigning"] = True  # on_assignee_changed: this change is ours
    try:
        interaction_changed.send(interaction, fields={"assignee_id"})
    finally:
        interaction.__dict__.pop("_auto_assigning", None)


def on_assignee_changed(interaction: Interaction, fields=frozenset(), **_kw) -> None:
    """A person assigned or unassigned the item: from now on auto-assignment leaves it alone (the record's
    person becomes NULL, which no assignee ever matches, and a record means "not new work")."""
    if "assignee_id" not in fields or interaction.__dict__.get("_auto_assigning"):
        return
    db.session.execute(insert(AutoAssignment).values(
        agency_id=interaction.agency_id, workspace_id=interaction.workspace_id, interaction_id=interaction.id,
        user_id=None).on_conflict_do_update(constraint="uq_auto_assignments_interaction_id",
                                            set_={"user_id": None}))


def assign_workspace(workspace: Workspace, now: datetime | None = None) -> tuple[int, int]:
    """Assign the workspace's open unassigned items and move auto-assigned ones of people off shift;
    returns (assigned, reassigned). Items a person assigned or unassigned are never touched."""
    settings = settings_of(workspace)
    if settings is None or settings.mode == "off":
        return 0, 0
    now = now or db.utcnow()
    # Limited to a team: only its members are on shift for this, and items of anyone else we gave out are moved
    # to them like those of someone who went off shift.
    people = on_shift(workspace, now, settings.team_id)
    if not people:
        return 0, 0  # nobody to give anything to; off-shift items stay with their person until someone is on
    picker = _Picker(settings, people, open_counts(workspace.id))
    open_item = (Interaction.workspace_id == workspace.id) & Interaction.status.in_(OPEN_STATUSES) \
        & Interaction.is_deleted.is_(False)
    on_ids = [u.id for u in people]

    # Items we gave to someone who is no longer on shift (absent, left the workspace, deactivated).
    stranded = db.session.execute(select(Interaction, AutoAssignment).join(
        AutoAssignment, AutoAssignment.interaction_id == Interaction.id).where(
        open_item, Interaction.assignee_id == AutoAssignment.user_id, Interaction.assignee_id.not_in(on_ids))
        .order_by(Interaction.id).limit(BATCH).with_for_update(of=Interaction, skip_locked=True)).all()
    reassigned = 0
    for interaction, record in stranded:
        picker.counts[interaction.assignee_id] = picker.counts.get(interaction.assignee_id, 0) - 1
        user = picker.pick()
        if user is None:
            break
        _give(interaction, user, record)
        reassigned += 1

    # New work: unassigned and never assigned by us (an item a person unassigned keeps its record).
    fresh = db.session.scalars(select(Interaction).where(
        open_item, Interaction.assignee_id.is_(None),
        ~select(AutoAssignment.id).where(AutoAssignment.interaction_id == Interaction.id).exists())
        .order_by(Interaction.id).limit(BATCH).with_for_update(skip_locked=True)).all()
    assigned = 0
    for interaction in fresh:
        user = picker.pick()
        if user is None:
            break
        _give(interaction, user, None)
        assigned += 1
    return assigned, reassigned
