"""Engagement opportunities of a workspace: /w/<workspace>/opportunities."""

from __future__ import annotations

from flask import render_template

from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import permission_required
from agency.community.services import engagement
from agency.community.views import bp


@bp.route("/w/<workspace>/opportunities")
@permission_required("inbox.work", hide=True)
def opportunities(workspace: str):
    ws = workspace_or_404(workspace)
    return render_template("community/opportunities.html", workspace=ws,
                           positive=engagement.positive_unanswered(ws.id),
                           follow_ups=engagement.questions_to_follow_up(ws.id),
                           months=engagement.proactive_per_month(ws.id))
