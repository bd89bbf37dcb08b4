"""Client portal pages. A client user sees only their own workspace, only here."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@login_required
def home():
    if current_user.is_staff:
        return redirect(url_for("dashboard.home"))
    memberships = current_user.memberships
    if len(memberships) != 1:
        abort(404)
    workspace = memberships[0].workspace
    if workspace.is_archived:
        abort(404)
    return render_template("portal/home.html", workspace=workspace)
