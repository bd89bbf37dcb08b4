"""The auto-assignment setting of a workspace: ``/w/<ws>/assignment`` (who is on shift now, mode and cap)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from agency import db
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.errors import ValidationError
from agency.moderation import assignment, teams
from agency.moderation.forms import AssignmentSettingsForm
from agency.moderation.views import bp

MODE_LABELS = {"off": _l("Off: people assign items themselves"),
               "round_robin": _l("Round robin among the community managers on shift"),
               "least_open": _l("To the community manager on shift with the fewest open items")}


def _form(ws, settings, formdata=None) -> AssignmentSettingsForm:
    if formdata is not None:
        form = AssignmentSettingsForm(formdata=formdata)
    else:
        form = AssignmentSettingsForm(formdata=None, mode=settings.mode if settings else "off",
                                      cap=settings.cap if settings else 20,
                                      team=str(settings.team_id) if settings and settings.team_id else "")
    form.mode.choices = list(MODE_LABELS.items())
    form.team.choices = [("", _("all community managers of the workspace"))] + [
        (str(t.id), _("team %(name)s", name=t.name)) for t in teams.teams_of(ws.id)]
    return form


def _page(ws, form=None, status=200):
    settings = assignment.settings_of(ws)
    team_id = settings.team_id if settings else None
    now = db.utcnow()
    return render_template(
        "moderation/assignment.html", workspace=ws, form=form or _form(ws, settings), settings=settings,
        mode_labels=MODE_LABELS, on_shift=assignment.on_shift(ws, now, team_id),
        team=assignment.candidates(ws, team_id), open_counts=assignment.open_counts(ws.id),
        limited_to=next((t for t in teams.teams_of(ws.id) if t.id == team_id), None) if team_id else None), status


@bp.route("/w/<workspace>/assignment", methods=["GET", "POST"])
@permission_required("workspaces.manage", hide=True)
def assignment_page(workspace: str):
    """Auto-assignment of the workspace: off, round robin or fewest open items, with a cap per person."""
    ws = workspace_or_404(workspace)
    if request.method == "GET":
        return _page(ws)
    form = _form(ws, None, formdata=request.form)
    if form.validate():
        try:
            assignment.save_settings(current_user, ws, mode=form.mode.data, cap=form.cap.data,
                                     team_id=int(form.team.data) if form.team.data else None, ip=client_ip())
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Auto-assignment saved."), "success")
            return redirect(url_for("moderation.assignment_page", workspace=ws.slug), 303)
    return _page(ws, form, status=400)
