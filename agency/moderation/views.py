"""Moderation pages: an action on one item (POST ``/w/<ws>/inbox/<id>/moderate``, also editing our own reply),
retry, bulk hide/delete."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import get_scoped_or_404, in_workspace_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.channels.models import Channel
from agency.errors import ValidationError
from agency.inbox.models import Interaction, Reply
from agency.moderation import services
from agency.moderation.forms import BulkModerateForm, ModerateForm
from agency.moderation.models import ModerationAction

bp = Blueprint("moderation", __name__)

#: At most this many items per bulk action (like the inbox's own bulk actions).
BULK_MAX = 500


def _interaction(workspace: str, interaction_id: int) -> tuple:
    return in_workspace_or_404(Interaction, workspace, interaction_id)


def _thread_url(ws, interaction) -> str:
    return url_for("inbox.thread", workspace=ws.slug, interaction_id=interaction.id) + "#moderation"


def _reply_of(interaction: Interaction, raw: str | None) -> Reply | None:
    """The reply ``raw`` names, which must be one of ``interaction``'s (anything else is not found)."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        abort(404)
    reply = get_scoped_or_404(Reply, int(raw))
    if reply.interaction_id != interaction.id:
        abort(404)
    return reply


@bp.route("/w/<workspace>/inbox/<int:interaction_id>/moderate", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def moderate(workspace: str, interaction_id: int):
    """Do a moderation action on the platform (queued); GET shows the choices (and confirms without JS), and
    with ``action=edit&reply=<id>`` the form that edits our reply (the thread's inline form without JS)."""
    ws, interaction = _interaction(workspace, interaction_id)
    form = ModerateForm()
    status = 200
    reply = None
    if request.method == "POST":
        if form.validate():
            reply = _reply_of(interaction, form.reply.data)
            try:
                row = services.queue_action(current_user, interaction, form.action.data, text=form.text.data,
                                            reply=reply, ip=client_ip())
            except ValidationError as err:
                apply_validation_error(form, err)
            else:
                flash(_("%(action)s: queued for %(platform)s. The state shows here.",
                        action=services.ACTION_LABELS[row.action],
                        platform=services.platform_name(interaction.platform)), "success")
                if reply is not None:
                    return redirect(url_for("inbox.thread", workspace=ws.slug, interaction_id=interaction.id)
                                    + f"#reply-{reply.id}", 303)
                return redirect(_thread_url(ws, interaction), 303)
        status = 400
        if reply is None and not form.reply.errors:  # the edit form again, with the reply it was about
            reply = _reply_of(interaction, form.reply.data)
    else:
        reply = _reply_of(interaction, request.args.get("reply"))
        if request.args.get("action"):
            form.action.data = request.args.get("action")
    channel = db.session.get(Channel, interaction.channel_id) if interaction.channel_id else None
    state = services.states_of([interaction.id]).get(interaction.id, services.ItemState())
    offered = services.offered_actions(interaction, state, channel)
    # The edit form: of the reply named, or of the item itself when it is ours.
    editing = None
    if reply is not None or (form.action.data == "edit" and "edit" in offered):
        edits = services.edits_of(interaction, reply)
        allowed = ("edit" in (services.reply_actions(reply, interaction, channel) if reply is not None else offered)
                   and edits.pending is None)
        editing = {"reply": reply, "text": services.current_text(interaction, reply), "allowed": allowed,
                   "edits": edits, "draft": form.text.data if form.action.data == "edit" and form.text.data
                   else None}
    return render_template("moderation/moderate.html", workspace=ws, interaction=interaction, form=form,
                           channel=channel, offered=[a for a in offered if a != "edit"], editing=editing,
                           history=services.history(interaction), labels=services.ACTION_LABELS,
                           done_labels=services.DONE_LABELS, status_labels=services.STATUS_LABELS), status


@bp.route("/w/<workspace>/moderation/<int:action_id>/retry", methods=["POST"])
@permission_required("inbox.work", hide=True)
def retry(workspace: str, action_id: int):
    """Queue a failed action again."""
    ws = workspace_or_404(workspace)
    row = get_scoped_or_404(ModerationAction, action_id)
    if row.workspace_id != ws.id:
        abort(404)
    if not EmptyForm().validate():
        abort(400)
    interaction = db.session.get(Interaction, row.interaction_id)
    try:
        services.retry_action(current_user, row, ip=client_ip())
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(_thread_url(ws, interaction), 303)
    flash(_("Queued again."), "success")
    return redirect(_thread_url(ws, interaction), 303)


@bp.route("/inbox/moderate", methods=["POST"])
@permission_required("inbox.work")
def bulk():
    """Hide or delete the selected items on their platforms (the inbox list's bulk bar posts here)."""
    form = BulkModerateForm()
    back = request.form.get("back") or url_for("inbox.all_inboxes")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("inbox.all_inboxes")
    raw_ids = request.form.getlist("ids")
    if not form.validate() or len(raw_ids) > BULK_MAX or not all(i.isdigit() and len(i) <= 18 for i in raw_ids):
        message = _("Select at least one item (at most %(n)d) and hide or delete.", n=BULK_MAX)
        return render_template("moderation/problem.html", message=message, back=back), 400
    items = [get_scoped_or_404(Interaction, int(i)) for i in dict.fromkeys(raw_ids)]
    done, refused = 0, []
    for interaction in items:
        try:
            with db.session.begin_nested():
                services.queue_action(current_user, interaction, form.moderation.data, ip=client_ip())
            done += 1
        except ValidationError as err:
            refused.append(f"{interaction.author_name}: {err.message}")
    if done:
        flash(_("Queued: %(action)s (%(n)d).", n=done, action=services.ACTION_LABELS[form.moderation.data]),
              "success")
    if refused:
        flash(_("Not possible (%(n)d): %(why)s", n=len(refused), why="; ".join(refused[:5])), "error")
    return redirect(back, 303)


@bp.route("/inbox/events")
@permission_required("inbox.work")
def events():
    """The live inbox: server-sent events of new and changed items in the user's workspaces (``workspace``
    narrows them to one) for an EventSource (``Accept: text/event-stream``); with ``after=<id>`` (the polling
    fallback), or for any other request, a JSON count of items newer than that id."""
    from flask import Response, jsonify

    from agency.accounts.tenancy import visible_workspace_ids
    from agency.moderation import live

    workspace_ids = set(visible_workspace_ids())
    chosen = request.args.get("workspace", "")
    if chosen:
        if not chosen.isdigit() or len(chosen) > 18 or int(chosen) not in workspace_ids:
            abort(404)
        workspace_ids = {int(chosen)}
    after = request.args.get("after")
    if after is None and "text/event-stream" not in request.headers.get("Accept", ""):
        # Not an EventSource (a crawler, a script, a plain link): answer at once with the count after now.
        after = str(live.newest_id())
    if after is not None:
        if not after.isdigit() or len(after) > 18:
            return jsonify({"error": {"code": "bad_after", "message": _("after must be an item id."),
                                      "fields": ["after"]}}), 400
        return jsonify(live.new_after(workspace_ids, int(after)))
    agency_id = current_user.agency_id
    live.end_request_transaction()
    response = Response(live.stream(agency_id, workspace_ids), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    return response
