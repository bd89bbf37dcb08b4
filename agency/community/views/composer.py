"""What the thread page uses of this package: the live checker, the saved-reply picker, escalating.

The inbox never imports us: its thread template includes our slot templates, which call these
endpoints (JSON for the checker and the picker, plain forms for escalations).
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.channels.models import Channel
from agency.community import placeholders, queries, suggest, tone
from agency.community.forms import CheckForm, EscalateForm
from agency.community.inputs import valid_id
from agency.community.models import Escalation, Expert
from agency.community.queries import open_incident
from agency.community.services import escalations, saved_replies, voice
from agency.community.views import bp
from agency.community.views.helpers import scoped, workspace_and_interaction
from agency.errors import ValidationError
from agency.inbox.replies import reply_limit


def _json_error(message: str, fields: dict | None = None, status: int = 400):
    return jsonify(error={"code": "invalid", "message": message, "fields": fields or {}}), status


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/tone-check", methods=["POST"])
@permission_required("inbox.work", hide=True)
def tone_check(workspace: str, interaction_id: int):
    """JSON: the checker's findings for a draft reply (called while typing and before sending)."""
    ws, interaction = workspace_and_interaction(workspace, interaction_id)
    form = CheckForm()
    if not form.validate():
        return _json_error(_("The text cannot be checked."),
                           {name: [str(e) for e in f.errors] for name, f in form._fields.items() if f.errors})
    text = form.text.data or ""
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    guide = voice.guide_of(ws.id)
    findings = voice.check(ws, guide, text, interaction_language=interaction.language,
                           max_length=reply_limit(channel, interaction).maximum if channel else None,
                           count_bytes=channel is not None and channel.platform == "google_business_profile")
    return jsonify(
        findings=[{**f.as_dict(), "utf16_start": tone.utf16_offset(text, f.start),
                   "utf16_end": tone.utf16_offset(text, f.end), "excerpt": text[f.start:f.end]} for f in findings],
        missing=[{"name": name, "marker": placeholders.marker(name), "label": str(placeholders.PLACEHOLDERS[name])}
                 for name in placeholders.markers_in(text)],
        blocking=any(f.blocking for f in findings), length=len(text))


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/saved-replies")
@permission_required("inbox.work", hide=True)
def composer_saved_replies(workspace: str, interaction_id: int):
    """JSON: saved replies for this conversation, best first, with placeholders filled."""
    ws, interaction = workspace_and_interaction(workspace, interaction_id)
    query = (request.args.get("q") or "")[:200]
    guide = voice.guide_of(ws.id)
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    values = saved_replies.placeholder_values(ws, guide, interaction=interaction, actor=current_user,
                                              channel_name=channel.name if channel else None)
    replies = {r.id: r for r in saved_replies.available(ws.agency_id, ws.id)}
    candidates = [suggest.Candidate(r.id, r.title, saved_replies.variant(r, ws.address_form), r.tags, r.language,
                                    r.usage_count, r.kind == "holding") for r in replies.values()]
    ranked = suggest.rank(candidates, text=interaction.text or "", tags=interaction.tags or [],
                          language=interaction.language, query=query, crisis=open_incident(ws.id) is not None)
    items = []
    for score, candidate in ranked[:20]:
        reply = replies[candidate.id]
        text, missing = saved_replies.render(reply, ws, values)
        items.append({"id": reply.id, "title": reply.title, "text": text, "missing": missing, "tags": reply.tags,
                      "kind": reply.kind, "language": reply.language, "usage_count": reply.usage_count,
                      "score": round(score, 3), "shared": reply.workspace_id is None,
                      "used_url": url_for("community.saved_reply_used", workspace=ws.slug, saved_reply_id=reply.id)})
    return jsonify(items=items, query=query)


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/escalate", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def escalate(workspace: str, interaction_id: int):
    """Ask an expert about this conversation (the sidebar posts here; errors show this page with the form)."""
    ws, interaction = workspace_and_interaction(workspace, interaction_id)
    experts = escalations.experts_of(ws.id, active_only=True)
    form = EscalateForm()
    form.expert.choices = [(str(e.id), e.name) for e in experts]
    status = 200
    if request.method == "POST":
        if form.validate():
            expert_id = valid_id(form.expert.data)
            expert = scoped(Expert, expert_id, ws) if expert_id else abort(404)
            try:
                escalations.escalate(current_user, ws, interaction, expert, form.question.data, ip=client_ip())
            except ValidationError as err:
                apply_validation_error(form, err)
            else:
                flash(_("Question sent to %(name)s. The answer will appear here as an internal note.",
                        name=expert.name), "success")
                return redirect(url_for("inbox.thread", workspace=ws.slug, interaction_id=interaction.id))
        status = 400
    return render_template("community/escalate.html", workspace=ws, interaction=interaction, form=form,
                           experts=experts, rows=queries.escalation_rows(ws, interaction_id=interaction.id)), status


@bp.route("/w/<workspace>/escalations/<int:escalation_id>/cancel", methods=["POST"])
@permission_required("inbox.work", hide=True)
def escalation_cancel(workspace: str, escalation_id: int):
    ws = workspace_or_404(workspace)
    escalation = scoped(Escalation, escalation_id, ws)
    if not EmptyForm().validate():
        abort(400)
    try:
        escalations.cancel(current_user, escalation, ip=client_ip())
        flash(_("Question withdrawn."), "success")
    except ValidationError as err:
        flash(err.message, "error")
    return redirect(url_for("inbox.thread", workspace=ws.slug, interaction_id=escalation.interaction_id))
