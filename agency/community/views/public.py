"""The expert's page: /expert/<token>, public (no login), one question, answered once.

The link is checked before anything is read (signature, purpose, age); only then does the page
work — under row-level security for the one agency the link names, never across agencies.
A tampered, expired or used link answers with a plain page that names nothing (no client, no
customer, no question).
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import force_locale

from agency import db
from agency.accounts.models import Workspace
from agency.accounts.views.helpers import apply_validation_error
from agency.community.forms import ExpertAnswerForm
from agency.community.models import Expert
from agency.community.services import escalations
from agency.community.views import bp
from agency.errors import ValidationError
from agency.extensions import limiter
from agency.inbox.models import Interaction

PROBLEM_STATUS = {"invalid": 404, "expired": 410, "used": 410}


def _problem(reason: str):
    return render_template("community/expert_problem.html", reason=reason), PROBLEM_STATUS[reason]


@bp.route("/expert/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def expert_page(token: str):
    try:
        claims = escalations.read_link(token)
    except escalations.LinkProblem as problem:
        return _problem(problem.reason)
    with db.tenant(db.session(), claims.agency_id):
        try:
            escalation = escalations.escalation_for_link(claims, for_update=request.method == "POST")
        except escalations.LinkProblem as problem:
            return _problem(problem.reason)
        workspace = db.session.get(Workspace, escalation.workspace_id)
        interaction = db.session.get(Interaction, escalation.interaction_id)
        expert = db.session.get(Expert, escalation.expert_id)
        with force_locale(workspace.locale or "de"):
            form = ExpertAnswerForm()
            status = 200
            if request.method == "POST":
                if form.validate():
                    try:
                        escalations.answer(escalation, form.answer.data)
                    except ValidationError as err:
                        apply_validation_error(form, err)
                    else:
                        return render_template("community/expert_thanks.html", workspace=workspace, expert=expert)
                status = 400
            return render_template("community/expert_page.html", workspace=workspace, interaction=interaction,
                                   expert=expert, escalation=escalation, form=form), status
