"""Per-request tenant resolution and the scoped lookup helper.

Once per request the current agency and the user's visible workspaces are
resolved from the authenticated user; the DB session is scoped to that agency
(the ORM backstop). Views look objects up only through ``get_scoped_or_404``;
another tenant's id, or a workspace the user is not assigned to, answers 404.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from agency import db
from agency.accounts import queries
from agency.accounts.models import Membership, User, Workspace

T = TypeVar("T")


def resolve_tenant(*_args) -> None:
    """Scope the session to the logged-in user's agency, once per request, before anything is looked up.

    Registered as the app's first URL value preprocessor, so it runs even before blueprints load their
    ``<workspace>`` (row-level security shows nothing until the agency is named).
    """
    if g.get("_tenant_resolved"):
        return
    g._tenant_resolved = True
    user = current_user if current_user and current_user.is_authenticated else None
    db.set_tenant(db.session(), user.agency_id if user is not None else None)
    g.agency = user.agency if user is not None else None


def visible_workspace_ids() -> set[int]:
    user: User = current_user
    return queries.visible_workspace_ids(user) if user.is_staff else set()


@event.listens_for(Session, "after_flush")
def _forget_visible_workspaces(db_session: Session, flush_context) -> None:
    """A new, changed or removed workspace or membership: this request's memo of visible workspaces is stale."""
    changed = (*db_session.new, *db_session.dirty, *db_session.deleted)
    if any(isinstance(obj, Workspace | Membership) for obj in changed):
        queries.forget_visible_workspaces()


def get_scoped_or_404(model: type[T], object_id: Any) -> T:
    """The object of the current agency (and of a visible workspace) with this id, or 404."""
    user: User = current_user
    if not user or not user.is_authenticated:
        abort(404)
    obj = db.get_in_agency(model, object_id, user.agency_id)
    if obj is None:
        abort(404)
    workspace_id = getattr(obj, "workspace_id", None)
    if workspace_id is not None and workspace_id not in visible_workspace_ids():
        abort(404)
    if isinstance(obj, Workspace) and obj.id not in visible_workspace_ids():
        abort(404)
    return obj


def workspace_or_404(slug: str) -> Workspace:
    """The workspace behind ``/w/<workspace>/…`` for the current staff user, or 404."""
    user: User = current_user
    if not user or not user.is_authenticated or not user.is_staff:
        abort(404)
    ws = queries.workspace_for_user(user, slug)
    if ws is None:
        abort(404)
    g.workspace = ws
    return ws


def in_workspace_or_404(model: type[T], slug: str, object_id: Any) -> tuple[Workspace, T]:
    """The workspace of ``/w/<workspace>/…`` and the object of it with this id, or 404.

    The one lookup for every route that names a workspace and an object: an object of another workspace,
    even a visible one, answers 404 like one of another agency.
    """
    ws = workspace_or_404(slug)
    obj = get_scoped_or_404(model, object_id)
    if getattr(obj, "workspace_id", None) != ws.id:
        abort(404)
    return ws, obj
