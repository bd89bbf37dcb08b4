"""The dashboard: the user's workspaces with their numbers."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from agency.accounts import queries as account_queries
from agency.dashboard import queries

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    if not current_user.is_staff:
        return redirect(url_for("portal.home"))
    workspaces = account_queries.visible_workspaces(current_user)
    numbers = queries.workspace_numbers(current_user, [w.id for w in workspaces])
    return render_template("dashboard/home.html", workspaces=workspaces, numbers=numbers)
