"""Reads of the SLA engine: the board, the dashboard's numbers, the settings pages' lists.

"Now" states: the stored ``sla_state`` is advanced by the minute scan; a due time that has
passed since counts as breached at once (``CASE WHEN sla_due_at <= now``), so the board never
lags behind the countdown badges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select

from agency import db
from agency.accounts.models import User, Workspace
from agency.inbox.models import OPEN_STATUSES, Interaction
from agency.sla.models import SlaCalendar, SlaPolicy


def _live_state(now: datetime):
    return case((Interaction.sla_due_at <= now, literal("breached")), else_=Interaction.sla_state)


def _hot(workspace_ids: Iterable[int], now: datetime):
    """Open interactions at risk or breached now, in these workspaces."""
    return and_(
        Interaction.workspace_id.in_(list(workspace_ids)), Interaction.status.in_(OPEN_STATUSES),
        Interaction.sla_due_at.is_not(None),
        or_(Interaction.sla_due_at <= now, Interaction.sla_state.in_(("at_risk", "breached"))),
    )


def dashboard_counts(workspace_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """(at_risk, breached) per workspace, for the dashboard. Workspaces without any are left out."""
    ids = list(workspace_ids)
    if not ids:
        return {}
    now = now or db.utcnow()
    state = _live_state(now)
    stmt = (select(Interaction.workspace_id, func.count().filter(state == "at_risk"),
                   func.count().filter(state == "breached"))
            .where(_hot(ids, now)).group_by(Interaction.workspace_id))
    return {ws: (at_risk, breached) for ws, at_risk, breached in db.session.execute(stmt).all()}


@dataclass
class BoardRow:
    key: int | None
    label: str
    at_risk: int = 0
    breached: int = 0


@dataclass
class Board:
    workspaces: list[BoardRow] = field(default_factory=list)
    assignees: list[BoardRow] = field(default_factory=list)
    items: list[tuple[Interaction, str, Workspace]] = field(default_factory=list)
    at_risk: int = 0
    breached: int = 0


def board(workspace_ids: Iterable[int], *, now: datetime | None = None, limit: int = 50,
          workspaces: Iterable[Workspace] = ()) -> Board:
    """At risk and breached now, counted per workspace and assignee, plus the items that burn first.

    ``workspaces``: the rows of ``workspace_ids`` the caller has already loaded (others are loaded here).
    """
    ids = list(workspace_ids)
    result = Board()
    if not ids:
        return result
    now = now or db.utcnow()
    state = _live_state(now).label("live_state")
    hot = _hot(ids, now)
    by_id = {ws.id: ws for ws in workspaces if ws.id in set(ids)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        by_id.update((ws.id, ws) for ws in db.session.scalars(select(Workspace).where(Workspace.id.in_(missing))))
    names = {ws_id: ws.name for ws_id, ws in by_id.items()}
    for ws_id, at_risk, breached in db.session.execute(
            select(Interaction.workspace_id, func.count().filter(state == "at_risk"),
                   func.count().filter(state == "breached")).where(hot).group_by(Interaction.workspace_id)):
        result.workspaces.append(BoardRow(ws_id, names.get(ws_id, ""), at_risk, breached))
    for user_id, user_name, at_risk, breached in db.session.execute(
            select(Interaction.assignee_id, User.name, func.count().filter(state == "at_risk"),
                   func.count().filter(state == "breached"))
            .outerjoin(User, User.id == Interaction.assignee_id).where(hot)
            .group_by(Interaction.assignee_id, User.name)):
        result.assignees.append(BoardRow(user_id, user_name or "", at_risk, breached))
    result.workspaces.sort(key=lambda r: (-r.breached, -r.at_risk, r.label))
    result.assignees.sort(key=lambda r: (r.key is not None, -r.breached, -r.at_risk, r.label))
    result.at_risk = sum(r.at_risk for r in result.workspaces)
    result.breached = sum(r.breached for r in result.workspaces)
    # What can still be saved comes first (at risk, soonest due), then the most recent breaches.
    rows = db.session.execute(select(Interaction, state).where(hot).order_by(
        case((state == "at_risk", 0), else_=1), case((state == "at_risk", Interaction.sla_due_at)),
        Interaction.sla_due_at.desc(), Interaction.id).limit(limit)).all()
    result.items = [(interaction, live, by_id[interaction.workspace_id]) for interaction, live in rows]
    return result


def calendars_of_agency(agency_id: int) -> list[SlaCalendar]:
    return list(db.session.scalars(select(SlaCalendar).where(SlaCalendar.agency_id == agency_id)
                                   .order_by(func.lower(SlaCalendar.name))))


def calendar_usage(agency_id: int) -> dict[int, int]:
    """How many policies use each calendar."""
    stmt = (select(SlaPolicy.calendar_id, func.count()).where(SlaPolicy.agency_id == agency_id,
                                                              SlaPolicy.calendar_id.is_not(None))
            .group_by(SlaPolicy.calendar_id))
    return dict(db.session.execute(stmt).all())


def overridden_workspaces(agency_id: int) -> set[int]:
    stmt = select(SlaPolicy.workspace_id).where(SlaPolicy.agency_id == agency_id, SlaPolicy.workspace_id.is_not(None))
    return set(db.session.scalars(stmt))


def policy_names(agency_id: int, policy_ids) -> dict[str, str]:
    """The audit log's names of SLA policies: the workspace's name, or "Agency default"."""
    keys = {int(i) for i in map(str, policy_ids) if i.isascii() and i.isdigit() and len(i) < 19}
    if not keys:
        return {}
    rows = db.session.execute(
        select(SlaPolicy.id, Workspace.name).outerjoin(Workspace, Workspace.id == SlaPolicy.workspace_id)
        .where(SlaPolicy.agency_id == agency_id, SlaPolicy.id.in_(keys)))
    return {str(policy_id): name or _("Agency default") for policy_id, name in rows}
