"""Reply approval pages: ``/w/<ws>/approvals`` for staff (the list, decisions, the setting) and
``/portal/approvals`` for client approvers (no staff seat)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from agency import db
from agency.accounts.models import User
from agency.accounts.permissions import can
from agency.accounts.tenancy import get_scoped_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.errors import ValidationError
from agency.inbox.models import Interaction
from agency.moderation import approvals
from agency.moderation.forms import ApprovalSettingsForm, DecisionForm
from agency.moderation.models import ReplyApproval
from agency.moderation.views import bp


def _settings_form(settings, formdata=None) -> ApprovalSettingsForm:
    form = ApprovalSettingsForm(formdata=formdata) if formdata is not None else ApprovalSettingsForm(
        formdata=None, mode=settings.mode, approver=settings.approver,
        rule_negative_public=settings.rule_negative_public, rule_tags=", ".join(settings.rule_tags or []))
    form.mode.choices = [(k.value, v) for k, v in approvals.MODE_LABELS.items()]
    form.approver.choices = list(approvals.APPROVER_LABELS.items())
    return form


def _page(ws, *, settings_form=None, decision_errors=None, status=200):
    waiting = approvals.waiting(ws.id)
    decided = approvals.recent_decisions(ws.id)
    ids = {a.interaction_id for a in waiting + decided}
    items = {i.id: i for i in db.session.scalars(select(Interaction).where(Interaction.id.in_(ids)))} if ids else {}
    people = {a.author_id for a in waiting + decided} | {a.decided_by_id for a in decided}
    names = {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(people - {None})))} \
        if people - {None} else {}
    settings = approvals.settings_of(ws.id)
    return render_template(
        "moderation/approvals.html", workspace=ws, waiting=waiting, decided=decided, items=items, names=names,
        settings=settings, settings_form=settings_form or _settings_form(settings),
        can_configure=can(current_user, "workspaces.manage"), may_decide=approvals.may_decide,
        decision_errors=decision_errors or {}, reason_label=approvals.reason_label,
        waiting_time=approvals.waiting_time, status_labels=approvals.STATUS_LABELS,
        mode_labels=approvals.MODE_LABELS, approver_labels=approvals.APPROVER_LABELS), status


@bp.route("/w/<workspace>/approvals")
@permission_required("inbox.work", hide=True)
def approvals_page(workspace: str):
    """Replies waiting for approval (oldest first, with how long they wait), recent decisions, the setting."""
    return _page(workspace_or_404(workspace))


@bp.route("/w/<workspace>/approvals/settings", methods=["POST"])
@permission_required("workspaces.manage", hide=True)
def approval_settings(workspace: str):
    """Save whether replies need approval, when, and who approves."""
    ws = workspace_or_404(workspace)
    form = _settings_form(None, formdata=request.form)
    if form.validate():
        try:
            approvals.save_settings(current_user, ws, mode=form.mode.data, approver=form.approver.data,
                                    rule_negative_public=bool(form.rule_negative_public.data),
                                    rule_tags=(form.rule_tags.data or "").split(","), ip=client_ip())
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Approval setting saved."), "success")
            return redirect(url_for("moderation.approvals_page", workspace=ws.slug), 303)
    return _page(ws, settings_form=form, status=400)


def _decide(approval: ReplyApproval):
    """Apply the posted decision; returns the errors by field (empty when it worked)."""
    form = DecisionForm()
    if not form.validate():
        return dict(form.errors)
    try:
        approvals.decide(current_user, approval, form.decision.data, text=form.text.data, comment=form.comment.data,
                         ip=client_ip())
    except ValidationError as err:
        return {err.field or "decision": [err.message]}
    return {}


@bp.route("/w/<workspace>/approvals/<int:approval_id>", methods=["POST"])
@permission_required("inbox.work", hide=True)
def decide(workspace: str, approval_id: int):
    """Approve (optionally edited) or reject (with a comment) one held reply."""
    ws = workspace_or_404(workspace)
    approval = get_scoped_or_404(ReplyApproval, approval_id)
    if approval.workspace_id != ws.id:
        abort(404)
    errors = _decide(approval)
    if errors:
        return _page(ws, decision_errors={approval.id: errors}, status=400)
    flash(_("Approved: the reply is being sent.") if approval.status == "approved" else
          _("Rejected: the author sees your comment."), "success")
    return redirect(url_for("moderation.approvals_page", workspace=ws.slug), 303)


# --- the client's side (portal) ---------------------------------------------------------------------


def _client_workspace():
    if current_user.is_staff:
        abort(404)
    memberships = current_user.memberships
    if len(memberships) != 1 or memberships[0].workspace.is_archived:
        abort(404)
    return memberships[0].workspace


@bp.route("/portal/approvals")
@login_required
def client_approvals():
    """The client approver's list: replies waiting for their approval."""
    ws = _client_workspace()
    return _client_page(ws)


def _client_page(ws, errors=None, status=200):
    rows = [a for a in approvals.waiting(ws.id) if a.approver == "client" and approvals.may_decide(current_user, a)]
    items = {i.id: i for i in db.session.scalars(select(Interaction).where(
        Interaction.id.in_([a.interaction_id for a in rows])))} if rows else {}
    return render_template("moderation/client_approvals.html", workspace=ws, rows=rows, items=items,
                           errors=errors or {}, reason_label=approvals.reason_label), status


@bp.route("/portal/approvals/<int:approval_id>", methods=["POST"])
@login_required
def client_decide(approval_id: int):
    """A client approver's decision."""
    ws = _client_workspace()
    approval = db.get_in_agency(ReplyApproval, approval_id, current_user.agency_id)
    if approval is None or approval.workspace_id != ws.id or approval.approver != "client":
        abort(404)
    errors = _decide(approval)
    if errors:
        return _client_page(ws, {approval.id: errors}, status=400)
    flash(_("Thank you: the reply is being sent.") if approval.status == "approved" else
          _("Rejected: the team sees your comment."), "success")
    return redirect(url_for("moderation.client_approvals"), 303)
