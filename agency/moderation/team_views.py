"""Teams of a workspace: ``/w/<workspace>/teams`` lists them with their members; owners, admins and account
managers create, rename and delete teams (deleting asks first) and add or remove members; community managers
read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.forms import EmptyForm
from agency.accounts.permissions import can
from agency.accounts.tenancy import in_workspace_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.errors import ValidationError
from agency.moderation import assignment, teams
from agency.moderation.forms import TeamForm, TeamMemberForm
from agency.moderation.models import Team
from agency.moderation.views import bp

MANAGE = "workspaces.manage"


def _require_manage() -> None:
    if not can(current_user, MANAGE):
        abort(403)


def _team_or_404(workspace: str, team_id: int):
    if not 0 < team_id < 2**63:
        abort(404)
    return in_workspace_or_404(Team, workspace, team_id)


def _back(ws):
    return redirect(url_for("moderation.teams_page", workspace=ws.slug), 303)


def _page(ws, *, form=None, rename_form=None, renaming=None, member_form=None, member_team=None, status=200):
    staff = teams.eligible(ws.id, ws.agency_id)
    settings = assignment.settings_of(ws)
    return render_template(
        "moderation/teams.html", workspace=ws, teams=teams.teams_of(ws.id), members=teams.members_of(ws.id),
        staff=staff, form=form or TeamForm(formdata=None), rename_form=rename_form, renaming=renaming,
        member_form=member_form, member_team=member_team, empty_form=EmptyForm(), can_manage=can(current_user, MANAGE),
        assigning_team_id=settings.team_id if settings and settings.mode != "off" else None), status


@bp.route("/w/<workspace>/teams", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def teams_page(workspace: str):
    """The workspace's teams and their members; a POST creates a team."""
    ws = workspace_or_404(workspace)
    if request.method == "GET":
        return _page(ws)
    _require_manage()
    form = TeamForm()
    if form.validate():
        try:
            team = teams.create_team(current_user, ws, form.name.data, ip=client_ip())
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Team %(name)s created.", name=team.name), "success")
            return _back(ws)
    return _page(ws, form=form, status=400)


@bp.route("/w/<workspace>/teams/<int:team_id>/rename", methods=["POST"])
@permission_required("inbox.work", hide=True)
def team_rename(workspace: str, team_id: int):
    ws, team = _team_or_404(workspace, team_id)
    _require_manage()
    form = TeamForm()
    if form.validate():
        try:
            teams.rename_team(current_user, team, form.name.data, ip=client_ip())
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Team renamed to %(name)s.", name=team.name), "success")
            return _back(ws)
    return _page(ws, rename_form=form, renaming=team, status=400)


@bp.route("/w/<workspace>/teams/<int:team_id>/delete", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def team_delete(workspace: str, team_id: int):
    """GET asks for confirmation (what the deletion changes); POST deletes."""
    ws, team = _team_or_404(workspace, team_id)
    _require_manage()
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        name = team.name
        teams.delete_team(current_user, team, ip=client_ip())
        flash(_("Team %(name)s deleted.", name=name), "success")
        return _back(ws)
    settings = assignment.settings_of(ws)
    return render_template("moderation/team_delete.html", workspace=ws, team=team, form=form,
                           members=teams.members_of(ws.id).get(team.id, []),
                           assigns=bool(settings and settings.team_id == team.id))


@bp.route("/w/<workspace>/teams/<int:team_id>/members", methods=["POST"])
@permission_required("inbox.work", hide=True)
def team_member_add(workspace: str, team_id: int):
    ws, team = _team_or_404(workspace, team_id)
    _require_manage()
    form = TeamMemberForm()
    if form.validate():
        try:
            added = teams.add_member(current_user, team, form.user.data, ip=client_ip())
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            if added is not None:
                flash(_("Added to the team %(name)s.", name=team.name), "success")
            return _back(ws)
    return _page(ws, member_form=form, member_team=team, status=400)


@bp.route("/w/<workspace>/teams/<int:team_id>/members/remove", methods=["POST"])
@permission_required("inbox.work", hide=True)
def team_member_remove(workspace: str, team_id: int):
    ws, team = _team_or_404(workspace, team_id)
    _require_manage()
    form = TeamMemberForm()
    if form.validate():
        try:
            if teams.remove_member(current_user, team, form.user.data, ip=client_ip()):
                flash(_("Removed from the team %(name)s.", name=team.name), "success")
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            return _back(ws)
    return _page(ws, member_form=form, member_team=team, status=400)
