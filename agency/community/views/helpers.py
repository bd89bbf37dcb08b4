"""What the community views share: scoped lookups that also refuse ids beyond the column's range."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from agency.accounts.models import Workspace
from agency.accounts.permissions import can
from agency.accounts.tenancy import get_scoped_or_404, workspace_or_404
from agency.community.inputs import valid_id
from agency.inbox.models import Interaction

T = TypeVar("T")
MANAGE = "workspaces.manage"


def scoped(model: type[T], object_id, workspace: Workspace | None = None, *, allow_agency_wide: bool = False) -> T:
    """The object of the current agency (and of ``workspace``) with this id, or 404."""
    if valid_id(object_id) is None:
        abort(404)
    obj = get_scoped_or_404(model, object_id)
    if workspace is not None:
        owner = getattr(obj, "workspace_id", None)
        if owner != workspace.id and not (allow_agency_wide and owner is None):
            abort(404)
    return obj


def workspace_and_interaction(slug: str, interaction_id) -> tuple[Workspace, Interaction]:
    ws = workspace_or_404(slug)
    return ws, scoped(Interaction, interaction_id, ws)


def may_manage() -> bool:
    return can(current_user, MANAGE)


def require_manage() -> None:
    """Settings of a workspace are for account managers, admins and owners (others: 404, as if hidden)."""
    if not may_manage():
        abort(404)


def lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").replace("\r", "").split("\n") if line.strip()]


def comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace("\n", ",").split(",") if part.strip()]
