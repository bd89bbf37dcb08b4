"""Workspaces and their channels (read)."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from agency import db
from agency.accounts.models import Workspace
from agency.accounts.queries import visible_workspaces
from agency.accounts.tenancy import get_scoped_or_404
from agency.api import schemas as s
from agency.api.framework import operation
from agency.api.views import bp
from agency.channels.models import Channel


def workspace_out(ws: Workspace) -> s.Workspace:
    return s.Workspace(id=ws.id, name=ws.name, slug=ws.slug, timezone=ws.timezone, locale=ws.locale,
                       address_form=ws.address_form, country=ws.country, subdivision=ws.subdivision,
                       archived=ws.archived_at is not None)


def channel_out(ch: Channel) -> s.Channel:
    return s.Channel(id=ch.id, workspace_id=ch.workspace_id, platform=ch.platform, name=ch.name, status=ch.status,
                     external_account_id=ch.external_account_id)


@operation(bp, "/workspaces", "GET", area="workspaces", access="read", tag="Workspaces",
           summary="The workspaces (clients) you work in", response=s.WorkspaceList)
def list_workspaces():
    return s.WorkspaceList(items=[workspace_out(ws) for ws in visible_workspaces(current_user)])


@operation(bp, "/workspaces/<int:workspace_id>", "GET", area="workspaces", access="read", tag="Workspaces",
           summary="One workspace", response=s.Workspace)
def get_workspace(workspace_id: int):
    return workspace_out(get_scoped_or_404(Workspace, workspace_id))


@operation(bp, "/workspaces/<int:workspace_id>/channels", "GET", area="workspaces", access="read",
           tag="Workspaces", summary="The channels of a workspace", response=s.ChannelList)
def list_channels(workspace_id: int):
    ws = get_scoped_or_404(Workspace, workspace_id)
    channels = db.session.scalars(select(Channel).where(Channel.workspace_id == ws.id).order_by(Channel.name))
    return s.ChannelList(items=[channel_out(ch) for ch in channels])
