"""Auto-moderation pages: the log of what the workspace's rules did (``/w/<ws>/moderation/rules-log``), accepting
or dismissing a rule's suggestion (the thread's banner) and undoing what a rule did."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.models import User
from agency.accounts.permissions import can
from agency.accounts.tenancy import get_scoped_or_404, in_workspace_or_404, workspace_or_404
from agency.accounts.views.helpers import client_ip, permission_required
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.inbox.models import InboxRule
from agency.moderation import automod, services
from agency.moderation.models import RuleRun
from agency.moderation.views import bp


def _run(workspace: str, run_id: int) -> tuple:
    return in_workspace_or_404(RuleRun, workspace, run_id)


def _back(ws, run: RuleRun) -> str:
    if request.form.get("back") == "log":
        return url_for("moderation.rule_log", workspace=ws.slug)
    return url_for("inbox.thread", workspace=ws.slug, interaction_id=run.interaction_id)


@bp.route("/w/<workspace>/moderation/rules-log")
@permission_required("inbox.work", hide=True)
def rule_log(workspace: str):
    """What each rule did: newest first (sortable), filter by rule, undo where the platform allows it."""
    ws = workspace_or_404(workspace)
    raw_rule = request.args.get("rule", "")
    rule = None
    if raw_rule:
        if not raw_rule.isdigit() or len(raw_rule) > 18:
            abort(404)
        rule = get_scoped_or_404(InboxRule, int(raw_rule))
        if rule.workspace_id != ws.id:
            abort(404)
    sort = request.args.get("sort", "-created")
    if sort.lstrip("-") not in automod.SORTS:
        sort = "-created"
    rows, more = automod.log(ws.id, rule_id=rule.id if rule else None, sort=sort)
    people = {r.run.decided_by_id for r in rows} | {r.run.undone_by_id for r in rows}
    people.discard(None)
    names = {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(people)))} if people else {}
    return render_template("moderation/rule_log.html", workspace=ws, rows=rows, more=more, sort=sort, rule=rule,
                           rules=automod.rules_in_log(ws.id), names=names, outcome_labels=automod.OUTCOME_LABELS,
                           action_labels=services.ACTION_LABELS, status_labels=services.STATUS_LABELS,
                           platform_name=services.platform_name,
                           can_edit_rules=can(current_user, "channels.manage"))


@bp.route("/w/<workspace>/moderation/rule-runs/<int:run_id>/accept", methods=["POST"])
@permission_required("inbox.work", hide=True)
def accept_suggestion(workspace: str, run_id: int):
    """Do what the rule suggested, as the current user (queued like any moderation action)."""
    ws, run = _run(workspace, run_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        row = automod.accept(current_user, run, ip=client_ip())
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(_back(ws, run), 303)
    flash(_("%(action)s: queued for %(platform)s. The state shows here.", action=services.ACTION_LABELS[row.action],
            platform=services.platform_name(db.session.get(Channel, row.channel_id).platform)), "success")
    return redirect(_back(ws, run), 303)


@bp.route("/w/<workspace>/moderation/rule-runs/<int:run_id>/dismiss", methods=["POST"])
@permission_required("inbox.work", hide=True)
def dismiss_suggestion(workspace: str, run_id: int):
    """Leave the item as it is; the suggestion goes away."""
    ws, run = _run(workspace, run_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        automod.dismiss(current_user, run, ip=client_ip())
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(_back(ws, run), 303)
    flash(_("Suggestion dismissed."), "success")
    return redirect(_back(ws, run), 303)


@bp.route("/w/<workspace>/moderation/rule-runs/<int:run_id>/undo", methods=["POST"])
@permission_required("inbox.work", hide=True)
def undo_rule_run(workspace: str, run_id: int):
    """Undo what a rule did where the platform allows it (a hide: unhide); a delete cannot be undone."""
    ws, run = _run(workspace, run_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        automod.undo(current_user, run, ip=client_ip())
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(_back(ws, run), 303)
    flash(_("Unhide: queued for the platform."), "success")
    return redirect(_back(ws, run), 303)

