"""Saved replies of a workspace (and the agency's shared ones): /w/<workspace>/saved-replies."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.community import placeholders
from agency.community.forms import SavedReplyForm
from agency.community.models import SavedReply
from agency.community.services import saved_replies
from agency.community.views import bp
from agency.community.views.helpers import comma_list, may_manage, scoped
from agency.errors import ValidationError


def _filtered(replies: list[SavedReply], query: str, tag: str, kind: str) -> list[SavedReply]:
    query = query.strip().lower()[:200]
    result = []
    for reply in replies:
        if kind in ("reply", "holding") and reply.kind != kind:
            continue
        if tag and tag not in reply.tags:
            continue
        haystack = " ".join([reply.title, reply.text_formal, reply.text_informal, " ".join(reply.tags)]).lower()
        if query and not all(part in haystack for part in query.split()):
            continue
        result.append(reply)
    return result


def _page(ws, form, status=200, editing: SavedReply | None = None):
    replies = saved_replies.available(ws.agency_id, ws.id)
    query, tag, kind = request.args.get("q", ""), request.args.get("tag", "")[:40], request.args.get("kind", "")
    tags = sorted({t for r in replies for t in r.tags})
    return render_template("community/saved_replies.html", workspace=ws, form=form, editing=editing,
                           replies=_filtered(replies, query, tag, kind), all_count=len(replies), tags=tags,
                           query=query[:200], tag=tag, kind=kind, can_manage=may_manage(), empty_form=EmptyForm(),
                           placeholders=placeholders.PLACEHOLDERS), status


def _save(ws, form: SavedReplyForm, reply: SavedReply | None):
    if form.scope.data == "agency" and not may_manage():
        apply_validation_error(form, ValidationError(
            _("Only account managers and admins can share a saved reply with the whole agency."), "scope"))
        return None
    try:
        return saved_replies.save(
            current_user, agency_id=ws.agency_id, workspace=None if form.scope.data == "agency" else ws,
            title=form.title.data, language=form.language.data, tags=comma_list(form.tags.data),
            text_formal=form.text_formal.data or "", text_informal=form.text_informal.data or "",
            kind=form.kind.data, reply=reply, ip=client_ip())
    except ValidationError as err:
        apply_validation_error(form, err)
        return None


@bp.route("/w/<workspace>/saved-replies", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def saved_replies_index(workspace: str):
    ws = workspace_or_404(workspace)
    if request.method == "POST":
        form = SavedReplyForm()
        if form.validate() and _save(ws, form, None) is not None:
            flash(_("Saved reply “%(title)s” created.", title=form.title.data.strip()), "success")
            return redirect(url_for("community.saved_replies_index", workspace=ws.slug))
        return _page(ws, form, 400)
    kind = "holding" if request.args.get("new") == "holding" else "reply"
    form = SavedReplyForm(data={"scope": "workspace", "language": "en" if ws.locale == "en" else "de", "kind": kind})
    return _page(ws, form)


def _editable(ws, reply: SavedReply) -> None:
    if reply.workspace_id is None and not may_manage():
        abort(404)


@bp.route("/w/<workspace>/saved-replies/<int:saved_reply_id>", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def saved_reply_edit(workspace: str, saved_reply_id: int):
    ws = workspace_or_404(workspace)
    reply = scoped(SavedReply, saved_reply_id, ws, allow_agency_wide=True)
    _editable(ws, reply)
    if request.method == "POST":
        form = SavedReplyForm()
        if form.validate() and _save(ws, form, reply) is not None:
            flash(_("Saved reply “%(title)s” updated.", title=reply.title), "success")
            return redirect(url_for("community.saved_replies_index", workspace=ws.slug))
        return _page(ws, form, 400, editing=reply)
    form = SavedReplyForm(data={"title": reply.title, "scope": "agency" if reply.workspace_id is None else "workspace",
                                "kind": reply.kind, "language": reply.language, "tags": ", ".join(reply.tags),
                                "text_formal": reply.text_formal, "text_informal": reply.text_informal})
    return _page(ws, form, editing=reply)


@bp.route("/w/<workspace>/saved-replies/<int:saved_reply_id>/delete", methods=["POST"])
@permission_required("inbox.work", hide=True)
def saved_reply_delete(workspace: str, saved_reply_id: int):
    ws = workspace_or_404(workspace)
    reply = scoped(SavedReply, saved_reply_id, ws, allow_agency_wide=True)
    _editable(ws, reply)
    if not EmptyForm().validate():
        abort(400)
    title = reply.title
    saved_replies.delete(current_user, reply, ip=client_ip())
    flash(_("Saved reply “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("community.saved_replies_index", workspace=ws.slug))


@bp.route("/w/<workspace>/saved-replies/<int:saved_reply_id>/used", methods=["POST"])
@permission_required("inbox.work", hide=True)
def saved_reply_used(workspace: str, saved_reply_id: int):
    """JSON: the composer inserted this saved reply (counts its use)."""
    ws = workspace_or_404(workspace)
    reply = scoped(SavedReply, saved_reply_id, ws, allow_agency_wide=True)
    if not EmptyForm().validate():
        return jsonify(error={"code": "csrf", "message": _("The form has expired. Please reload the page."),
                              "fields": {}}), 400
    return jsonify(id=reply.id, usage_count=saved_replies.record_use(reply))
