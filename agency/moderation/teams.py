"""Teams of staff per workspace, where the agency wants them: a name unique in the workspace and its members —
staff who work in that workspace (its assigned staff, plus owners and admins). Owners and account managers
manage teams, community managers see them. Every change is audited.

What teams are for:
- auto-assignment of a workspace can be limited to one team (``assignment.candidates``);
- the inbox's "my team" filter (provider ``team_items``): the items assigned to a member of one of my teams (in
  that team's workspace), plus the unassigned items of workspaces whose auto-assignment is limited to one of my
  teams (those are my team's to pick up). Nothing else: a team is no permission and hides nothing.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from agency import audit, db
from agency.accounts.models import User, Workspace
from agency.errors import ValidationError
from agency.inbox.models import Interaction
from agency.inbox.services import staff_of_workspace
from agency.moderation.models import AssignmentSettings, Team, TeamMember

NAME_MAX = 80
#: more would be a department, not a team; the limit keeps the pages and menus short
TEAMS_MAX = 50


def teams_of(workspace_id: int) -> list[Team]:
    """The workspace's teams by name."""
    return list(db.session.scalars(select(Team).where(Team.workspace_id == workspace_id)
                                   .order_by(func.lower(Team.name), Team.id)))


def members_of(workspace_id: int) -> dict[int, list[User]]:
    """Each team of the workspace with its members by name (one query for all teams)."""
    out: dict[int, list[User]] = {}
    rows = db.session.execute(select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                              .where(TeamMember.workspace_id == workspace_id).order_by(func.lower(User.name)))
    for team_id, user in rows:
        out.setdefault(team_id, []).append(user)
    return out


def member_ids(team_id: int) -> set[int]:
    return set(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the team a name."), "name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("The name is too long (at most %(n)d characters).", n=NAME_MAX), "name")
    return name


def _name_taken(workspace_id: int, name: str, except_id: int | None = None) -> bool:
    stmt = select(Team.id).where(Team.workspace_id == workspace_id, func.lower(Team.name) == name.lower())
    if except_id is not None:
        stmt = stmt.where(Team.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _flush_unique(message: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two people (or a double click) saved the same name at once: the unique index decided.
        raise ValidationError(message, "name") from None


def create_team(actor: User, workspace: Workspace, name: str, *, ip: str = "") -> Team:
    """A new, empty team of the workspace (validated; audited)."""
    name = _clean_name(name)
    taken = _("The workspace has a team of this name already.")
    if _name_taken(workspace.id, name):
        raise ValidationError(taken, "name")
    if db.session.scalar(select(func.count()).select_from(Team).where(Team.workspace_id == workspace.id)) \
            >= TEAMS_MAX:
        raise ValidationError(_("A workspace has at most %(n)d teams.", n=TEAMS_MAX), "name")
    team = Team(agency_id=workspace.agency_id, workspace_id=workspace.id, name=name)
    db.session.add(team)
    _flush_unique(taken)
    audit.record("moderation.team_created", agency_id=workspace.agency_id, actor=actor, obj=team, ip=ip,
                 details={"workspace": workspace.slug, "name": name})
    return team


def rename_team(actor: User, team: Team, name: str, *, ip: str = "") -> Team:
    """Give the team another name (validated; audited). The same name again changes nothing."""
    name = _clean_name(name)
    if name == team.name:
        return team
    taken = _("The workspace has a team of this name already.")
    if _name_taken(team.workspace_id, name, except_id=team.id):
        raise ValidationError(taken, "name")
    before, team.name = team.name, name
    _flush_unique(taken)
    audit.record("moderation.team_renamed", agency_id=team.agency_id, actor=actor, obj=team, ip=ip,
                 details={"from": before, "to": name})
    return team


def delete_team(actor: User, team: Team, *, ip: str = "") -> None:
    """Delete the team and its memberships; a workspace whose auto-assignment was limited to it assigns among all
    of its staff again (the foreign key sets NULL)."""
    audit.record("moderation.team_deleted", agency_id=team.agency_id, actor=actor, obj=team, ip=ip,
                 details={"name": team.name, "members": sorted(member_ids(team.id))})
    db.session.delete(team)
    db.session.flush()


def eligible(workspace_id: int, agency_id: int) -> list[User]:
    """Who may be in a team of this workspace: the staff who work in it (assigned staff, owners, admins)."""
    return staff_of_workspace(agency_id, workspace_id)


def add_member(actor: User, team: Team, user_id, *, ip: str = "") -> TeamMember | None:
    """Put a staff member of the team's workspace into the team; returns None when they were in it already."""
    staff = {u.id: u for u in eligible(team.workspace_id, team.agency_id)}
    try:
        wanted = int(str(user_id))
    except ValueError:
        wanted = None
    user = staff.get(wanted) if wanted is not None else None
    if user is None:
        raise ValidationError(_("Choose a staff member of this workspace."), "user")
    if wanted in member_ids(team.id):
        return None  # sent twice: one membership
    row = TeamMember(agency_id=team.agency_id, workspace_id=team.workspace_id, team_id=team.id, user_id=user.id)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        return None  # a concurrent add of the same person won
    audit.record("moderation.team_member_added", agency_id=team.agency_id, actor=actor, obj=team, ip=ip,
                 details={"team": team.name, "user": user.id, "name": user.name})
    return row


def remove_member(actor: User, team: Team, user_id, *, ip: str = "") -> bool:
    """Take a person out of the team; returns False when they were not in it (a second click changes nothing)."""
    try:
        wanted = int(str(user_id))
    except ValueError:
        raise ValidationError(_("Choose a member of the team."), "user") from None
    row = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == wanted))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    audit.record("moderation.team_member_removed", agency_id=team.agency_id, actor=actor, obj=team, ip=ip,
                 details={"team": team.name, "user": wanted})
    return True


def team_items(user_id: int):
    """The inbox's "my team" filter as one SQL condition on ``Interaction`` (no statement of its own):

    - items assigned to someone who shares a team with ``user_id`` in the item's workspace (``user_id`` too), and
    - unassigned items of workspaces whose auto-assignment is limited to one of the user's teams.

    A user in no team matches nothing.
    """
    if not user_id:
        return false()
    mine = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    mate = TeamMember.__table__.alias("mate")
    assigned_to_mate = select(mate.c.id).where(
        mate.c.team_id.in_(mine), mate.c.user_id == Interaction.assignee_id,
        mate.c.workspace_id == Interaction.workspace_id).exists()
    handled_by_my_team = select(AssignmentSettings.workspace_id).where(AssignmentSettings.team_id.in_(mine))
    return or_(and_(Interaction.assignee_id.is_not(None), assigned_to_mate),
               and_(Interaction.assignee_id.is_(None), Interaction.workspace_id.in_(handled_by_my_team)))
