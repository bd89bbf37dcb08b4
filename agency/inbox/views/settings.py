"""Inbox rules of a workspace (auto-tag, auto-assign, priority on ingest)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import wiring
from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import get_scoped_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.channels.queries import channels_of_workspace
from agency.errors import ValidationError
from agency.inbox import services
from agency.inbox.forms import KIND_LABELS, MODE_LABELS, MODERATE_LABELS, PRIORITY_LABELS, RuleForm
from agency.inbox.models import InboxRule
from agency.inbox.views import bp


def _form(ws, form: RuleForm | None = None) -> RuleForm:
    form = form or RuleForm()
    form.channel_id.choices = [("", _("any"))] + [(str(c.id), c.name) for c in channels_of_workspace(ws.id)]
    form.assignee_id.choices = [("", "—")] + [(str(u.id), u.name)
                                              for u in services.staff_of_workspace(ws.agency_id, ws.id)]
    return form


@bp.route("/w/<workspace>/settings/rules", methods=["GET", "POST"])
@permission_required("channels.manage", hide=True)
def rules(workspace: str):
    ws = workspace_or_404(workspace)
    form = _form(ws)
    labels_known = wiring.provided("author_labels") is not None  # a package above keeps people's labels
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.save_rule(
                    current_user, ws, name=form.name.data,
                    conditions={"channel_id": form.channel_id.data, "kind": form.kind.data,
                                "text_contains": (form.text_contains.data or "").strip(),
                                "sentiment": form.sentiment.data, "rating_max": form.rating_max.data,
                                "is_spam": form.is_spam.data, "has_link": form.has_link.data,
                                "banned_word": form.banned_word.data,
                                "author_label": (form.author_label.data or "").strip() if labels_known else ""},
                    actions={"tag": (form.tag.data or "").strip(), "assignee_id": form.assignee_id.data,
                             "priority": form.priority.data, "moderate": form.moderate.data,
                             "mode": form.mode.data if form.moderate.data else ""})
                flash(_("Rule saved. It applies to new conversations."), "success")
                return redirect(url_for("inbox.rules", workspace=ws.slug))
            except ValidationError as err:
                apply_validation_error(form, err)
        status = 400
    return render_template("inbox/rules.html", workspace=ws, form=form, rules=services.rules_of_workspace(ws.id),
                           empty_form=EmptyForm(), kind_labels=KIND_LABELS, priority_labels=PRIORITY_LABELS,
                           moderate_labels=MODERATE_LABELS, mode_labels=MODE_LABELS,
                           labels_known=labels_known,
                           channels={c.id: c for c in channels_of_workspace(ws.id)},
                           staff={u.id: u for u in services.staff_of_workspace(ws.agency_id, ws.id)}), status


@bp.route("/w/<workspace>/settings/rules/<int:rule_id>/delete", methods=["POST"])
@permission_required("channels.manage", hide=True)
def delete_rule(workspace: str, rule_id: int):
    ws = workspace_or_404(workspace)
    rule = get_scoped_or_404(InboxRule, rule_id)
    if rule.workspace_id != ws.id or not EmptyForm().validate():
        abort(404)
    services.delete_rule(current_user, rule)
    flash(_("Rule deleted."), "success")
    return redirect(url_for("inbox.rules", workspace=ws.slug))
