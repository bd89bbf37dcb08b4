"""Inbox pages. (This is the plain per-workspace list; triage and replies build on it.)"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template, request

from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import staff_required
from agency.inbox import queries

bp = Blueprint("inbox", __name__, url_prefix="/w/<workspace>/inbox")


@bp.url_value_preprocessor
def _load_workspace(endpoint, values):
    values["ws"] = workspace_or_404(values.pop("workspace"))


@bp.route("/")
@staff_required
def index(ws):
    before = None
    if request.args.get("before_t") and request.args.get("before_id"):
        try:
            before = (datetime.fromisoformat(request.args["before_t"]), int(request.args["before_id"]))
        except ValueError:
            abort(400)
    rows = queries.recent_interactions(ws.id, before=before, limit=51)
    more = len(rows) > 50
    rows = rows[:50]
    return render_template("inbox/list.html", workspace=ws, interactions=rows, more=more,
                           next_before=(rows[-1].platform_created_at.isoformat(), rows[-1].id) if more else None)
