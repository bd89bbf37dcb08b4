"""Writes of the SLA settings editors: business calendars and policies (agency default, workspace override).

Each change is audited and queues a recomputation of the affected workspaces' open
interactions after the commit (``jobs.recompute_sla``). Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from agency import db
from agency.accounts.models import Workspace
from agency.audit import record
from agency.errors import ValidationError
from agency.sla.calendar import BusinessCalendar
from agency.sla.jobs import enqueue_recompute
from agency.sla.models import MAX_TARGET_MINUTES, MAX_WARN_MINUTES, SlaCalendar, SlaPolicy, SlaTarget
from agency.sla.policy import Cell, Target, all_cells


def _agency_workspace_ids(agency_id: int) -> list[int]:
    return list(db.session.scalars(select(Workspace.id).where(Workspace.agency_id == agency_id,
                                                             Workspace.archived_at.is_(None))))


def save_calendar(actor, *, calendar: SlaCalendar | None, name: str, definition: Mapping[str, Any],
                  ip: str = "") -> SlaCalendar:
    """Create (``calendar`` None) or change a named business calendar of the actor's agency."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(_("Give the calendar a name of at most 120 characters."), "name")
    try:
        normalised = BusinessCalendar.from_dict(definition).to_dict()
    except ValueError as exc:
        raise ValidationError(str(exc), "weekly") from None
    clash = select(func.count(SlaCalendar.id)).where(SlaCalendar.agency_id == actor.agency_id,
                                                      func.lower(SlaCalendar.name) == name.lower())
    if calendar is not None:
        clash = clash.where(SlaCalendar.id != calendar.id)
    if db.session.scalar(clash):
        raise ValidationError(_("Another calendar already has this name."), "name")
    if calendar is None:
        calendar = SlaCalendar(agency_id=actor.agency_id, name=name, definition=normalised)
        db.session.add(calendar)
        action = "sla.calendar_created"
    else:
        calendar.name, calendar.definition, calendar.updated_at = name, normalised, db.utcnow()
        action = "sla.calendar_changed"
    db.session.flush()
    record(action, agency_id=actor.agency_id, actor=actor, obj=calendar, ip=ip, details={"name": name})
    enqueue_recompute(actor.agency_id, _agency_workspace_ids(actor.agency_id))
    return calendar


def delete_calendar(actor, calendar: SlaCalendar, *, ip: str = "") -> None:
    """Delete a calendar no policy uses."""
    in_use = db.session.scalar(select(func.count(SlaPolicy.id)).where(SlaPolicy.calendar_id == calendar.id))
    if in_use:
        raise ValidationError(_("A policy still uses this calendar. Choose another calendar there first."), "calendar")
    record("sla.calendar_deleted", agency_id=actor.agency_id, actor=actor, obj=calendar, ip=ip,
           details={"name": calendar.name})
    db.session.delete(calendar)
    db.session.flush()


def _check_settings(agency_id: int, calendar_mode: str | None, calendar_id: int | None,
                    warn_minutes: int | None, warn_percent: int | None) -> None:
    if calendar_mode not in (None, "default", "custom"):
        raise ValidationError(_("Choose a calendar."), "calendar")
    if calendar_mode == "custom":
        stored = db.get_in_agency(SlaCalendar, calendar_id, agency_id) if calendar_id is not None else None
        if stored is None:
            raise ValidationError(_("Choose a calendar."), "calendar")
    if warn_minutes is not None and not 0 <= warn_minutes <= MAX_WARN_MINUTES:
        raise ValidationError(_("The warning window is between 0 and 1440 minutes."), "warn_minutes")
    if warn_percent is not None and not 0 <= warn_percent <= 100:
        raise ValidationError(_("The warning share is between 0 and 100 %."), "warn_percent")


def save_policy(actor, *, workspace: Workspace | None, calendar_mode: str | None, calendar_id: int | None,
                warn_minutes: int | None, warn_percent: int | None, targets: Mapping[Cell, Target | None],
                ip: str = "") -> SlaPolicy:
    """Store the agency default (``workspace`` None) or a workspace's override.

    ``targets`` holds the cells the editor showed: a Target sets the cell (0 minutes = no
    target), None leaves it empty — inherited on a workspace, no target on the agency default.
    """
    agency_id = actor.agency_id
    if workspace is not None and workspace.agency_id != agency_id:
        raise ValidationError(_("Unknown workspace."))
    _check_settings(agency_id, calendar_mode, calendar_id, warn_minutes, warn_percent)
    known = set(all_cells())
    for cell, target in targets.items():
        if cell not in known:
            raise ValidationError(_("Unknown target."))
        if target is not None and not 0 <= target.minutes <= MAX_TARGET_MINUTES:
            raise ValidationError(_("A target is between 0 minutes and 90 days."), "_".join(cell))
    policy = _locked_policy(agency_id, workspace)
    policy.calendar_mode = calendar_mode
    policy.calendar_id = calendar_id if calendar_mode == "custom" else None
    policy.warn_minutes, policy.warn_percent = warn_minutes, warn_percent
    policy.updated_at = db.utcnow()
    policy.targets.clear()
    db.session.flush()  # the old cells go before the new ones meet the unique key
    for (metric, kind, priority), target in sorted(targets.items()):
        if target is None:
            continue
        policy.targets.append(SlaTarget(agency_id=agency_id, metric=metric, kind=kind, priority=priority,
                                        minutes=target.minutes, business_hours=target.business_hours))
    db.session.flush()
    record("sla.policy_saved", agency_id=agency_id, actor=actor, obj=policy, ip=ip,
           details={"workspace_id": workspace.id if workspace else None, "calendar_mode": calendar_mode,
                    "targets": sum(1 for t in targets.values() if t is not None)})
    enqueue_recompute(agency_id, [workspace.id] if workspace else _agency_workspace_ids(agency_id))
    return policy


def _locked_policy(agency_id: int, workspace: Workspace | None) -> SlaPolicy:
    """The policy row, created if missing, locked until the commit.

    Two saves at once (a double click) then run one after the other: the second replaces the first's
    cells instead of colliding with them on the unique key.
    """
    db.session.execute(insert(SlaPolicy).values(
        agency_id=agency_id, workspace_id=workspace.id if workspace else None).on_conflict_do_nothing())
    stmt = select(SlaPolicy).where(SlaPolicy.agency_id == agency_id)
    stmt = stmt.where(SlaPolicy.workspace_id == workspace.id) if workspace else stmt.where(
        SlaPolicy.workspace_id.is_(None))
    return db.session.scalars(stmt.with_for_update().execution_options(populate_existing=True)).one()


def reset_workspace_policy(actor, workspace: Workspace, *, ip: str = "") -> bool:
    """Drop a workspace's override: it follows the agency default again. False when it had none."""
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == workspace.id,
                                                       SlaPolicy.agency_id == actor.agency_id))
    if policy is None:
        return False
    db.session.delete(policy)
    db.session.flush()
    record("sla.policy_reset", agency_id=actor.agency_id, actor=actor, obj=workspace, ip=ip)
    enqueue_recompute(actor.agency_id, [workspace.id])
    return True
