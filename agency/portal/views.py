"""Client portal pages. A client user sees only their own workspace, only here."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("portal", __name__, url_prefix="/portal")


def _client_workspace():
    memberships = current_user.memberships
    if len(memberships) != 1:
        abort(404)
    workspace = memberships[0].workspace
    if workspace.is_archived:
        abort(404)
    return workspace


@bp.route("/")
@login_required
def home():
    if current_user.is_staff:
        return redirect(url_for("dashboard.home"))
    return render_template("portal/home.html", workspace=_client_workspace())


@bp.route("/crisis-plan")
@login_required
def crisis_plan():
    """The client's crisis plan and holding statements, read-only."""
    if current_user.is_staff:
        return redirect(url_for("dashboard.home"))
    from agency.community.services import crisis, saved_replies

    workspace = _client_workspace()
    return render_template("portal/crisis_plan.html", workspace=workspace, plan=crisis.plan_of(workspace.id),
                           holding=saved_replies.available(workspace.agency_id, workspace.id, kind="holding"))
