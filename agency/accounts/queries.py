"""Reads for accounts: which workspaces a user sees, user lists, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import Select, func, inspect, or_, select
from sqlalchemy.orm import joinedload

from agency import db
from agency.accounts.models import Membership, Role, User, Workspace
from agency.audit import AuditEvent


def visible_workspaces_stmt(user: User, *, include_archived: bool = False) -> Select:
    """Workspaces the user may work in: all of the agency for owners/admins, else assigned ones."""
    stmt = select(Workspace).where(Workspace.agency_id == user.agency_id)
    if not user.sees_all_workspaces:
        stmt = stmt.where(Workspace.id.in_(select(Membership.workspace_id).where(Membership.user_id == user.id)))
    if not include_archived:
        stmt = stmt.where(Workspace.archived_at.is_(None))
    return stmt.order_by(Workspace.name)


def _request_cache(user: User) -> dict | None:
    """This request's memo of the user's visible workspaces (None outside a request).

    Every page asks for them several times (the navigation, the page's own list, the scoped lookups); one
    query per request serves them all. A flush that touches a workspace or a membership drops the memo.
    """
    if not has_request_context():
        return None
    key = (user.id, user.agency_id, user.role)
    memo = g.get("_visible_workspaces")
    if memo is None or memo[0] != key:
        memo = (key, {})
        g._visible_workspaces = memo
    return memo[1]


def _all_visible(user: User) -> list[Workspace]:
    cache = _request_cache(user)
    if cache is None:
        return list(db.session.scalars(visible_workspaces_stmt(user, include_archived=True)))
    if "rows" not in cache:
        cache["rows"] = _from_loaded_memberships(user)
        if cache["rows"] is None:
            cache["rows"] = list(db.session.scalars(visible_workspaces_stmt(user, include_archived=True)))
    return cache["rows"]


def _from_loaded_memberships(user: User) -> list[Workspace] | None:
    """The assigned workspaces from the memberships the session's user was loaded with (no query), or None
    when they are not loaded or may be stale (a membership or workspace changed in this request)."""
    if user.sees_all_workspaces or g.get("_visible_workspaces_changed"):
        return None
    if "memberships" not in inspect(user).dict:
        return None
    rows = [m.workspace for m in user.memberships if m.workspace.agency_id == user.agency_id]
    # The database orders by name in its collation (C.UTF-8 on ours: code points, as Python's str order).
    return sorted(rows, key=lambda w: (w.name, w.id))


def forget_visible_workspaces() -> None:
    """Drop this request's memo (after workspaces or memberships changed); later reads go to the database."""
    if has_request_context():
        g.pop("_visible_workspaces", None)
        g._visible_workspaces_changed = True


def visible_workspaces(user: User, *, include_archived: bool = False) -> list[Workspace]:
    """The user's workspaces by name (archived ones only when asked); one query per request."""
    return [w for w in _all_visible(user) if include_archived or w.archived_at is None]


def visible_workspace_ids(user: User) -> set[int]:
    return {w.id for w in _all_visible(user)}


def workspace_for_user(user: User, slug: str) -> Workspace | None:
    """The workspace with this slug if the (staff) user may see it."""
    return next((w for w in _all_visible(user) if w.slug == slug), None)


def user_by_email(email: str) -> User | None:
    """The user with this address in any agency (call inside ``db.system_scope``)."""
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return db.session.scalars(stmt).first()


def load_user_for_session(user_id: int, generation: int) -> User | None:
    """The active user with this id and session generation, with its agency and its memberships' workspaces,
    in one query (every page needs them: the navigation lists the user's workspaces)."""
    stmt = select(User).options(joinedload(User.agency), joinedload(User.memberships)).where(
        User.id == user_id, User.session_generation == generation, User.is_active_user.is_(True))
    return db.session.scalars(stmt).unique().first()


def users_of_agency(agency_id: int, *, search: str = "", role: str = "", active: str = "") -> list[User]:
    stmt = select(User).where(User.agency_id == agency_id)
    if search:
        like = f"%{search.strip()[:100]}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.email.ilike(like)))
    if role in set(Role):
        stmt = stmt.where(User.role == role)
    if active in ("yes", "no"):
        stmt = stmt.where(User.is_active_user.is_(active == "yes"))
    return list(db.session.scalars(stmt.order_by(User.name)))


def workspaces_of_agency(agency_id: int, *, archived: bool | None = False, search: str = "") -> list[Workspace]:
    stmt = select(Workspace).where(Workspace.agency_id == agency_id)
    if archived is True:
        stmt = stmt.where(Workspace.archived_at.is_not(None))
    elif archived is False:
        stmt = stmt.where(Workspace.archived_at.is_(None))
    if search:
        stmt = stmt.where(Workspace.name.ilike(f"%{search.strip()[:100]}%"))
    return list(db.session.scalars(stmt.order_by(Workspace.name)))


def member_counts(agency_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(Membership.workspace_id, func.count(Membership.id))
        .where(Membership.agency_id == agency_id).group_by(Membership.workspace_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_id: int | None = None
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_events(agency_id: int, flt: AuditFilter, *, before_id: int | None = None,
                 limit: int = 50) -> list[AuditEvent]:
    """Newest first, keyset-paginated by id."""
    stmt = select(AuditEvent).where(AuditEvent.agency_id == agency_id)
    if flt.action:
        stmt = stmt.where(AuditEvent.action.startswith(flt.action[:64]))
    if flt.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == flt.actor_id)
    if flt.object_type:
        stmt = stmt.where(AuditEvent.object_type == flt.object_type[:64])
    if flt.since:
        stmt = stmt.where(AuditEvent.created_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.created_at < flt.until)
    if before_id:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)))


def audit_actions(agency_id: int) -> list[str]:
    stmt = select(AuditEvent.action).where(AuditEvent.agency_id == agency_id).distinct().order_by(AuditEvent.action)
    return list(db.session.scalars(stmt))


def audit_object_types(agency_id: int) -> list[str]:
    stmt = (select(AuditEvent.object_type).where(AuditEvent.agency_id == agency_id, AuditEvent.object_type != "")
            .distinct().order_by(AuditEvent.object_type))
    return list(db.session.scalars(stmt))
